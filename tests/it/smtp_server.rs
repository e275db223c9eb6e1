//! A small but real SMTP server for integration tests.
//!
//! [`SmtpServer::start`] binds `127.0.0.1:0`, spawns a std thread that runs its own
//! single-threaded tokio runtime (one task per connection) and returns as soon as the
//! listener is bound, so it can be used from plain synchronous `#[test]` functions that
//! spawn the `followup` binary as a subprocess. Dropping the [`SmtpServer`] stops the
//! runtime, closes every connection and joins the thread.
//!
//! What it speaks (RFC 5321 subset, enough for lettre and other real clients):
//! greeting 220; `EHLO`/`HELO` (EHLO lists `8BITMIME`, `SMTPUTF8`, `SIZE`, `STARTTLS`
//! when offered and not yet in TLS, `AUTH PLAIN LOGIN` when configured and allowed);
//! `STARTTLS` (tokio-rustls, certificate signed by a per-server test CA, see
//! [`SmtpServer::ca_pem`]; the session is reset and the client must EHLO again);
//! `AUTH PLAIN` / `AUTH LOGIN` (with or without initial response); `MAIL FROM` (parameters
//! such as `SIZE=`, `BODY=`, `SMTPUTF8` are tolerated); `RCPT TO` (answer chosen by
//! [`SmtpServer::set_rcpt_rule`]); `DATA` (dot-unstuffed, answer chosen by
//! [`SmtpServer::set_data_rule`]); `RSET`; `NOOP`; `QUIT`; anything else gets 502.
//!
//! Fault injection ([`Options::fault`]): stall for ever at the greeting, EHLO, MAIL, RCPT,
//! DATA or after the final dot, or drop the connection after the final dot (message kept).
//! [`Options::pipelining`] advertises PIPELINING. [`SmtpServer::commands`] counts each verb.
//!
//! Limits: command lines 4 KiB, data lines 1 MiB, messages 10 MiB (552 beyond that),
//! 1000 recipients per message. A client that disconnects at any point only ends its
//! own task.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// Largest accepted message (after dot-unstuffing).
pub const MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;
const MAX_COMMAND_LINE: usize = 4096;
const MAX_DATA_LINE: usize = 1024 * 1024;
const MAX_RECIPIENTS: usize = 1000;

/// How the server behaves. `Options::default()` is plain SMTP without AUTH or STARTTLS.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Offer STARTTLS (certificate for `localhost` and `127.0.0.1`, signed by [`SmtpServer::ca_pem`]).
    pub starttls: bool,
    /// Refuse AUTH (538) and do not advertise it until STARTTLS has completed.
    pub require_tls_for_auth: bool,
    /// `Some((user, password))`: advertise `AUTH PLAIN LOGIN` and require a successful AUTH
    /// before `MAIL` (530 otherwise).
    pub auth: Option<(String, String)>,
    /// Advertise `PIPELINING` (commands are read one line at a time either way).
    pub pipelining: bool,
    /// Misbehave: stall at a stage, or drop the connection after the final dot.
    pub fault: Option<Fault>,
}

/// Where a stalling server stops answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Accept the connection and never say anything (not even the greeting).
    Greeting,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    /// Read the message and its final dot, then never answer.
    Dot,
}

/// A misbehaving server, for timeouts and lost connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Never answer from this stage on; the connection stays open (until the server stops).
    StallAt(Stage),
    /// Store the message at its final dot, then close the connection without answering:
    /// the client cannot know the message arrived.
    DropAfterDot,
}

/// The answer a rule gives to a `RCPT TO` or to the end of `DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 250; after DATA the message is stored and counted.
    Accept,
    /// Any reply, e.g. `Reply(550, "5.1.1 no such user".into())` or `Reply(451, "4.3.0 try later".into())`.
    /// A text containing `\n` is sent as a multi-line reply.
    Reply(u16, String),
}

/// One message as the server saw it.
#[derive(Clone, PartialEq, Eq)]
pub struct Received {
    /// Reverse path without angle brackets (empty for the null sender `<>`).
    pub mail_from: String,
    /// Accepted forward paths without angle brackets, in order.
    pub rcpt_to: Vec<String>,
    /// Message content after dot-unstuffing, with line ends exactly as sent (CRLF for
    /// lettre), up to but excluding the terminating `.` line.
    pub data: Vec<u8>,
    /// The transaction ran inside TLS (after STARTTLS).
    pub tls: bool,
    /// The user that authenticated on this connection, if any.
    pub auth_user: Option<String>,
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.data);
        let mut preview: String = text.chars().take(300).collect();
        if preview.len() < text.len() {
            preview.push('…');
        }
        f.debug_struct("Received")
            .field("mail_from", &self.mail_from)
            .field("rcpt_to", &self.rcpt_to)
            .field("tls", &self.tls)
            .field("auth_user", &self.auth_user)
            .field("data_len", &self.data.len())
            .field("data", &preview)
            .finish()
    }
}

