//! Puts the board's memory map where cortex-m-rt's `link.x` finds it as
//! `memory.x`: the MPS2 AN386 (Cortex-M4F) map for thumbv7em, the micro:bit
//! (nRF51, Cortex-M0) map for thumbv6m.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let target = env::var("TARGET").unwrap_or_default();
    let map: &[u8] = if target.starts_with("thumbv6m") {
        include_bytes!("memory-microbit.x")
    } else {
        include_bytes!("memory-mps2-an386.x")
    };
    fs::write(out.join("memory.x"), map).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-mps2-an386.x");
    println!("cargo:rerun-if-changed=memory-microbit.x");
    println!("cargo:rerun-if-changed=build.rs");
}
