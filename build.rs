//! Link-time settings for the `followup` executable.
//!
//! On Linux with glibc the executable is linked with packed relative relocations
//! (`-z pack-relative-relocs`, DT_RELR). A position-independent executable carries one
//! relocation record per pointer in its read-only data (vtables, panic locations, tables
//! of strings); as classic RELA records that is 1.7 MB that the loader reads at every
//! start and that stays resident in every running daemon. Packed, the same relocations
//! take a few kilobytes. The relocated data itself and ASLR are unchanged. It needs
//! binutils 2.38 or lld 15 to link (older linkers ignore the option with a warning) and
//! glibc 2.36 to run, which the package's Depends line states (`Cargo.toml`,
//! `[package.metadata.deb]`: `$auto` reads symbol versions only and would say 2.34).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
