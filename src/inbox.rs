//! IMAP intake of the departments' replies (`[inbox]`): logs in over TLS (imaps, or STARTTLS
//! which is then required), reads every message newer than the position recorded in the
//! log (UIDVALIDITY + last UID per mailbox), hands each one to a handler (the replies core
//! in the daemon), then moves it to `inbox.processed` or flags it `\Seen $FollowupDone`;
//! never deletes. Waits with IDLE where offered (re-issued at least every
//! `IDLE_REFRESH`), else polls every `inbox.poll`. Every network step is bounded by
//! `inbox.timeout`; a stop request ends any wait at once. The password is read at every
//! connection and never logged.
//!
//! Order of effects per message, for crash safety: handler (records the reply, idempotent
//! on UIDVALIDITY+UID and Message-ID) → flag or move → position. A crash between any two
//! steps re-reads that message once more, which the handler recognises.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use async_imap::types::UnsolicitedResponse;
use async_imap::{Client, Session};
use futures::TryStreamExt as _;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::clock;
use crate::ledger::{InboxPosition, Ledger};
use crate::model::Inbox;

/// IDLE is ended and re-issued at least this often (RFC 2177 asks for under 29 minutes),
/// which also re-reads the mailbox in case a push was missed.
pub const IDLE_REFRESH: Duration = Duration::from_secs(10 * 60);
/// An IDLE during which the server says nothing at all (Dovecot says "still here" every
/// two minutes) for this long is treated as a dead connection.
const IDLE_SILENCE: Duration = Duration::from_secs(5 * 60);
/// The keyword set on processed mail (with `\Seen`) when no `processed` folder is configured.
pub const DONE_KEYWORD: &str = "$FollowupDone";
/// The keyword set on a message too large to fetch; it stays in the mailbox for the office.
pub const TOO_LARGE_KEYWORD: &str = "$FollowupTooLarge";
/// Reconnection waits 5 s, 10 s, 20 s … up to five minutes.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const LAST_BACKOFF: Duration = Duration::from_secs(300);

type Stream = tokio_rustls::client::TlsStream<TcpStream>;

/// Where a fetched message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAt {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// What intake does with each message: record it (in the daemon, the replies core). An
/// error leaves the message where it is, unflagged, to be read again on the next cycle.
pub type Handler = Box<dyn FnMut(&mut Ledger, &[u8], &MessageAt) -> Result<()> + Send>;

/// Why a cycle failed, for logging once per kind and for the backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Connecting, TLS, a stall or a lost connection: the server may come back.
    Unreachable,
    /// The server refused the login: the credentials must change (then reload).
    Login,
    /// The mailbox or the processed folder is refused.
    Mailbox,
    /// The handler could not record a message (the log), or the password is unreadable.
    Local,
}

/// A failed cycle: its kind and a message a person can act on (never the password).
#[derive(Debug)]
pub struct Failure {
    pub kind: Trouble,
    pub error: anyhow::Error,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

fn fail(kind: Trouble) -> impl FnOnce(anyhow::Error) -> Failure {
    move |error| Failure { kind, error }
}

/// Runs one bounded network step: `what` names it in the error.
async fn step<T, E, F>(timeout: Duration, what: &str, future: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(anyhow!("{what}: {error}")),
        Err(_) => Err(anyhow!(
            "{what}: no answer within {}s (inbox.timeout)",
            timeout.as_secs()
        )),
    }
}

/// The IMAP password: `inbox.password_file`, else `FOLLOWUP_IMAP_PASSWORD`, else the
/// systemd credential `imap-password`.
fn password(inbox: &Inbox) -> Result<String> {
    use crate::credentials::{IMAP_CREDENTIAL_NAME, IMAP_PASSWORD_ENV};
    match crate::credentials::read(&crate::credentials::imap(inbox.password_file.as_deref()))? {
        Some(password) => Ok(password),
        None => bail!(
            "no IMAP password for `inbox.username` `{}`: set `inbox.password_file`, the environment variable {IMAP_PASSWORD_ENV}, or systemd's LoadCredential={IMAP_CREDENTIAL_NAME}:…",
            inbox.username
        ),
    }
}

/// A logged-in session with the mailbox's capabilities.
pub struct Connection {
    session: Session<Stream>,
    idle: bool,
    moves: bool,
}

