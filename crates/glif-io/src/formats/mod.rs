//! Result files, one format per file, each with its writer and its reader:
//! AllenSDK's JSON (with glif's extra keys), `.npy` arrays, the `.npz`
//! container (ZIP, the `zip` crate's), CSV tables, and [`Format`], the
//! format a file name's extension names ([`write_result`],
//! [`read_result`]). [`WriteOptions`] says how a result is written. Above
//! [`crate::model`].
//!
//! Files, each importing only the ones before it: `options`, `npy`, `npz`,
//! `json`, `csv`, `output`.

// 1. How a result is written; AllenSDK's output names.
mod options;
// 2. `.npy` headers and arrays.
mod npy;
// 3. The `.npz` container (ZIP) and results in it.
mod npz;
// 4. Result JSON.
mod json;
// 5. CSV trace and spike tables.
mod csv;
// 6. The format by extension.
mod output;

pub use csv::*;
pub use json::*;
pub use npy::{
    header_bytes as npy_header_bytes, int_value as npy_int_value, read as read_npy,
    read_header as read_npy_header, write_f64 as write_npy_f64,
    write_f64_data as write_npy_f64_data, write_i64 as write_npy_i64, Dtype as NpyDtype,
    Header as NpyHeader, NpyArray, NpyData,
};
pub use npz::*;
pub use options::*;
pub use output::*;
