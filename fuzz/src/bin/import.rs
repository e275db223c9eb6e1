//! AFL target: the letter importer (see `followup_fuzz::import`).
fn main() {
    afl::fuzz!(|data: &[u8]| followup_fuzz::import(data));
}
