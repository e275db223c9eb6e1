//! AFL target: the configuration loader (see `followup_fuzz::config`).
fn main() {
    afl::fuzz!(|data: &[u8]| followup_fuzz::config(data));
}
