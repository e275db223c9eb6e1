//! Prints the importer's score table over a folder of annotated letters:
//! `cargo run --release --example import_score -- tests/letters [-v]`.
//! Every `NAME.*` with a `NAME.expected.md` beside it is imported (any format) and scored.

use followup::import::score::{annotated_letters, score_letter, table};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let mut dirs: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    if dirs.is_empty() {
        dirs.push("tests/letters");
    }
    let mut results = Vec::new();
    for dir in dirs {
        for (path, annotation) in annotated_letters(Path::new(dir))? {
            let bytes = std::fs::read(&path)?;
            let name = path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match score_letter(&bytes, &annotation) {
                Ok((tally, notes)) => {
                    if verbose {
                        for note in &notes {
                            println!("{name}: {note}");
                        }
                    }
                    results.push((name, tally));
                }
                Err(e) => eprintln!("{name}: {e}"),
            }
        }
    }
    print!("{}", table(&results));
    Ok(())
}
