//! The replies' commands: `receive` (one message on stdin, sysexits statuses), `reports`,
//! `reject`, `extend`, and what `done` adds (the waiting claim accepted, its text as the
//! note). The CLI parses arguments and calls these; the log is opened without the daemon's
//! lock (`Ledger::open_shared`), so they work beside a running daemon.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::store::{self, Event, ReportState};
use super::{Intent, Origin, Outcome};
use crate::ledger::Ledger;
use crate::model::Config;
use crate::{config, edit};

/// EX_TEMPFAIL: the mail server keeps the message and tries again.
const TEMPFAIL: u8 = 75;

/// `followup receive`: 0 recorded (or recorded before), 75 cannot record now, 1 refused.
pub fn receive(config_path: &std::path::Path, now: DateTime<Utc>) -> ExitCode {
    let loaded = match config::load(config_path) {
        Ok(loaded) => loaded,
        Err(invalid) => {
            for problem in &invalid.problems {
                eprintln!("{problem}");
            }
            // The message is fine; the configuration is not. Keep it for later.
            eprintln!(
                "error: {} is invalid; the message is left with the mail server (try again later)",
                config_path.display()
            );
            return ExitCode::from(TEMPFAIL);
        }
    };
    let config = loaded.config;
    let limit = config.replies.max_message_bytes;
    let mut raw = Vec::new();
    if let Err(error) = std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut raw)
    {
        eprintln!("error: reading the message from standard input: {error}");
        return ExitCode::from(TEMPFAIL);
    }
    if raw.len() as u64 > limit {
        eprintln!(
            "error: refused: the message is larger than {} MiB (`replies.max_message_mib`)",
            limit / (1024 * 1024)
        );
        return ExitCode::from(1);
    }
    let result = Ledger::open_shared(&config.state_dir)
        .and_then(|mut ledger| super::accept(&config, &mut ledger, &raw, &Origin::Stdin, now));
    match result {
        Ok(accepted) => match &accepted.outcome {
            Outcome::Refused(reason) => {
                eprintln!("error: refused: {reason}");
                ExitCode::from(1)
            }
            Outcome::Recorded | Outcome::Duplicate => {
                println!("{}", accepted.describe());
                ExitCode::SUCCESS
            }
        },
        Err(error) => {
            eprintln!("error: cannot record the message now (try again later): {error:#}");
            ExitCode::from(TEMPFAIL)
        }
    }
}

/// `followup reports [--pending] [ID] [--json]`.
pub fn reports(config: &Config, id: Option<&str>, pending: bool, json: bool) -> Result<ExitCode> {
    let rows = match Ledger::open_read_only(&config.state_dir)? {
        Some(mut ledger) => {
            if has_reports(&mut ledger)? {
                store::reports(ledger.connection(), id, pending)?
            } else {
                Vec::new()
            }
        }
        None => Vec::new(),
    };
    print!("{}", super::view::reports(config, &rows, json));
    Ok(ExitCode::SUCCESS)
}

/// A log from before schema 2 (read-only views do not migrate) has no reports.
fn has_reports(ledger: &mut Ledger) -> Result<bool> {
    store::has_reports(ledger.connection())
}

/// Who decided: the login name, for the events.
fn who() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// A decision of the office about `commitment`, by the current user, at `at`.
fn decision(commitment: impl Into<String>, kind: &str, at: DateTime<Utc>) -> Event {
    Event {
        commitment: commitment.into(),
        report: None,
        kind: kind.into(),
        who: who(),
        at,
        note: None,
        old_due: None,
        new_due: None,
    }
}

/// `followup reject ID --note TEXT`.
pub fn reject(config: &Config, id: &str, note: &str, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut ledger = Ledger::open_shared(&config.state_dir)?;
    let event = Event {
        note: Some(note.to_string()),
        ..decision(id.to_string(), "reject", now)
    };
    let changed = store::decide(
        ledger.connection(),
        &event,
        &[Intent::Done, Intent::Extension],
        ReportState::Rejected,
    )?;
    if changed.is_empty() {
        println!("{id}: no waiting claim; the note is recorded and quoted in the next reminder");
    } else {
        println!("{id}: sent back; reminders resume and the next one quotes the note");
    }
    Ok(ExitCode::SUCCESS)
}

