//! The delivery log: one SQLite database (WAL) under `state_dir` with one row per
//! (commitment, moment), written before the SMTP transaction and marked after the server's
//! answer, plus when each commitment was first seen. Also the lock that keeps one daemon per
//! `state_dir`. Knows nothing of SMTP or schedules.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::engine::{LogView, Seen};

/// The schema this build writes; older databases are migrated on open.
const SCHEMA_VERSION: i64 = 2;
/// The delivery log's file name under `state_dir` (the board keeps its actions table there too).
pub const DATABASE: &str = "followup.sqlite3";
const LOCK: &str = "followup.lock";

/// The prefix of `last_error` for emails held because the server refused the credentials;
/// `release_held` finds them by it.
pub const HELD_PREFIX: &str = "held: ";

// Results are marked by Message-ID. `+state` keeps SQLite from choosing the state index,
// which would scan every pending row for each update (`statements_use_their_index`).
const MARK_SENT: &str = "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, last_error = ?2, next_attempt = ?3, updated = ?4
     WHERE message_id = ?1 AND +state = 'pending'";
const MARK_FAILED: &str = "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?2, next_attempt = ?3, updated = ?4
     WHERE message_id = ?1 AND +state = 'pending'";
const MARK_DROPPED: &str =
    "UPDATE deliveries SET state = 'dropped', last_error = ?2, next_attempt = ?3, updated = ?4
     WHERE message_id = ?1 AND +state = 'pending'";
const MARK_RETRY: &str = "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3, updated = ?4
     WHERE message_id = ?1 AND +state = 'pending'";
/// Not attempted (the server was unreachable for the ones before it): later, same count.
const MARK_DEFER: &str = "UPDATE deliveries SET last_error = ?2, next_attempt = ?3, updated = ?4
     WHERE message_id = ?1 AND +state = 'pending'";
const RELEASE_HELD: &str = "UPDATE deliveries SET next_attempt = NULL, updated = ?2
     WHERE state = 'pending' AND last_error LIKE ?1";
const PENDING: &str =
    "SELECT message_id, department, moment, commitment, why, recipients_to, recipients_cc, attempts
     FROM deliveries
     WHERE state = 'pending' AND (?1 IS NULL OR next_attempt IS NULL OR next_attempt <= ?1)
     ORDER BY moment, message_id, id";
const NEXT_RETRY: &str =
    "SELECT MIN(next_attempt) FROM deliveries WHERE state = 'pending' AND next_attempt IS NOT NULL";
const PREVIOUS_MESSAGE_ID: &str = "SELECT message_id FROM deliveries WHERE department = ?1 AND moment < ?2 AND state IN ('sent', 'pending')
     ORDER BY moment DESC, id DESC LIMIT 1";
const SUPERSEDE: &str = "UPDATE deliveries SET state = 'dropped', last_error = 'superseded by a later moment', updated = ?3
     WHERE commitment = ?1 AND moment < ?2 AND state = 'pending'";
const DROP_COMMITMENT: &str = "UPDATE deliveries SET state = 'dropped', last_error = 'the commitment is done or no longer configured', updated = ?2
     WHERE commitment = ?1 AND +state = 'pending'";

/// The outcome of one send, for [`Ledger::mark`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    Sent {
        message_id: String,
    },
    Failed {
        message_id: String,
        error: String,
    },
    Dropped {
        message_id: String,
        reason: String,
    },
    /// Attempted and failed for now: one more attempt counted, next one at `at`.
    Retry {
        message_id: String,
        error: String,
        at: DateTime<Utc>,
    },
    /// Not attempted: wait until `at`, attempts unchanged.
    Defer {
        message_id: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

/// State of one (commitment, moment) row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Recorded, not yet accepted by the server (in flight, or waiting for a retry).
    Pending,
    /// Accepted by the server.
    Sent,
    /// Refused for good (5xx); reported to `mail.admin`.
    Failed,
    /// Dropped unsent: the commitment was done, or a later moment superseded it.
    Dropped,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Dropped => "dropped",
        }
    }

    fn parse(text: &str) -> State {
        match text {
            "sent" => State::Sent,
            "failed" => State::Failed,
            "dropped" => State::Dropped,
            _ => State::Pending,
        }
    }
}

/// One email to record before sending: its rows share the Message-ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub message_id: String,
    pub department: String,
    pub moment: DateTime<Utc>,
    pub commitments: Vec<String>,
    /// Why each commitment is in it, as JSON (for the history and for re-composing).
    pub why: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// A recorded email still waiting for the server's acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub email: Email,
    pub attempts: u32,
}

