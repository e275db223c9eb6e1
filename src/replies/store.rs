//! The replies' tables in the delivery log (schema version 2, added by `ledger`'s
//! migration): `messages` (one row per Message-ID, unique, so a message is applied once),
//! `intake` (IMAP mailbox + UIDVALIDITY + UID → message, so a UID is processed once),
//! `reports` (one row per answer and commitment: intent, text, attachments, state),
//! `report_events` (who confirmed, rejected or extended what, when) and `notices` (receipts to
//! departments and notices to the reviewer: written here, in the same transaction as the
//! report, and sent by the daemon, which marks them sent — so none is sent twice).

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::attachments::Stored;
use super::intent::Intent;

/// Creates the tables (inside the migration's transaction).
pub fn migrate(transaction: &Transaction) -> rusqlite::Result<()> {
    transaction.execute_batch(
        "CREATE TABLE IF NOT EXISTS messages (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            received INTEGER NOT NULL,
            sent INTEGER,
            sender TEXT NOT NULL,
            subject TEXT NOT NULL,
            size INTEGER NOT NULL,
            mailbox TEXT,
            uidvalidity INTEGER,
            uid INTEGER
        );
        CREATE TABLE IF NOT EXISTS intake (
            mailbox TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            message INTEGER NOT NULL,
            PRIMARY KEY (mailbox, uidvalidity, uid)
        );
        CREATE TABLE IF NOT EXISTS reports (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            commitment TEXT,
            sender TEXT NOT NULL,
            received INTEGER NOT NULL,
            intent TEXT NOT NULL,
            requested_due TEXT,
            text TEXT NOT NULL,
            attachments TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'unverified', 'unmatched', 'ignored')),
            reason TEXT,
            matched_by TEXT,
            reminder TEXT,
            updated INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS reports_by_commitment ON reports (commitment, received);
        CREATE INDEX IF NOT EXISTS reports_by_state ON reports (state);
        CREATE TABLE IF NOT EXISTS report_events (
            id INTEGER PRIMARY KEY,
            report INTEGER,
            commitment TEXT NOT NULL,
            kind TEXT NOT NULL,
            who TEXT NOT NULL,
            at INTEGER NOT NULL,
            note TEXT,
            old_due TEXT,
            new_due TEXT
        );
        CREATE INDEX IF NOT EXISTS report_events_by_commitment ON report_events (commitment, at);
        CREATE TABLE IF NOT EXISTS notices (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            report INTEGER,
            commitment TEXT,
            message_id TEXT NOT NULL UNIQUE,
            recipients_to TEXT NOT NULL,
            in_reply_to TEXT,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt INTEGER,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS notices_by_state ON notices (state, next_attempt);",
    )
}

/// Whether the log has these tables: a log from before schema 2, opened read-only by a
/// view (views do not migrate), has none.
pub fn has_reports(connection: &Connection) -> Result<bool> {
    let count: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'reports'",
            [],
            |row| row.get(0),
        )
        .context("reading the delivery log")?;
    Ok(count > 0)
}

/// A report's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportState {
    /// A done claim or extension request from a verified sender, awaiting the office.
    Pending,
    /// Confirmed by the office (`done`, `extend`), or a progress report (nothing to decide).
    Accepted,
    /// Sent back by the office (`reject`).
    Rejected,
    /// The sender is not one of the commitment's departments, or DMARC failed: for review.
    Unverified,
    /// About no commitment that could be found: for review.
    Unmatched,
    /// An automatic answer (out of office, delivery report).
    Ignored,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Pending => "pending",
            ReportState::Accepted => "accepted",
            ReportState::Rejected => "rejected",
            ReportState::Unverified => "unverified",
            ReportState::Unmatched => "unmatched",
            ReportState::Ignored => "ignored",
        }
    }

    pub fn parse(text: &str) -> ReportState {
        match text {
            "pending" => ReportState::Pending,
            "accepted" => ReportState::Accepted,
            "rejected" => ReportState::Rejected,
            "unverified" => ReportState::Unverified,
            "unmatched" => ReportState::Unmatched,
            _ => ReportState::Ignored,
        }
    }

    /// Waiting for someone in the office: `reports --pending`.
    pub fn needs_review(self) -> bool {
        matches!(
            self,
            ReportState::Pending | ReportState::Unverified | ReportState::Unmatched
        )
    }
}

