//! The 通报 (bulletin): a periodic email to the office with per-department counts, what
//! became overdue and what was completed since the last one, units ranked by overdue items,
//! claims awaiting review, and the 台账 attached as .xlsx. Pure: builds the bulletin from
//! the configuration, what the delivery log says, `since` and `at`; composes the email; says
//! when the next one is due. The daemon records and sends it like a reminder (one row in the
//! delivery log under [`LEDGER_ID`]), so it is never sent twice and never lost.

use std::time::SystemTime;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use serde::Serialize;

use crate::export::{self, DepartmentSums, Inputs, Light};
use crate::mail::{self, Fnv1a, Templates};
use crate::model::{Config, Language, Status};

/// The bulletin's rows in the delivery log: `commitment` and `department` both hold this
/// (commitment ids may not start with `@`), so the pending-row machinery, its uniqueness
/// per moment, retries and history serve the bulletin as they serve reminders.
pub const LEDGER_ID: &str = "@report";

/// The content type of an .xlsx workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One commitment named in the bulletin.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub owner: String,
    /// The topic, else the commitment's text, shortened to 80 characters.
    pub text: String,
    pub due: Option<String>,
    pub days_overdue: i64,
    pub done_on: Option<String>,
}

/// A department and how many of its commitments are overdue.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub department: String,
    pub overdue: usize,
}

/// What the bulletin says.
#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    /// The date it reports on (`at` in the configured zone).
    pub date: String,
    /// The start of the period: the previous bulletin, or `--since`.
    pub since: String,
    /// Sums over every department (`department` empty).
    pub total: DepartmentSums,
    pub departments: Vec<DepartmentSums>,
    /// Departments with overdue commitments, most first.
    pub ranking: Vec<Ranked>,
    /// Open commitments that became overdue after `since`.
    pub newly_overdue: Vec<Item>,
    /// Commitments marked done on a day from `since`'s date to `at`'s.
    pub completed: Vec<Item>,
    /// Done claims awaiting the office's review (replies, issue 11).
    pub awaiting_review: Vec<Item>,
    /// The attachment's file name.
    pub attachment: String,
}

fn short(text: &str) -> String {
    const LIMIT: usize = 80;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= LIMIT {
        text
    } else {
        let mut shortened: String = text.chars().take(LIMIT - 1).collect();
        shortened.push('…');
        shortened
    }
}

/// The bulletin for the period `(since, at]`. Fails only when the daemon's spill file
/// cannot be read (`model::Commitment::texts`).
pub fn bulletin(
    config: &Config,
    inputs: &Inputs,
    since: DateTime<Utc>,
    at: DateTime<Utc>,
) -> anyhow::Result<Bulletin> {
    let rows = export::rows(config, inputs, at)?;
    let departments = export::department_sums(config, &rows);
    let mut total = DepartmentSums::default();
    for sum in &departments {
        total.open += sum.open;
        total.overdue += sum.overdue;
        total.done += sum.done;
        total.reported += sum.reported;
    }
    let mut ranking: Vec<Ranked> = departments
        .iter()
        .filter(|sum| sum.overdue > 0)
        .map(|sum| Ranked {
            department: sum.department.clone(),
            overdue: sum.overdue,
        })
        .collect();
    ranking.sort_by_key(|ranked| std::cmp::Reverse(ranked.overdue));
    let zone = config.timezone;
    let since_date = since.with_timezone(&zone).date_naive();
    let at_date = at.with_timezone(&zone).date_naive();
    let item = |index: usize| {
        let commitment = &config.commitments[index];
        let row = &rows[index];
        let texts = commitment.texts()?;
        anyhow::Ok(Item {
            id: commitment.id().to_owned(),
            owner: row.owner.clone(),
            text: short(texts.topic().unwrap_or(texts.text())),
            due: row.due.clone(),
            days_overdue: row.days_overdue,
            done_on: commitment.done_on.map(|date| date.to_string()),
        })
    };
    let mut newly_overdue = Vec::new();
    let mut completed = Vec::new();
    let mut awaiting_review = Vec::new();
    for (index, commitment) in config.commitments.iter().enumerate() {
        let row = &rows[index];
        if row.light == Light::Red && !crate::engine::is_overdue(config, commitment, since) {
            newly_overdue.push(item(index)?);
        }
        // Done on `since`'s own day counts: a day's work is listed once too often rather
        // than never.
        let done_in_period = commitment.status == Status::Done
            && commitment
                .done_on
                .is_some_and(|on: NaiveDate| on >= since_date && on <= at_date);
        if done_in_period {
            completed.push(item(index)?);
        }
        if row.status == "reported" {
            awaiting_review.push(item(index)?);
        }
    }
    newly_overdue.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.id.cmp(&b.id)));
    Ok(Bulletin {
        date: at_date.to_string(),
        since: since_date.to_string(),
        total,
        departments,
        ranking,
        newly_overdue,
        completed,
        awaiting_review,
        attachment: export::file_name(config, at, "xlsx"),
    })
}

