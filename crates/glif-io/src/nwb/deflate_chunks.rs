//! Reading a float32 series stored in deflate-compressed chunks without HDF5's
//! filter pipeline: each chunk's stored bytes are read as they are in the file
//! (`H5Dread_chunk`), inflated with zlib-rs (which, like zlib, checks each chunk's
//! adler32) and, when the shuffle filter precedes deflate, unshuffled.
//!
//! Inflate and unshuffle are exact, so the values are the bytes HDF5's own read
//! returns; the gain is speed (the fitting cells' and Allen files' sweeps are
//! gzip-compressed, and HDF5's inflate through the system zlib was most of the
//! time spent reading a cell, docs/PERFORMANCE.md). Anything else (another filter,
//! another element type or byte order, a chunk written with a filter skipped, an
//! inflate error) returns `None` and the caller reads through HDF5 as before.

use hdf5::filters::Filter;
use hdf5::types::{FloatSize, TypeDescriptor};
use hdf5::Dataset;

/// The one-dimensional little-endian float32 dataset `ds`, each value passed
/// through `widen` (written straight into the result, without a float32 copy
/// of the series), or `None` where the direct path does not apply (see the
/// module doc).
pub(crate) fn read_f32<T: Copy + Default>(
    ds: &Dataset,
    widen: impl Fn(f32) -> T,
) -> Option<Vec<T>> {
    let shuffled = match ds.filters().as_slice() {
        [Filter::Deflate(_)] => false,
        [Filter::Shuffle, Filter::Deflate(_)] => true,
        _ => return None,
    };
    let dtype = ds.dtype().ok()?;
    if dtype.to_descriptor().ok()? != TypeDescriptor::Float(FloatSize::U4)
        || dtype.byte_order() != hdf5::datatype::ByteOrder::LittleEndian
    {
        return None;
    }
    let [len] = ds.shape()[..] else { return None };
    let [chunk] = ds.chunk()?[..] else {
        return None;
    };
    let chunks = ds.num_chunks()?;
    if chunk == 0 || chunks != len.div_ceil(chunk) {
        return None;
    }
    let mut out = vec![T::default(); len];
    let mut stored = Vec::new();
    let mut plain = vec![0u8; chunk * 4];
    for index in 0..chunks {
        let info = ds.chunk_info(index)?;
        let start = usize::try_from(*info.offset.first()?).ok()?;
        if info.filter_mask != 0 || start % chunk != 0 || start >= len {
            return None;
        }
        stored.resize(usize::try_from(info.size).ok()?, 0);
        read_stored_chunk(ds, info.offset[0], &mut stored)?;
        let (done, code) =
            zlib_rs::decompress_slice(&mut plain, &stored, zlib_rs::InflateConfig::default());
        if code != zlib_rs::ReturnCode::Ok || done.len() != chunk * 4 {
            return None;
        }
        let dst = &mut out[start..len.min(start + chunk)];
        if shuffled {
            // Shuffle stores byte b of element e at b * chunk + e.
            let (b0, rest) = plain.split_at(chunk);
            let (b1, rest) = rest.split_at(chunk);
            let (b2, b3) = rest.split_at(chunk);
            for (e, x) in dst.iter_mut().enumerate() {
                *x = widen(f32::from_le_bytes([b0[e], b1[e], b2[e], b3[e]]));
            }
        } else {
            for (x, b) in dst.iter_mut().zip(plain.chunks_exact(4)) {
                *x = widen(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
    }
    Some(out)
}

/// The stored (still filtered) bytes of the chunk at `offset` into `buf`, which has
/// the chunk's stored size.
#[allow(unsafe_code)]
fn read_stored_chunk(ds: &Dataset, offset: u64, buf: &mut [u8]) -> Option<()> {
    let offset = [offset];
    let mut mask = 0u32;
    // SAFETY: `ds` is an open dataset of rank 1 (one offset), `buf` has the chunk's
    // stored size as HDF5 reported it, and the call is made under the hdf5 crate's
    // library lock, as every other HDF5 call.
    let status = hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5d::H5Dread_chunk1(
            ds.id(),
            hdf5_sys::h5p::H5P_DEFAULT,
            offset.as_ptr(),
            &mut mask,
            buf.as_mut_ptr().cast(),
        )
    });
    (status >= 0 && mask == 0).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh HDF5 file in the temporary directory, removed when dropped.
    struct TempFile(std::path::PathBuf);
    impl TempFile {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir();
            Self(dir.join(format!("glif-io-{}-{name}.h5", std::process::id())))
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Writes `data` (deflate, after shuffle if `shuffle`) into `path` and returns
    /// the dataset.
    fn dataset(path: &TempFile, data: &[f32], chunk: usize, shuffle: bool) -> Dataset {
        let file = hdf5::File::create(&path.0).unwrap();
        let mut b = file.new_dataset_builder();
        if shuffle {
            b = b.shuffle();
        }
        b.deflate(6)
            .chunk(chunk)
            .with_data(data)
            .create("data")
            .unwrap()
    }

    #[test]
    fn equals_hdf5s_own_read_with_and_without_shuffle_and_a_partial_last_chunk() {
        let data: Vec<f32> = (0..10_000)
            .map(|i| (i as f32 * 0.37).sin() * 1e-3 - 0.07)
            .collect();
        for (chunk, shuffle) in [(4096, true), (4096, false), (10_000, true), (333, true)] {
            let path = TempFile::new(&format!("deflate-{chunk}-{shuffle}"));
            let ds = dataset(&path, &data, chunk, shuffle);
            let want = ds.read_raw::<f32>().unwrap();
            let got = read_f32(&ds, |x| x).expect("the direct path applies");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "chunk {chunk}, shuffle {shuffle}");
            assert_eq!(bits(&got), bits(&data));
        }
    }

    #[test]
    fn other_layouts_fall_back_to_hdf5() {
        let path = TempFile::new("fallback");
        let file = hdf5::File::create(&path.0).unwrap();
        let plain = file
            .new_dataset_builder()
            .with_data(&[1.0f32, 2.0])
            .create("plain")
            .unwrap();
        assert!(read_f32(&plain, |x| x).is_none());
        let doubles = file
            .new_dataset_builder()
            .deflate(4)
            .chunk(2)
            .with_data(&[1.0f64, 2.0])
            .create("doubles")
            .unwrap();
        assert!(read_f32(&doubles, |x| x).is_none());
    }
}
