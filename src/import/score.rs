//! The importer's scorer: compares drafts with annotated letters (`NAME.expected.md`, the
//! format in tests/letters/README.md) and counts, per letter and overall, promises found
//! with the right owner, owner errors, missed, spurious, plus co-owner and due mismatches.
//! A draft commitment matches the first unmatched row whose key lies in its source sentence
//! (both sides normalised as the importer normalises text: width, traditional characters,
//! spaces). Pure: the caller reads the files.

use super::{CommitmentDraft, Draft, normalise};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One row of an `## Expected` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Acceptable owners (` / ` alternatives).
    pub owners: Vec<String>,
    pub co_owners: Vec<String>,
    pub due: Option<String>,
    pub key: String,
}

/// What an annotation says about one letter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expected {
    pub replying_unit: Option<String>,
    pub reply_date: Option<String>,
    pub rows: Vec<Row>,
}

/// The annotated letters of a folder, by name: each `NAME.*` (any format, not `.md`) that
/// has a `NAME.expected.md` beside it, with that annotation's text.
pub fn annotated_letters(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut letters: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    letters.sort();
    Ok(letters
        .into_iter()
        .filter_map(|path| {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            let annotation = std::fs::read_to_string(dir.join(format!("{stem}.expected.md")));
            annotation.ok().map(|a| (path, a))
        })
        .collect())
}

/// Reads the `## Expected` block of an annotation.
pub fn parse_expected(markdown: &str) -> Result<Expected, String> {
    let block = markdown
        .split("## Expected")
        .nth(1)
        .ok_or("no `## Expected` section")?;
    let mut expected = Expected::default();
    for line in block.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("replying unit:") {
            expected.replying_unit = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(v) = line.strip_prefix("reply date:") {
            expected.reply_date = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        } else if line.starts_with('|') {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            if cells.len() < 4 || cells[0] == "owner" || cells[0].starts_with("---") {
                continue;
            }
            let list = |s: &str, sep: char| -> Vec<String> {
                s.split(sep)
                    .map(|p| squeeze(p.trim()))
                    .filter(|p| !p.is_empty())
                    .collect()
            };
            expected.rows.push(Row {
                owners: list(cells[0], '/'),
                co_owners: list(cells[1], '、'),
                due: Some(cells[2].to_owned()).filter(|d| !d.is_empty()),
                key: squeeze(&normalise::normalize_line(cells[3])),
            });
        }
    }
    Ok(expected)
}

/// A text as the scorer compares it with keys: normalised as the importer normalises
/// text, spaces removed.
pub fn match_form(s: &str) -> String {
    squeeze(&normalise::normalize_line(s))
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Counts for one letter, or summed over many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows: usize,
    pub drafted: usize,
    pub found: usize,
    pub owner_errors: usize,
    pub missed: usize,
    pub spurious: usize,
    pub co_owner_mismatches: usize,
    pub due_mismatches: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.rows += o.rows;
        self.drafted += o.drafted;
        self.found += o.found;
        self.owner_errors += o.owner_errors;
        self.missed += o.missed;
        self.spurious += o.spurious;
        self.co_owner_mismatches += o.co_owner_mismatches;
        self.due_mismatches += o.due_mismatches;
    }
}

