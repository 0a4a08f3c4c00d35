//! The atomic, no-clobber writer every output file goes through, and
//! reading files that may be gzip-compressed. Each result format has its
//! writer and reader in [`crate::formats`] (batch summaries in
//! [`crate::batch`]); configs are written back by [`crate::model`].
//!
//! Every writer is atomic: it writes a temporary file in the destination
//! folder, flushes it to disk, then renames it over the destination, so a
//! failed or interrupted run never leaves a half-written file and never
//! destroys the previous one. An existing file is replaced only when
//! [`WriteOptions::overwrite`] is set. A file name ending in `.gz`
//! (`out.json.gz`, `out.csv.gz`) is written gzip-compressed by
//! [`write_atomic`] (flate2 at level 1: result JSON to 36% of its size
//! where level 6 gives 34%, for an eighth of the CPU; docs/PERFORMANCE.md);
//! [`is_gzip`] says which names are.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use std::io::Read;

use super::error::{Error, ErrorKind, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether a file name ends in `.gz` (any case): written and read
/// gzip-compressed.
pub fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The bytes of `path`, decompressed when its name ends in `.gz`.
pub(crate) fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if !gz {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .map_err(|e| {
            let e = std::io::Error::new(e.kind(), format!("not a valid gzip file: {e}"));
            Error::io(path, e)
        })?;
    Ok(out)
}

/// The text of a file [`write_atomic`] wrote: gunzipped when its name
/// ends in `.gz`.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = read_maybe_gzip(path)?;
    String::from_utf8(bytes).map_err(|_| {
        let e = std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text");
        Error::io(path, e)
    })
}

/// Writes `fill`'s bytes to `path` atomically; refuses to replace an
/// existing file unless `overwrite`. When `path` ends in `.gz` the bytes
/// are gzip-compressed on the way.
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut w = AtomicWriter::create(path, overwrite)?;
    fill(&mut w).map_err(|e| Error::io(path, e))?;
    w.commit()
}

/// As [`write_atomic`] (without compression), for writers that need to
/// seek in the file, such as the `.npz` (ZIP) writer: `fill` gets the
/// buffered temporary file.
pub fn write_atomic_file(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let mut w = AtomicWriter::open(path, overwrite, false)?;
    // Opened without gzip, so the sink is always the plain file.
    if let Some(Sink::Plain(file)) = &mut w.w {
        fill(file).map_err(|e| Error::io(path, e))?;
    }
    w.commit()
}

/// What an [`AtomicWriter`] writes into: the buffered temporary file, or a
/// gzip encoder over it (behind a 64 KiB buffer: writers such as CSV's
/// write a few bytes at a time, and each call into the encoder costs).
enum Sink {
    Plain(std::io::BufWriter<std::fs::File>),
    Gzip(std::io::BufWriter<flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>>>),
}

impl Sink {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w,
        }
    }

    /// The temporary file, every byte written (the gzip stream finished).
    fn finish(self) -> std::io::Result<std::fs::File> {
        let file = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?
                .finish()?,
        };
        file.into_inner()
            .map_err(std::io::IntoInnerError::into_error)
    }
}

/// A file written a piece at a time and put in place atomically: the bytes
/// go to a temporary file in the destination folder, which
/// [`AtomicWriter::commit`] flushes to disk and moves to the destination.
/// A name ending in `.gz` is gzip-compressed (level 1) on the way.
/// Dropped without a commit (an error, a panic), it removes its temporary
/// file and leaves the destination as it was. [`write_atomic`] is this in
/// one call.
pub struct AtomicWriter {
    path: PathBuf,
    temp: PathBuf,
    overwrite: bool,
    w: Option<Sink>,
}

impl AtomicWriter {
    /// Starts writing `path`; refuses an existing file unless `overwrite`
    /// (checked again at [`AtomicWriter::commit`]).
    pub fn create(path: &Path, overwrite: bool) -> Result<AtomicWriter> {
        AtomicWriter::open(path, overwrite, is_gzip(path))
    }

    fn open(path: &Path, overwrite: bool, gzip: bool) -> Result<AtomicWriter> {
        if !overwrite && path.exists() {
            return Err(Error::new(ErrorKind::Exists).in_file(path));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = dir.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(path, e))?;
        let file = std::io::BufWriter::new(file);
        let sink = if gzip {
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            Sink::Gzip(std::io::BufWriter::with_capacity(1 << 16, gz))
        } else {
            Sink::Plain(file)
        };
        Ok(AtomicWriter {
            path: path.to_path_buf(),
            temp,
            overwrite,
            w: Some(sink),
        })
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the bytes to disk and puts the file in place; never
    /// replaces a file unless created with `overwrite`.
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let err = |e: std::io::Error| Error::io(&path, e);
        let Some(w) = self.w.take() else {
            return Ok(());
        };
        let file = w.finish().map_err(err)?;
        file.sync_all().map_err(err)?;
        drop(file);
        let temp = &self.temp;
        if self.overwrite {
            std::fs::rename(temp, &path).map_err(err)?;
        } else {
            // A hard link fails if the destination appeared meanwhile: no
            // window in which another writer's file could be replaced.
            match std::fs::hard_link(temp, &path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(temp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::new(ErrorKind::Exists).in_file(&path));
                }
                // File systems without hard links: check, then rename.
                Err(_) => {
                    if path.exists() {
                        return Err(Error::new(ErrorKind::Exists).in_file(&path));
                    }
                    std::fs::rename(temp, &path).map_err(err)?;
                }
            }
        }
        Ok(())
    }
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.w {
            Some(w) => w.writer().write(buf),
            None => Err(std::io::Error::other("already committed")),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.w {
            Some(w) => w.writer().write_all(buf),
            None => Err(std::io::Error::other("already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.w {
            Some(w) => w.writer().flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicWriter {
    fn drop(&mut self) {
        // Not committed (or the commit failed): the temporary file goes.
        drop(self.w.take());
        let _ = std::fs::remove_file(&self.temp);
    }
}
