//! The departments' answers by email: one raw message in, one recorded outcome out.
//! [`accept`] is the single entry point for both intakes (`followup receive` on stdin, and
//! the daemon's IMAP loop). Stages, one file each: `parse` (bytes → fields, legacy charsets),
//! `quote` (the new text only), `auto` (automatic answers), `matching` (which commitments),
//! `verify` (who may answer, DMARC), `intent` (done / extension / progress), `attachments`
//! (stored by SHA-256 under the state folder), `store` (the log's tables), `notice` (the
//! receipt and the reviewer's notice). Everything but `attachments` and `store` is pure.
//!
//! Never twice, never lost: a message is recorded in one SQLite transaction keyed by its
//! Message-ID (and IMAP mailbox + UIDVALIDITY + UID), so a rerun after a kill records it once,
//! and a message already recorded is a `Duplicate`. Attachments are written (by content
//! hash, so a rerun writes the same files) before that transaction.

pub mod attachments;
pub mod auto;
pub mod commands;
pub mod intent;
pub mod matching;
pub mod notice;
pub mod parse;
pub mod quote;
pub mod store;
pub mod verify;
pub mod view;

use anyhow::Result;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::ledger::Ledger;
use crate::model::Config;

pub use intent::Intent;
pub use store::{Report, ReportState};

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `followup receive` (a Postfix `pipe`, procmail, Sieve).
    Stdin,
    /// The daemon's IMAP intake.
    Imap {
        mailbox: String,
        uidvalidity: u32,
        uid: u32,
    },
}

impl Origin {
    fn imap(&self) -> Option<(&str, u32, u32)> {
        match self {
            Origin::Stdin => None,
            Origin::Imap {
                mailbox,
                uidvalidity,
                uid,
            } => Some((mailbox.as_str(), *uidvalidity, *uid)),
        }
    }
}

/// What happened to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded now: one report per commitment it is about (one unmatched report if none).
    Recorded,
    /// Recorded before (same Message-ID, or same IMAP UID): nothing applied again.
    Duplicate,
    /// Not a mail at all (empty, binary, no header fields): nothing recorded.
    Refused(String),
}

/// One report as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub commitment: Option<String>,
    pub intent: Intent,
    pub state: ReportState,
}

/// The answer of [`accept`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub outcome: Outcome,
    /// The message's Message-ID (a `<sha256@followup.invalid>` stand-in when it has none).
    pub message_id: Option<String>,
    pub reports: Vec<Recorded>,
}

impl Accepted {
    /// One line for logs and `receive`'s standard output.
    pub fn describe(&self) -> String {
        match &self.outcome {
            Outcome::Refused(reason) => format!("refused: {reason}"),
            Outcome::Duplicate => format!(
                "duplicate: {} was recorded before",
                self.message_id.as_deref().unwrap_or("the message")
            ),
            Outcome::Recorded => {
                let parts: Vec<String> = self
                    .reports
                    .iter()
                    .map(|report| {
                        format!(
                            "{} {} ({})",
                            report.commitment.as_deref().unwrap_or("-"),
                            report.intent.as_str(),
                            report.state.as_str()
                        )
                    })
                    .collect();
                format!(
                    "recorded {}: {}",
                    self.message_id.as_deref().unwrap_or("the message"),
                    parts.join("; ")
                )
            }
        }
    }
}

