//! Prints the importer's score table over a folder of annotated letters:
//! `cargo run --release --example import_score -- tests/letters [-v]`.
//! Every `NAME.*` with a `NAME.expected.md` beside it is imported (any format) and scored.

use followup::import::score::{score_letter, table};
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
        let dir = Path::new(dir);
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".md"))
            .collect();
        names.sort();
        for path in names {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let annotation = dir.join(format!("{stem}.expected.md"));
            let Ok(annotation) = std::fs::read_to_string(&annotation) else {
                continue;
            };
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
