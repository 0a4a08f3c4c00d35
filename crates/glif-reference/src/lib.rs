//! Test support for glif-rs, not published: one home for what the reference
//! checks and the tests of several crates share.
//!
//! - [`cases`]: the AllenSDK 2.16.2 reference set on disk (`reference/`):
//!   case files, configs, JSON number arrays.
//! - [`stimuli`]: each case's stimulus rebuilt from its description and
//!   checked against the stored checks; the `long_square` amplitude (1.5 x
//!   the analytic rheobase) the reference set, `glif batch` and the
//!   benchmarks use.
//! - [`numpy_exp`]: numpy's exp as AllenSDK evaluated it
//!   (`reference/numpy-exp.json`); an argument missing from it is an error.
//! - [`tolerance`]: the one tolerance table (per output, with its reason and
//!   the measured worst case) and the comparison that applies it.
//! - [`env`](mod@env): the AllenSDK environment (`.venv-allensdk`): found, or a
//!   visible skip locally and a failure in CI (`CI=true` or `CI=1`), a
//!   broken one a failure everywhere; each check that
//!   used it records how many cases it compared for `cargo xtask ci`.
//! - [`nwb_fixture`] (feature `nwb`): Allen-layout NWB 1.x files built with
//!   the HDF5 library itself, independent of glif-io's NWB code.
//! - [`counting_alloc`]: a per-thread counting global allocator, for tests
//!   that check a memory claim.
//! - [`scratch_dir`]: a fresh folder per test.
//!
//! Used by glif-core's and glif-io's reference tests, glif-cli's tests and
//! `cargo xtask verify` (as a dev-dependency of the library crates; it
//! depends on glif-io, which cargo allows for tests: the test binaries link
//! the one glif-io and glif-core).

pub mod cases;
pub mod counting_alloc;
pub mod env;
pub mod fit_cell;
pub mod numpy_exp;
#[cfg(feature = "nwb")]
pub mod nwb_fixture;
mod paths;
pub mod stimuli;
pub mod tolerance;

pub use cases::{
    case_files, case_index, case_name, config_file, config_files, indexed_case_files, load_case,
    numbers, trace_sha256,
};
pub use numpy_exp::NumpyExp;
pub use paths::{files_below, reference_dir, scratch_dir};
pub use tolerance::{ulps, Tolerance, LIBM_TOLERANCES};