type RcptRule = Arc<dyn Fn(&str) -> Answer + Send + Sync>;
type DataRule = Arc<dyn Fn(&Received) -> Answer + Send + Sync>;

struct Shared {
    options: Options,
    received: Mutex<Vec<Received>>,
    arrived: Condvar,
    rcpt_rule: Mutex<Option<RcptRule>>,
    data_rule: Mutex<Option<DataRule>>,
    attempts: AtomicUsize,
    connections: AtomicUsize,
    /// How often each command verb arrived.
    commands: Mutex<std::collections::HashMap<String, usize>>,
}

/// Locks ignoring poison: a panicking rule in one connection must not break the test's view.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Handle to a running server; dropping it shuts the server down.
pub struct SmtpServer {
    addr: SocketAddr,
    ca_pem: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Binds `127.0.0.1:0`, starts the server thread and returns once the listener is bound.
    pub fn start(options: Options) -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind SMTP test server on 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("make the SMTP listener non-blocking for tokio");
        let addr = listener
            .local_addr()
            .expect("local address of the SMTP listener");
        let (ca_pem, acceptor) = test_tls();
        let shared = Arc::new(Shared {
            options,
            received: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            rcpt_rule: Mutex::new(None),
            data_rule: Mutex::new(None),
            attempts: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            commands: Mutex::new(std::collections::HashMap::new()),
        });
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("smtp-server-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build the SMTP test server's tokio runtime");
                rt.block_on(accept_loop(listener, thread_shared, acceptor, shutdown_rx));
                // Dropping the runtime cancels every connection task and closes its socket.
                drop(rt);
            })
            .expect("spawn the SMTP test server thread");
        SmtpServer {
            addr,
            ca_pem,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The bound address (always `127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// PEM of the test CA that signed the server certificate (SAN `localhost` and IP
    /// `127.0.0.1`); write it to a file for the client's `ca_file`.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Snapshot of the accepted messages, in order of acceptance.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// Blocks until at least `count` messages have been accepted and returns them all.
    ///
    /// # Panics
    /// After `timeout`, with a message listing what did arrive.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let guard = lock(&self.shared.received);
        let (guard, _) = self
            .shared
            .arrived
            .wait_timeout_while(guard, timeout, |r| r.len() < count)
            .unwrap_or_else(|e| e.into_inner());
        if guard.len() < count {
            let got = guard.clone();
            drop(guard);
            panic!(
                "SMTP test server on {}: waited {:?} for {} message(s), got {} \
                 ({} DATA attempt(s), {} connection(s)):\n{:#?}",
                self.addr,
                timeout,
                count,
                got.len(),
                self.attempts(),
                self.connections(),
                got
            );
        }
        guard.clone()
    }

    /// Decides the answer to each `RCPT TO:<address>` (default: accept everything).
    pub fn set_rcpt_rule(&self, f: impl Fn(&str) -> Answer + Send + Sync + 'static) {
        *lock(&self.shared.rcpt_rule) = Some(Arc::new(f));
    }

    /// Decides the answer after DATA's final dot (default: accept). Only accepted messages
    /// are stored; every call counts as an attempt.
    pub fn set_data_rule(&self, f: impl Fn(&Received) -> Answer + Send + Sync + 'static) {
        *lock(&self.shared.data_rule) = Some(Arc::new(f));
    }

    /// Number of complete DATA transactions (final dot received), accepted or not.
    pub fn attempts(&self) -> usize {
        self.shared.attempts.load(Ordering::SeqCst)
    }

    /// How many times a command verb (`"NOOP"`, `"MAIL"`, …) arrived so far.
    pub fn commands(&self, verb: &str) -> usize {
        lock(&self.shared.commands).get(verb).copied().unwrap_or(0)
    }

    /// Number of TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Do not double-panic if a test is already failing.
            if thread.join().is_err() && !std::thread::panicking() {
                panic!("SMTP test server thread panicked");
            }
        }
    }
}

/// Makes a fresh test CA and a leaf certificate for `localhost` / `127.0.0.1`.
fn test_tls() -> (String, TlsAcceptor) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let ca_key = KeyPair::generate().expect("generate test CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("test CA params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "followup SMTP test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign test CA");
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().expect("generate server key");
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("server certificate params");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("sign server certificate with test CA");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server certificate and key match");
    (ca_cert.pem(), TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener =
        tokio::net::TcpListener::from_std(listener).expect("register SMTP listener with tokio");
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = Arc::clone(&shared);
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(stream, &shared, acceptor).await {
                            // Broken pipes, resets and failed handshakes end only this connection.
                            eprintln!("smtp_server: connection ended with error: {e}");
                        }
                    });
                }
                // e.g. EMFILE: keep serving the others.
                Err(e) => eprintln!("smtp_server: accept failed: {e}"),
            },
        }
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    shared: &Shared,
    acceptor: TlsAcceptor,
) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    if let Some(stream) = session(stream, false, shared).await? {
        let tls = acceptor.accept(stream).await?;
        // STARTTLS is not offered inside TLS, so this session cannot ask to upgrade again.
        session(tls, true, shared).await?;
    }
    Ok(())
}

#[derive(Default)]
struct Session {
    greeted: bool,
    auth_user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl Session {
    fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }
}

enum Line {
    Complete,
    Eof,
    TooLong,
}

/// Reads one line (including its `\n`) into `buf`, never more than `max` bytes.
async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Line> {
    buf.clear();
    let n = (&mut *r).take(max as u64).read_until(b'\n', buf).await?;
    Ok(if buf.last() == Some(&b'\n') {
        Line::Complete
    } else if n >= max {
        Line::TooLong
    } else {
        // EOF, possibly after a partial line: the client went away.
        Line::Eof
    })
}

/// Never returns while the server runs: a stalled stage. The connection stays open.
async fn stall_if(shared: &Shared, stage: Stage) {
    if shared.options.fault == Some(Fault::StallAt(stage)) {
        std::future::pending::<()>().await;
    }
}

async fn reply<W: AsyncWrite + Unpin>(w: &mut W, code: u16, text: &str) -> io::Result<()> {
    let lines: Vec<&str> = text.lines().collect();
    let lines = if lines.is_empty() { vec![""] } else { lines };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{line}\r\n"));
    }
    w.write_all(out.as_bytes()).await?;
    w.flush().await
}

async fn answer<W: AsyncWrite + Unpin>(w: &mut W, a: &Answer, accept_text: &str) -> io::Result<()> {
    match a {
        Answer::Accept => reply(w, 250, accept_text).await,
        Answer::Reply(code, text) => reply(w, *code, text).await,
    }
}

/// Runs one SMTP session on `stream`. Returns `Some(stream)` when the client asked for
/// STARTTLS and got 220 (the caller does the handshake), `None` when the session is over.
async fn session<S>(stream: S, tls: bool, shared: &Shared) -> io::Result<Option<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let opts = &shared.options;
    let mut io = BufReader::new(stream);
    let mut s = Session::default();
    let mut buf = Vec::with_capacity(256);
    if !tls {
        stall_if(shared, Stage::Greeting).await;
        reply(&mut io, 220, "localhost ESMTP smtp_dev test server").await?;
    }
    loop {
        match read_line(&mut io, MAX_COMMAND_LINE, &mut buf).await? {
            Line::Complete => {}
            Line::Eof => return Ok(None),
            Line::TooLong => {
                reply(&mut io, 500, "5.5.2 Line too long").await?;
                return Ok(None);
            }
        }
        let line = String::from_utf8_lossy(&buf)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        let (verb, args) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
            None => (line.to_ascii_uppercase(), ""),
        };
        *lock(&shared.commands).entry(verb.clone()).or_default() += 1;
        let auth_allowed = opts.auth.is_some() && (tls || !opts.require_tls_for_auth);
        match verb.as_str() {
            "EHLO" | "HELO" => {
                stall_if(shared, Stage::Ehlo).await;
                if args.is_empty() {
                    reply(&mut io, 501, "5.5.4 Domain name required").await?;
                    continue;
                }
                s.greeted = true;
                s.reset_transaction();
                if verb == "HELO" {
                    reply(&mut io, 250, "localhost").await?;
                    continue;
                }
                let mut lines = vec![
                    format!("localhost greets {args}"),
                    "8BITMIME".to_string(),
                    "SMTPUTF8".to_string(),
                    format!("SIZE {MAX_MESSAGE_SIZE}"),
                ];
                if opts.pipelining {
                    lines.push("PIPELINING".to_string());
                }
                if opts.starttls && !tls {
                    lines.push("STARTTLS".to_string());
                }
                if auth_allowed {
                    lines.push("AUTH PLAIN LOGIN".to_string());
                }
                reply(&mut io, 250, &lines.join("\n")).await?;
            }
            "STARTTLS" => {
                if !opts.starttls {
                    reply(&mut io, 502, "5.5.1 STARTTLS not offered").await?;
                } else if tls {
                    reply(&mut io, 503, "5.5.1 TLS already active").await?;
                } else if !args.is_empty() {
                    reply(&mut io, 501, "5.5.4 STARTTLS takes no parameters").await?;
                } else {
                    reply(&mut io, 220, "2.0.0 Ready to start TLS").await?;
                    // Anything the client pipelined after STARTTLS is discarded (RFC 3207 §6).
                    return Ok(Some(io.into_inner()));
                }
            }
            "AUTH" => {
                if opts.auth.is_none() {
                    reply(&mut io, 502, "5.5.1 AUTH not offered").await?;
                } else if !s.greeted {
                    reply(&mut io, 503, "5.5.1 Send EHLO first").await?;
                } else if !auth_allowed {
                    reply(
                        &mut io,
                        538,
                        "5.7.11 Encryption required for requested authentication mechanism",
                    )
                    .await?;
                } else if s.auth_user.is_some() {
                    reply(&mut io, 503, "5.5.1 Already authenticated").await?;
                } else if s.mail_from.is_some() {
                    reply(
                        &mut io,
                        503,
                        "5.5.1 AUTH not allowed during a mail transaction",
                    )
                    .await?;
                } else if !auth(&mut io, &mut s, shared, args, &mut buf).await? {
                    return Ok(None);
                }
            }
            "MAIL" => {
                stall_if(shared, Stage::Mail).await;
                if !s.greeted {
                    reply(&mut io, 503, "5.5.1 Send EHLO/HELO first").await?;
                } else if opts.auth.is_some() && s.auth_user.is_none() {
                    reply(&mut io, 530, "5.7.0 Authentication required").await?;
                } else if s.mail_from.is_some() {
                    reply(&mut io, 503, "5.5.1 Nested MAIL command").await?;
                } else {
                    match parse_path(args, "FROM:") {
                        None => reply(&mut io, 501, "5.5.4 Syntax: MAIL FROM:<address>").await?,
                        Some((path, params)) => {
                            if declared_size(params).is_some_and(|n| n > MAX_MESSAGE_SIZE) {
                                reply(&mut io, 552, "5.3.4 Message size exceeds fixed limit")
                                    .await?;
                            } else {
                                s.mail_from = Some(path);
                                reply(&mut io, 250, "2.1.0 Sender OK").await?;
                            }
                        }
                    }
                }
            }
            "RCPT" => {
                stall_if(shared, Stage::Rcpt).await;
                if s.mail_from.is_none() {
                    reply(&mut io, 503, "5.5.1 Need MAIL before RCPT").await?;
                } else if s.rcpt_to.len() >= MAX_RECIPIENTS {
                    reply(&mut io, 452, "4.5.3 Too many recipients").await?;
                } else {
                    match parse_path(args, "TO:") {
                        None => reply(&mut io, 501, "5.5.4 Syntax: RCPT TO:<address>").await?,
                        Some((path, _params)) if path.is_empty() => {
                            reply(&mut io, 501, "5.1.3 Empty recipient").await?
                        }
                        Some((path, _params)) => {
                            let rule = lock(&shared.rcpt_rule).clone();
                            let a = rule.map_or(Answer::Accept, |f| f(&path));
                            if a == Answer::Accept {
                                s.rcpt_to.push(path);
                            }
                            answer(&mut io, &a, "2.1.5 Recipient OK").await?;
                        }
                    }
                }
            }
            "DATA" => {
                stall_if(shared, Stage::Data).await;
                if s.mail_from.is_none() {
                    reply(&mut io, 503, "5.5.1 Need MAIL command").await?;
                } else if s.rcpt_to.is_empty() {
                    reply(&mut io, 554, "5.5.1 No valid recipients").await?;
                } else if !args.is_empty() {
                    reply(&mut io, 501, "5.5.4 DATA takes no parameters").await?;
                } else {
                    reply(&mut io, 354, "End data with <CR><LF>.<CR><LF>").await?;
                    let Some(data) = read_data(&mut io, &mut buf).await? else {
                        return Ok(None);
                    };
                    shared.attempts.fetch_add(1, Ordering::SeqCst);
                    let Some(data) = data else {
                        s.reset_transaction();
                        reply(&mut io, 552, "5.3.4 Message size exceeds fixed limit").await?;
                        continue;
                    };
                    let msg = Received {
                        mail_from: s.mail_from.take().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut s.rcpt_to),
                        data,
                        tls,
                        auth_user: s.auth_user.clone(),
                    };
                    s.reset_transaction();
                    if opts.fault == Some(Fault::DropAfterDot) {
                        lock(&shared.received).push(msg);
                        shared.arrived.notify_all();
                        return Ok(None);
                    }
                    stall_if(shared, Stage::Dot).await;
                    let rule = lock(&shared.data_rule).clone();
                    let a = rule.map_or(Answer::Accept, |f| f(&msg));
                    if a == Answer::Accept {
                        lock(&shared.received).push(msg);
                        shared.arrived.notify_all();
                    }
                    answer(&mut io, &a, "2.0.0 OK: queued").await?;
                }
            }
            "RSET" => {
                s.reset_transaction();
                reply(&mut io, 250, "2.0.0 Reset").await?;
            }
            "NOOP" => reply(&mut io, 250, "2.0.0 OK").await?,
            "QUIT" => {
                reply(&mut io, 221, "2.0.0 Bye").await?;
                let _ = io.shutdown().await;
                return Ok(None);
            }
            "" => reply(&mut io, 500, "5.5.2 Empty command").await?,
            _ => reply(&mut io, 502, "5.5.2 Command not implemented").await?,
        }
    }
}

/// Reads DATA content up to the final dot. `Ok(None)`: the client disconnected;
/// `Ok(Some(None))`: the message was too large (read and discarded).
async fn read_data<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Option<Vec<u8>>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        match read_line(r, MAX_DATA_LINE, buf).await? {
            Line::Complete => {}
            Line::Eof => return Ok(None),
            Line::TooLong => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "DATA line too long",
                ));
            }
        }
        if buf == b".\r\n" || buf == b".\n" {
            return Ok(Some(if too_big { None } else { Some(data) }));
        }
        let content = buf.strip_prefix(b".").unwrap_or(buf);
        if too_big || data.len() + content.len() > MAX_MESSAGE_SIZE {
            too_big = true;
            data = Vec::new();
        } else {
            data.extend_from_slice(content);
        }
    }
}

/// Runs an AUTH exchange. Returns `Ok(false)` if the client disconnected.
async fn auth<S>(
    io: &mut BufReader<S>,
    s: &mut Session,
    shared: &Shared,
    args: &str,
    buf: &mut Vec<u8>,
) -> io::Result<bool>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some((want_user, want_pass)) = shared.options.auth.as_ref() else {
        return Ok(true);
    };
    let (mech, initial) = match args.split_once(' ') {
        Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_string())),
        None => (args.to_ascii_uppercase(), None),
    };

    // Reads one continuation line; None on disconnect, Some(None) on "*" (cancel).
    async fn continuation<S: AsyncRead + AsyncWrite + Unpin>(
        io: &mut BufReader<S>,
        prompt: &str,
        buf: &mut Vec<u8>,
    ) -> io::Result<Option<Option<String>>> {
        reply(io, 334, prompt).await?;
        match read_line(io, MAX_COMMAND_LINE, buf).await? {
            Line::Complete => {}
            Line::Eof | Line::TooLong => return Ok(None),
        }
        let text = String::from_utf8_lossy(buf)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        Ok(Some(if text == "*" { None } else { Some(text) }))
    }
    macro_rules! next {
        ($prompt:expr) => {
            match continuation(io, $prompt, buf).await? {
                None => return Ok(false),
                Some(None) => {
                    reply(io, 501, "5.0.0 Authentication cancelled").await?;
                    return Ok(true);
                }
                Some(Some(text)) => text,
            }
        };
    }
    macro_rules! decode {
        ($text:expr) => {
            match base64_decode(&$text) {
                Some(bytes) => bytes,
                None => {
                    reply(io, 501, "5.5.2 Cannot decode base64").await?;
                    return Ok(true);
                }
            }
        };
    }

    let (user, pass) = match mech.as_str() {
        "PLAIN" => {
            let text = match initial {
                Some(t) => t,
                None => next!(""),
            };
            let raw = decode!(text);
            let mut parts = raw.split(|&b| b == 0);
            let (_authzid, Some(user), Some(pass), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                reply(io, 501, "5.5.2 Malformed AUTH PLAIN response").await?;
                return Ok(true);
            };
            (user.to_vec(), pass.to_vec())
        }
        "LOGIN" => {
            let user_text = match initial {
                Some(t) => t,
                None => next!("VXNlcm5hbWU6"),
            };
            let user = decode!(user_text);
            let pass_text = next!("UGFzc3dvcmQ6");
            (user, decode!(pass_text))
        }
        _ => {
            reply(io, 504, "5.5.4 Unrecognized authentication mechanism").await?;
            return Ok(true);
        }
    };
    if user == want_user.as_bytes() && pass == want_pass.as_bytes() {
        s.auth_user = Some(want_user.clone());
        reply(io, 235, "2.7.0 Authentication successful").await?;
    } else {
        reply(io, 535, "5.7.8 Authentication credentials invalid").await?;
    }
    Ok(true)
}

/// Parses `FROM:<path> params` / `TO:<path> params`; returns the path without brackets and the params.
fn parse_path<'a>(args: &'a str, keyword: &str) -> Option<(String, &'a str)> {
    let head = args.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = args[keyword.len()..].trim_start();
    if let Some(inner) = rest.strip_prefix('<') {
        let end = inner.find('>')?;
        Some((inner[..end].to_string(), inner[end + 1..].trim()))
    } else {
        let (path, params) = rest.split_once(' ').unwrap_or((rest, ""));
        if path.is_empty() {
            return None;
        }
        Some((path.to_string(), params.trim()))
    }
}

/// The `SIZE=n` parameter of MAIL FROM, if present and numeric.
fn declared_size(params: &str) -> Option<usize> {
    params.split_whitespace().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.eq_ignore_ascii_case("SIZE")
            .then(|| v.parse().ok())
            .flatten()
    })
}

/// Standard base64 (RFC 4648 §4); padding optional, whitespace and other characters rejected.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover character (6 bits) cannot encode a byte.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::{Credentials, Mechanism};
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::{
        AsyncSmtpTransport, AsyncTransport, Message, SmtpTransport, Tokio1Executor, Transport,
    };
    use std::io::{BufRead, Write};

    const WAIT: Duration = Duration::from_secs(10);

    fn message(to: &str, subject: &str, body: &str) -> Message {
        Message::builder()
            .from("Followup <followup@example.test>".parse().unwrap())
            .to(to.parse().unwrap())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .unwrap()
    }

    fn plain_transport(server: &SmtpServer) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port())
            .build()
    }

    fn tls_params(server: &SmtpServer, domain: &str) -> TlsParameters {
        let ca = Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
        TlsParameters::builder(domain.to_string())
            .add_root_certificate(ca)
            .build()
            .unwrap()
    }

    fn tls_auth_transport(
        server: &SmtpServer,
        user: &str,
        pass: &str,
        mechanism: Mechanism,
    ) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port())
            .tls(Tls::Required(tls_params(server, "localhost")))
            .credentials(Credentials::new(user.to_string(), pass.to_string()))
            .authentication(vec![mechanism])
            .build()
    }

    fn auth_options() -> Options {
        Options {
            starttls: true,
            require_tls_for_auth: true,
            auth: Some(("followup".to_string(), "s3cret".to_string())),
            ..Options::default()
        }
    }

    #[tokio::test]
    async fn plain_send_is_received() {
        let server = SmtpServer::start(Options::default());
        let mailer = plain_transport(&server);
        mailer
            .send(message("Ops <ops@example.test>", "hello", "body text\n"))
            .await
            .unwrap();
        let got = server.wait_for(1, WAIT);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].mail_from, "followup@example.test");
        assert_eq!(got[0].rcpt_to, vec!["ops@example.test".to_string()]);
        assert!(!got[0].tls);
        assert_eq!(got[0].auth_user, None);
        let text = String::from_utf8(got[0].data.clone()).unwrap();
        assert!(text.contains("Subject: hello\r\n"), "{text}");
        assert!(text.contains("\r\n\r\nbody text\r\n"), "{text}");
        assert_eq!(server.attempts(), 1);
        assert_eq!(server.connections(), 1);
    }

    #[tokio::test]
    async fn starttls_and_auth_plain() {
        let server = SmtpServer::start(auth_options());
        let mailer = tls_auth_transport(&server, "followup", "s3cret", Mechanism::Plain);
        mailer
            .send(message("a@example.test", "over tls", "secret body"))
            .await
            .unwrap();
        let got = server.wait_for(1, WAIT);
        assert!(got[0].tls);
        assert_eq!(got[0].auth_user.as_deref(), Some("followup"));
    }

    #[tokio::test]
    async fn certificate_is_valid_for_the_ip_address_too() {
        let server = SmtpServer::start(Options {
            starttls: true,
            ..Options::default()
        });
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port())
            .tls(Tls::Required(tls_params(&server, "127.0.0.1")))
            .build();
        mailer
            .send(message("a@example.test", "ip san", "x"))
            .await
            .unwrap();
        assert!(server.wait_for(1, WAIT)[0].tls);
    }

    #[tokio::test]
    async fn unknown_ca_is_rejected() {
        let server = SmtpServer::start(Options {
            starttls: true,
            ..Options::default()
        });
        let other = SmtpServer::start(Options::default());
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port())
            .tls(Tls::Required(tls_params(&other, "localhost")))
            .build();
        let err = mailer
            .send(message("a@example.test", "x", "x"))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("certificate") || format!("{err:?}").contains("Certificate"),
            "{err:?}"
        );
        assert!(server.received().is_empty());
    }

    #[tokio::test]
    async fn wrong_password_is_permanent() {
        let server = SmtpServer::start(auth_options());
        let mailer = tls_auth_transport(&server, "followup", "wrong", Mechanism::Plain);
        let err = mailer
            .send(message("a@example.test", "x", "x"))
            .await
            .unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        assert!(err.to_string().contains("5.7.8"), "{err}");
        assert!(server.received().is_empty());
    }

    #[test]
    fn auth_login_with_the_blocking_transport() {
        let server = SmtpServer::start(auth_options());
        let mailer = SmtpTransport::builder_dangerous("127.0.0.1")
            .port(server.port())
            .tls(Tls::Required(tls_params(&server, "localhost")))
            .credentials(Credentials::new(
                "followup".to_string(),
                "s3cret".to_string(),
            ))
            .authentication(vec![Mechanism::Login])
            .build();
        mailer
            .send(&message("a@example.test", "login", "x"))
            .unwrap();
        let got = server.wait_for(1, WAIT);
        assert_eq!(got[0].auth_user.as_deref(), Some("followup"));
        assert!(got[0].tls);

        let bad = SmtpTransport::builder_dangerous("127.0.0.1")
            .port(server.port())
            .tls(Tls::Required(tls_params(&server, "localhost")))
            .credentials(Credentials::new("followup".to_string(), "nope".to_string()))
            .authentication(vec![Mechanism::Login])
            .build();
        let err = bad
            .send(&message("a@example.test", "login", "x"))
            .unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
    }

    #[tokio::test]
    async fn dot_stuffing_round_trip() {
        let server = SmtpServer::start(Options::default());
        let body = "first\r\n.hidden\r\n.\r\n..two dots\r\nlast\r\n";
        let msg = message("a@example.test", "dots", body);
        let sent = msg.formatted();
        plain_transport(&server).send(msg).await.unwrap();
        let got = server.wait_for(1, WAIT);
        // lettre ends the data with "\r\n.\r\n" after a message that already ends in CRLF,
        // so the server sees exactly one extra empty line (RFC 5321 §4.1.1.4).
        let mut expected = sent.clone();
        expected.extend_from_slice(b"\r\n");
        assert_eq!(
            String::from_utf8_lossy(&got[0].data),
            String::from_utf8_lossy(&expected)
        );
        let text = String::from_utf8(got[0].data.clone()).unwrap();
        assert!(
            text.contains("\r\nfirst\r\n.hidden\r\n.\r\n..two dots\r\nlast\r\n"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn chinese_subject_and_body_round_trip() {
        let server = SmtpServer::start(Options::default());
        let subject = "提醒：明天上午十点开会（第三季度预算）";
        let body = "你好，张三！\r\n请记得提交报告。\r\n谢谢\r\n";
        plain_transport(&server)
            .send(message("张三 <zhang@example.test>", subject, body))
            .await
            .unwrap();
        let got = server.wait_for(1, WAIT);
        let raw = String::from_utf8(got[0].data.clone()).unwrap();
        assert!(
            raw.contains("Subject: =?utf-8?"),
            "subject must be RFC 2047 encoded: {raw}"
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&got[0].data)
            .unwrap();
        assert_eq!(parsed.subject(), Some(subject));
        assert_eq!(parsed.body_text(0).as_deref(), Some(body));
        let to = parsed.to().unwrap().first().unwrap();
        assert_eq!(to.name(), Some("张三"));
        assert_eq!(to.address(), Some("zhang@example.test"));
    }

    #[tokio::test]
    async fn rcpt_rule_rejects_one_address_permanently() {
        let server = SmtpServer::start(Options::default());
        server.set_rcpt_rule(|addr| {
            if addr == "finance@example.test" {
                Answer::Reply(550, "5.1.1 No such mailbox".to_string())
            } else {
                Answer::Accept
            }
        });
        let mailer = plain_transport(&server);
        let err = mailer
            .send(message("finance@example.test", "x", "x"))
            .await
            .unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        mailer
            .send(message("sales@example.test", "y", "y"))
            .await
            .unwrap();
        let got = server.wait_for(1, WAIT);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rcpt_to, vec!["sales@example.test".to_string()]);
        assert_eq!(server.attempts(), 1);
    }

    #[tokio::test]
    async fn data_rule_fails_twice_then_accepts() {
        let server = SmtpServer::start(Options::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&calls);
        server.set_data_rule(move |_msg| {
            if c.fetch_add(1, Ordering::SeqCst) < 2 {
                Answer::Reply(451, "4.3.0 Try again later".to_string())
            } else {
                Answer::Accept
            }
        });
        let mailer = plain_transport(&server);
        for i in 0..2 {
            let err = mailer
                .send(message("a@example.test", "retry", "x"))
                .await
                .unwrap_err();
            assert!(err.is_transient(), "attempt {i}: {err:?}");
        }
        mailer
            .send(message("a@example.test", "retry", "x"))
            .await
            .unwrap();
        assert_eq!(server.wait_for(1, WAIT).len(), 1);
        assert_eq!(server.attempts(), 3);
        assert_eq!(server.received().len(), 1);
    }

    #[test]
    fn wait_for_wakes_up_when_messages_arrive_from_other_threads() {
        let server = SmtpServer::start(Options::default());
        let port = server.port();
        let senders: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let mailer = SmtpTransport::builder_dangerous("127.0.0.1")
                        .port(port)
                        .build();
                    for j in 0..5 {
                        mailer
                            .send(&message("a@example.test", &format!("t{i} m{j}"), "x"))
                            .unwrap();
                    }
                })
            })
            .collect();
        let got = server.wait_for(20, WAIT);
        assert_eq!(got.len(), 20);
        for s in senders {
            s.join().unwrap();
        }
        assert!(server.connections() >= 4);
    }

    #[test]
    #[should_panic(expected = "waited")]
    fn wait_for_times_out_with_a_clear_message() {
        let server = SmtpServer::start(Options::default());
        server.wait_for(1, Duration::from_millis(50));
    }

    /// A tiny line-based client for what lettre cannot be made to do.
    struct Raw {
        r: std::io::BufReader<std::net::TcpStream>,
        w: std::net::TcpStream,
    }

    impl Raw {
        fn connect(server: &SmtpServer) -> Raw {
            let s = std::net::TcpStream::connect(server.addr()).unwrap();
            s.set_read_timeout(Some(WAIT)).unwrap();
            let mut raw = Raw {
                r: std::io::BufReader::new(s.try_clone().unwrap()),
                w: s,
            };
            assert!(raw.read_reply().starts_with("220 "));
            raw
        }
        fn read_reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                assert!(self.r.read_line(&mut line).unwrap() > 0, "server closed");
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }
        fn cmd(&mut self, line: &str) -> String {
            self.w.write_all(format!("{line}\r\n").as_bytes()).unwrap();
            self.read_reply()
        }
    }

    #[test]
    fn protocol_errors_and_policy_answers() {
        let server = SmtpServer::start(auth_options());
        let mut c = Raw::connect(&server);
        assert!(c.cmd("MAIL FROM:<a@b>").starts_with("503"));
        let ehlo = c.cmd("EHLO client.test");
        assert!(ehlo.lines().any(|l| &l[4..] == "STARTTLS"), "{ehlo}");
        assert!(!ehlo.contains("AUTH"), "AUTH must wait for TLS: {ehlo}");
        assert!(ehlo.ends_with("\r\n") && ehlo.lines().last().unwrap().starts_with("250 "));
        assert!(
            c.cmd("AUTH PLAIN AGZvbGxvd3VwAHMzY3JldA==")
                .starts_with("538 5.7.11")
        );
        assert!(c.cmd("MAIL FROM:<a@b>").starts_with("530 5.7.0"));
        assert!(c.cmd("VRFY x").starts_with("502"));
        assert!(c.cmd("NOOP").starts_with("250"));
        assert!(c.cmd("RSET").starts_with("250"));
        assert!(c.cmd("QUIT").starts_with("221"));

        // Without TLS requirement: AUTH in clear text works, PLAIN via continuation.
        let server = SmtpServer::start(Options {
            auth: Some(("u".to_string(), "p".to_string())),
            ..Options::default()
        });
        let mut c = Raw::connect(&server);
        let ehlo = c.cmd("EHLO client.test");
        assert!(
            ehlo.contains("AUTH PLAIN LOGIN") && !ehlo.contains("STARTTLS"),
            "{ehlo}"
        );
        assert!(c.cmd("AUTH PLAIN").starts_with("334 "));
        assert!(c.cmd("AHUAcQ==").starts_with("535 5.7.8")); // \0u\0q
        assert!(c.cmd("AUTH PLAIN").starts_with("334 "));
        assert!(c.cmd("*").starts_with("501"));
        assert!(c.cmd("AUTH LOGIN dQ==").starts_with("334 UGFzc3dvcmQ6"));
        assert!(c.cmd("cA==").starts_with("235"));
        assert!(c.cmd("RCPT TO:<x@y>").starts_with("503"));
        assert!(c.cmd("MAIL FROM:<> SIZE=99999999999").starts_with("552"));
        assert!(
            c.cmd("MAIL FROM:<> BODY=8BITMIME SMTPUTF8 SIZE=10")
                .starts_with("250")
        );
        assert!(c.cmd("DATA").starts_with("554"));
        assert!(c.cmd("RCPT TO:<x@y> NOTIFY=NEVER").starts_with("250"));
        assert!(c.cmd("DATA").starts_with("354"));
        assert!(c.cmd("Subject: raw\r\n\r\n..x\r\n.").starts_with("250"));
        let got = server.wait_for(1, WAIT);
        assert_eq!(got[0].mail_from, "");
        assert_eq!(got[0].auth_user.as_deref(), Some("u"));
        assert_eq!(got[0].data, b"Subject: raw\r\n\r\n.x\r\n");
    }

    #[tokio::test]
    async fn disconnects_mid_transaction_and_oversized_lines_do_not_hurt() {
        let server = SmtpServer::start(Options::default());
        {
            let mut c = Raw::connect(&server);
            c.cmd("EHLO x");
            c.cmd("MAIL FROM:<a@b>");
            c.cmd("RCPT TO:<c@d>");
            assert!(c.cmd("DATA").starts_with("354"));
            c.w.write_all(b"Subject: half\r\npartial li").unwrap();
        } // dropped: connection closed mid-DATA
        {
            let mut c = Raw::connect(&server);
            c.w.write_all(&vec![b'A'; MAX_COMMAND_LINE + 10]).unwrap();
            assert!(c.read_reply().starts_with("500 5.5.2"));
        }
        plain_transport(&server)
            .send(message("a@example.test", "still alive", "x"))
            .await
            .unwrap();
        let got = server.wait_for(1, WAIT);
        assert_eq!(got.len(), 1);
        assert_eq!(server.attempts(), 1);
        assert_eq!(server.connections(), 3);
    }

    #[tokio::test]
    async fn concurrent_async_sends() {
        let server = SmtpServer::start(auth_options());
        let mailer = tls_auth_transport(&server, "followup", "s3cret", Mechanism::Plain);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let mailer = mailer.clone();
            tasks.spawn(async move {
                mailer
                    .send(message("a@example.test", &format!("n{i}"), "x"))
                    .await
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
        }
        let got = server.wait_for(10, WAIT);
        assert!(got.iter().all(|m| m.tls && m.auth_user.is_some()));
    }

    #[test]
    fn base64_decoder() {
        assert_eq!(
            base64_decode("AGZvbGxvd3VwAHMzY3JldA==").unwrap(),
            b"\0followup\0s3cret"
        );
        assert_eq!(base64_decode("VXNlcm5hbWU6").unwrap(), b"Username:");
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("Y").is_none());
        assert!(base64_decode("a b").is_none());
    }
}
