//! Who did what from the board: each done or reopen is a row of `board_actions` in the
//! delivery log's database (its own table, made on first use), shown on the timelines.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

/// One action taken from the board.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub at: DateTime<Utc>,
    pub commitment: String,
    /// `done` or `reopen`.
    pub action: String,
    pub actor: String,
    pub note: Option<String>,
}

fn open(state_dir: &Path) -> Result<Connection> {
    let path = state_dir.join(crate::ledger::DATABASE);
    let connection = Connection::open(&path)
        .with_context(|| format!("opening the delivery log `{}`", path.display()))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .context("configuring the delivery log")?;
    connection
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS board_actions (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                commitment TEXT NOT NULL,
                action TEXT NOT NULL,
                actor TEXT NOT NULL,
                note TEXT
            );
            CREATE INDEX IF NOT EXISTS board_actions_commitment ON board_actions (commitment);",
        )
        .context("preparing the board's actions table")?;
    Ok(connection)
}

/// Records one action.
pub fn record(state_dir: &Path, action: &Action) -> Result<()> {
    open(state_dir)?
        .execute(
            "INSERT INTO board_actions (at, commitment, action, actor, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                action.at.timestamp(),
                action.commitment,
                action.action,
                action.actor,
                action.note
            ],
        )
        .context("recording the board's action")?;
    Ok(())
}

/// Actions on these commitments (all when `None`), newest first, at most `limit`.
pub fn list(state_dir: &Path, commitments: Option<&[&str]>, limit: usize) -> Result<Vec<Action>> {
    if !state_dir.join(crate::ledger::DATABASE).exists() {
        return Ok(Vec::new());
    }
    let connection = open(state_dir)?;
    let mut statement = connection
        .prepare(
            "SELECT at, commitment, action, actor, note FROM board_actions ORDER BY at DESC, id DESC",
        )
        .context("reading the board's actions")?;
    let rows = statement
        .query_map([], |row| {
            Ok(Action {
                at: DateTime::from_timestamp(row.get(0)?, 0).unwrap_or_default(),
                commitment: row.get(1)?,
                action: row.get(2)?,
                actor: row.get(3)?,
                note: row.get(4)?,
            })
        })
        .context("reading the board's actions")?;
    let mut out = Vec::new();
    for row in rows {
        let row = row.context("reading the board's actions")?;
        if commitments.is_none_or(|ids| ids.contains(&row.commitment.as_str())) {
            out.push(row);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}
