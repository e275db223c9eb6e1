//! What `check`, `list` and `plan` print: text tables for people and JSON for scripts, and
//! the view models (`CommitmentRow`, `State`, `Light`) that the board draws from too.
//! Pure: takes the configuration, the engine's answers and `now`; never writes anything.
//! Depends on the model and the engine only: `cli` and `web` depend on it, never the reverse.

use std::fmt::{self, Write as _};
use std::rc::Rc;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::engine::{self, LogView, Reminder, Schedules, Why};
use crate::model::{Commitment, Config, DepartmentId, Status, Text};

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

/// Which commitments a view shows by status (`list --status`, the board's status filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    Open,
    Done,
    All,
}

/// Which commitments `list` shows.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub status: StatusFilter,
    pub owner: Option<DepartmentId>,
    pub overdue: bool,
}

/// A commitment's displayed state. The TOML `status` stays `open` or `done`; `Reported`
/// (a done claim awaiting review) is derived from the replies once they are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Open,
    Reported,
    Done,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Reported => "reported",
            State::Done => "done",
        }
    }

    /// The name the office reads in Chinese (the board, the 台账, the 通报).
    pub fn zh(self) -> &'static str {
        match self {
            State::Open => "未办结",
            State::Reported => "办结待审",
            State::Done => "已办结",
        }
    }
}

/// The traffic light of a commitment, in the order the board shows them (failing first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    /// Overdue: open after its due date has ended.
    Red,
    /// Open and inside a stage that begins before the due date ends (e.g. 临近截止 at -14d).
    Yellow,
    /// A done claim awaiting review (`State::Reported`).
    Blue,
    /// Open, on track.
    Green,
    /// Done.
    Grey,
}

impl Light {
    pub const ALL: [Light; 5] = [
        Light::Red,
        Light::Yellow,
        Light::Blue,
        Light::Green,
        Light::Grey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Yellow => "yellow",
            Light::Blue => "blue",
            Light::Green => "green",
            Light::Grey => "grey",
        }
    }
}

/// The light of a commitment in `state` at `at`.
pub fn light(config: &Config, commitment: &Commitment, state: State, at: DateTime<Utc>) -> Light {
    Lights::new(config, at).light(commitment, state)
}

/// Lights, days left and overdue flags of many commitments at one moment: the moment's
/// local date is worked out once, and whether a due date is in an approaching stage once
/// per due date (a list of 100,000 commitments shares a few hundred due dates, and each
/// answer needs a time-zone search).
pub struct Lights<'c> {
    config: &'c Config,
    at: DateTime<Utc>,
    today: chrono::NaiveDate,
    approaching: crate::model::FastMap<chrono::NaiveDate, bool>,
}

impl<'c> Lights<'c> {
    pub fn new(config: &'c Config, at: DateTime<Utc>) -> Lights<'c> {
        Lights {
            config,
            at,
            today: at.with_timezone(&config.timezone).date_naive(),
            approaching: Default::default(),
        }
    }

    /// `engine::is_overdue`, with the local date already known.
    pub fn overdue(&self, commitment: &Commitment) -> bool {
        commitment.status == Status::Open && commitment.due.is_some_and(|due| self.today > due)
    }

    /// `engine::days_left`, with the local date already known.
    pub fn days_left(&self, commitment: &Commitment) -> Option<i64> {
        commitment.due.map(|due| (due - self.today).num_days())
    }

    pub fn light(&mut self, commitment: &Commitment, state: State) -> Light {
        match state {
            State::Done => Light::Grey,
            State::Reported => Light::Blue,
            State::Open if self.overdue(commitment) => Light::Red,
            State::Open => {
                let (config, at) = (self.config, self.at);
                let approaching = match commitment.due {
                    None => false,
                    Some(due) => *self.approaching.entry(due).or_insert_with(|| {
                        engine::stage_at(config, commitment, at)
                            .is_some_and(|stage| config.schedule.stages[stage].from_seconds < 0)
                    }),
                };
                if approaching {
                    Light::Yellow
                } else {
                    Light::Green
                }
            }
        }
    }
}

/// The displayed state of a commitment from its file alone (see `State`): never
/// `Reported`, which needs the log (`state_in`).
pub fn state(commitment: &Commitment) -> State {
    match commitment.status {
        Status::Open => State::Open,
        Status::Done => State::Done,
    }
}

/// The displayed state of a commitment with the log: `Reported` while a done claim by
/// email waits for review (`LogView::reported`).
pub fn state_in(commitment: &Commitment, log: &LogView) -> State {
    state_with(commitment, log.reported.contains_key(commitment.id()))
}

/// The displayed state of a commitment whose done claim does (`awaiting_review`) or does
/// not wait for review: the one rule behind `state_in`, the board and `/metrics`.
pub fn state_with(commitment: &Commitment, awaiting_review: bool) -> State {
    match state(commitment) {
        State::Open if awaiting_review => State::Reported,
        state => state,
    }
}

/// One commitment as every face shows it: the `list` table, `list --json` and the board.
#[derive(Debug, Serialize)]
pub struct CommitmentRow<'a> {
    /// The index into `Config::commitments`.
    #[serde(skip)]
    pub index: usize,
    pub id: &'a str,
    pub letter: &'a str,
    pub title: Text,
    pub topic: Option<Text>,
    pub owner: &'a str,
    pub co_owners: Vec<&'a str>,
    pub due: Option<String>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub status: Status,
    pub state: State,
    pub light: Light,
    pub done_on: Option<String>,
    pub next_reminder: Option<Rc<str>>,
    /// The department's latest answer by email (`12月3日 已完成方案起草`), if any.
    pub latest_answer: Option<String>,
}

