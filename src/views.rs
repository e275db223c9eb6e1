//! What `check`, `list` and `plan` print: text tables for people and JSON for scripts.
//! Pure: takes the configuration, the engine's answers and `now`; never writes anything.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::cli::StatusFilter;
use crate::engine::{self, LogView, Reminder, Schedules, Why};
use crate::model::{Config, DepartmentId, Status};

/// The one-line summary of a valid configuration.
pub fn summary(config: &Config, now: DateTime<Utc>) -> String {
    let open = config
        .commitments
        .iter()
        .filter(|commitment| commitment.status == Status::Open)
        .count();
    let done = config.commitments.len() - open;
    let overdue = config
        .commitments
        .iter()
        .filter(|commitment| engine::is_overdue(config, commitment, now))
        .count();
    let mut schedules = Schedules::new(config);
    let next = (0..config.commitments.len())
        .filter_map(|index| schedules.next_moment(config, index, now))
        .min();
    format!(
        "ok: {} departments, {} letters, {} commitments ({open} open, {done} done, {overdue} overdue); next reminder {}",
        config.departments.len(),
        config.letters.len(),
        config.commitments.len(),
        next.map_or_else(|| "none".to_string(), |at| local(config, at)),
    )
}

/// Official holidays are published a year at a time; warn 60 days before the calendar's
/// last listed year ends so the next year's dates get added in time.
pub fn calendar_warning(config: &Config, now: DateTime<Utc>) -> Option<String> {
    if !config.schedule.skip_holidays {
        return None;
    }
    let last = config.calendar.last_listed()?;
    let soon = (now + chrono::Duration::days(60))
        .with_timezone(&config.timezone)
        .date_naive();
    (soon.year() > last.year()).then(|| {
        format!(
            "the calendar lists no day after {last}: add {}'s holidays and make-up workdays from the State Council notice",
            last.year() + 1
        )
    })
}

/// Which commitments `list` shows.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub status: StatusFilter,
    pub owner: Option<DepartmentId>,
    pub overdue: bool,
}

#[derive(Debug, Serialize)]
struct ListRow<'a> {
    id: &'a str,
    letter: &'a str,
    title: &'a str,
    topic: Option<&'a str>,
    owner: &'a str,
    co_owners: Vec<&'a str>,
    due: Option<String>,
    days_left: Option<i64>,
    overdue: bool,
    status: Status,
    /// `open`, `done`, or `reported` (a done claim by email awaits review; status stays open).
    state: &'static str,
    done_on: Option<String>,
    next_reminder: Option<Rc<str>>,
}

