//! glif-io: placeholder while the I/O layer lands.
