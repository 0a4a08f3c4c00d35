//! glif-io: placeholder while the I/O layer lands.
#[cfg(feature = "nwb")]
pub mod nwb;