/// Connects, secures the connection (implicit TLS or STARTTLS) and logs in.
pub async fn connect(inbox: &Inbox) -> Result<Connection, Failure> {
    let password = password(inbox).map_err(fail(Trouble::Local))?;
    let tls = crate::transport::tls_config(inbox.ca_file.as_deref(), "inbox.ca_file")
        .map_err(fail(Trouble::Local))?;
    let server = format!("{}:{}", inbox.host, inbox.port);
    let timeout = inbox.timeout;
    let tcp = step(
        timeout,
        &format!("connecting to the IMAP server `{server}`"),
        TcpStream::connect((inbox.host.as_str(), inbox.port)),
    )
    .await
    .map_err(fail(Trouble::Unreachable))?;
    let name = ServerName::try_from(inbox.host.trim_start_matches('[').trim_end_matches(']'))
        .map(|name| name.to_owned())
        .map_err(|error| anyhow!("`{}` is not a host name: {error}", inbox.host))
        .map_err(fail(Trouble::Local))?;
    let connector = TlsConnector::from(tls);
    let client = if inbox.implicit_tls {
        let stream = step(
            timeout,
            &format!("TLS with `{server}`"),
            connector.connect(name, tcp),
        )
        .await
        .map_err(fail(Trouble::Unreachable))?;
        let mut client = Client::new(stream);
        greeting(&mut client, timeout, &server)
            .await
            .map_err(fail(Trouble::Unreachable))?;
        client
    } else {
        let mut client = Client::new(tcp);
        greeting(&mut client, timeout, &server)
            .await
            .map_err(fail(Trouble::Unreachable))?;
        step(
            timeout,
            &format!("STARTTLS with `{server}` (required with `imap://`; use `imaps://` for TLS from the start)"),
            client.run_command_and_check_ok("STARTTLS", None),
        )
        .await
        .map_err(fail(Trouble::Unreachable))?;
        let tcp = client.into_inner();
        let stream = step(
            timeout,
            &format!("TLS with `{server}` after STARTTLS"),
            connector.connect(name, tcp),
        )
        .await
        .map_err(fail(Trouble::Unreachable))?;
        Client::new(stream)
    };
    let login = tokio::time::timeout(timeout, client.login(&inbox.username, &password)).await;
    drop(password);
    let mut session = match login {
        Ok(Ok(session)) => session,
        Ok(Err((async_imap::error::Error::No(answer), _))) => {
            return Err(Failure {
                kind: Trouble::Login,
                error: anyhow!(
                    "the IMAP server `{server}` refused the login of `{}`: {answer}; correct the password (inbox.password_file, {} or the credential {}) and reload",
                    inbox.username,
                    crate::credentials::IMAP_PASSWORD_ENV,
                    crate::credentials::IMAP_CREDENTIAL_NAME
                ),
            });
        }
        Ok(Err((error, _))) => {
            return Err(Failure {
                kind: Trouble::Unreachable,
                error: anyhow!("logging in to `{server}`: {error}"),
            });
        }
        Err(_) => {
            return Err(Failure {
                kind: Trouble::Unreachable,
                error: anyhow!(
                    "logging in to `{server}`: no answer within {}s (inbox.timeout)",
                    timeout.as_secs()
                ),
            });
        }
    };
    let capabilities = step(timeout, "CAPABILITY", session.capabilities())
        .await
        .map_err(fail(Trouble::Unreachable))?;
    let idle = capabilities.has_str("IDLE");
    let moves = capabilities.has_str("MOVE");
    tracing::debug!(server, idle, moves, "logged in to the IMAP server");
    Ok(Connection {
        session,
        idle,
        moves,
    })
}

/// Reads the server's greeting (`* OK …`); a server that says nothing times out.
async fn greeting<T>(client: &mut Client<T>, timeout: Duration, server: &str) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let answer = step(
        timeout,
        &format!("waiting for the greeting of `{server}`"),
        client.read_response(),
    )
    .await?;
    if answer.is_none() {
        bail!("`{server}` closed the connection before its greeting");
    }
    Ok(())
}

/// What one sweep of the mailbox did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Messages handed to the handler (and then flagged or moved).
    pub handed: usize,
    /// Messages over `inbox.max_message_mib`, left in the mailbox flagged `$FollowupTooLarge`.
    pub too_large: usize,
}

