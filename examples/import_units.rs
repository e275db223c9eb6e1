//! Dumps what the importer's rules read in annotated letters, one JSON line per letter:
//! `cargo run --release --example import_units -- tests/letters/heldout7 > units.jsonl`.
//! Each line holds the letter's name, the units the walker read (`import::units::Unit`),
//! the drafted commitments and the annotation's rows: the data set of the learned-model
//! experiment (tools/promise_model/).

use followup::import::score::{annotated_letters, match_form, parse_expected};
use followup::import::{Options, decode, units::units};
use serde_json::json;
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let options = Options {
        prefix: "score",
        resolve: None,
    };
    for dir in &dirs {
        let dir = Path::new(dir);
        for (path, annotation) in annotated_letters(dir)? {
            let Ok(expected) = parse_expected(&annotation) else {
                continue;
            };
            let text = match decode(&std::fs::read(&path)?) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    continue;
                }
            };
            let read = match units(&text, &options) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    continue;
                }
            };
            let commitments: Vec<_> = read
                .draft
                .iter()
                .flat_map(|d| &d.commitments)
                .map(|c| {
                    json!({"owner": c.owner, "co": c.co_owners, "text": match_form(&c.text),
                        "source": match_form(&c.source),
                       "due": c.due.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))})
                })
                .collect();
            let rows: Vec<_> = expected
                .rows
                .iter()
                .map(|r| json!({"owners": r.owners, "co": r.co_owners, "due": r.due, "key": r.key}))
                .collect();
            let forms: Vec<String> = read.units.iter().map(|u| match_form(&u.text)).collect();
            let line = json!({
                "forms": forms,
                "set": dir.file_name().map(|s| s.to_string_lossy().into_owned()),
                "letter": path.file_name().map(|s| s.to_string_lossy().into_owned()),
                "units": read.units,
                "commitments": commitments,
                "rows": rows,
            });
            println!("{line}");
        }
    }
    Ok(())
}
