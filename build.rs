//! Links the `followup` executable at a fixed address (not position-independent).
//!
//! A position-independent executable has every pointer in its read-only data (vtables,
//! string tables, the time-zone and character-set tables of its dependencies) rewritten by
//! the dynamic loader at start-up; each rewritten page becomes private memory of the
//! process — about 1.7 MB of the idle daemon's resident memory, growing with every
//! dependency. Linked at a fixed address, those pages stay shared with the file and only the
//! ones actually read are resident. The cost: the executable's own code is not placed at a
//! random address (libraries, heap and stacks still are). Only the package's binaries are
//! linked this way; tests, examples and proc-macros keep the defaults.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