impl Tally {
    /// Found with the right owner, per cent of rows (100 when there are none).
    pub fn found_percent(&self) -> f64 {
        percent(self.found, self.rows)
    }
    /// Spurious, per cent of drafted commitments.
    pub fn spurious_percent(&self) -> f64 {
        percent(self.spurious, self.drafted)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        if part == 0 { 100.0 } else { 0.0 }
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// A line explaining one miss, for the detailed report.
pub fn score(expected: &Expected, commitments: &[CommitmentDraft]) -> (Tally, Vec<String>) {
    let mut tally = Tally {
        rows: expected.rows.len(),
        drafted: commitments.len(),
        ..Tally::default()
    };
    let mut notes = Vec::new();
    let mut matched = vec![false; expected.rows.len()];
    for c in commitments {
        let source = match_form(&c.source);
        let text = match_form(&c.text);
        let row = expected
            .rows
            .iter()
            .enumerate()
            .find(|(i, r)| !matched[*i] && (source.contains(&r.key) || text.contains(&r.key)));
        let Some((i, row)) = row else {
            tally.spurious += 1;
            notes.push(format!("spurious ({}): {}", c.owner, clip(&c.source)));
            continue;
        };
        matched[i] = true;
        let owner = squeeze(&c.owner);
        if row.owners.contains(&owner) {
            tally.found += 1;
        } else {
            tally.owner_errors += 1;
            notes.push(format!(
                "owner `{}`, expected `{}`: {}",
                c.owner,
                row.owners.join(" / "),
                row.key
            ));
        }
        let mut co: Vec<String> = c.co_owners.iter().map(|o| squeeze(o)).collect();
        co.sort();
        let mut want = row.co_owners.clone();
        want.sort();
        if co != want {
            tally.co_owner_mismatches += 1;
            notes.push(format!(
                "co-owners [{}], expected [{}]: {}",
                co.join("、"),
                want.join("、"),
                row.key
            ));
        }
        let due = c.due.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        if due != row.due {
            tally.due_mismatches += 1;
            notes.push(format!(
                "due {}, expected {}: {}",
                due.as_deref().unwrap_or("none"),
                row.due.as_deref().unwrap_or("none"),
                row.key
            ));
        }
    }
    for (row, found) in expected.rows.iter().zip(&matched) {
        if !found {
            tally.missed += 1;
            notes.push(format!("missed ({}): {}", row.owners.join(" / "), row.key));
        }
    }
    (tally, notes)
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Scores a draft (or an import error, which drafted nothing) against an annotation.
pub fn score_draft(expected: &Expected, draft: Option<&Draft>) -> (Tally, Vec<String>) {
    score(expected, draft.map_or(&[][..], |d| &d.commitments))
}

/// The table: one line per letter, then the totals and the two target percentages.
pub fn table(results: &[(String, Tally)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<48} {:>4} {:>5} {:>5} {:>6} {:>6} {:>5} {:>5}",
        "letter", "rows", "found", "owner", "missed", "spur.", "co", "due"
    );
    let mut total = Tally::default();
    for (name, t) in results {
        total += *t;
        let _ = writeln!(
            out,
            "{:<48} {:>4} {:>5} {:>5} {:>6} {:>6} {:>5} {:>5}",
            name,
            t.rows,
            t.found,
            t.owner_errors,
            t.missed,
            t.spurious,
            t.co_owner_mismatches,
            t.due_mismatches
        );
    }
    let _ = writeln!(
        out,
        "{:<48} {:>4} {:>5} {:>5} {:>6} {:>6} {:>5} {:>5}",
        format!("TOTAL ({} letters)", results.len()),
        total.rows,
        total.found,
        total.owner_errors,
        total.missed,
        total.spurious,
        total.co_owner_mismatches,
        total.due_mismatches
    );
    let _ = writeln!(
        out,
        "found with the right owner: {}/{} = {:.1} %; spurious: {}/{} drafted = {:.1} %",
        total.found,
        total.rows,
        total.found_percent(),
        total.spurious,
        total.drafted,
        total.spurious_percent()
    );
    out
}

/// Imports one letter's bytes and scores the draft against its annotation (no department
/// configuration: owners are the short forms the importer derives itself).
pub fn score_letter(bytes: &[u8], annotation: &str) -> Result<(Tally, Vec<String>), String> {
    let expected = parse_expected(annotation)?;
    let options = super::Options {
        prefix: "score",
        resolve: None,
    };
    let draft = super::decode(bytes).and_then(|text| super::import(&text, &options));
    match draft {
        Ok(d) => Ok(score_draft(&expected, Some(&d))),
        Err(super::ImportError::NoCommitments) => Ok(score_draft(&expected, None)),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNOTATION: &str = "# note\n\n## Expected\nsource: x\nkind: proposal\nlevel: city\nreplying unit: 银川市交通运输局 = 市交通运输局 / 市交通局\nreply date: 2025-06-01\n\n| owner | co-owners | due | key |\n| --- | --- | --- | --- |\n| 市交通运输局 / 市交通局 | 市财政局 | 2025-12-31 | 优化公交线路 |\n| 市交通局 |  |  | 新增 公交站点 |\n";

    fn commitment(
        owner: &str,
        co: &[&str],
        due: Option<(i32, u32, u32)>,
        source: &str,
    ) -> CommitmentDraft {
        CommitmentDraft {
            topic: None,
            owner: owner.to_owned(),
            owner_resolved: false,
            co_owners: co.iter().map(|s| (*s).to_owned()).collect(),
            text: source.to_owned(),
            due,
            source: source.to_owned(),
            checks: Vec::new(),
        }
    }

    #[test]
    fn annotations_are_parsed() {
        let e = parse_expected(ANNOTATION).expect("parses");
        assert_eq!(e.reply_date.as_deref(), Some("2025-06-01"));
        assert_eq!(e.rows.len(), 2);
        assert_eq!(e.rows[0].owners, ["市交通运输局", "市交通局"]);
        assert_eq!(e.rows[1].key, "新增公交站点");
        let none = parse_expected("## Expected\n| owner | co-owners | due | key |\n| --- | --- | --- | --- |\n(no commitments)\n").expect("parses");
        assert!(none.rows.is_empty());
    }

    #[test]
    fn found_owner_errors_missed_spurious_and_mismatches() {
        let e = parse_expected(ANNOTATION).expect("parses");
        let drafts = [
            commitment("市交通局", &[], None, "我局将优化公交线路。"),
            commitment("市交通局", &[], None, "感谢您的关心。"),
        ];
        let (t, notes) = score(&e, &drafts);
        assert_eq!(
            t,
            Tally {
                rows: 2,
                drafted: 2,
                found: 1,
                owner_errors: 0,
                missed: 1,
                spurious: 1,
                co_owner_mismatches: 1,
                due_mismatches: 1
            }
        );
        assert_eq!(notes.len(), 4, "{notes:?}");
        let drafts = [commitment("市財政局", &[], None, "新增公交站點")];
        let (t, _) = score(&e, &drafts);
        assert_eq!((t.found, t.owner_errors, t.missed), (0, 1, 1));
    }
}