/// Reads one message and records what it says. `Err` only when it could not be recorded
/// (the log is locked or unwritable, the disk is full): the caller keeps the message and
/// tries again later (`receive` exits 75).
pub fn accept(
    config: &Config,
    ledger: &mut Ledger,
    raw: &[u8],
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<Accepted> {
    let incoming = match parse::parse(raw) {
        Ok(incoming) => incoming,
        Err(parse::NotAMail(reason)) => {
            return Ok(Accepted {
                outcome: Outcome::Refused(reason),
                message_id: None,
                reports: Vec::new(),
            });
        }
    };
    let message_id = incoming.message_id.clone().unwrap_or_else(|| {
        let digest: String = Sha256::digest(raw)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("<{digest}@followup.invalid>")
    });
    let duplicate = |message_id: String| Accepted {
        outcome: Outcome::Duplicate,
        message_id: Some(message_id),
        reports: Vec::new(),
    };
    if store::known(ledger.connection(), &message_id, origin.imap())?.is_some() {
        // A UID seen for the first time whose Message-ID is known is remembered too.
        if origin.imap().is_some() {
            store::record(
                ledger.connection(),
                &new_message(&incoming, &message_id, raw.len(), origin, now),
                &[],
                &[],
            )?;
        }
        return Ok(duplicate(message_id));
    }

    let text = quote::strip(&incoming.text);
    let automatic = auto::automatic(&incoming);
    let matched = {
        let connection = ledger.connection();
        let mut failure = None;
        let mut thread = |id: &str| match store::thread_commitments(connection, id) {
            Ok(ids) => ids,
            Err(error) => {
                failure = Some(error);
                Vec::new()
            }
        };
        let matched = matching::find(config, &incoming, &text, &mut thread);
        if let Some(error) = failure {
            return Err(error);
        }
        matched
    };
    let today = now.with_timezone(&config.timezone).date_naive();
    let (intent, requested_due) = intent::classify(&text, &incoming.subject, today);
    let dmarc = verify::dmarc_failure(config, &incoming);
    let sender = incoming.from.clone().unwrap_or_default();
    let stored = attachments::store(
        &config.state_dir,
        &incoming.attachments,
        config.replies.max_attachment_bytes,
    )?;

    let ids: Vec<Option<usize>> = if matched.commitments.is_empty() {
        vec![None]
    } else {
        matched.commitments.iter().copied().map(Some).collect()
    };
    let decisions: Vec<(Option<usize>, ReportState, Option<String>)> = ids
        .into_iter()
        .map(|index| {
            let (state, reason) = decide(
                config,
                index,
                &sender,
                intent,
                automatic.as_deref(),
                dmarc.as_deref(),
            );
            (index, state, reason)
        })
        .collect();
    let reports: Vec<store::NewReport> = decisions
        .iter()
        .map(|(index, state, reason)| store::NewReport {
            commitment: index.map(|index| config.commitments[index].id()),
            intent,
            requested_due,
            text: &text,
            attachments: &stored,
            state: *state,
            reason: reason.as_deref(),
            matched_by: matched.by.map(matching::MatchedBy::as_str),
            reminder: matched.reminder.as_deref(),
        })
        .collect();
    let notices: Vec<store::NewNotice> = decisions
        .iter()
        .enumerate()
        .filter(|(_, (_, state, _))| *state == ReportState::Pending)
        .flat_map(|(position, (index, _, _))| {
            let commitment = &config.commitments[index.expect("a pending report has a commitment")];
            notice::for_claim(
                config,
                commitment,
                position,
                &message_id,
                &sender,
                intent,
                requested_due,
                &text,
                &stored,
            )
        })
        .collect();
    let message = new_message(&incoming, &message_id, raw.len(), origin, now);
    let Some(report_ids) = store::record(ledger.connection(), &message, &reports, &notices)? else {
        return Ok(duplicate(message_id));
    };
    Ok(Accepted {
        outcome: Outcome::Recorded,
        message_id: Some(message_id),
        reports: report_ids
            .into_iter()
            .zip(&decisions)
            .map(|(id, (index, state, _))| Recorded {
                id,
                commitment: index.map(|index| config.commitments[index].id().to_owned()),
                intent,
                state: *state,
            })
            .collect(),
    })
}

/// The state of one report, and why when it is not applied.
fn decide(
    config: &Config,
    commitment: Option<usize>,
    sender: &str,
    intent: Intent,
    automatic: Option<&str>,
    dmarc: Option<&str>,
) -> (ReportState, Option<String>) {
    if let Some(why) = automatic {
        return (ReportState::Ignored, Some(format!("automatic: {why}")));
    }
    let Some(commitment) = commitment else {
        return (
            ReportState::Unmatched,
            Some("about no commitment that could be found".into()),
        );
    };
    if sender.is_empty() {
        return (ReportState::Unverified, Some("no sender address".into()));
    }
    if let Some(failure) = dmarc {
        return (ReportState::Unverified, Some(failure.to_string()));
    }
    if !verify::allowed(config, &config.commitments[commitment], sender) {
        return (
            ReportState::Unverified,
            Some(format!(
                "`{sender}` is not an address of the commitment's departments"
            )),
        );
    }
    match intent {
        Intent::Progress => (ReportState::Accepted, None),
        Intent::Done | Intent::Extension => (ReportState::Pending, None),
    }
}

fn new_message<'a>(
    incoming: &'a parse::Incoming,
    message_id: &'a str,
    size: usize,
    origin: &'a Origin,
    now: DateTime<Utc>,
) -> store::NewMessage<'a> {
    store::NewMessage {
        message_id,
        received: now,
        sent: incoming.date,
        sender: incoming.from.as_deref().unwrap_or_default(),
        subject: &incoming.subject,
        size,
        imap: origin.imap(),
    }
}