/// One row of `followup history`.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub commitment: String,
    pub moment: DateTime<Utc>,
    pub department: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub message_id: String,
    pub state: State,
    pub attempts: u32,
    pub error: Option<String>,
    pub updated: DateTime<Utc>,
}

/// What the delivery log says about one commitment's reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReminderStats {
    /// Emails about it the server accepted.
    pub sent: u32,
    /// The moment of the latest of them.
    pub last: DateTime<Utc>,
}

pub struct Ledger {
    connection: Connection,
    /// Held for the daemon's lifetime; the OS releases it if the process dies.
    _lock: Option<File>,
    path: PathBuf,
}

impl Ledger {
    /// Opens (creating if needed) the log for writing, taking the `state_dir` lock: a second
    /// daemon on the same `state_dir` gets a clear error.
    pub fn open(state_dir: &Path) -> Result<Ledger> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("creating the state directory `{}`", state_dir.display()))?;
        let lock_path = state_dir.join(LOCK);
        // Never through a symlink (a planted `followup.lock → some file` would have that file
        // overwritten with a PID), and private to the daemon's user.
        let lock = {
            use std::os::unix::fs::OpenOptionsExt as _;
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(&lock_path)
        }
        .with_context(|| format!("opening the lock file `{}`", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                {
                    use std::io::Read as _;
                    let mut handle = &lock;
                    let _ = handle.read_to_string(&mut holder);
                }
                let holder = holder.trim();
                bail!(
                    "another followup daemon{} is already running on the state directory `{}`; stop it first (one daemon per state_dir)",
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (pid {holder})")
                    },
                    state_dir.display()
                );
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("locking `{}`", lock_path.display()));
            }
        }
        // Record who holds the lock, for the message a second daemon prints, through the
        // handle that holds it (not by path, which could be swapped for a symlink meanwhile).
        {
            use std::io::Write as _;
            let mut handle = &lock;
            let _ = lock
                .set_len(0)
                .and_then(|()| handle.write_all(format!("{}\n", std::process::id()).as_bytes()));
        }
        let path = state_dir.join(DATABASE);
        let connection = Connection::open(&path)
            .with_context(|| format!("opening the delivery log `{}`", path.display()))?;
        let mut ledger = Ledger {
            connection,
            _lock: Some(lock),
            path,
        };
        ledger.migrate()?;
        Ok(ledger)
    }

    /// Opens the log read-only for views; `None` when no daemon has run yet (no file, an
    /// empty file, or no schema in it). Works on a state directory the user cannot write:
    /// reading a WAL database needs its `-shm` file, which cannot be created there, so when
    /// the plain read-only open fails the file is opened `immutable=1`. That reads the main
    /// file only, which is complete when no daemon runs (the last connection to close
    /// checkpoints the WAL and removes it); with a daemon running under another user the view
    /// may miss deliveries not yet checkpointed.
    pub fn open_read_only(state_dir: &Path) -> Result<Option<Ledger>> {
        let path = state_dir.join(DATABASE);
        match std::fs::metadata(&path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Ok(metadata) if metadata.len() == 0 => return Ok(None),
            _ => {}
        }
        let ledger = match Self::open_read_only_at(&path, false) {
            Ok(ledger) => ledger,
            Err(error) => match Self::open_read_only_at(&path, true) {
                Ok(ledger) => ledger,
                Err(_) => return Err(error),
            },
        };
        let version = ledger.schema_version()?;
        if version == 0 && !ledger.has_tables()? {
            return Ok(None);
        }
        if version > SCHEMA_VERSION {
            bail!(
                "the delivery log `{}` has schema version {version}, newer than this followup understands ({SCHEMA_VERSION}); upgrade followup",
                ledger.path.display()
            );
        }
        Ok(Some(ledger))
    }

    /// Opens read-only and reads the schema, so a failure shows here (SQLite opens lazily).
    fn open_read_only_at(path: &Path, immutable: bool) -> Result<Ledger> {
        let context = || format!("opening the delivery log `{}`", path.display());
        let connection = if immutable {
            let mut uri = String::from("file:");
            // Percent-encoded byte by byte, so `?`, `#`, `%` and non-ASCII names survive.
            for byte in path.as_os_str().as_encoded_bytes() {
                if byte.is_ascii_alphanumeric() || b"/-._~".contains(byte) {
                    uri.push(char::from(*byte));
                } else {
                    uri.push_str(&format!("%{byte:02X}"));
                }
            }
            uri.push_str("?immutable=1");
            Connection::open_with_flags(
                &uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )
        } else {
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        }
        .with_context(context)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .context("configuring the delivery log")?;
        let ledger = Ledger {
            connection,
            _lock: None,
            path: path.to_path_buf(),
        };
        ledger.schema_version()?;
        Ok(ledger)
    }

    /// Whether the database holds any table (a file created but never written has none).
    fn has_tables(&self) -> Result<bool> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .with_context(|| format!("reading `{}`", self.path.display()))?;
        Ok(count > 0)
    }

    fn schema_version(&self) -> Result<i64> {
        let version: Option<String> = self
            .connection
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |row| row.get(0),
            )
            .optional()
            .or_else(|error| match error {
                // No meta table: a database from before any schema.
                rusqlite::Error::SqliteFailure(_, Some(ref message))
                    if message.contains("no such table") =>
                {
                    Ok(None)
                }
                other => Err(other),
            })
            .with_context(|| format!("reading the schema version of `{}`", self.path.display()))?;
        Ok(version.and_then(|text| text.parse().ok()).unwrap_or(0))
    }

    fn migrate(&mut self) -> Result<()> {
        let context = || format!("preparing the delivery log `{}`", self.path.display());
        self.connection
            .pragma_update(None, "journal_mode", "WAL")
            .with_context(context)?;
        // FULL: a row the daemon acted on survives power loss, not only a process crash.
        self.connection
            .pragma_update(None, "synchronous", "FULL")
            .with_context(context)?;
        self.connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .with_context(context)?;
        self.connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
            )
            .with_context(context)?;
        let version = self.schema_version()?;
        if version > SCHEMA_VERSION {
            bail!(
                "the delivery log `{}` has schema version {version}, newer than this followup understands ({SCHEMA_VERSION}); upgrade followup",
                self.path.display()
            );
        }
        if version < 1 {
            let transaction = self.connection.transaction().with_context(context)?;
            transaction
                .execute_batch(
                    "CREATE TABLE seen (
                        commitment TEXT PRIMARY KEY,
                        first_seen INTEGER NOT NULL
                    );
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY,
                        commitment TEXT NOT NULL,
                        moment INTEGER NOT NULL,
                        department TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        recipients_to TEXT NOT NULL,
                        recipients_cc TEXT NOT NULL,
                        why TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dropped')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        next_attempt INTEGER,
                        created INTEGER NOT NULL,
                        updated INTEGER NOT NULL,
                        UNIQUE (commitment, moment)
                    );
                    CREATE INDEX deliveries_by_message ON deliveries (message_id);
                    CREATE INDEX deliveries_by_state ON deliveries (state, next_attempt);
                    CREATE INDEX deliveries_by_department ON deliveries (department, moment);
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '1');",
                )
                .with_context(context)?;
            transaction.commit().with_context(context)?;
        }
        if version < 2 {
            // The answers departments send by email (`replies::store`).
            let transaction = self.connection.transaction().with_context(context)?;
            crate::replies::store::migrate(&transaction)
                .and_then(|()| {
                    transaction.execute_batch(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '2');",
                    )
                })
                .with_context(context)?;
            transaction.commit().with_context(context)?;
        }
        // IMAP intake (`inbox`): how far each mailbox has been read. Its own table, created
        // whatever the schema version, so it stays additive.
        self.connection
            .execute_batch(INBOX_POSITIONS_TABLE)
            .with_context(context)?;
        Ok(())
    }

    /// Opens the log for writing without the daemon's lock, for commands that record beside
    /// a running daemon (`receive`, `done`, `reject`, `extend`): SQLite serialises the writes
    /// (a busy log waits up to 5 s, then the command fails and can be retried).
    pub fn open_shared(state_dir: &Path) -> Result<Ledger> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("creating the state directory `{}`", state_dir.display()))?;
        let path = state_dir.join(DATABASE);
        let connection = Connection::open(&path)
            .with_context(|| format!("opening the delivery log `{}`", path.display()))?;
        let mut ledger = Ledger {
            connection,
            _lock: None,
            path,
        };
        ledger.migrate()?;
        Ok(ledger)
    }

    /// The connection, for the replies' tables (`replies::store`).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// What the engine needs: first sighting and latest recorded moment per commitment.
    pub fn log_view(&self) -> Result<LogView> {
        self.read_log_view(true)
    }

    /// What the views that show each commitment's state and next reminder need (`list`):
    /// the latest recorded moment, claims and answers, without reading when each commitment
    /// was first seen (`first_seen` is then its first delivery's moment, or the commitment is
    /// absent if nothing was delivered for it).
    pub fn log_view_for_views(&self) -> Result<LogView> {
        self.read_log_view(false)
    }

    fn read_log_view(&self, with_first_seen: bool) -> Result<LogView> {
        // Both queries walk an index in id order (`seen`'s key, `deliveries`' unique
        // (commitment, moment)), so they are merged like two sorted lists: each commitment
        // is inserted once, never looked up (at 100,000 commitments a lookup per delivered
        // commitment was a tenth of `list`).
        let context = || "reading the delivery log";
        let mut firsts = self
            .connection
            .prepare(if with_first_seen {
                "SELECT commitment, first_seen FROM seen ORDER BY commitment"
            } else {
                // No rows: the views need no first sighting.
                "SELECT commitment, first_seen FROM seen WHERE 0"
            })
            .with_context(context)?;
        let mut firsts = firsts
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .with_context(context)?
            .peekable();
        let mut lasts = self
            .connection
            .prepare(
                "SELECT commitment, MAX(moment), MIN(moment) FROM deliveries \
                 GROUP BY commitment ORDER BY commitment",
            )
            .with_context(context)?;
        let mut lasts = lasts
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .with_context(context)?
            .peekable();
        let count: i64 = self
            .connection
            .query_row(
                if with_first_seen {
                    "SELECT COUNT(*) FROM seen"
                } else {
                    "SELECT COUNT(DISTINCT commitment) FROM deliveries"
                },
                [],
                |row| row.get(0),
            )
            .with_context(context)?;
        let mut seen: crate::model::FastMap<String, Seen> = crate::model::FastMap::default();
        seen.reserve(usize::try_from(count).unwrap_or(0));
        loop {
            let order = match (firsts.peek(), lasts.peek()) {
                (None, None) => break,
                (Some(Ok((a, _))), Some(Ok((b, _, _)))) => a.cmp(b),
                (Some(_), None) | (Some(Err(_)), _) => std::cmp::Ordering::Less,
                (None, Some(_)) | (_, Some(Err(_))) => std::cmp::Ordering::Greater,
            };
            let first = match order {
                std::cmp::Ordering::Greater => None,
                _ => firsts.next().transpose().with_context(context)?,
            };
            let last = match order {
                std::cmp::Ordering::Less => None,
                _ => lasts.next().transpose().with_context(context)?,
            };
            let (commitment, entry) = match (first, last) {
                (Some((commitment, first_seen)), last) => (
                    commitment,
                    Seen {
                        first_seen: timestamp(first_seen),
                        last_moment: last.map(|(_, last, _)| timestamp(last)),
                    },
                ),
                // Delivered but never recorded as seen (a log from before `seen`).
                (None, Some((commitment, last, first))) => (
                    commitment,
                    Seen {
                        first_seen: timestamp(first),
                        last_moment: Some(timestamp(last)),
                    },
                ),
                (None, None) => break,
            };
            seen.insert(commitment, entry);
        }
        let has_reports = crate::replies::store::has_reports(&self.connection)?;
        let reported = has_reports
            .then(|| crate::replies::store::waiting_done_claims(&self.connection))
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .collect();
        let answers = has_reports
            .then(|| crate::replies::store::latest_feedback(&self.connection))
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .map(|(commitment, report, returned)| {
                let answer = crate::engine::Answer {
                    at: report.received,
                    text: report.text,
                    returned,
                };
                (commitment, answer)
            })
            .collect();
        Ok(LogView {
            seen,
            reported,
            answers,
        })
    }

    /// Records, in one transaction, commitments seen for the first time and the emails about
    /// to be sent. Rows that exist already are left alone (a (commitment, moment) is recorded
    /// once). Older pending rows of the same commitments are superseded. Returns the emails
    /// that had at least one new row: the others were recorded before and are not sent again.
    pub fn record(
        &mut self,
        first_seen: &[(String, DateTime<Utc>)],
        emails: &[Email],
        now: DateTime<Utc>,
    ) -> Result<Vec<Email>> {
        let transaction = self
            .connection
            .transaction()
            .context("recording in the delivery log")?;
        let mut fresh = Vec::new();
        {
            let mut insert_seen = transaction
                .prepare_cached("INSERT INTO seen (commitment, first_seen) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
                .context("recording in the delivery log")?;
            for (commitment, at) in first_seen {
                insert_seen
                    .execute(params![commitment, at.timestamp()])
                    .context("recording in the delivery log")?;
            }
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO deliveries (commitment, moment, department, message_id, recipients_to, recipients_cc, why, state, attempts, created, updated)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8)
                     ON CONFLICT (commitment, moment) DO NOTHING",
                )
                .context("recording in the delivery log")?;
            let mut supersede = transaction
                .prepare_cached(SUPERSEDE)
                .context("recording in the delivery log")?;
            for email in emails {
                let mut inserted = 0;
                for (commitment, why) in email.commitments.iter().zip(&email.why) {
                    supersede
                        .execute(params![
                            commitment,
                            email.moment.timestamp(),
                            now.timestamp()
                        ])
                        .context("recording in the delivery log")?;
                    inserted += insert
                        .execute(params![
                            commitment,
                            email.moment.timestamp(),
                            email.department,
                            email.message_id,
                            email.to.join(", "),
                            email.cc.join(", "),
                            why,
                            now.timestamp()
                        ])
                        .context("recording in the delivery log")?;
                }
                if inserted > 0 {
                    fresh.push(email.clone());
                }
            }
        }
        transaction
            .commit()
            .context("recording in the delivery log")?;
        Ok(fresh)
    }

    /// Pending emails whose next attempt is due at `now` (all of them when `now` is None).
    pub fn pending(&self, now: Option<DateTime<Utc>>) -> Result<Vec<Pending>> {
        let mut statement = self
            .connection
            .prepare_cached(PENDING)
            .context("reading pending deliveries")?;
        let rows = statement
            .query_map(params![now.map(|now| now.timestamp())], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, u32>(7)?,
                ))
            })
            .context("reading pending deliveries")?;
        let mut emails: BTreeMap<(i64, String), Pending> = BTreeMap::new();
        for row in rows {
            let (message_id, department, moment, commitment, why, to, cc, attempts) =
                row.context("reading pending deliveries")?;
            let pending = emails
                .entry((moment, message_id.clone()))
                .or_insert_with(|| Pending {
                    email: Email {
                        message_id,
                        department,
                        moment: timestamp(moment),
                        commitments: Vec::new(),
                        why: Vec::new(),
                        to: split(&to),
                        cc: split(&cc),
                    },
                    attempts,
                });
            pending.email.commitments.push(commitment);
            pending.email.why.push(why);
            pending.attempts = pending.attempts.max(attempts);
        }
        Ok(emails.into_values().collect())
    }

    /// When the earliest waiting retry is due.
    pub fn next_retry(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = self
            .connection
            .prepare_cached(NEXT_RETRY)
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .context("reading pending deliveries")?;
        Ok(next.map(timestamp))
    }

    /// Records the outcome of several sends in one transaction (one fsync for all of them:
    /// group commit). Each applies only to rows still pending.
    pub fn mark(&mut self, marks: &[Mark], now: DateTime<Utc>) -> Result<()> {
        apply_marks(&mut self.connection, &[(marks.to_vec(), now)])
    }

    /// The connection that records send results (see [`Writer`]).
    pub fn writer(&self) -> Result<Writer> {
        let connection = Connection::open(&self.path)
            .with_context(|| format!("opening the delivery log `{}`", self.path.display()))?;
        // NORMAL in WAL mode: a commit survives the process being killed at once (it is in
        // the OS's hands), and reaches the disk at the next FULL commit or `sync`.
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .and_then(|()| connection.busy_timeout(std::time::Duration::from_secs(5)))
            .context("configuring the delivery log")?;
        Ok(Writer { connection })
    }

    /// The server accepted the email.
    pub fn mark_sent(&mut self, message_id: &str, now: DateTime<Utc>) -> Result<()> {
        let message_id = message_id.to_string();
        self.mark(&[Mark::Sent { message_id }], now)
    }

    /// The server refused the email for good.
    pub fn mark_failed(&mut self, message_id: &str, error: &str, now: DateTime<Utc>) -> Result<()> {
        let (message_id, error) = (message_id.to_string(), error.to_string());
        self.mark(&[Mark::Failed { message_id, error }], now)
    }

    /// Drops an email unsent (its commitments are done or gone).
    pub fn mark_dropped(
        &mut self,
        message_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (message_id, reason) = (message_id.to_string(), reason.to_string());
        self.mark(&[Mark::Dropped { message_id, reason }], now)
    }

    /// A transient failure: try again at `retry_at`.
    pub fn mark_retry(
        &mut self,
        message_id: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (message_id, error) = (message_id.to_string(), error.to_string());
        self.mark(
            &[Mark::Retry {
                message_id,
                error,
                at: retry_at,
            }],
            now,
        )
    }

    /// Makes emails held because the server refused the credentials due at once: the
    /// credentials were just read again (start or reload). Returns how many rows.
    pub fn release_held(&mut self, now: DateTime<Utc>) -> Result<usize> {
        self.connection
            .prepare_cached(RELEASE_HELD)
            .and_then(|mut statement| {
                statement.execute(params![format!("{HELD_PREFIX}%"), now.timestamp()])
            })
            .context("updating the delivery log")
    }

    /// Drops the queued retries of commitments that are done or no longer configured.
    pub fn drop_pending_except(&mut self, open: &[&str], now: DateTime<Utc>) -> Result<usize> {
        let pending = self.pending(None)?;
        let transaction = self
            .connection
            .transaction()
            .context("updating the delivery log")?;
        let mut dropped = 0;
        for email in &pending {
            for commitment in &email.email.commitments {
                if !open.contains(&commitment.as_str()) {
                    dropped += transaction
                        .prepare_cached(DROP_COMMITMENT)
                        .and_then(|mut statement| {
                            statement.execute(params![commitment, now.timestamp()])
                        })
                        .context("updating the delivery log")?;
                }
            }
        }
        transaction.commit().context("updating the delivery log")?;
        Ok(dropped)
    }

    /// The Message-ID of the department's latest email before `moment`, for threading.
    pub fn previous_message_id(
        &self,
        department: &str,
        moment: DateTime<Utc>,
    ) -> Result<Option<String>> {
        self.connection
            .prepare_cached(PREVIOUS_MESSAGE_ID)
            .and_then(|mut statement| {
                statement
                    .query_row(params![department, moment.timestamp()], |row| row.get(0))
                    .optional()
            })
            .context("reading the delivery log")
    }

    /// Every row, newest first, optionally for one commitment.
    pub fn history(&self, commitment: Option<&str>) -> Result<Vec<HistoryRow>> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT commitment, moment, department, recipients_to, recipients_cc, message_id, state, attempts, last_error, updated
                 FROM deliveries WHERE ?1 IS NULL OR commitment = ?1 ORDER BY moment DESC, id DESC",
            )
            .context("reading the delivery log")?;
        let rows = statement
            .query_map(params![commitment], |row| {
                Ok(HistoryRow {
                    commitment: row.get(0)?,
                    moment: timestamp(row.get(1)?),
                    department: row.get(2)?,
                    to: split(&row.get::<_, String>(3)?),
                    cc: split(&row.get::<_, String>(4)?),
                    message_id: row.get(5)?,
                    state: State::parse(&row.get::<_, String>(6)?),
                    attempts: row.get(7)?,
                    error: row.get(8)?,
                    updated: timestamp(row.get(9)?),
                })
            })
            .context("reading the delivery log")?;
        rows.collect::<Result<Vec<_>, _>>()
            .context("reading the delivery log")
    }

    /// Per commitment: how many reminders the server accepted and the latest accepted
    /// moment (for the 台账 and the board). Rows of the bulletin (`report::LEDGER_ID`) are
    /// included under their own id.
    pub fn reminder_stats(&self) -> Result<HashMap<String, ReminderStats>> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT commitment, COUNT(*), MAX(moment) FROM deliveries WHERE state = 'sent' GROUP BY commitment",
            )
            .context("reading the delivery log")?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, u32>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .context("reading the delivery log")?;
        let mut stats = HashMap::new();
        for row in rows {
            let (commitment, sent, last) = row.context("reading the delivery log")?;
            stats.insert(
                commitment,
                ReminderStats {
                    sent,
                    last: timestamp(last),
                },
            );
        }
        Ok(stats)
    }

    /// Emails (distinct Message-IDs) waiting in the log to be sent or retried.
    pub fn waiting_emails(&self) -> Result<u64> {
        self.connection
            .query_row(
                "SELECT COUNT(DISTINCT message_id) FROM deliveries WHERE state = 'pending'",
                [],
                |row| row.get(0),
            )
            .context("reading the delivery log")
    }

    /// Counts of rows by state, for status lines.
    pub fn counts(&self) -> Result<BTreeMap<&'static str, u64>> {
        let mut counts = BTreeMap::new();
        for state in [State::Pending, State::Sent, State::Failed, State::Dropped] {
            let count: u64 = self
                .connection
                .query_row(
                    "SELECT COUNT(*) FROM deliveries WHERE state = ?1",
                    params![state.as_str()],
                    |row| row.get(0),
                )
                .context("reading the delivery log")?;
            counts.insert(state.as_str(), count);
        }
        Ok(counts)
    }
}

