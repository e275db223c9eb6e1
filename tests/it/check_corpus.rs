//! The `check` corpus: every folder under `tests/configs/broken/` is a small configuration
//! with one or a few deliberate mistakes, and `expected.txt` is the exact standard error of
//! `followup --config followup.toml check` run in that folder (exit status 1, nothing on
//! standard output).
//!
//! `UPDATE_EXPECT=1 cargo test --test it check_corpus` rewrites every `expected.txt` from the
//! binary's actual output. Read each rewritten file against its configuration before
//! committing it: every `LINE:COL` must point at the offending key or value.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{self, fixtures};

/// The corpus must not silently shrink (e.g. after a bad merge or a moved folder).
const MINIMUM_CASES: usize = 30;

/// Every case folder, in sorted order.
fn broken_cases() -> Vec<PathBuf> {
    let root = fixtures().join("configs/broken");
    let entries = fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", root.display()));
    let mut cases: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a folder entry can be read").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

fn update_requested() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|value| !value.is_empty() && value != "0")
}

/// Runs `followup --config followup.toml check` in `dir`.
fn check(dir: &Path) -> std::process::Output {
    support::output(support::followup(dir).args(["--config", "followup.toml", "check"]))
}

#[test]
fn check_corpus_every_broken_configuration_is_reported_exactly() {
    let cases = broken_cases();
    assert!(
        cases.len() >= MINIMUM_CASES,
        "expected at least {MINIMUM_CASES} cases under tests/configs/broken, found {}",
        cases.len()
    );
    let update = update_requested();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("a case folder has a name")
            .to_string_lossy()
            .into_owned();
        let output = check(case);
        let stdout = support::stdout(&output);
        let stderr = support::stderr(&output);
        let expected_path = case.join("expected.txt");
        if update {
            fs::write(&expected_path, &stderr).unwrap_or_else(|error| {
                panic!("cannot write {}: {error}", expected_path.display())
            });
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|error| format!("<cannot read expected.txt: {error}>\n"));

        let mut mismatches = Vec::new();
        if output.status.code() != Some(1) {
            mismatches.push(format!(
                "exit status: expected 1, got {}",
                output.status.code().map_or_else(
                    || "none (killed by a signal)".to_string(),
                    |c| c.to_string()
                )
            ));
        }
        if !stdout.is_empty() {
            mismatches.push(format!(
                "stdout: expected nothing, got:\n{}",
                indent(&stdout)
            ));
        }
        if stderr != expected {
            mismatches.push(format!(
                "stderr differs from expected.txt (- expected, + actual):\n{}\nexpected:\n{}\nactual:\n{}",
                line_diff(&expected, &stderr),
                indent(&expected),
                indent(&stderr)
            ));
        }
        if !mismatches.is_empty() {
            failures.push(format!("=== case {name}\n{}", mismatches.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} check-corpus cases failed{}:\n\n{}",
        failures.len(),
        cases.len(),
        if update {
            " (expected.txt files were rewritten; exit status or stdout is wrong)"
        } else {
            " (UPDATE_EXPECT=1 rewrites expected.txt; then verify every LINE:COL by hand)"
        },
        failures.join("\n\n")
    );
}

#[test]
fn check_corpus_shipped_example_configuration_is_valid() {
    let config_dir = fixtures()
        .parent()
        .expect("the tests folder has a parent")
        .join("config");
    let output = check(&config_dir);
    let stdout = support::stdout(&output);
    let stderr = support::stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "config/followup.toml fails `check`:\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.starts_with("ok:"),
        "`check` on config/followup.toml does not print the `ok:` summary:\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    <empty>".to_string();
    }
    let mut out = String::new();
    for line in text.lines() {
        let _ = writeln!(out, "    {line}");
    }
    if !text.ends_with('\n') {
        out.push_str("    <no newline at end>\n");
    }
    out.trim_end_matches('\n').to_string()
}

/// A line diff by longest common subsequence: `-` lines only in `expected`, `+` lines only
/// in `actual`, two spaces for lines in both. The texts are a few lines long.
fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // common[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out.push(format!("      {}", old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(format!("    - {}", old[i]));
            i += 1;
        } else {
            out.push(format!("    + {}", new[j]));
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push("    (the texts differ in the final newline)".to_string());
    }
    out.join("\n")
}
