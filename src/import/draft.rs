//! Stage 7: draft — renders what was found as a commitments TOML file, JSON, or a summary
//! for stderr. Pure.

use super::*;

// ───────────────────────────── output ─────────────────────────────

/// A TOML basic string, quotes included.
pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Comments must stay on one line and hold no control characters.
pub(super) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub(super) fn date_string(d: (i32, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// A date only when it is a real calendar date TOML accepts.
pub(super) fn checked_date(d: Option<(i32, u32, u32)>) -> Option<String> {
    d.and_then(|(y, m, dd)| valid_date(y, m, dd))
        .map(date_string)
}

impl Draft {
    /// The commitments file, ready for review.
    pub fn to_toml(&self, options: &Options) -> String {
        let mut out = String::from(
            "# Drafted by `followup import` from a reply letter; review every commitment before use.\n[letter]\n",
        );
        let l = &self.letter;
        let _ = writeln!(out, "id = {}", toml_string(options.prefix));
        let fields = [
            ("title", &l.title),
            ("session", &l.session),
            ("number", &l.number),
            ("proposer", &l.proposer),
            ("replied_by", &l.replied_by),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {}", toml_string(v));
            }
        }
        if let Some(d) = checked_date(l.replied_on) {
            let _ = writeln!(out, "replied_on = {d}");
        }
        for (i, c) in self.commitments.iter().enumerate() {
            out.push('\n');
            let _ = writeln!(out, "# 原文: {}", comment_text(&c.source));
            if options.resolve.is_some() && !c.owner_resolved {
                out.push_str("# check: owner not among configured departments\n");
            }
            for why in &c.checks {
                let _ = writeln!(out, "# check: {}", comment_text(why));
            }
            out.push_str("[[commitment]]\n");
            let _ = writeln!(
                out,
                "id = {}",
                toml_string(&format!("{}-{}", options.prefix, i + 1))
            );
            if let Some(t) = &c.topic {
                let _ = writeln!(out, "topic = {}", toml_string(t));
            }
            let _ = writeln!(out, "owner = {}", toml_string(&c.owner));
            let co: Vec<String> = c.co_owners.iter().map(|o| toml_string(o)).collect();
            let _ = writeln!(out, "co_owners = [{}]", co.join(", "));
            let _ = writeln!(out, "text = {}", toml_string(&c.text));
            if let Some(d) = checked_date(c.due) {
                let _ = writeln!(out, "due = {d}");
            }
            out.push_str("status = \"open\"\n");
        }
        out
    }

    /// The draft as JSON, for tools: `{"letter": {…}, "commitments": [{"owner", "co_owners",
    /// "text", "due", …}], "warnings": […]}`.
    pub fn to_json(&self) -> String {
        let date = |d: Option<(i32, u32, u32)>| checked_date(d);
        let l = &self.letter;
        let commitments: Vec<serde_json::Value> = self
            .commitments
            .iter()
            .map(|c| {
                serde_json::json!({
                    "topic": c.topic,
                    "owner": c.owner,
                    "owner_resolved": c.owner_resolved,
                    "co_owners": c.co_owners,
                    "text": c.text,
                    "due": date(c.due),
                    "source": c.source,
                    "checks": c.checks,
                })
            })
            .collect();
        let value = serde_json::json!({
            "letter": {
                "title": l.title,
                "proposer": l.proposer,
                "session": l.session,
                "number": l.number,
                "replied_by": l.replied_by,
                "replied_on": date(l.replied_on),
            },
            "commitments": commitments,
            "warnings": self.warnings,
        });
        value.to_string()
    }

    /// "6 commitments: 省科技厅 ×4, 省财政厅, 省人社厅".
    pub fn owners_line(&self) -> String {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for c in &self.commitments {
            match counts.iter_mut().find(|(o, _)| *o == c.owner) {
                Some((_, n)) => *n += 1,
                None => counts.push((&c.owner, 1)),
            }
        }
        let n = self.commitments.len();
        let owners: Vec<String> = counts
            .iter()
            .map(|(o, k)| {
                if *k > 1 {
                    format!("{o} ×{k}")
                } else {
                    (*o).to_owned()
                }
            })
            .collect();
        let mut out = format!("{n} commitment{}", if n == 1 { "" } else { "s" });
        if !owners.is_empty() {
            let _ = write!(out, ": {}", owners.join(", "));
        }
        out
    }

    /// For stderr: the owners line, then the commitments to check, weakest (most reasons)
    /// first, then the letter's warnings.
    pub fn summary(&self) -> String {
        let mut out = self.owners_line();
        let mut weak: Vec<(usize, &CommitmentDraft)> = self
            .commitments
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.checks.is_empty())
            .collect();
        weak.sort_by_key(|(i, c)| (std::cmp::Reverse(c.checks.len()), *i));
        for (i, c) in weak {
            let _ = write!(
                out,
                "\n  check #{} ({}): {}",
                i + 1,
                c.owner,
                c.checks.join("; ")
            );
        }
        for w in &self.warnings {
            let _ = write!(out, "\n  warning: {w}");
        }
        out
    }
}

/// A plain table lined up by display width (CJK characters are two columns wide).
pub fn table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    use unicode_width::UnicodeWidthStr as _;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    let header_cells: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(header_cells.as_slice()).chain(rows.iter().map(|r| r.as_slice())) {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if column + 1 < row.len() {
                line.push_str(&" ".repeat(widths[column] - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_valid_toml(toml_text: &str) {
        if let Err(e) = toml_text.parse::<toml::Table>() {
            panic!("invalid TOML: {e}\n{toml_text}");
        }
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        let d = Draft {
            letter: LetterDraft {
                title: Some("关于\"引号\"\\的建议\t".to_owned()),
                proposer: None,
                session: None,
                number: None,
                replied_by: None,
                replied_on: Some((2025, 2, 30)),
            },
            commitments: vec![CommitmentDraft {
                topic: None,
                owner: "省\u{7f}厅".to_owned(),
                owner_resolved: false,
                co_owners: vec!["a\"b".to_owned()],
                text: "x\ny".to_owned(),
                due: Some((2025, 12, 31)),
                source: "line\nbreak\u{0}".to_owned(),
                checks: vec!["why\r".to_owned()],
            }],
            warnings: vec!["w\"".to_owned()],
        };
        let options = Options {
            prefix: "p\"x",
            resolve: None,
        };
        let t = d.to_toml(&options);
        assert_valid_toml(&t);
        assert!(!t.contains("replied_on"), "an impossible date is dropped");
        assert!(t.contains("due = 2025-12-31"));
        let j = d.to_json();
        assert!(j.contains("\"line\\nbreak\\u0000\""), "{j}");
        assert!(j.starts_with('{') && j.ends_with('}'));
    }
}
