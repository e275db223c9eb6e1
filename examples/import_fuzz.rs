//! Mutation fuzzing of the importer for a while: `cargo run --release --example import_fuzz --
//! SECONDS FILE...`. Each round takes one of the files, flips, inserts, deletes or truncates
//! bytes (or makes random bytes behind a format's magic), and runs decode + import. A panic
//! anywhere except inside the PDF reader (caught and reported as a damaged file) fails the
//! run; at the end it prints how many inputs were tried and how each kind of outcome counted.

use followup::import::{self, Options};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    match rng.below(5) {
        0 => {
            for _ in 0..1 + rng.below(32) {
                let i = rng.below(bytes.len());
                if let Some(b) = bytes.get_mut(i) {
                    *b = rng.next() as u8;
                }
            }
        }
        1 => bytes.truncate(rng.below(bytes.len())),
        2 => {
            let at = rng.below(bytes.len());
            let len = rng.below(64);
            bytes.drain(at..(at + len).min(bytes.len()));
        }
        3 => {
            let at = rng.below(bytes.len());
            let chunk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, chunk);
        }
        _ => {
            let magic: [&[u8]; 4] = [
                b"PK\x03\x04",
                b"%PDF-1.7\n",
                b"<!DOCTYPE html>",
                b"\xff\xfe",
            ];
            bytes = magic[rng.below(4)].to_vec();
            bytes.extend((0..rng.below(4096)).map(|_| rng.next() as u8));
        }
    }
    bytes
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seeds: Vec<Vec<u8>> = args[1..]
        .iter()
        .map(std::fs::read)
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(!seeds.is_empty(), "give SECONDS and at least one FILE");
    let options = Options {
        prefix: "fuzz",
        resolve: None,
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tried = 0usize;
    // The PDF reader's own panics are caught by the importer; keep them off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    while Instant::now() < until {
        let which = rng.below(seeds.len());
        let input = mutate(&mut rng, &seeds[which]);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match import::decode(&input) {
                Ok(text) => match import::import(&text, &options) {
                    Ok(_) => "drafted".to_owned(),
                    Err(e) => format!("import: {}", e.to_string().split(':').next().unwrap_or("")),
                },
                Err(e) => format!(
                    "decode: {}",
                    e.to_string().chars().take(40).collect::<String>()
                ),
            }
        }));
        let Ok(outcome) = run else {
            std::fs::write("fuzz-panic.bin", &input)?;
            anyhow::bail!("a panic escaped the importer; the input is in fuzz-panic.bin");
        };
        *outcomes.entry(outcome).or_default() += 1;
        tried += 1;
    }
    println!("{tried} inputs in {seconds} s, no panic escaped the importer");
    for (outcome, n) in outcomes {
        println!("{n:>8}  {outcome}");
    }
    Ok(())
}