pub fn list(
    config: &Config,
    log: &LogView,
    filter: &ListFilter,
    at: DateTime<Utc>,
    json: bool,
) -> String {
    let mut schedules = Schedules::new(config);
    // Commitments share a few distinct next moments: each is formatted once.
    let mut formatted: HashMap<DateTime<Utc>, Rc<str>> = HashMap::new();
    let rows: Vec<ListRow> = config
        .commitments
        .iter()
        .enumerate()
        .filter(|(_, commitment)| match filter.status {
            StatusFilter::Open => commitment.status == Status::Open,
            StatusFilter::Done => commitment.status == Status::Done,
            StatusFilter::All => true,
        })
        .filter(|(_, commitment)| {
            filter.owner.is_none_or(|owner| {
                commitment.owner == owner || commitment.co_owners.contains(&owner)
            })
        })
        .filter(|(_, commitment)| !filter.overdue || engine::is_overdue(config, commitment, at))
        .map(|(index, commitment)| {
            let letter = config.letter_of(commitment);
            let after = log
                .seen
                .get(&commitment.id)
                .and_then(|seen| seen.last_moment)
                .map_or(at, |last| last.max(at));
            let claimed = log
                .reported
                .get(&commitment.id)
                .filter(|_| commitment.status == Status::Open);
            // A reported commitment's next reminder is the reviewer's, once the review is late.
            let after = claimed.map_or(after, |claimed| {
                after.max(engine::review_late(config, *claimed) - chrono::Duration::seconds(1))
            });
            ListRow {
                id: &commitment.id,
                letter: &letter.id,
                title: &letter.title,
                topic: commitment.topic.as_deref(),
                owner: &config.department(commitment.owner).key,
                co_owners: commitment
                    .co_owners
                    .iter()
                    .map(|id| config.department(*id).key.as_str())
                    .collect(),
                due: commitment.due.map(|due| due.to_string()),
                days_left: engine::days_left(config, commitment, at),
                overdue: engine::is_overdue(config, commitment, at),
                status: commitment.status,
                state: match (commitment.status, claimed) {
                    (Status::Done, _) => "done",
                    (Status::Open, Some(_)) => "reported",
                    (Status::Open, None) => "open",
                },
                done_on: commitment.done_on.map(|date| date.to_string()),
                next_reminder: schedules.next_moment(config, index, after).map(|next| {
                    formatted
                        .entry(next)
                        .or_insert_with(|| local(config, next).into())
                        .clone()
                }),
            }
        })
        .collect();
    if json {
        return serde_json::to_string_pretty(&rows).expect("list rows always serialize") + "\n";
    }
    let mut table = Table::new(&["ID", "OWNER", "DUE", "STATUS", "NEXT REMINDER"]);
    for row in &rows {
        let mut owner = row.owner.to_string();
        if !row.co_owners.is_empty() {
            owner = format!("{owner} (+{})", row.co_owners.join(", "));
        }
        let due = match (&row.due, row.days_left) {
            (Some(due), Some(days)) if row.status == Status::Open && days < 0 => {
                format!("{due} ({} days overdue)", -days)
            }
            (Some(due), Some(days)) if row.status == Status::Open => {
                format!("{due} ({days} days left)")
            }
            (Some(due), _) => due.clone(),
            (None, _) => "-".into(),
        };
        let status = match &row.done_on {
            Some(done_on) if row.status == Status::Done => format!("done {done_on}"),
            _ => row.state.to_string(),
        };
        table.row(vec![
            row.id.to_string(),
            owner,
            due,
            status,
            row.next_reminder.as_deref().unwrap_or("-").to_string(),
        ]);
    }
    let mut out = table.render();
    let _ = writeln!(
        out,
        "{} commitment{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out
}

#[derive(Debug, Serialize)]
struct PlanEmail<'a> {
    moment: String,
    department: &'a str,
    to: &'a [String],
    cc: &'a [String],
    commitments: Vec<&'a str>,
    why: Vec<PlanWhy<'a>>,
}

#[derive(Debug, Serialize)]
struct PlanWhy<'a> {
    commitment: &'a str,
    #[serde(flatten)]
    why: &'a Why,
    text: String,
}

pub fn plan(config: &Config, reminders: &[Reminder], json: bool) -> String {
    if !json {
        return plan_text(config, reminders);
    }
    let emails: Vec<PlanEmail> = reminders
        .iter()
        .map(|reminder| PlanEmail {
            moment: local(config, reminder.moment),
            department: &config.department(reminder.department).key,
            to: &reminder.to,
            cc: &reminder.cc,
            commitments: reminder.commitment_ids(config),
            why: reminder
                .items
                .iter()
                .map(|item| PlanWhy {
                    commitment: &config.commitments[item.commitment].id,
                    why: &item.why,
                    text: describe_why(&item.why),
                })
                .collect(),
        })
        .collect();
    serde_json::to_string_pretty(&emails).expect("plan rows always serialize") + "\n"
}