/// The rows `filter` selects, in configuration order. Fails only when the daemon's spill
/// file cannot be read (`Commitment::texts`).
pub fn rows<'a>(
    config: &'a Config,
    log: &LogView,
    filter: &ListFilter,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<CommitmentRow<'a>>> {
    rows_iter(config, log, filter, at).collect()
}

/// The commitments `filter` selects, with their indices, in configuration order.
fn selected<'a, 'l>(
    config: &'a Config,
    filter: &'l ListFilter,
    at: DateTime<Utc>,
) -> impl Iterator<Item = (usize, &'a Commitment)> + use<'a, 'l> {
    config
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
                commitment.owner == owner || commitment.co_owners().contains(&owner)
            })
        })
        .filter(move |(_, commitment)| {
            !filter.overdue || engine::is_overdue(config, commitment, at)
        })
}

/// `rows`, one at a time: `list` writes each as it comes instead of holding 100,000.
fn rows_iter<'a, 'l>(
    config: &'a Config,
    log: &'l LogView,
    filter: &'l ListFilter,
    at: DateTime<Utc>,
) -> impl Iterator<Item = anyhow::Result<CommitmentRow<'a>>> + use<'a, 'l> {
    let mut schedules = Schedules::new(config);
    // Commitments share a few distinct next moments: each is formatted once.
    let mut formatted: crate::model::FastMap<DateTime<Utc>, Rc<str>> = Default::default();
    let mut lights = Lights::new(config, at);
    selected(config, filter, at).map(move |(index, commitment)| {
        let after = log
            .seen
            .get(commitment.id())
            .and_then(|seen| seen.last_moment)
            .map_or(at, |last| last.max(at));
        let state = state_in(commitment, log);
        // A reported commitment's next reminder is the reviewer's, once the review is late.
        let after = match log.reported.get(commitment.id()) {
            Some(claimed) if state == State::Reported => {
                after.max(engine::review_late(config, *claimed) - chrono::Duration::seconds(1))
            }
            _ => after,
        };
        let next = schedules.next_moment(config, index, after).map(|next| {
            formatted
                .entry(next)
                .or_insert_with(|| local(config, next).into())
                .clone()
        });
        let mut row = row_with(config, &mut lights, index, next, state)?;
        row.latest_answer = log
            .answers
            .get(commitment.id())
            .map(|answer| crate::replies::view::answer_line(config, answer.at, &answer.text));
        Ok(row)
    })
}

/// One commitment's row at `at` in the displayed `state` (no answer), with its next
/// reminder as already worked out (or not); `rows` adds what the log says.
pub fn row(
    config: &Config,
    index: usize,
    at: DateTime<Utc>,
    next_reminder: Option<Rc<str>>,
    state: State,
) -> anyhow::Result<CommitmentRow<'_>> {
    row_with(
        config,
        &mut Lights::new(config, at),
        index,
        next_reminder,
        state,
    )
}

fn row_with<'a>(
    config: &'a Config,
    lights: &mut Lights<'_>,
    index: usize,
    next_reminder: Option<Rc<str>>,
    state: State,
) -> anyhow::Result<CommitmentRow<'a>> {
    let commitment = &config.commitments[index];
    let letter = config.letter_of(commitment);
    Ok(CommitmentRow {
        index,
        id: commitment.id(),
        letter: letter.id(),
        title: letter.texts()?.title_shared(),
        topic: commitment.texts()?.topic_shared(),
        owner: &config.department(commitment.owner).key,
        co_owners: commitment
            .co_owners()
            .iter()
            .map(|id| config.department(*id).key.as_str())
            .collect(),
        due: commitment.due.map(|due| due.to_string()),
        days_left: lights.days_left(commitment),
        overdue: lights.overdue(commitment),
        status: commitment.status,
        state,
        light: lights.light(commitment, state),
        done_on: commitment.done_on.map(|date| date.to_string()),
        next_reminder,
        latest_answer: None,
    })
}