/// One row of `followup reports`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: i64,
    pub commitment: Option<String>,
    pub sender: String,
    pub subject: String,
    /// When it was recorded.
    #[serde(rename = "time")]
    pub received: DateTime<Utc>,
    pub intent: Intent,
    /// The date an extension request asks for.
    #[serde(rename = "requested_date")]
    pub requested_due: Option<NaiveDate>,
    pub text: String,
    pub attachments: Vec<Stored>,
    pub state: ReportState,
    pub reason: Option<String>,
    pub matched_by: Option<String>,
    pub message_id: String,
    pub mailbox: Option<String>,
    pub uidvalidity: Option<u32>,
    pub uid: Option<u32>,
}

/// One decision of the office.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub commitment: String,
    pub report: Option<i64>,
    pub kind: String,
    pub who: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub old_due: Option<String>,
    pub new_due: Option<String>,
}

/// A receipt or reviewer notice waiting to be sent (or sent).
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub commitment: Option<String>,
    pub message_id: String,
    pub to: Vec<String>,
    pub in_reply_to: Option<String>,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub attempts: u32,
}

/// A message already recorded under this Message-ID or this IMAP UID.
pub fn known(
    connection: &Connection,
    message_id: &str,
    imap: Option<(&str, u32, u32)>,
) -> Result<Option<i64>> {
    let context = || "reading the delivery log";
    if let Some((mailbox, uidvalidity, uid)) = imap {
        let found: Option<i64> = connection
            .query_row(
                "SELECT message FROM intake WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![mailbox, uidvalidity, uid],
                |row| row.get(0),
            )
            .optional()
            .with_context(context)?;
        if found.is_some() {
            return Ok(found);
        }
    }
    connection
        .query_row(
            "SELECT id FROM messages WHERE message_id = ?1",
            params![message_id],
            |row| row.get(0),
        )
        .optional()
        .with_context(context)
}

/// The commitment ids recorded under one of our Message-IDs.
pub fn thread_commitments(connection: &Connection, message_id: &str) -> Result<Vec<String>> {
    let mut statement = connection
        .prepare_cached("SELECT DISTINCT commitment FROM deliveries WHERE message_id = ?1")
        .context("reading the delivery log")?;
    let rows = statement
        .query_map(params![message_id], |row| row.get::<_, String>(0))
        .context("reading the delivery log")?;
    let mut ids: Vec<String> = rows
        .collect::<Result<_, _>>()
        .context("reading the delivery log")?;
    if ids.is_empty() {
        // A receipt we sent: the answer to it is about the same commitment.
        let mut statement = connection
            .prepare_cached(
                "SELECT commitment FROM notices WHERE message_id = ?1 AND commitment IS NOT NULL",
            )
            .context("reading the delivery log")?;
        let rows = statement
            .query_map(params![message_id], |row| row.get::<_, String>(0))
            .context("reading the delivery log")?;
        ids = rows
            .collect::<Result<_, _>>()
            .context("reading the delivery log")?;
    }
    Ok(ids)
}

/// The message row to insert.
pub struct NewMessage<'a> {
    pub message_id: &'a str,
    pub received: DateTime<Utc>,
    pub sent: Option<DateTime<Utc>>,
    pub sender: &'a str,
    pub subject: &'a str,
    pub size: usize,
    pub imap: Option<(&'a str, u32, u32)>,
}

/// One report row to insert.
pub struct NewReport<'a> {
    pub commitment: Option<&'a str>,
    pub intent: Intent,
    pub requested_due: Option<NaiveDate>,
    pub text: &'a str,
    pub attachments: &'a [Stored],
    pub state: ReportState,
    pub reason: Option<&'a str>,
    pub matched_by: Option<&'a str>,
    pub reminder: Option<&'a str>,
}

