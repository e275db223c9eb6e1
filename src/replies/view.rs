//! What `reports` prints: text for people, JSON for scripts. Pure; the same rows feed the
//! reminders' "最近反馈" line and `history` (until the shared view models take them over).

use std::fmt::Write as _;

use super::store::Report;
use crate::model::Config;

/// The `reports` listing.
pub fn reports(config: &Config, rows: &[Report], json: bool) -> String {
    if json {
        let mut text = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into());
        text.push('\n');
        return text;
    }
    if rows.is_empty() {
        return "no reports\n".to_string();
    }
    let mut out = String::new();
    for report in rows {
        let requested = report
            .requested_due
            .map_or_else(String::new, |date| format!(" to {date}"));
        let _ = writeln!(
            out,
            "#{} {} {} {}{} {} from {}",
            report.id,
            crate::views::local(config, report.received),
            report.commitment.as_deref().unwrap_or("-"),
            report.intent.as_str(),
            requested,
            report.state.as_str(),
            if report.sender.is_empty() {
                "(no sender)"
            } else {
                report.sender.as_str()
            },
        );
        if let Some(reason) = &report.reason {
            let _ = writeln!(out, "    why: {reason}");
        }
        let _ = writeln!(out, "    subject: {}", report.subject);
        for line in report.text.lines().take(12) {
            let _ = writeln!(out, "    | {line}");
        }
        for attachment in &report.attachments {
            let place = match (&attachment.path, &attachment.refused) {
                (Some(path), _) => path.display().to_string(),
                (None, Some(refused)) => format!("not stored: {refused}"),
                (None, None) => "not stored".to_string(),
            };
            let _ = writeln!(
                out,
                "    attachment: {} ({} bytes, sha256 {}) {place}",
                attachment.name,
                attachment.size,
                &attachment.sha256[..attachment.sha256.len().min(16)]
            );
        }
    }
    out
}

/// What a reminder and `list` show of a commitment's latest answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Feedback {
    /// `12月3日 已完成方案起草`.
    pub line: String,
    pub state: super::ReportState,
    pub intent: super::Intent,
    /// The office's note, when it sent the claim back after this answer.
    pub returned: Option<String>,
}

/// The latest answer per commitment id, from the log (empty before schema 2).
pub fn feedback(
    config: &Config,
    connection: &rusqlite::Connection,
) -> anyhow::Result<std::collections::HashMap<String, Feedback>> {
    if !super::store::has_reports(connection)? {
        return Ok(Default::default());
    }
    Ok(super::store::latest_feedback(connection)?
        .into_iter()
        .map(|(id, report, returned)| {
            let feedback = Feedback {
                line: feedback_line(config, &report),
                state: report.state,
                intent: report.intent,
                returned,
            };
            (id, feedback)
        })
        .collect())
}

/// `12月3日 …` / `Dec 3 …`: the latest feedback in one line, for reminders and views.
pub fn feedback_line(config: &Config, report: &Report) -> String {
    answer_line(config, report.received, &report.text)
}

/// `12月3日 ` + the first line of `text` (at most 60 characters).
pub fn answer_line(config: &Config, at: chrono::DateTime<chrono::Utc>, text: &str) -> String {
    let local = at.with_timezone(&config.timezone);
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let mut excerpt: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        excerpt.push('…');
    }
    match config.language {
        crate::model::Language::Zh => {
            use chrono::Datelike as _;
            format!("{}月{}日 {excerpt}", local.month(), local.day())
        }
        crate::model::Language::En => format!("{} {excerpt}", local.format("%b %-d")),
    }
}

/// What `history` adds below the deliveries: the answers and the office's decisions.
pub fn history(config: &Config, reports: &[Report], events: &[super::store::Event]) -> String {
    let mut out = String::new();
    if reports.is_empty() && events.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nanswers by email:");
    for report in reports {
        let requested = report
            .requested_due
            .map_or_else(String::new, |date| format!(" to {date}"));
        let _ = writeln!(
            out,
            "  {}  {}  {}{}  {}  from {}  {}",
            crate::views::local(config, report.received),
            report.commitment.as_deref().unwrap_or("-"),
            report.intent.as_str(),
            requested,
            report.state.as_str(),
            report.sender,
            report.message_id
        );
    }
    for event in events {
        let detail = match (&event.note, &event.old_due, &event.new_due) {
            (Some(note), _, _) => format!("note: {note}"),
            (None, old, Some(new)) => format!("due {} → {new}", old.as_deref().unwrap_or("none")),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {}  {}  {} by {}  {detail}",
            crate::views::local(config, event.at),
            event.commitment,
            event.kind,
            event.who
        );
    }
    out
}
