//! Making the output file: a copy of the input, written beside the output and renamed into
//! place, so that a reader never sees half a file and the input is never touched.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::{NwbError, NwbErrorKind};

/// Copies the NWB file `input` to `output`, which simulated responses then overwrite.
///
/// The copy is written to a temporary file in `output`'s directory, synced, and moved into
/// place. Without `overwrite` an existing `output` is an error ([`NwbErrorKind::OutputExists`]),
/// also when it appears while the copy is being made; with it, the old file is replaced in
/// one step. `output` naming the input itself is an error ([`NwbErrorKind::SameFile`]): use
/// [`NwbFile::open_rw`](super::file::NwbFile::open_rw) on the input to work in place.
pub fn copy_for_output(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    overwrite: bool,
) -> Result<(), NwbError> {
    let (input, output) = (input.as_ref(), output.as_ref());
    let io_err = |path: &Path, err: io::Error| NwbError::new(path, None, NwbErrorKind::Io(err));

    let input_meta = fs::metadata(input).map_err(|err| io_err(input, err))?;
    if !input_meta.is_file() {
        return Err(NwbError::new(
            input,
            None,
            NwbErrorKind::Io(io::Error::new(io::ErrorKind::InvalidInput, "not a file")),
        ));
    }
    match fs::canonicalize(output) {
        Ok(out) => {
            let same = fs::canonicalize(input).map_err(|err| io_err(input, err))? == out;
            if same {
                return Err(NwbError::new(output, None, NwbErrorKind::SameFile));
            }
            if !overwrite {
                return Err(NwbError::new(output, None, NwbErrorKind::OutputExists));
            }
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_err(output, err)),
    }

    let (tmp_path, mut tmp) = create_temp_beside(output).map_err(|err| io_err(output, err))?;
    let result = (|| {
        let mut src = File::open(input).map_err(|err| io_err(input, err))?;
        io::copy(&mut src, &mut tmp).map_err(|err| io_err(&tmp_path, err))?;
        tmp.sync_all().map_err(|err| io_err(&tmp_path, err))?;
        drop(tmp);
        if overwrite {
            fs::rename(&tmp_path, output).map_err(|err| io_err(output, err))
        } else {
            place_without_clobbering(&tmp_path, output)
        }
    })();
    // After a successful rename the temporary name no longer exists; removing it is then a
    // harmless no-op, and after a failure it cleans up.
    let _ = fs::remove_file(&tmp_path);
    result
}

/// Moves `tmp` to `output` unless `output` exists. A hard link refuses an existing target
/// atomically; where the file system has no hard links, an existence check and a rename do.
fn place_without_clobbering(tmp: &Path, output: &Path) -> Result<(), NwbError> {
    match fs::hard_link(tmp, output) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            Err(NwbError::new(output, None, NwbErrorKind::OutputExists))
        }
        Err(_) => {
            if output.exists() {
                return Err(NwbError::new(output, None, NwbErrorKind::OutputExists));
            }
            fs::rename(tmp, output)
                .map_err(|err| NwbError::new(output, None, NwbErrorKind::Io(err)))
        }
    }
}

/// Creates a new, empty file next to `target` with a name no other process is using.
fn create_temp_beside(target: &Path) -> io::Result<(PathBuf, File)> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stem = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last_err = None;
    for attempt in 0..100u32 {
        let name = format!(".{stem}.{}-{nanos}-{attempt}.tmp", std::process::id());
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_err = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}