/// One notice row to insert (`report` is the index into the reports just inserted).
pub struct NewNotice {
    pub kind: &'static str,
    pub report: usize,
    pub commitment: String,
    pub message_id: String,
    pub to: Vec<String>,
    pub in_reply_to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// Records a message, its reports and its notices in one transaction. Returns the report
/// ids, or `None` when the message was recorded meanwhile (then only its IMAP UID is added).
pub fn record(
    connection: &mut Connection,
    message: &NewMessage,
    reports: &[NewReport],
    notices: &[NewNotice],
) -> Result<Option<Vec<i64>>> {
    let context = || "recording the answer in the delivery log";
    // IMMEDIATE: take the write lock first, so a concurrent writer makes this wait (busy
    // timeout) instead of failing the read-then-write upgrade.
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .with_context(context)?;
    let existing: Option<i64> = transaction
        .query_row(
            "SELECT id FROM messages WHERE message_id = ?1",
            params![message.message_id],
            |row| row.get(0),
        )
        .optional()
        .with_context(context)?;
    if let Some(existing) = existing {
        if let Some((mailbox, uidvalidity, uid)) = message.imap {
            transaction
                .execute(
                    "INSERT INTO intake (mailbox, uidvalidity, uid, message) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![mailbox, uidvalidity, uid, existing],
                )
                .with_context(context)?;
        }
        transaction.commit().with_context(context)?;
        return Ok(None);
    }
    let (mailbox, uidvalidity, uid) = match message.imap {
        Some((mailbox, uidvalidity, uid)) => (Some(mailbox), Some(uidvalidity), Some(uid)),
        None => (None, None, None),
    };
    transaction
        .execute(
            "INSERT INTO messages (message_id, received, sent, sender, subject, size, mailbox, uidvalidity, uid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                message.message_id,
                message.received.timestamp(),
                message.sent.map(|at| at.timestamp()),
                message.sender,
                message.subject,
                message.size as i64,
                mailbox,
                uidvalidity,
                uid
            ],
        )
        .with_context(context)?;
    let message_row = transaction.last_insert_rowid();
    if let (Some(mailbox), Some(uidvalidity), Some(uid)) = (mailbox, uidvalidity, uid) {
        transaction
            .execute(
                "INSERT INTO intake (mailbox, uidvalidity, uid, message) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![mailbox, uidvalidity, uid, message_row],
            )
            .with_context(context)?;
    }
    let mut ids = Vec::new();
    for report in reports {
        let attachments =
            serde_json::to_string(report.attachments).context("listing attachments")?;
        transaction
            .execute(
                "INSERT INTO reports (message, commitment, sender, received, intent, requested_due, text, attachments, state, reason, matched_by, reminder, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?4)",
                params![
                    message_row,
                    report.commitment,
                    message.sender,
                    message.received.timestamp(),
                    report.intent.as_str(),
                    report.requested_due.map(|date| date.to_string()),
                    report.text,
                    attachments,
                    report.state.as_str(),
                    report.reason,
                    report.matched_by,
                    report.reminder,
                ],
            )
            .with_context(context)?;
        ids.push(transaction.last_insert_rowid());
    }
    for notice in notices {
        transaction
            .execute(
                "INSERT INTO notices (kind, report, commitment, message_id, recipients_to, in_reply_to, subject, body, state, created, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9)
                 ON CONFLICT (message_id) DO NOTHING",
                params![
                    notice.kind,
                    ids.get(notice.report),
                    notice.commitment,
                    notice.message_id,
                    notice.to.join(", "),
                    notice.in_reply_to,
                    notice.subject,
                    notice.body,
                    message.received.timestamp(),
                ],
            )
            .with_context(context)?;
    }
    transaction.commit().with_context(context)?;
    Ok(Some(ids))
}

const REPORT_COLUMNS: &str = "r.id, r.commitment, r.sender, m.subject, r.received, r.intent, r.requested_due, r.text, r.attachments, r.state, r.reason, r.matched_by, m.message_id, m.mailbox, m.uidvalidity, m.uid";

fn report_row(row: &rusqlite::Row) -> rusqlite::Result<Report> {
    let attachments: String = row.get(8)?;
    Ok(Report {
        id: row.get(0)?,
        commitment: row.get(1)?,
        sender: row.get(2)?,
        subject: row.get(3)?,
        received: DateTime::from_timestamp(row.get(4)?, 0).unwrap_or(DateTime::<Utc>::MIN_UTC),
        intent: Intent::parse(&row.get::<_, String>(5)?),
        requested_due: row
            .get::<_, Option<String>>(6)?
            .and_then(|text| text.parse().ok()),
        text: row.get(7)?,
        attachments: serde_json::from_str(&attachments).unwrap_or_default(),
        state: ReportState::parse(&row.get::<_, String>(9)?),
        reason: row.get(10)?,
        matched_by: row.get(11)?,
        message_id: row.get(12)?,
        mailbox: row.get(13)?,
        uidvalidity: row.get(14)?,
        uid: row.get(15)?,
    })
}

