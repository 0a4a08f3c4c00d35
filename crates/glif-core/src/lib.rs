//! glif-core: placeholder while the engine lands.
#![no_std]