pub fn list(
    config: &Config,
    log: &LogView,
    filter: &ListFilter,
    at: DateTime<Utc>,
    json: bool,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if json {
        // Written as the rows come: at 100,000 commitments the array is 50 MB.
        let rows = Streamed(std::cell::Cell::new(Some(rows_iter(
            config, log, filter, at,
        ))));
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    // The answers column only once some department has answered by email about a listed
    // commitment.
    let answers = !log.answers.is_empty()
        && selected(config, filter, at)
            .any(|(_, commitment)| log.answers.contains_key(commitment.id()));
    let mut table = if answers {
        Table::new(&[
            "ID",
            "OWNER",
            "DUE",
            "STATUS",
            "NEXT REMINDER",
            "LATEST ANSWER",
        ])
    } else {
        Table::new(&["ID", "OWNER", "DUE", "STATUS", "NEXT REMINDER"])
    };
    let mut count = 0;
    for row in rows_iter(config, log, filter, at) {
        let row = row.map_err(std::io::Error::other)?;
        count += 1;
        table.cell(format_args!("{}", row.id));
        if row.co_owners.is_empty() {
            table.cell(format_args!("{}", row.owner));
        } else {
            table.cell(format_args!(
                "{} (+{})",
                row.owner,
                row.co_owners.join(", ")
            ));
        }
        match (&row.due, row.days_left) {
            (Some(due), Some(days)) if row.status == Status::Open && days < 0 => {
                table.cell(format_args!("{due} ({} days overdue)", -days));
            }
            (Some(due), Some(days)) if row.status == Status::Open => {
                table.cell(format_args!("{due} ({days} days left)"));
            }
            (Some(due), _) => table.cell(format_args!("{due}")),
            (None, _) => table.cell(format_args!("-")),
        }
        match &row.done_on {
            Some(done_on) if row.status == Status::Done => {
                table.cell(format_args!("done {done_on}"));
            }
            _ => table.cell(format_args!("{}", row.state.as_str())),
        }
        table.cell(format_args!(
            "{}",
            row.next_reminder.as_deref().unwrap_or("-")
        ));
        if answers {
            table.cell(format_args!(
                "{}",
                row.latest_answer.as_deref().unwrap_or("-")
            ));
        }
    }
    out.write_all(table.render().as_bytes())?;
    writeln!(
        out,
        "{count} commitment{}",
        if count == 1 { "" } else { "s" }
    )
}

/// A JSON array written from an iterator of rows as it is consumed (serialised once); a
/// row that fails ends it with that error.
struct Streamed<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = anyhow::Result<T>>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for row in self.0.take().into_iter().flatten() {
            seq.serialize_element(&row.map_err(|error| S::Error::custom(format!("{error:#}")))?)?;
        }
        seq.end()
    }
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
    /// The department's latest answer by email about it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_answer: Option<String>,
}

pub fn plan(config: &Config, reminders: &[Reminder], json: bool) -> String {
    plan_with(config, &LogView::default(), reminders, json)
}

/// `plan`, with each commitment's latest answer by email from the log.
pub fn plan_with(config: &Config, log: &LogView, reminders: &[Reminder], json: bool) -> String {
    let mut out = Vec::new();
    write_plan(config, log, reminders, json, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the plan is UTF-8")
}

/// `plan_with`, written to `out` as it is produced: at 100,000 commitments the text is about
/// 30 MB.
pub fn write_plan(
    config: &Config,
    log: &LogView,
    reminders: &[Reminder],
    json: bool,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let answer = |index: usize| {
        if log.answers.is_empty() {
            return None;
        }
        log.answers
            .get(config.commitments[index].id())
            .map(|answer| crate::replies::view::answer_line(config, answer.at, &answer.text))
    };
    if !json {
        return plan_text(config, reminders, &answer, out);
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
                    commitment: config.commitments[item.commitment].id(),
                    why: &item.why,
                    text: describe_why(&item.why),
                    latest_answer: answer(item.commitment),
                })
                .collect(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &emails)?;
    writeln!(out)
}