/// Reports, oldest first: all, or those needing review, optionally for one commitment.
pub fn reports(
    connection: &Connection,
    commitment: Option<&str>,
    pending_only: bool,
) -> Result<Vec<Report>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports r JOIN messages m ON m.id = r.message
         WHERE (?1 IS NULL OR r.commitment = ?1)
           AND (?2 = 0 OR r.state IN ('pending', 'unverified', 'unmatched'))
         ORDER BY r.received, r.id"
    );
    let mut statement = connection.prepare(&sql).context("reading reports")?;
    let rows = statement
        .query_map(params![commitment, i64::from(pending_only)], report_row)
        .context("reading reports")?;
    rows.collect::<Result<_, _>>().context("reading reports")
}

/// The office's decisions, oldest first, optionally for one commitment.
pub fn events(connection: &Connection, commitment: Option<&str>) -> Result<Vec<Event>> {
    let mut statement = connection
        .prepare(
            "SELECT commitment, report, kind, who, at, note, old_due, new_due FROM report_events
             WHERE ?1 IS NULL OR commitment = ?1 ORDER BY at, id",
        )
        .context("reading report events")?;
    let rows = statement
        .query_map(params![commitment], |row| {
            Ok(Event {
                commitment: row.get(0)?,
                report: row.get(1)?,
                kind: row.get(2)?,
                who: row.get(3)?,
                at: DateTime::from_timestamp(row.get(4)?, 0).unwrap_or(DateTime::<Utc>::MIN_UTC),
                note: row.get(5)?,
                old_due: row.get(6)?,
                new_due: row.get(7)?,
            })
        })
        .context("reading report events")?;
    rows.collect::<Result<_, _>>()
        .context("reading report events")
}

/// Applies an office decision to a commitment's waiting reports (`intents`) and records the
/// event, in one transaction. Returns the ids of the reports it changed.
pub fn decide(
    connection: &mut Connection,
    event: &Event,
    intents: &[Intent],
    state: ReportState,
) -> Result<Vec<i64>> {
    let context = || "recording the decision in the delivery log";
    // IMMEDIATE: take the write lock first, so a concurrent writer makes this wait (busy
    // timeout) instead of failing the read-then-write upgrade.
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .with_context(context)?;
    let mut changed = Vec::new();
    {
        let mut select = transaction
            .prepare("SELECT id, intent FROM reports WHERE commitment = ?1 AND state = 'pending'")
            .with_context(context)?;
        let rows = select
            .query_map(params![event.commitment], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .with_context(context)?;
        for row in rows {
            let (id, intent) = row.with_context(context)?;
            if intents.contains(&Intent::parse(&intent)) {
                changed.push(id);
            }
        }
    }
    for id in &changed {
        transaction
            .execute(
                "UPDATE reports SET state = ?2, updated = ?3 WHERE id = ?1",
                params![id, state.as_str(), event.at.timestamp()],
            )
            .with_context(context)?;
    }
    transaction
        .execute(
            "INSERT INTO report_events (report, commitment, kind, who, at, note, old_due, new_due)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                changed.last().copied().or(event.report),
                event.commitment,
                event.kind,
                event.who,
                event.at.timestamp(),
                event.note,
                event.old_due,
                event.new_due
            ],
        )
        .with_context(context)?;
    transaction.commit().with_context(context)?;
    Ok(changed)
}

/// Notices waiting to be sent whose next attempt is due at `now`.
pub fn pending_notices(connection: &Connection, now: DateTime<Utc>) -> Result<Vec<Notice>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT id, kind, commitment, message_id, recipients_to, in_reply_to, subject, body, state, attempts
             FROM notices WHERE state = 'pending' AND (next_attempt IS NULL OR next_attempt <= ?1) ORDER BY id",
        )
        .context("reading notices")?;
    let rows = statement
        .query_map(params![now.timestamp()], |row| {
            Ok(Notice {
                id: row.get(0)?,
                kind: row.get(1)?,
                commitment: row.get(2)?,
                message_id: row.get(3)?,
                to: row
                    .get::<_, String>(4)?
                    .split(", ")
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect(),
                in_reply_to: row.get(5)?,
                subject: row.get(6)?,
                body: row.get(7)?,
                state: row.get(8)?,
                attempts: row.get(9)?,
            })
        })
        .context("reading notices")?;
    rows.collect::<Result<_, _>>().context("reading notices")
}