/// Writes groups of marks in one transaction.
fn apply_marks(connection: &mut Connection, groups: &[(Vec<Mark>, DateTime<Utc>)]) -> Result<()> {
    let context = || "recording results in the delivery log";
    let transaction = connection.transaction().with_context(context)?;
    for (marks, now) in groups {
        for mark in marks {
            let (sql, message_id, error, next_attempt) = match mark {
                Mark::Sent { message_id } => (MARK_SENT, message_id, None, None),
                Mark::Failed { message_id, error } => (MARK_FAILED, message_id, Some(error), None),
                Mark::Dropped { message_id, reason } => {
                    (MARK_DROPPED, message_id, Some(reason), None)
                }
                Mark::Retry {
                    message_id,
                    error,
                    at,
                } => (MARK_RETRY, message_id, Some(error), Some(at.timestamp())),
                Mark::Defer {
                    message_id,
                    reason,
                    at,
                } => (MARK_DEFER, message_id, Some(reason), Some(at.timestamp())),
            };
            transaction
                .prepare_cached(sql)
                .and_then(|mut statement| {
                    statement.execute(params![message_id, error, next_attempt, now.timestamp()])
                })
                .with_context(|| {
                    format!("recording the result for {message_id} in the delivery log")
                })?;
        }
    }
    transaction.commit().with_context(context)
}