/// The text form of `plan`, written straight into one buffer: a plan at 100,000
/// commitments lists about a million items, so no row is built first.
fn plan_text(config: &Config, reminders: &[Reminder]) -> String {
    let items: usize = reminders.iter().map(|reminder| reminder.items.len()).sum();
    let mut out = String::with_capacity(items * 64 + reminders.len() * 128);
    for reminder in reminders {
        let department = &config.department(reminder.department).key;
        let _ = writeln!(out, "{}  {department}", local(config, reminder.moment));
        let _ = writeln!(out, "    to: {}", reminder.to.join(", "));
        if !reminder.cc.is_empty() {
            let _ = writeln!(out, "    cc: {}", reminder.cc.join(", "));
        }
        for item in &reminder.items {
            out.push_str("    ");
            out.push_str(&config.commitments[item.commitment].id);
            out.push_str("  ");
            write_why(&mut out, &item.why);
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{} email{}",
        reminders.len(),
        if reminders.len() == 1 { "" } else { "s" }
    );
    out
}

/// `followup history`: newest first.
pub fn history(config: &Config, rows: &[crate::ledger::HistoryRow], json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(rows).expect("history rows always serialize") + "\n";
    }
    let mut table = Table::new(&["MOMENT", "COMMITMENT", "STATE", "TO", "MESSAGE-ID", "ERROR"]);
    for row in rows {
        let mut recipients = row.to.join(", ");
        if !row.cc.is_empty() {
            recipients = format!("{recipients} (cc {})", row.cc.join(", "));
        }
        let state = match row.state {
            crate::ledger::State::Pending if row.attempts > 0 => {
                format!("pending ({} attempts)", row.attempts)
            }
            state => serde_json::to_value(state)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        table.row(vec![
            local(config, row.moment),
            row.commitment.clone(),
            state,
            recipients,
            row.message_id.clone(),
            row.error.clone().unwrap_or_default(),
        ]);
    }
    let mut out = table.render();
    let _ = writeln!(out, "{} deliveries", rows.len());
    out
}

/// `followup preview`: the headers as sent (subject decoded) and the text part.
pub fn preview(composed: &crate::mail::Composed, from: &str) -> String {
    // Headers one per line, unfolded, with the human-readable From and Subject in place of
    // their RFC 2047 encodings; MIME plumbing is not shown.
    let mut headers: Vec<String> = Vec::new();
    for line in composed.message.headers().to_string().lines() {
        match headers.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => headers.push(line.to_string()),
        }
    }
    let mut out = String::new();
    for header in headers {
        let name = header.split(':').next().unwrap_or_default();
        match name {
            "Subject" => {
                let _ = writeln!(out, "Subject: {}", composed.subject);
            }
            "From" => {
                let _ = writeln!(out, "From: {from}");
            }
            "MIME-Version" | "Content-Type" | "Content-Transfer-Encoding" => {}
            _ => {
                let _ = writeln!(out, "{header}");
            }
        }
    }
    out.push('\n');
    out.push_str(&composed.text);
    if !composed.text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// "cadence `0 9 * * *` (stage 临近截止), moved from Saturday 2025-10-04 (holiday)"
pub fn describe_why(why: &Why) -> String {
    let mut text = String::new();
    write_why(&mut text, why);
    text
}

fn write_why(text: &mut String, why: &Why) {
    match why {
        Why::FirstNotice => text.push_str("first notice"),
        Why::Review { claimed } => {
            let _ = write!(
                text,
                "to the reviewer: a done claim of {} waits longer than schedule.review_within",
                claimed.format("%Y-%m-%d %H:%M UTC")
            );
        }
        Why::Cadence {
            cadence,
            source,
            stage,
            moved_from,
            catch_up,
        } => {
            let _ = write!(text, "cadence `{cadence}`");
            match (source, stage) {
                (_, Some(stage)) => {
                    let _ = write!(text, " (stage {stage})");
                }
                (source, None) if source == "commitment" => {
                    text.push_str(" (the commitment's own)")
                }
                _ => text.push_str(" (default)"),
            }
            if let Some((date, reason)) = moved_from {
                let _ = write!(text, ", {}", engine::describe_move(*date, reason));
            }
            if *catch_up {
                text.push_str(", catch-up for moments missed while stopped");
            }
        }
    }
}

/// A time in the configured zone, to the minute or second as needed.
pub fn local(config: &Config, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&config.timezone);
    if local.second() == 0 {
        local.format("%Y-%m-%d %H:%M %a %:z").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S %a %:z").to_string()
    }
}

/// A plain text table that lines up CJK text by display width.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Table {
            rows: vec![header.iter().map(|cell| cell.to_string()).collect()],
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self) -> String {
        let columns = self.rows[0].len();
        // Each cell's display width is measured once (a list at 100,000 rows has half a
        // million cells); lines are written straight into one buffer.
        let cell_widths: Vec<usize> = self
            .rows
            .iter()
            .flat_map(|row| row.iter().map(|cell| cell.width()))
            .collect();
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                cell_widths
                    .iter()
                    .skip(column)
                    .step_by(columns)
                    .max()
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        let bytes: usize = self.rows.iter().flatten().map(String::len).sum();
        let mut out = String::with_capacity(bytes + self.rows.len() * columns * 4);
        for (row, row_widths) in self.rows.iter().zip(cell_widths.chunks(columns)) {
            let start = out.len();
            for (column, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if column + 1 < columns {
                    let pad = widths[column] - row_widths[column] + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let trimmed = out[start..].trim_end().len();
            out.truncate(start + trimmed);
            out.push('\n');
        }
        out
    }
}