/// Marks a notice: `sent`, `failed` (for good) or, with `retry_at`, still pending.
pub fn mark_notice(
    connection: &Connection,
    id: i64,
    state: &str,
    error: Option<&str>,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    connection
        .execute(
            "UPDATE notices SET state = ?2, attempts = attempts + 1, last_error = ?3, next_attempt = ?4, updated = ?5
             WHERE id = ?1 AND state = 'pending'",
            params![id, state, error, retry_at.map(|at| at.timestamp()), now.timestamp()],
        )
        .context("recording a notice in the delivery log")?;
    Ok(())
}

/// Per commitment: when its waiting done claim arrived (the latest, if several).
pub fn waiting_done_claims(connection: &Connection) -> Result<Vec<(String, DateTime<Utc>)>> {
    let mut statement = connection
        .prepare(
            "SELECT commitment, MAX(received) FROM reports
             WHERE state = 'pending' AND intent = 'done' AND commitment IS NOT NULL GROUP BY commitment",
        )
        .context("reading reports")?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                DateTime::from_timestamp(row.get(1)?, 0).unwrap_or(DateTime::<Utc>::MIN_UTC),
            ))
        })
        .context("reading reports")?;
    rows.collect::<Result<_, _>>().context("reading reports")
}

/// Per commitment: the latest answer from its departments (not ignored, unverified or
/// unmatched), and the note of the latest rejection after it, for the reminders and views.
pub fn latest_feedback(connection: &Connection) -> Result<Vec<(String, Report, Option<String>)>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports r JOIN messages m ON m.id = r.message
         WHERE r.commitment IS NOT NULL AND r.state IN ('pending', 'accepted', 'rejected')
         ORDER BY r.received, r.id"
    );
    let mut statement = connection.prepare(&sql).context("reading reports")?;
    let rows = statement
        .query_map([], report_row)
        .context("reading reports")?;
    let mut latest: std::collections::BTreeMap<String, Report> = Default::default();
    for row in rows {
        let report = row.context("reading reports")?;
        if let Some(commitment) = report.commitment.clone() {
            latest.insert(commitment, report);
        }
    }
    let mut notes: std::collections::HashMap<String, (DateTime<Utc>, Option<String>)> =
        Default::default();
    for event in events(connection, None)? {
        if event.kind == "reject" {
            notes.insert(event.commitment.clone(), (event.at, event.note.clone()));
        }
    }
    Ok(latest
        .into_iter()
        .map(|(commitment, report)| {
            let note = notes
                .get(&commitment)
                .filter(|(at, _)| *at >= report.received)
                .and_then(|(_, note)| note.clone());
            (commitment, report, note)
        })
        .collect())
}

/// One report by id.
pub fn report(connection: &Connection, id: i64) -> Result<Option<Report>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports r JOIN messages m ON m.id = r.message WHERE r.id = ?1"
    );
    connection
        .query_row(&sql, params![id], report_row)
        .optional()
        .context("reading reports")
}

/// The office settles a report from the review queue: it gets `state` (and `commitment`
/// when one is named) and the decision is recorded, in one transaction. Changes nothing
/// and returns false when the report is no longer in the queue.
pub fn settle(
    connection: &mut Connection,
    id: i64,
    commitment: Option<&str>,
    state: ReportState,
    event: &Event,
) -> Result<bool> {
    let context = || "recording the decision in the delivery log";
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .with_context(context)?;
    let changed = transaction
        .execute(
            "UPDATE reports SET state = ?2, commitment = COALESCE(?3, commitment), updated = ?4
             WHERE id = ?1 AND state IN ('pending', 'unverified', 'unmatched')",
            params![id, state.as_str(), commitment, event.at.timestamp()],
        )
        .with_context(context)?;
    if changed == 0 {
        return Ok(false);
    }
    transaction
        .execute(
            "INSERT INTO report_events (report, commitment, kind, who, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, event.commitment, event.kind, event.who, event.at.timestamp(), event.note],
        )
        .with_context(context)?;
    transaction.commit().with_context(context)?;
    Ok(true)
}