impl Connection {
    /// True when the server offers IDLE.
    pub fn offers_idle(&self) -> bool {
        self.idle
    }

    /// Selects the mailbox and hands over every message after the recorded position.
    pub async fn sweep(
        &mut self,
        inbox: &Inbox,
        ledger: &Mutex<Ledger>,
        handler: &mut Handler,
    ) -> Result<Swept, Failure> {
        let lock = || {
            ledger
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let timeout = inbox.timeout;
        let selected = step(
            timeout,
            &format!("selecting the mailbox `{}`", inbox.mailbox),
            self.session.select(&inbox.mailbox),
        )
        .await
        .map_err(fail(Trouble::Mailbox))?;
        let uidvalidity = selected
            .uid_validity
            .ok_or_else(|| anyhow!("the server gives no UIDVALIDITY for `{}`", inbox.mailbox))
            .map_err(fail(Trouble::Mailbox))?;
        let recorded = lock()
            .inbox_position(&inbox.mailbox)
            .map_err(fail(Trouble::Local))?;
        let last = match recorded {
            Some(position) if position.uidvalidity == uidvalidity => position.last_uid,
            Some(position) => {
                tracing::warn!(
                    mailbox = inbox.mailbox,
                    old = position.uidvalidity,
                    new = uidvalidity,
                    "the mailbox's UIDVALIDITY changed (it was re-created or restored): reading it again from the start; replies already recorded are recognised by their Message-ID"
                );
                0
            }
            None => 0,
        };
        // Processed mail carries the keyword (flag mode) or left the mailbox (move mode),
        // so after a UIDVALIDITY change only unprocessed mail is read again.
        let query = format!(
            "UID {}:* UNKEYWORD {DONE_KEYWORD} UNKEYWORD {TOO_LARGE_KEYWORD}",
            u64::from(last) + 1
        );
        let found = step(timeout, "UID SEARCH", self.session.uid_search(&query))
            .await
            .map_err(fail(Trouble::Unreachable))?;
        // `n:*` always includes the highest UID, even below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > last).collect();
        uids.sort_unstable();
        let mut swept = Swept::default();
        let mut position = InboxPosition {
            uidvalidity,
            last_uid: last,
        };
        if recorded != Some(position) && uids.is_empty() {
            lock()
                .record_inbox_position(&inbox.mailbox, position, clock::now())
                .map_err(fail(Trouble::Local))?;
        }
        for uid in uids {
            let at = MessageAt {
                mailbox: inbox.mailbox.clone(),
                uidvalidity,
                uid,
            };
            let size = self
                .size(uid, timeout)
                .await
                .map_err(fail(Trouble::Unreachable))?;
            if size.is_some_and(|size| u64::from(size) > inbox.max_message_bytes) {
                tracing::warn!(
                    mailbox = inbox.mailbox,
                    uid,
                    size,
                    "a message is larger than inbox.max_message_mib: left in the mailbox, flagged {TOO_LARGE_KEYWORD}, for the office to read"
                );
                self.store(uid, &format!("+FLAGS ({TOO_LARGE_KEYWORD})"), timeout)
                    .await
                    .map_err(fail(Trouble::Unreachable))?;
                swept.too_large += 1;
            } else {
                let raw = self
                    .body(uid, timeout)
                    .await
                    .map_err(fail(Trouble::Unreachable))?;
                let Some(raw) = raw else {
                    // Expunged by someone else meanwhile: nothing to read.
                    tracing::debug!(uid, "message vanished before it was fetched");
                    continue;
                };
                handler(&mut lock(), &raw, &at)
                    .with_context(|| format!("recording message UID {uid} of `{}`", inbox.mailbox))
                    .map_err(fail(Trouble::Local))?;
                self.processed(uid, inbox).await?;
                swept.handed += 1;
            }
            position.last_uid = uid;
            lock()
                .record_inbox_position(&inbox.mailbox, position, clock::now())
                .map_err(fail(Trouble::Local))?;
        }
        Ok(swept)
    }

    /// The message's RFC 822 size, `None` if the server does not say.
    async fn size(&mut self, uid: u32, timeout: Duration) -> Result<Option<u32>> {
        self.fetch_one(uid, "RFC822.SIZE", timeout, |fetch| fetch.size)
            .await
    }

    /// The whole message, without setting `\Seen` (BODY.PEEK[]).
    async fn body(&mut self, uid: u32, timeout: Duration) -> Result<Option<Vec<u8>>> {
        self.fetch_one(uid, "BODY.PEEK[]", timeout, |fetch| {
            fetch.body().map(<[u8]>::to_vec)
        })
        .await
    }

    /// `UID FETCH uid (UID item)`, bounded by `timeout`; `pick` reads what is wanted from the
    /// answer for that UID (`None` when the server sent none).
    async fn fetch_one<T: Send>(
        &mut self,
        uid: u32,
        item: &'static str,
        timeout: Duration,
        pick: impl FnOnce(&async_imap::types::Fetch) -> Option<T> + Send,
    ) -> Result<Option<T>> {
        let session = &mut self.session;
        let what = format!("UID FETCH {item}");
        step(timeout, &what, async move {
            let fetches: Vec<_> = session
                .uid_fetch(uid.to_string(), format!("(UID {item})"))
                .await?
                .try_collect()
                .await?;
            Ok::<_, async_imap::error::Error>(
                fetches
                    .iter()
                    .find(|fetch| fetch.uid == Some(uid))
                    .and_then(pick),
            )
        })
        .await
    }

    async fn store(&mut self, uid: u32, change: &str, timeout: Duration) -> Result<()> {
        let session = &mut self.session;
        step(timeout, "UID STORE", async move {
            let _: Vec<_> = session
                .uid_store(uid.to_string(), change)
                .await?
                .try_collect()
                .await?;
            Ok::<_, async_imap::error::Error>(())
        })
        .await
    }

    /// UID MOVE of one message to `folder`, or UID COPY where the server offers no MOVE.
    async fn transfer(&mut self, uid: u32, folder: &str, timeout: Duration) -> Result<()> {
        let what = format!("moving UID {uid} to `{folder}` (inbox.processed)");
        if self.moves {
            step(timeout, &what, self.session.uid_mv(uid.to_string(), folder)).await
        } else {
            step(
                timeout,
                &what,
                self.session.uid_copy(uid.to_string(), folder),
            )
            .await
        }
    }

    /// Moves a handled message to `inbox.processed` (COPY, then flag, where MOVE is not
    /// offered: never expunged), else flags it `\Seen $FollowupDone`.
    async fn processed(&mut self, uid: u32, inbox: &Inbox) -> Result<(), Failure> {
        let timeout = inbox.timeout;
        let flag = format!("+FLAGS (\\Seen {DONE_KEYWORD})");
        let Some(folder) = &inbox.processed else {
            return self
                .store(uid, &flag, timeout)
                .await
                .map_err(fail(Trouble::Unreachable));
        };
        let moved = self.transfer(uid, folder, timeout).await;
        if let Err(error) = moved {
            // The folder may not exist yet: create it once and try again.
            let created = step(
                timeout,
                &format!("creating the folder `{folder}` (inbox.processed)"),
                self.session.create(folder),
            )
            .await;
            let again = self.transfer(uid, folder, timeout).await;
            if let Err(again) = again {
                let created = created
                    .err()
                    .map(|e| format!(" ({e:#})"))
                    .unwrap_or_default();
                return Err(Failure {
                    kind: Trouble::Mailbox,
                    error: anyhow!("{again:#}{created}; first attempt: {error:#}"),
                });
            }
        }
        if !self.moves {
            self.store(uid, &flag, timeout)
                .await
                .map_err(fail(Trouble::Unreachable))?;
        }
        Ok(())
    }

    /// Waits for new mail: IDLE until the server reports a change, `IDLE_REFRESH` passes
    /// or the connection goes silent; without IDLE, `inbox.poll`. `Ok(false)` when a stop
    /// was requested.
    pub async fn wait(
        self,
        inbox: &Inbox,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Option<Connection>, Failure> {
        if *stop.borrow() {
            return Ok(None);
        }
        let Connection {
            session,
            idle,
            moves,
        } = self;
        if !idle {
            tokio::select! {
                () = tokio::time::sleep(inbox.poll) => {}
                _ = stop.changed() => return Ok(None),
            }
            return Ok(Some(Connection {
                session,
                idle,
                moves,
            }));
        }
        // Mail that arrived during the sweep or while IDLE starts is announced (EXISTS)
        // outside the wait below, which would not see it: look for it here. (SELECT's own
        // EXISTS is consumed by SELECT, so this does not loop.)
        let unsolicited = session.unsolicited_responses.clone();
        let mut handle = session.idle();
        step(inbox.timeout, "starting IDLE", handle.init())
            .await
            .map_err(fail(Trouble::Unreachable))?;
        let arrived = std::iter::from_fn(|| unsolicited.try_recv().ok()).any(|response| {
            matches!(
                response,
                UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
            )
        });
        if !arrived {
            let (waiting, _interrupt) = handle.wait_with_timeout(IDLE_SILENCE);
            tokio::select! {
                outcome = tokio::time::timeout(IDLE_REFRESH, waiting) => {
                    if let Ok(Err(error)) = outcome {
                        return Err(Failure {
                            kind: Trouble::Unreachable,
                            error: anyhow!("waiting in IDLE: {error}"),
                        });
                    }
                }
                _ = stop.changed() => return Ok(None),
            }
        }
        let session = step(inbox.timeout, "ending IDLE", handle.done())
            .await
            .map_err(fail(Trouble::Unreachable))?;
        Ok(Some(Connection {
            session,
            idle,
            moves,
        }))
    }

    /// LOGOUT, bounded; errors are of no interest at this point.
    pub async fn logout(mut self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.session.logout()).await;
    }
}

/// One cycle outside the daemon: connect, sweep, log out.
pub async fn intake_once(
    inbox: &Inbox,
    ledger: &Mutex<Ledger>,
    handler: &mut Handler,
) -> Result<Swept, Failure> {
    let mut connection = connect(inbox).await?;
    let swept = connection.sweep(inbox, ledger, handler).await?;
    connection.logout(inbox.timeout).await;
    Ok(swept)
}

/// The daemon's intake task: sweep, wait (IDLE or poll), sweep again, until `stop`;
/// reconnects with backoff after any failure, logging each kind of failure once until
/// intake works again. `on_handled` hears of every sweep that handed messages over.
pub async fn run(
    inbox: Inbox,
    ledger: Ledger,
    mut handler: Handler,
    mut stop: watch::Receiver<bool>,
    on_handled: impl Fn(usize) + Send,
) {
    let ledger = Mutex::new(ledger);
    let mut attempt: u32 = 0;
    let mut logged: Option<Trouble> = None;
    tracing::info!(
        server = format!("{}:{}", inbox.host, inbox.port),
        mailbox = inbox.mailbox,
        "reading replies from the IMAP mailbox"
    );
    loop {
        if *stop.borrow() {
            return;
        }
        let outcome = session(
            &inbox,
            &ledger,
            &mut handler,
            &mut stop,
            &on_handled,
            (&mut attempt, &mut logged),
        )
        .await;
        let Err(failure) = outcome else {
            return;
        };
        if logged != Some(failure.kind) {
            match failure.kind {
                Trouble::Login | Trouble::Mailbox | Trouble::Local => {
                    tracing::error!("reading replies: {failure}");
                }
                Trouble::Unreachable => tracing::warn!("reading replies: {failure}"),
            }
            logged = Some(failure.kind);
        } else {
            tracing::debug!("reading replies: {failure}");
        }
        let wait = FIRST_BACKOFF
            .saturating_mul(1 << attempt.min(6))
            .min(LAST_BACKOFF);
        attempt = attempt.saturating_add(1);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One connection's life: connect, then sweep and wait until a stop (`Ok`) or a failure.
async fn session(
    inbox: &Inbox,
    ledger: &Mutex<Ledger>,
    handler: &mut Handler,
    stop: &mut watch::Receiver<bool>,
    on_handled: &(impl Fn(usize) + Send),
    (attempt, logged): (&mut u32, &mut Option<Trouble>),
) -> Result<(), Failure> {
    let connecting = connect(inbox);
    let mut connection = tokio::select! {
        connection = connecting => connection?,
        _ = stop.changed() => return Ok(()),
    };
    loop {
        let swept = connection.sweep(inbox, ledger, handler).await?;
        if logged.take().is_some() {
            tracing::info!("reading replies works again");
        }
        *attempt = 0;
        if swept.handed > 0 {
            tracing::info!(
                handed = swept.handed,
                mailbox = inbox.mailbox,
                "replies read"
            );
            on_handled(swept.handed);
        }
        match connection.wait(inbox, stop).await? {
            Some(next) => connection = next,
            None => return Ok(()),
        }
    }
}
