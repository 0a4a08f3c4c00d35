//! The `glif` command (placeholder while it lands).
fn main() {}
