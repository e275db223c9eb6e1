//! Who is looking at the board: a session cookie made at login against the users file
//! (argon2 hashes), or a header set by a trusted reverse proxy; and the CSRF token each
//! acting form must carry. Sessions live in memory (a restart logs everyone out).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use axum::http::HeaderMap;

use crate::model::Web;

/// The session cookie's name.
pub const COOKIE: &str = "followup_session";
/// How long a login lasts.
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; the oldest go first.
const MAX_SESSIONS: usize = 10_000;
/// The users file is small; anything bigger is refused.
const MAX_USERS_FILE: u64 = 1 << 20;

/// Someone the board knows, with the token their forms carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub csrf: String,
}

struct Session {
    user: User,
    expires: Instant,
}

pub struct Auth {
    web: Web,
    sessions: Mutex<HashMap<String, Session>>,
    /// Per user authenticated by the proxy's header: the token their forms carry.
    header_tokens: Mutex<HashMap<String, String>>,
}

/// 32 random bytes as hex.
pub fn token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow!("reading random bytes: {error}"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Compares two tokens in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A users-file line for `name` with `password` (`followup web-passwd`).
pub fn hash_line(name: &str, password: &str) -> Result<String> {
    if name.is_empty() || name.contains([':', '\n', '\r']) || name.trim() != name {
        bail!("a user name must be non-empty, without `:`, line breaks or surrounding spaces");
    }
    if password.is_empty() {
        bail!("the password is empty");
    }
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| anyhow!("hashing the password: {error}"))?;
    Ok(format!("{name}:{hash}"))
}

/// Whether `password` is `name`'s in the users file. Slow on purpose (argon2): call it off
/// the async threads.
pub fn verify(users_file: &Path, name: &str, password: &str) -> Result<bool> {
    let text = crate::config::read_regular_file(users_file, MAX_USERS_FILE)
        .map_err(|error| anyhow!("reading the users file `{}`: {error}", users_file.display()))?;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, hash)) = line.split_once(':') else {
            bail!(
                "{}:{}: expected `NAME:$argon2id$…`",
                users_file.display(),
                number + 1
            );
        };
        if user != name {
            continue;
        }
        let hash = PasswordHash::new(hash)
            .map_err(|error| anyhow!("{}:{}: {error}", users_file.display(), number + 1))
            .context("reading the users file")?;
        return Ok(argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok());
    }
    Ok(false)
}

impl Auth {
    pub fn new(web: &Web) -> Auth {
        Auth {
            web: web.clone(),
            sessions: Mutex::new(HashMap::new()),
            header_tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Whether anyone can log in at all (a users file or a trusted header).
    pub fn can_login(&self) -> bool {
        self.web.users_file.is_some() || self.web.trusted_header.is_some()
    }

    pub fn users_file(&self) -> Option<&Path> {
        self.web.users_file.as_deref()
    }

    /// Whether the request came through a configured proxy.
    pub fn from_proxy(&self, peer: IpAddr) -> bool {
        self.web.trusted_proxies.contains(&peer)
    }

    /// Whether the cookie should be `Secure`.
    pub fn secure(&self, headers: &HeaderMap, peer: IpAddr) -> bool {
        self.web.secure_cookie
            || (self.from_proxy(peer)
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(|proto| proto.eq_ignore_ascii_case("https")))
    }

    /// The user behind a request, if any.
    pub fn identify(&self, headers: &HeaderMap, peer: IpAddr) -> Option<User> {
        if let Some(header) = &self.web.trusted_header
            && self.from_proxy(peer)
            && let Some(name) = headers
                .get(header.as_str())
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
                .filter(|name| !name.is_empty())
        {
            let mut tokens = self.header_tokens.lock().ok()?;
            if !tokens.contains_key(name) {
                tokens.insert(name.to_string(), token().ok()?);
            }
            return Some(User {
                name: name.to_string(),
                csrf: tokens.get(name)?.clone(),
            });
        }
        let cookie = cookie(headers, COOKIE)?;
        let mut sessions = self.sessions.lock().ok()?;
        match sessions.get(cookie) {
            Some(session) if session.expires > Instant::now() => Some(session.user.clone()),
            Some(_) => {
                sessions.remove(cookie);
                None
            }
            None => None,
        }
    }

    /// Starts a session for `name`; returns the cookie value.
    pub fn login(&self, name: &str) -> Result<String> {
        let id = token()?;
        let user = User {
            name: name.to_string(),
            csrf: token()?,
        };
        let mut sessions = self
            .sessions
            .lock()
            .map_err(|_| anyhow!("the session table is poisoned"))?;
        let now = Instant::now();
        sessions.retain(|_, session| session.expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, session)| session.expires)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            id.clone(),
            Session {
                user,
                expires: now + SESSION_LIFETIME,
            },
        );
        Ok(id)
    }

    pub fn logout(&self, headers: &HeaderMap) {
        if let Some(cookie) = cookie(headers, COOKIE)
            && let Ok(mut sessions) = self.sessions.lock()
        {
            sessions.remove(cookie);
        }
    }
}

/// The value of cookie `name` in the request.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}