/// Records send results on a connection of its own with `synchronous = NORMAL`: a group of
/// results costs one commit without an fsync (tens of microseconds instead of an fsync per
/// group), so the loop frees send slots at once. Such a commit survives a crash or kill of
/// the process; [`Writer::sync`] at the end of each pass (and the next FULL commit of the
/// pending rows) puts it on disk, so only a power loss within a pass can forget results —
/// those emails are then sent again with the same Message-ID. Pending rows, written before
/// any send, stay `synchronous = FULL`.
const INBOX_POSITIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS inbox_positions (
        mailbox TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        updated INTEGER NOT NULL
    );";

/// How far IMAP intake has read one mailbox: every message with a UID up to `last_uid`
/// under this `uidvalidity` has been handed over and recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxPosition {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

impl Ledger {
    /// Where intake stopped in `mailbox`, if it ever read it.
    pub fn inbox_position(&self, mailbox: &str) -> Result<Option<InboxPosition>> {
        self.connection
            .query_row(
                "SELECT uidvalidity, last_uid FROM inbox_positions WHERE mailbox = ?1",
                params![mailbox],
                |row| {
                    Ok(InboxPosition {
                        uidvalidity: row.get(0)?,
                        last_uid: row.get(1)?,
                    })
                },
            )
            .optional()
            .with_context(|| format!("reading the intake position of `{mailbox}`"))
    }

