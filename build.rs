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
//!
//! Release builds linked by LLD also place the functions the idle daemon runs side by side
//! at the start of `.text` (`link/hot-text.ld`, made by `tools/hot-text/hot-text.py
//! generate`). The kernel maps code in 64 KiB windows around each page touched; with those
//! functions spread over the whole of `.text` the idle example daemon kept 7 MiB of code
//! resident, 4 MiB with them together. The list changes where code lies, never what it
//! does; a function missing from it lies further on. The script prepends to `.text` in a
//! way only LLD reads as meant (GNU ld would make a second `.text` in the headers'
//! segment), so it is given only where LLD links: Rust 1.90 and later link
//! x86_64-unknown-linux-gnu with its own LLD unless a linker is chosen. The package step
//! of CI checks that the installed executable has its hot functions together.
use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=link/hot-text.ld");
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && target_env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
        if env::var("PROFILE").as_deref() == Ok("release") && links_with_rust_lld() {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("link/hot-text.ld");
            println!("cargo::rustc-link-arg-bins=-Wl,-T,{}", script.display());
        }
    }
}

/// Whether the executable is linked by the LLD that ships with Rust: the default for
/// x86_64-unknown-linux-gnu since Rust 1.90, unless a linker or linker flavour is chosen.
fn links_with_rust_lld() -> bool {
    if env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| flags.contains("linker"))
    {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(output) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let version = String::from_utf8_lossy(&output.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|number| number.split('.').nth(1))
        .and_then(|minor| minor.parse::<u32>().ok());
    minor.is_some_and(|minor| minor >= 90)
}
