//! The fuzz targets, as plain functions: the AFL binaries in `src/bin/` call them on each
//! input, and `cargo run --bin config < FILE` (without AFL) replays one input.
//!
//! Each target panics only on a real defect: a panic inside followup, or a broken promise
//! (a problem without a usable FILE:LINE:COL, a validated configuration the engine cannot plan).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use followup::config::{self, Source};
use followup::engine::{self, LogView};
use followup::import;

/// Separates the files inside one input: the main file, then up to `MAX_FILES - 1`
/// commitments files. NUL never appears in a valid TOML file.
pub const SEPARATOR: u8 = 0;
const MAX_FILES: usize = 8;

/// The configuration loader: main file and commitments files through `config::from_sources`
/// (the same parse and validation `followup check` runs), then, when valid, the engine plans
/// 120 days of reminders on it.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split(char::from(SEPARATOR)).take(MAX_FILES);
    let main = Source::new("followup.toml", parts.next().unwrap_or_default());
    let commitments: Vec<Source> = parts
        .enumerate()
        .map(|(i, part)| Source::new(format!("commitments/{i}.toml"), part))
        .collect();
    let known: Vec<PathBuf> = std::iter::once(&main)
        .chain(&commitments)
        .map(|source| source.path.clone())
        .collect();
    match config::from_sources(&main, &commitments) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                check_problem(warning, &known);
            }
            let Some(from) = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).single() else {
                return;
            };
            let until = from + chrono::Duration::days(120);
            let config = Arc::new(loaded.config);
            let reminders = engine::plan(config, &LogView::default(), from, until, 64);
            for reminder in &reminders {
                assert!(
                    reminder.moment >= from && reminder.moment <= until,
                    "{reminder:?}"
                );
            }
        }
        Err(invalid) => {
            assert!(!invalid.problems.is_empty(), "invalid without a problem");
            for problem in &invalid.problems {
                check_problem(problem, &known);
            }
            let _ = invalid.to_string();
        }
    }
}

fn check_problem(problem: &config::Problem, known: &[PathBuf]) {
    assert!(
        known.contains(&problem.file),
        "a problem names a file that was not given: {problem:?}"
    );
    assert!(problem.line >= 1 && problem.column >= 1, "{problem:?}");
    assert!(!problem.message.is_empty(), "{problem:?}");
    let _ = problem.to_string();
}

/// The importer: bytes through `import::decode`, then `import::import` with a resolver
/// that knows one department, then the draft written as TOML and as JSON.
pub fn import(data: &[u8]) {
    let Ok(text) = import::decode(data) else {
        return;
    };
    let resolve = |name: &str| name.contains("科技").then(|| "省科技厅".to_owned());
    for resolver in [None, Some(&resolve as &dyn Fn(&str) -> Option<String>)] {
        let options = import::Options {
            prefix: "fz-2025-1",
            resolve: resolver,
        };
        if let Ok(draft) = import::import(&text, &options) {
            let toml = draft.to_toml(&options);
            let _ = draft.to_json();
            let _ = draft.summary();
            assert!(!toml.is_empty());
        }
    }
}