    /// Records that every message of `mailbox` up to `position.last_uid` was handed over.
    /// A lower UID under the same UIDVALIDITY never moves the position back.
    pub fn record_inbox_position(
        &self,
        mailbox: &str,
        position: InboxPosition,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.connection
            .execute(
                "INSERT INTO inbox_positions (mailbox, uidvalidity, last_uid, updated)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (mailbox) DO UPDATE SET
                    last_uid = CASE WHEN uidvalidity = excluded.uidvalidity
                        THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
                    uidvalidity = excluded.uidvalidity,
                    updated = excluded.updated",
                params![
                    mailbox,
                    position.uidvalidity,
                    position.last_uid,
                    now.timestamp()
                ],
            )
            .with_context(|| format!("recording the intake position of `{mailbox}`"))?;
        Ok(())
    }
}

pub struct Writer {
    connection: Connection,
}

impl Writer {
    /// Records the outcome of several sends in one transaction (group commit). Each applies
    /// only to rows still pending.
    pub fn mark(&mut self, marks: &[Mark], now: DateTime<Utc>) -> Result<()> {
        if marks.is_empty() {
            return Ok(());
        }
        apply_marks(&mut self.connection, &[(marks.to_vec(), now)])
    }

    /// Puts every recorded result on disk (a checkpoint syncs the WAL first).
    pub fn sync(&mut self) -> Result<()> {
        self.connection
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .context("syncing the delivery log")
    }
}

fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn split(list: &str) -> Vec<String> {
    list.split(", ")
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log view merges first sightings and deliveries by id: seen only, seen and
    /// delivered (the latest moment), delivered only (a log from before `seen`: first seen
    /// at its first delivery); the views' read leaves first sightings out.
    #[test]
    fn the_log_view_merges_sightings_and_deliveries() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let ledger = Ledger::open(directory.path()).expect("the ledger opens");
        ledger
            .connection
            .execute_batch(
                "INSERT INTO seen (commitment, first_seen) VALUES ('b', 200), ('a', 100);
                 INSERT INTO deliveries (commitment, moment, department, message_id,
                     recipients_to, recipients_cc, why, state, created, updated) VALUES
                     ('b', 300, 'd', 'm1', '', '', '{}', 'sent', 0, 0),
                     ('b', 400, 'd', 'm2', '', '', '{}', 'sent', 0, 0),
                     ('c', 50, 'd', 'm3', '', '', '{}', 'sent', 0, 0),
                     ('c', 60, 'd', 'm4', '', '', '{}', 'sent', 0, 0);",
            )
            .expect("rows insert");
        let seen = |first: i64, last: Option<i64>| Seen {
            first_seen: timestamp(first),
            last_moment: last.map(timestamp),
        };
        let view = ledger.log_view().expect("the view reads");
        assert_eq!(view.seen.len(), 3);
        assert_eq!(view.seen["a"], seen(100, None));
        assert_eq!(view.seen["b"], seen(200, Some(400)));
        assert_eq!(view.seen["c"], seen(50, Some(60)));
        let for_views = ledger.log_view_for_views().expect("the view reads");
        assert_eq!(for_views.seen.len(), 2);
        assert_eq!(for_views.seen["b"], seen(300, Some(400)));
        assert_eq!(for_views.seen["c"], seen(50, Some(60)));
    }

    /// Every statement the daemon runs per email or per pass searches its index; none scans
    /// the table (which made each result's UPDATE cost O(pending rows)).
    #[test]
    fn statements_use_their_index() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let ledger = Ledger::open(directory.path()).expect("the ledger opens");
        let by_message = "USING INDEX deliveries_by_message (message_id=?)";
        let by_state = "USING COVERING INDEX deliveries_by_state (state=?";
        let by_state_rows = "USING INDEX deliveries_by_state (state=?";
        let by_commitment = "USING INDEX sqlite_autoindex_deliveries_1 (commitment=?";
        let cases = [
            ("mark sent", MARK_SENT, by_message),
            ("mark failed", MARK_FAILED, by_message),
            ("mark dropped", MARK_DROPPED, by_message),
            ("mark retry", MARK_RETRY, by_message),
            ("mark defer", MARK_DEFER, by_message),
            ("release held", RELEASE_HELD, by_state_rows),
            ("pending", PENDING, by_state_rows),
            ("next retry", NEXT_RETRY, by_state),
            (
                "previous message id",
                PREVIOUS_MESSAGE_ID,
                "USING INDEX deliveries_by_department (department=? AND moment<?)",
            ),
            ("supersede", SUPERSEDE, by_commitment),
            ("drop a commitment", DROP_COMMITMENT, by_commitment),
        ];
        for (name, sql, expected) in cases {
            let mut statement = ledger
                .connection
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("the statement prepares");
            let nulls = std::iter::repeat_n(rusqlite::types::Null, statement.parameter_count());
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(nulls), |row| {
                    row.get::<_, String>(3)
                })
                .expect("a plan")
                .collect::<Result<_, _>>()
                .expect("plan rows");
            let plan = plan.join("; ");
            assert!(
                plan.contains(&format!("SEARCH deliveries {expected}")),
                "{name}: {plan}"
            );
            assert!(!plan.contains("SCAN deliveries"), "{name}: {plan}");
        }
    }

    #[test]
    fn marks_apply_in_one_transaction_and_only_to_pending_rows() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut ledger = Ledger::open(directory.path()).expect("the ledger opens");
        let now = DateTime::from_timestamp(1_750_000_000, 0).expect("a time");
        let email = |id: &str, commitment: &str| Email {
            message_id: id.into(),
            department: "d".into(),
            moment: now,
            commitments: vec![commitment.into()],
            why: vec!["\"FirstNotice\"".into()],
            to: vec!["a@example.test".into()],
            cc: Vec::new(),
        };
        ledger
            .record(
                &[],
                &[email("<1>", "c1"), email("<2>", "c2"), email("<3>", "c3")],
                now,
            )
            .expect("recorded");
        let later = now + chrono::Duration::seconds(30);
        ledger
            .mark(
                &[
                    Mark::Sent {
                        message_id: "<1>".into(),
                    },
                    Mark::Retry {
                        message_id: "<2>".into(),
                        error: format!("{HELD_PREFIX}535 no"),
                        at: later,
                    },
                    Mark::Defer {
                        message_id: "<3>".into(),
                        reason: "not attempted".into(),
                        at: later,
                    },
                    // Already sent: a second mark changes nothing.
                    Mark::Failed {
                        message_id: "<1>".into(),
                        error: "late".into(),
                    },
                ],
                now,
            )
            .expect("marked");
        let rows = ledger.history(None).expect("history");
        let state = |commitment: &str| {
            let row = rows
                .iter()
                .find(|row| row.commitment == commitment)
                .expect("a row");
            (row.state, row.attempts)
        };
        assert_eq!(state("c1"), (State::Sent, 1));
        assert_eq!(state("c2"), (State::Pending, 1));
        assert_eq!(state("c3"), (State::Pending, 0), "a deferral is no attempt");
        assert_eq!(ledger.pending(Some(now)).expect("pending").len(), 0);
        assert_eq!(ledger.release_held(now).expect("released"), 1);
        let due: Vec<String> = ledger
            .pending(Some(now))
            .expect("pending")
            .into_iter()
            .map(|pending| pending.email.message_id)
            .collect();
        assert_eq!(due, ["<2>"], "only the held email is due at once");
    }
}
