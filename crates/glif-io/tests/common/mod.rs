//! Test support: the reference set through glif-reference, failing the test
//! on any error.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

#[allow(unused_imports)] // not every test binary that includes `common` uses each
pub use glif_reference::{numbers, reference_dir, scratch_dir, NumpyExp};
use serde_json::Value;

/// A gzipped file's text.
pub fn gunzip(path: &Path) -> String {
    glif_reference::cases::read_text(path).unwrap_or_else(|e| panic!("{e}"))
}

/// A reference case.
pub fn load_case(path: &Path) -> Value {
    glif_reference::load_case(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Every config file under reference/configs (not index.json), sorted.
pub fn config_files() -> Vec<PathBuf> {
    glif_reference::config_files().unwrap_or_else(|e| panic!("{e}"))
}