/// Where the bulletin goes: `report.to`, else `mail.admin`.
pub fn recipients(config: &Config) -> Vec<String> {
    match &config.report {
        Some(report) if !report.to.is_empty() => report.to.clone(),
        _ => config.mail.admin.clone(),
    }
}

fn subject(config: &Config, bulletin: &Bulletin) -> String {
    let total = &bulletin.total;
    match config.language {
        Language::Zh => format!(
            "【督办通报】截至{}：未办结{}项，逾期{}项，本期办结{}项",
            NaiveDate::parse_from_str(&bulletin.date, "%Y-%m-%d").map_or_else(
                |_| bulletin.date.clone(),
                |date| date.format("%Y年%-m月%-d日").to_string()
            ),
            total.open,
            total.overdue,
            bulletin.completed.len()
        ),
        Language::En => format!(
            "[Bulletin] As of {}: {} open, {} overdue, {} completed in this period",
            bulletin.date,
            total.open,
            total.overdue,
            bulletin.completed.len()
        ),
    }
}

/// The bulletin's text part, as `followup report` prints it.
pub fn text(config: &Config, templates: &Templates, bulletin: &Bulletin) -> Result<String> {
    let (text, _, _) = render(config, templates, bulletin)?;
    Ok(text)
}

/// (text, html, subject)
fn render(
    config: &Config,
    templates: &Templates,
    bulletin: &Bulletin,
) -> Result<(String, String, String)> {
    let from = mail::mailbox(&config.mail.from, "mail.from")?;
    let subject = subject(config, bulletin);
    let language = mail::language_code(config.language);
    let context = minijinja::context! {
        office => mail::office_name(&from),
        subject => subject.clone(),
        ..minijinja::Value::from_serialize(bulletin)
    };
    let text = templates.render(&format!("report.{language}.txt"), &context)?;
    let html = templates.render(&format!("report.{language}.html"), &context)?;
    Ok((text, html, subject))
}

/// The Message-ID of the bulletin for `moment`: the same moment always gives the same id,
/// so a repeat after a crash is recognisable.
pub fn message_id(config: &Config, moment: DateTime<Utc>) -> String {
    let mut hash = Fnv1a::new();
    hash.field(b"bulletin");
    hash.field(moment.timestamp().to_string().as_bytes());
    format!(
        "<followup.bulletin.{:016x}.{}@{}>",
        hash.finish(),
        moment.timestamp(),
        mail::id_domain(config)
    )
}

/// A composed bulletin.
#[derive(Debug, Clone)]
pub struct Composed {
    pub message: Message,
    pub message_id: String,
    pub subject: String,
    pub text: String,
}

