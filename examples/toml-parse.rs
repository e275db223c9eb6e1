//! The scale benchmark's baseline (`benches/scale.py`): reads the same files `followup
//! check` reads (the main file and `commitments/*.toml` beside it) and parses each with the
//! `toml` crate into a `toml::Table`, dropping each table once parsed: the cost of the TOML
//! alone. `cargo run --release --example toml-parse -- DIR/followup.toml`.

use std::path::Path;

fn main() {
    let Some(main) = std::env::args().nth(1) else {
        eprintln!("usage: toml-parse MAIN.toml");
        std::process::exit(2);
    };
    let main = Path::new(&main);
    let mut tables = 0usize;
    let mut files = vec![main.to_path_buf()];
    let mut entries: Vec<_> =
        std::fs::read_dir(main.parent().unwrap_or(Path::new(".")).join("commitments"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .collect()
            })
            .unwrap_or_default();
    entries.retain(|path: &std::path::PathBuf| path.extension().is_some_and(|e| e == "toml"));
    entries.sort();
    files.extend(entries);
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("toml-parse: {}: {error}", file.display());
                std::process::exit(1);
            }
        };
        match text.parse::<toml::Table>() {
            Ok(table) => {
                tables += table.len();
            }
            Err(error) => {
                eprintln!("toml-parse: {}: {error}", file.display());
                std::process::exit(1);
            }
        }
    }
    println!("parsed {} files, {tables} top-level keys", files.len());
}
