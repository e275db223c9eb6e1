//! What the board serves besides its pages: the 台账 download (`export::xlsx`), each
//! department's calendar feed (`ics::department_feed`) under a URL carrying a token, and
//! `/metrics` (`metrics::render`); and what it reads from the replies store (done claims
//! awaiting review, reports and the office's decisions) for lights and timelines.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::{ConnectInfo, Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest as _;

use super::Shared;
use super::listener::Peer;
use crate::ledger::Ledger;
use crate::model::Config;
use crate::{clock, export, ics, metrics};

/// The secret behind the feed tokens, kept in `state_dir` (made on first start, mode 0600).
pub fn feed_secret(state_dir: &Path) -> Result<String> {
    let path = state_dir.join("board-secret");
    match crate::config::read_regular_file(&path, 4096) {
        Ok(text) if text.trim().len() >= 32 => return Ok(text.trim().to_string()),
        _ => {}
    }
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("creating the state directory `{}`", state_dir.display()))?;
    let secret = super::auth::token()?;
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .with_context(|| format!("writing the board's secret `{}`", path.display()))?;
        file.write_all(format!("{secret}\n").as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing the board's secret `{}`", path.display()))?;
    }
    Ok(secret)
}

/// A department's feed token: SHA-256 of the secret and the department key, hex.
pub fn feed_token(secret: &str, department: &str) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(secret.as_bytes());
    hasher.update([0u8]);
    hasher.update(department.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The feed's path for a department.
pub fn feed_path(secret: &str, department: &str) -> String {
    format!(
        "/ics/{}/{}.ics",
        super::pages::segment(department),
        feed_token(secret, department)
    )
}

/// Commitment ids with a done claim awaiting review (state `reported`), by the same query
/// as the log view that `list` and the engine use (`replies::store::waiting_done_claims`).
pub fn reported(config: &Config) -> HashSet<String> {
    let read = || -> Result<HashSet<String>> {
        let Some(mut ledger) = Ledger::open_read_only(&config.state_dir)? else {
            return Ok(HashSet::new());
        };
        let connection = ledger.connection();
        if !crate::replies::store::has_reports(connection)? {
            return Ok(HashSet::new());
        }
        Ok(crate::replies::store::waiting_done_claims(connection)?
            .into_iter()
            .map(|(commitment, _)| commitment)
            .collect())
    };
    read().unwrap_or_else(|error| {
        tracing::warn!("the board could not read the reports: {error:#}");
        HashSet::new()
    })
}

fn has_table(connection: &rusqlite::Connection, name: &str) -> Result<bool> {
    connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [name],
            |row| row.get(0),
        )
        .context("reading the delivery log")
}

/// Reports and the office's decisions about one commitment (or all), for timelines.
pub fn replies(
    config: &Config,
    commitment: Option<&str>,
) -> (
    Vec<crate::replies::store::Report>,
    Vec<crate::replies::store::Event>,
) {
    let read = || -> Result<_> {
        let Some(mut ledger) = Ledger::open_read_only(&config.state_dir)? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let connection = ledger.connection();
        let reports = if has_table(connection, "reports")? {
            crate::replies::store::reports(connection, commitment, false)?
        } else {
            Vec::new()
        };
        let events = if has_table(connection, "report_events")? {
            crate::replies::store::events(connection, commitment)?
        } else {
            Vec::new()
        };
        Ok((reports, events))
    };
    read().unwrap_or_else(|error: anyhow::Error| {
        tracing::warn!("the board could not read the replies: {error:#}");
        (Vec::new(), Vec::new())
    })
}

/// `GET /export.xlsx`: the 台账 as `followup export --xlsx` writes it.
pub async fn xlsx(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(login) = super::pages::gate_request(&shared, &headers, peer, &uri) {
        return login;
    }
    super::pages::blocking(move || {
        let config = shared.config.borrow().clone();
        let now = clock::now();
        let built = (|| -> Result<Vec<u8>> {
            let inputs = match Ledger::open_read_only(&config.state_dir)? {
                Some(mut ledger) => export::read_inputs(&mut ledger)?,
                None => export::Inputs::default(),
            };
            export::xlsx(&config, &inputs, now)
        })();
        match built {
            Ok(bytes) => {
                let name = export::file_name(&config, now, "xlsx");
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                .to_string(),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            format!(
                                "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{}",
                                super::pages::segment(&name)
                            ),
                        ),
                    ],
                    bytes,
                )
                    .into_response()
            }
            Err(error) => {
                tracing::error!("the board could not export: {error:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, "the export failed\n").into_response()
            }
        }
    })
    .await
}

/// `GET /ics/KEY/TOKEN.ics`: a department's open commitments for calendar programs, which
/// cannot log in: the token is the credential (a wrong one is a 404, as an unknown key).
pub async fn feed(
    State(shared): State<Arc<Shared>>,
    UrlPath((key, file)): UrlPath<(String, String)>,
) -> Response {
    let config = shared.config.borrow().clone();
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let Some(department) = config.find_department(&key) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let expected = feed_token(&shared.secret, &config.department(department).key);
    if !super::auth::same(token, &expected) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let body = match ics::department_feed(&config, department, clock::now()) {
        Ok(body) => body,
        Err(error) => return super::pages::failed(&error),
    };
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `GET /metrics`: for a scraper on the same machine, a logged-in user, or anyone when the
/// board is public.
pub async fn metrics(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !peer.0.ip().is_loopback()
        && let Some(login) = super::pages::gate_request(&shared, &headers, peer, &uri)
    {
        return login;
    }
    let Some(snapshot) = shared
        .metrics
        .as_ref()
        .and_then(|metrics| metrics.lock().ok().map(|snapshot| snapshot.clone()))
    else {
        return (StatusCode::NOT_FOUND, "no metrics\n").into_response();
    };
    let text = metrics::render(&snapshot, clock::now());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