/// The bulletin email: text and HTML parts, the 台账 attached (`xlsx`), to
/// [`recipients`]. `previous` threads it to the last bulletin; `date` is the Date header.
pub fn compose(
    config: &Config,
    templates: &Templates,
    bulletin: &Bulletin,
    xlsx: Vec<u8>,
    message_id: &str,
    previous: Option<&str>,
    date: DateTime<Utc>,
) -> Result<Composed> {
    let from = mail::mailbox(&config.mail.from, "mail.from")?;
    let recipients = recipients(config);
    anyhow::ensure!(
        !recipients.is_empty(),
        "the bulletin has no recipients: set `report.to` or `mail.admin`"
    );
    let (text, html, subject) = render(config, templates, bulletin)?;
    let mut builder = Message::builder().from(from);
    if let Some(reply_to) = &config.mail.reply_to {
        builder = builder.reply_to(mail::mailbox(reply_to, "mail.reply_to")?);
    }
    for recipient in &recipients {
        builder = builder.to(mail::mailbox(recipient, "report.to")?);
    }
    builder = builder
        .subject(subject.clone())
        .date(SystemTime::from(date))
        .message_id(Some(message_id.to_string()))
        .header(mail::AutoSubmitted);
    if let Some(previous) = previous {
        builder = builder
            .in_reply_to(previous.to_string())
            .references(previous.to_string());
    }
    let attachment = Attachment::new(bulletin.attachment.clone()).body(
        xlsx,
        ContentType::parse(XLSX_TYPE).expect("the xlsx content type parses"),
    );
    let body = MultiPart::mixed()
        .boundary(mail::boundary(message_id, &[&text, &html, "mixed"]))
        .multipart(
            MultiPart::alternative()
                .boundary(mail::boundary(message_id, &[&text, &html]))
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .singlepart(attachment);
    let message = builder
        .multipart(body)
        .context("building the bulletin email")?;
    Ok(Composed {
        message,
        message_id: message_id.to_string(),
        subject,
        text,
    })
}

/// The longest run of days off a moment is moved across (as the engine's).
const LONGEST_BREAK_DAYS: u32 = 40;

/// A nominal firing of `report.remind`, moved with `skip_holidays` from a day off to the
/// next working day at the same wall-clock time (as reminders are): several firings in one
/// break collapse onto one moment, sent once.
fn shifted(config: &Config, nominal: DateTime<Utc>) -> DateTime<Utc> {
    if !config.schedule.skip_holidays {
        return nominal;
    }
    let local = nominal.with_timezone(&config.timezone);
    let (mut day, time) = (local.date_naive(), local.time());
    let mut moved = false;
    for _ in 0..LONGEST_BREAK_DAYS {
        if config.calendar.is_working(day) {
            break;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
        moved = true;
    }
    if !moved {
        return nominal;
    }
    config
        .timezone
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map_or(nominal, |at| at.with_timezone(&Utc))
}

/// The bulletin moment due at `now`: the latest moment of `report.remind` in `(after, now]`,
/// so moments missed while the daemon was stopped make one bulletin, not one each (the
/// catch-up rule of reminders). Moments move off days off like reminders'.
pub fn due_moment(
    config: &Config,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let report = config.report.as_ref()?;
    if now <= after {
        return None;
    }
    let cron = &config.cadences[report.remind].cron;
    let mut nominal = cron
        .find_previous_occurrence(&now.with_timezone(&config.timezone), true)
        .ok()?
        .with_timezone(&Utc);
    // A firing moved past `now` is not due yet, but an earlier one may be: walk back until
    // a moment is at or before `now` (moments never decrease as firings advance).
    for _ in 0..=LONGEST_BREAK_DAYS * 24 {
        let moment = shifted(config, nominal);
        if moment <= now {
            return (moment > after).then_some(moment);
        }
        if nominal <= after {
            return None;
        }
        nominal = cron
            .find_previous_occurrence(
                &(nominal - chrono::Duration::seconds(1)).with_timezone(&config.timezone),
                true,
            )
            .ok()?
            .with_timezone(&Utc);
    }
    None
}

/// The first moment of `report.remind` after `after`.
pub fn next_moment(config: &Config, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let report = config.report.as_ref()?;
    let cron = &config.cadences[report.remind].cron;
    let nominal = cron
        .find_next_occurrence(&after.with_timezone(&config.timezone), false)
        .ok()?
        .with_timezone(&Utc);
    // A moved moment is never earlier than its firing, so it is after `after` too.
    Some(shifted(config, nominal))
}

/// The start of the period a bulletin at `moment` covers when no earlier one was sent: one
/// period of `report.remind` back (the previous firing), else seven days.
pub fn default_since(config: &Config, moment: DateTime<Utc>) -> DateTime<Utc> {
    let week = moment - chrono::Duration::days(7);
    let Some(report) = &config.report else {
        return week;
    };
    let cron = &config.cadences[report.remind].cron;
    cron.find_previous_occurrence(
        &(moment - chrono::Duration::seconds(1)).with_timezone(&config.timezone),
        true,
    )
    .map_or(week, |found| found.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_shortened_on_a_character_boundary() {
        let long = "落实".repeat(60);
        let shortened = short(&long);
        assert_eq!(shortened.chars().count(), 80);
        assert!(shortened.ends_with('…'));
        assert_eq!(short("a\n b"), "a b");
    }
}
