//! The reference set on disk (`reference/`): glif-reference's case files,
//! stimuli, numpy's exp table and ulp distance, for `verify`, `f32-report`
//! and `compare`.

pub use glif_reference::stimuli::stimulus;
pub use glif_reference::{case_files, case_name, load_case, numbers, reference_dir, NumpyExp};