/// `followup extend ID --to DATE`: the TOML `due` through the format-preserving editor,
/// then the waiting extension request accepted and the old date kept in the event.
pub fn extend(config: &Config, id: &str, to: NaiveDate, now: DateTime<Utc>) -> Result<ExitCode> {
    let index = config
        .find_commitment(id)
        .with_context(|| format!("unknown commitment `{id}`"))?;
    let old = config.commitments[index].due;
    let edited = edit::apply(config, &[id.to_string()], &edit::Change::Due { to })?;
    let mut ledger = Ledger::open_shared(&config.state_dir)?;
    let event = Event {
        old_due: old.map(|date| date.to_string()),
        new_due: Some(to.to_string()),
        ..decision(id.to_string(), "extend", now)
    };
    store::decide(
        ledger.connection(),
        &event,
        &[Intent::Extension],
        ReportState::Accepted,
    )?;
    for item in edited {
        let was = old.map_or_else(|| "none".to_string(), |date| date.to_string());
        println!(
            "{}: due {to} (was {was}) in {}",
            item.id,
            item.file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The text of the latest waiting done claim for `id`, for `done`'s note.
pub fn waiting_claim_text(config: &Config, id: &str) -> Result<Option<String>> {
    let Some(mut ledger) = Ledger::open_read_only(&config.state_dir)? else {
        return Ok(None);
    };
    if !has_reports(&mut ledger)? {
        return Ok(None);
    }
    Ok(store::reports(ledger.connection(), Some(id), true)?
        .into_iter()
        .rev()
        .find(|report| report.state == ReportState::Pending && report.intent == Intent::Done)
        .map(|report| report.text)
        .filter(|text| !text.trim().is_empty()))
}

/// After `done`: the waiting claims of these commitments are accepted, with an event each.
/// Nothing is written when no log exists yet.
pub fn confirmed(config: &Config, ids: &[String], now: DateTime<Utc>) -> Result<()> {
    if Ledger::open_read_only(&config.state_dir)?.is_none() {
        return Ok(());
    }
    let mut ledger = Ledger::open_shared(&config.state_dir)?;
    for id in ids {
        let event = decision(id.clone(), "done", now);
        store::decide(
            ledger.connection(),
            &event,
            &[Intent::Done, Intent::Progress, Intent::Extension],
            ReportState::Accepted,
        )?;
    }
    Ok(())
}

/// The answers and decisions `history` shows below the deliveries (text only).
pub fn history_section(config: &Config, id: Option<&str>) -> Result<String> {
    let Some(mut ledger) = Ledger::open_read_only(&config.state_dir)? else {
        return Ok(String::new());
    };
    if !has_reports(&mut ledger)? {
        return Ok(String::new());
    }
    let reports = store::reports(ledger.connection(), id, false)?;
    let events = store::events(ledger.connection(), id)?;
    Ok(super::view::history(config, &reports, &events))
}

/// `followup reports --accept N [--for ID]`: an unverified or unmatched answer is taken as
/// the department's after all (the office checked it): a done claim or extension request
/// waits for review like any other, a progress report is accepted. No receipt is sent (the
/// sender was not verified).
pub fn accept_report(
    config: &Config,
    id: i64,
    commitment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut ledger = Ledger::open_shared(&config.state_dir)?;
    let Some(report) = store::report(ledger.connection(), id)? else {
        anyhow::bail!("no report #{id} (see `followup reports --pending`)");
    };
    let Some(target) = commitment.map(str::to_string).or(report.commitment.clone()) else {
        anyhow::bail!("report #{id} is about no commitment: name one with `--for ID`");
    };
    let state = match report.intent {
        Intent::Progress => ReportState::Accepted,
        Intent::Done | Intent::Extension => ReportState::Pending,
    };
    let event = Event {
        report: Some(id),
        note: Some(format!("report #{id} taken as the department's")),
        ..decision(target.clone(), "accept", now)
    };
    if store::settle(ledger.connection(), id, Some(&target), state, &event)? {
        println!(
            "#{id}: {target} {} ({})",
            report.intent.as_str(),
            state.as_str()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!(
            "report #{id} is not in the review queue (it is {})",
            report.state.as_str()
        )
    }
}

/// `followup reports --dismiss N`: an answer in the review queue is set aside (`ignored`).
pub fn dismiss_report(config: &Config, id: i64, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut ledger = Ledger::open_shared(&config.state_dir)?;
    let Some(report) = store::report(ledger.connection(), id)? else {
        anyhow::bail!("no report #{id} (see `followup reports --pending`)");
    };
    let event = Event {
        report: Some(id),
        ..decision(
            report.commitment.clone().unwrap_or_default(),
            "dismiss",
            now,
        )
    };
    if store::settle(ledger.connection(), id, None, ReportState::Ignored, &event)? {
        println!("#{id}: dismissed");
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!(
            "report #{id} is not in the review queue (it is {})",
            report.state.as_str()
        )
    }
}