/// The text form of `plan`, written through one small buffer: a plan at 100,000
/// commitments lists about half a million items, so no row is built first and the text is
/// never held whole.
fn plan_text(
    config: &Config,
    reminders: &[Reminder],
    answer: &dyn Fn(usize) -> Option<String>,
    sink: &mut impl std::io::Write,
) -> std::io::Result<()> {
    const CHUNK: usize = 1 << 16;
    let mut out = String::with_capacity(CHUNK + 4096);
    // Items share their reasons (`Due::why` is an `Arc` the engine hands out once per
    // schedule and moment): each reason is written out once, by its address, and copied.
    let mut whys: crate::model::FastMap<*const Why, String> = Default::default();
    let mut ids = IdCopies::new(config);
    for reminder in reminders {
        if out.len() >= CHUNK {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
        let department = &config.department(reminder.department).key;
        let _ = writeln!(out, "{}  {department}", local(config, reminder.moment));
        let _ = writeln!(out, "    to: {}", reminder.to.join(", "));
        if !reminder.cc.is_empty() {
            let _ = writeln!(out, "    cc: {}", reminder.cc.join(", "));
        }
        for item in &reminder.items {
            out.push_str("    ");
            out.push_str(ids.id(item.commitment));
            out.push_str("  ");
            out.push_str(
                whys.entry(std::sync::Arc::as_ptr(&item.why))
                    .or_insert_with(|| describe_why(&item.why)),
            );
            if let Some(answer) = answer(item.commitment) {
                out.push_str("; latest answer ");
                out.push_str(&answer);
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{} email{}",
        reminders.len(),
        if reminders.len() == 1 { "" } else { "s" }
    );
    sink.write_all(out.as_bytes())
}

/// Commitment ids for a plan, which lists a commitment on many days: each id is read from
/// its file's values once (the commitment, its file's values and the text are three reads
/// that miss the cache at 100,000 commitments) and copied next to the others in the order
/// they were first written, so the next day's emails read them nearly in sequence.
struct IdCopies<'c> {
    config: &'c Config,
    text: String,
    /// Per commitment, where its copy is in `text`; an empty range: not copied yet.
    at: Vec<(usize, usize)>,
}

impl<'c> IdCopies<'c> {
    fn new(config: &'c Config) -> Self {
        IdCopies {
            config,
            text: String::new(),
            at: vec![(0, 0); config.commitments.len()],
        }
    }

    fn id(&mut self, index: usize) -> &str {
        let (mut start, mut end) = self.at[index];
        if start == end {
            start = self.text.len();
            self.text.push_str(self.config.commitments[index].id());
            end = self.text.len();
            self.at[index] = (start, end);
        }
        &self.text[start..end]
    }
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

/// The time formatter lives in `timefmt` (the daemon uses it too); kept here under its old
/// name for callers of the views.
pub use crate::timefmt::local;

/// A plain text table that lines up CJK text by display width.
struct Table {
    /// Every cell's text, one after another.
    text: String,
    /// Where each cell ends in `text`, and its display width, row after row.
    cells: Vec<(u32, u32)>,
    columns: usize,
    /// The widest cell of each column so far.
    widths: Vec<usize>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        let mut table = Table {
            text: String::new(),
            cells: Vec::new(),
            columns: header.len(),
            widths: vec![0; header.len()],
        };
        for cell in header {
            table.cell(format_args!("{cell}"));
        }
        table
    }

    /// Appends the next cell (rows are `columns` cells each). Cells are written straight
    /// into one buffer and measured once: a list at 100,000 rows has half a million cells,
    /// and a `String` for each would be most of its cost.
    fn cell(&mut self, value: fmt::Arguments<'_>) {
        let start = self.text.len();
        let _ = self.text.write_fmt(value);
        let width = self.text[start..].width();
        let column = self.cells.len() % self.columns;
        self.widths[column] = self.widths[column].max(width);
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.cells
            .push((end, u32::try_from(width).unwrap_or(u32::MAX)));
    }

    fn row(&mut self, cells: Vec<String>) {
        for cell in cells {
            self.cell(format_args!("{cell}"));
        }
    }

    fn render(&self) -> String {
        let columns = self.columns;
        let mut out = String::with_capacity(self.text.len() + self.cells.len() * 4);
        let mut start = 0;
        for row in self.cells.chunks(columns) {
            let line = out.len();
            for (column, (end, width)) in row.iter().enumerate() {
                let end = *end as usize;
                out.push_str(&self.text[start..end]);
                start = end;
                if column + 1 < columns {
                    let pad = self.widths[column] - *width as usize + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let trimmed = out[line..].trim_end().len();
            out.truncate(line + trimmed);
            out.push('\n');
        }
        out
    }
}
