//! Real Allen model parameters (filled in once glif-core's API lands).
