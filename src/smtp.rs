//! A small SMTP client (RFC 5321) over tokio: one connection, every step bounded by a
//! timeout. Plain TCP (loopback only, checked by `config`), STARTTLS or implicit TLS with
//! rustls; EHLO capabilities, AUTH PLAIN/LOGIN, PIPELINING, SIZE, 8BITMIME/SMTPUTF8
//! parameters, multi-line replies, dot-stuffing, and an answer per recipient. It never
//! retries, never logs and knows nothing of pools, the log or reminders (`transport` does).
//!
//! Why not lettre's transport: it bounds only the TCP connect (a silent server hangs the
//! send for ever), cannot report per-recipient outcomes, sends the terminating dot as a
//! separate write without `TCP_NODELAY` (a 40 ms delayed-ACK stall per message) and a NOOP
//! before every pooled send. See ARCHITECTURE.md, "SMTP".

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

/// The longest reply line accepted (RFC 5321 allows 512; servers are generous with text).
const MAX_LINE: usize = 8 * 1024;
/// The most lines one reply may have.
const MAX_LINES: usize = 256;

/// How to secure the connection.
#[derive(Clone)]
pub enum Security {
    /// Plain text: only for loopback hosts (`config` refuses anything else).
    None,
    /// Connect in plain text, then require STARTTLS before anything else.
    StartTls(Arc<ClientConfig>),
    /// TLS from the first byte (port 465).
    Tls(Arc<ClientConfig>),
}

/// Where and how to connect. The password is never printed (`Debug` is not derived).
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// `(username, password)`.
    pub credentials: Option<(String, String)>,
    /// Bounds each step: connect, TLS handshake, greeting, each command's answer, each write.
    pub timeout: Duration,
    /// The name given in EHLO.
    pub hello: String,
}

/// A step of the conversation, to say where something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Connect,
    TlsHandshake,
    Greeting,
    Ehlo,
    StartTls,
    Auth,
    Noop,
    Mail,
    Rcpt,
    Data,
    /// The message and its terminating dot, and the server's answer to them.
    Message,
    Rset,
    Quit,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connecting",
            Stage::TlsHandshake => "the TLS handshake",
            Stage::Greeting => "the greeting",
            Stage::Ehlo => "EHLO",
            Stage::StartTls => "STARTTLS",
            Stage::Auth => "AUTH",
            Stage::Noop => "NOOP",
            Stage::Mail => "MAIL FROM",
            Stage::Rcpt => "RCPT TO",
            Stage::Data => "DATA",
            Stage::Message => "the end of the message",
            Stage::Rset => "RSET",
            Stage::Quit => "QUIT",
        })
    }
}

/// One server reply: the code and its text lines (without code and separator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for line in &self.lines {
            write!(f, " {line}")?;
        }
        Ok(())
    }
}

/// Why a step failed.
#[derive(Debug)]
pub enum Error {
    /// No answer (or no progress writing) within the timeout.
    Timeout(Stage),
    /// The connection failed or was closed.
    Io(Stage, io::Error),
    /// The TLS setup or handshake failed.
    Tls(String),
    /// The server answered, but not with what the step needs.
    Rejected(Stage, Reply),
    /// Every recipient was refused: `(address, reply)` each.
    NoRecipient(Vec<(String, Reply)>),
    /// The server broke the protocol (malformed reply, no STARTTLS, no AUTH…).
    Protocol(Stage, String),
    /// The message and its dot were written, then the answer never came: the server may
    /// or may not have taken it.
    OutcomeUnknown(Box<Error>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Timeout(stage) => write!(f, "timed out waiting for {stage}"),
            Error::Io(stage, error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                write!(f, "the server closed the connection during {stage}")
            }
            Error::Io(stage, error) => write!(f, "connection failed during {stage}: {error}"),
            Error::Tls(error) => write!(f, "TLS failed: {error}"),
            Error::Rejected(stage, reply) => write!(f, "{stage} refused: {reply}"),
            Error::NoRecipient(refused) => {
                write!(f, "every recipient was refused:")?;
                for (address, reply) in refused {
                    write!(f, " {address} ({reply})")?;
                }
                Ok(())
            }
            Error::Protocol(stage, text) => write!(f, "protocol error during {stage}: {text}"),
            Error::OutcomeUnknown(error) => write!(
                f,
                "the message was handed over but its answer was lost ({error}); the outcome is unknown"
            ),
        }
    }
}

/// What the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The answer after the final dot.
    pub answer: Reply,
    /// Recipients the server refused while taking the message for the others.
    pub refused: Vec<(String, Reply)>,
}

/// The server's EHLO extensions that matter here.
#[derive(Debug, Default, Clone)]
struct Capabilities {
    pipelining: bool,
    starttls: bool,
    eight_bit: bool,
    smtputf8: bool,
    size: Option<usize>,
    auth_plain: bool,
    auth_login: bool,
}

impl Capabilities {
    fn parse(reply: &Reply) -> Capabilities {
        let mut capabilities = Capabilities::default();
        // The first line is the server's name.
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
            match keyword.as_str() {
                "PIPELINING" => capabilities.pipelining = true,
                "STARTTLS" => capabilities.starttls = true,
                "8BITMIME" => capabilities.eight_bit = true,
                "SMTPUTF8" => capabilities.smtputf8 = true,
                "SIZE" => {
                    capabilities.size =
                        words.next().and_then(|n| n.parse().ok()).filter(|n| *n > 0);
                }
                "AUTH" => {
                    for mechanism in words {
                        match mechanism.to_ascii_uppercase().as_str() {
                            "PLAIN" => capabilities.auth_plain = true,
                            "LOGIN" => capabilities.auth_login = true,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        capabilities
    }
}

/// Anything a connection can run over: TCP or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A stream with a read buffer and the timeout applied to every read and write.
struct Wire<S> {
    stream: S,
    buffer: Vec<u8>,
    timeout: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    async fn write(&mut self, bytes: &[u8], stage: Stage) -> Result<(), Error> {
        let write = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Error::Io(stage, error)),
            Err(_) => Err(Error::Timeout(stage)),
        }
    }

    async fn read_reply(&mut self, stage: Stage) -> Result<Reply, Error> {
        match tokio::time::timeout(self.timeout, self.read_reply_unbounded(stage)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(stage)),
        }
    }

    async fn read_reply_unbounded(&mut self, stage: Stage) -> Result<Reply, Error> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line(stage).await?;
            let (code, last, text) = parse_reply_line(&line)
                .ok_or_else(|| Error::Protocol(stage, format!("malformed reply `{line}`")))?;
            if let Some((first, _)) = lines.first()
                && *first != code
            {
                return Err(Error::Protocol(
                    stage,
                    format!("reply codes {first} and {code} mixed in one reply"),
                ));
            }
            lines.push((code, text.to_string()));
            if last {
                return Ok(Reply {
                    code,
                    lines: lines.into_iter().map(|(_, text)| text).collect(),
                });
            }
            if lines.len() >= MAX_LINES {
                return Err(Error::Protocol(stage, "reply too long".into()));
            }
        }
    }

    /// One line without its CRLF (or bare LF).
    async fn read_line(&mut self, stage: Stage) -> Result<String, Error> {
        let mut searched = 0;
        loop {
            if let Some(end) = self.buffer[searched..].iter().position(|b| *b == b'\n') {
                let end = searched + end;
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let line = line.strip_suffix(b"\n").unwrap_or(&line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                return Ok(String::from_utf8_lossy(line).into_owned());
            }
            searched = self.buffer.len();
            if searched > MAX_LINE {
                return Err(Error::Protocol(stage, "reply line too long".into()));
            }
            let read = self
                .stream
                .read_buf(&mut self.buffer)
                .await
                .map_err(|error| Error::Io(stage, error))?;
            if read == 0 {
                return Err(Error::Io(stage, io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    async fn command(&mut self, line: &str, stage: Stage) -> Result<Reply, Error> {
        self.write(format!("{line}\r\n").as_bytes(), stage).await?;
        self.read_reply(stage).await
    }

    /// A command whose answer must be positive (or `expected`).
    async fn expect(&mut self, line: &str, stage: Stage, expected: u16) -> Result<Reply, Error> {
        let reply = self.command(line, stage).await?;
        if reply.code == expected || (expected == 250 && reply.is_positive()) {
            Ok(reply)
        } else {
            Err(Error::Rejected(stage, reply))
        }
    }

    async fn greeting(&mut self) -> Result<(), Error> {
        let reply = self.read_reply(Stage::Greeting).await?;
        if reply.code == 220 {
            Ok(())
        } else {
            Err(Error::Rejected(Stage::Greeting, reply))
        }
    }

    async fn ehlo(&mut self, hello: &str) -> Result<Capabilities, Error> {
        let reply = self.command(&format!("EHLO {hello}"), Stage::Ehlo).await?;
        if reply.is_positive() {
            return Ok(Capabilities::parse(&reply));
        }
        if reply.code == 500 || reply.code == 502 {
            // A server without ESMTP: HELO, and no extensions.
            self.expect(&format!("HELO {hello}"), Stage::Ehlo, 250)
                .await?;
            return Ok(Capabilities::default());
        }
        Err(Error::Rejected(Stage::Ehlo, reply))
    }

    fn boxed(self) -> Wire<Box<dyn Stream>>
    where
        S: Stream + 'static,
    {
        Wire {
            stream: Box::new(self.stream),
            buffer: self.buffer,
            timeout: self.timeout,
        }
    }
}

/// `250-text` → (250, false, "text"); `250 text` or `250` → (250, true, …).
fn parse_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3
        || !bytes[..3].iter().all(u8::is_ascii_digit)
        || !(b'2'..=b'5').contains(&bytes[0])
    {
        return None;
    }
    let code: u16 = line[..3].parse().ok()?;
    match bytes.get(3) {
        None => Some((code, true, "")),
        Some(b' ') => Some((code, true, &line[4..])),
        Some(b'-') => Some((code, false, &line[4..])),
        Some(_) => None,
    }
}

/// The message as DATA sends it: every line starting with `.` gets another `.`, line ends
/// are CRLF, and the terminating `.` line follows, so that it all goes out in one write.
pub fn data_block(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 8);
    let mut at_line_start = true;
    let mut previous = 0u8;
    for &byte in message {
        if at_line_start && byte == b'.' {
            out.push(b'.');
        }
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        at_line_start = byte == b'\n';
        previous = byte;
    }
    if !at_line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Base64 (RFC 4648, with padding), for AUTH.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An open, greeted (and, as configured, secured and authenticated) SMTP session.
pub struct Connection {
    wire: Wire<Box<dyn Stream>>,
    capabilities: Capabilities,
}

impl Connection {
    /// Connects, reads the greeting, says EHLO, secures and authenticates as `settings`
    /// ask. Each step is bounded by `settings.timeout`.
    pub async fn open(settings: &Settings) -> Result<Connection, Error> {
        let address = (settings.host.as_str(), settings.port);
        let tcp = match tokio::time::timeout(settings.timeout, TcpStream::connect(address)).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(error)) => return Err(Error::Io(Stage::Connect, error)),
            Err(_) => return Err(Error::Timeout(Stage::Connect)),
        };
        // Commands and the message each go out in one write: never wait for an ACK first.
        tcp.set_nodelay(true)
            .map_err(|error| Error::Io(Stage::Connect, error))?;
        let mut wire = Wire {
            stream: tcp,
            buffer: Vec::with_capacity(1024),
            timeout: settings.timeout,
        };
        let (mut wire, capabilities) = match &settings.security {
            Security::None => {
                wire.greeting().await?;
                let capabilities = wire.ehlo(&settings.hello).await?;
                (wire.boxed(), capabilities)
            }
            Security::StartTls(config) => {
                wire.greeting().await?;
                let capabilities = wire.ehlo(&settings.hello).await?;
                if !capabilities.starttls {
                    return Err(Error::Protocol(
                        Stage::StartTls,
                        "the server does not offer STARTTLS".into(),
                    ));
                }
                wire.expect("STARTTLS", Stage::StartTls, 220).await?;
                if !wire.buffer.is_empty() {
                    // Plain-text bytes after the 220 would be taken as if they came over TLS.
                    return Err(Error::Protocol(
                        Stage::StartTls,
                        "the server sent data after its STARTTLS answer".into(),
                    ));
                }
                let tls = handshake(config, &settings.host, wire.stream, settings.timeout).await?;
                let mut wire = Wire {
                    stream: Box::new(tls) as Box<dyn Stream>,
                    buffer: wire.buffer,
                    timeout: settings.timeout,
                };
                let capabilities = wire.ehlo(&settings.hello).await?;
                (wire, capabilities)
            }
            Security::Tls(config) => {
                let tls = handshake(config, &settings.host, wire.stream, settings.timeout).await?;
                let mut wire = Wire {
                    stream: Box::new(tls) as Box<dyn Stream>,
                    buffer: wire.buffer,
                    timeout: settings.timeout,
                };
                wire.greeting().await?;
                let capabilities = wire.ehlo(&settings.hello).await?;
                (wire, capabilities)
            }
        };
        if let Some((username, password)) = &settings.credentials {
            authenticate(&mut wire, &capabilities, username, password).await?;
        }
        Ok(Connection { wire, capabilities })
    }

    /// NOOP: is this (idle) connection still usable?
    pub async fn is_alive(&mut self) -> bool {
        self.wire.expect("NOOP", Stage::Noop, 250).await.is_ok()
    }

    /// One mail transaction. With PIPELINING, MAIL, every RCPT and DATA go out in one write;
    /// the message and its dot in another. Recipients the server refuses are reported in the
    /// result while the others get the message; only when none is accepted does it fail.
    /// After an `Err` other than `Rejected`/`NoRecipient`, drop the connection.
    pub async fn send(
        &mut self,
        from: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<Delivery, Error> {
        let data = data_block(message);
        if let Some(limit) = self.capabilities.size
            && message.len() > limit
        {
            return Err(Error::Rejected(
                Stage::Mail,
                Reply {
                    code: 552,
                    lines: vec![format!(
                        "5.3.4 the message ({} bytes) exceeds the server's limit of {limit} bytes",
                        message.len()
                    )],
                },
            ));
        }
        let mut mail = format!("MAIL FROM:<{from}>");
        if self.capabilities.size.is_some() {
            mail.push_str(&format!(" SIZE={}", message.len()));
        }
        if self.capabilities.eight_bit && !message.is_ascii() {
            mail.push_str(" BODY=8BITMIME");
        }
        let international = !from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
        if self.capabilities.smtputf8 && international {
            mail.push_str(" SMTPUTF8");
        }
        mail.push_str("\r\n");

        let mut refused = Vec::new();
        let mut accepted = 0;
        let data_reply;
        if self.capabilities.pipelining {
            let mut batch = mail;
            for recipient in recipients {
                batch.push_str(&format!("RCPT TO:<{recipient}>\r\n"));
            }
            batch.push_str("DATA\r\n");
            self.wire.write(batch.as_bytes(), Stage::Mail).await?;
            let mail_reply = self.wire.read_reply(Stage::Mail).await?;
            for recipient in recipients {
                let reply = self.wire.read_reply(Stage::Rcpt).await?;
                if reply.is_positive() {
                    accepted += 1;
                } else {
                    refused.push((recipient.clone(), reply));
                }
            }
            data_reply = self.wire.read_reply(Stage::Data).await?;
            if !mail_reply.is_positive() {
                self.abandon(&data_reply).await?;
                return Err(Error::Rejected(Stage::Mail, mail_reply));
            }
        } else {
            let mail_reply = self.wire.command(mail.trim_end(), Stage::Mail).await?;
            if !mail_reply.is_positive() {
                self.reset().await?;
                return Err(Error::Rejected(Stage::Mail, mail_reply));
            }
            for recipient in recipients {
                let reply = self
                    .wire
                    .command(&format!("RCPT TO:<{recipient}>"), Stage::Rcpt)
                    .await?;
                if reply.is_positive() {
                    accepted += 1;
                } else {
                    refused.push((recipient.clone(), reply));
                }
            }
            if accepted == 0 {
                self.reset().await?;
                return Err(Error::NoRecipient(refused));
            }
            data_reply = self.wire.command("DATA", Stage::Data).await?;
        }
        if accepted == 0 {
            self.abandon(&data_reply).await?;
            return Err(Error::NoRecipient(refused));
        }
        if data_reply.code != 354 {
            self.reset().await?;
            return Err(Error::Rejected(Stage::Data, data_reply));
        }
        self.wire.write(&data, Stage::Message).await?;
        // From here on the server may have the message: a lost answer is not a failure to
        // deliver but an unknown outcome, and must not lead to an immediate resend.
        let answer = self
            .wire
            .read_reply(Stage::Message)
            .await
            .map_err(|error| Error::OutcomeUnknown(Box::new(error)))?;
        if answer.is_positive() {
            Ok(Delivery { answer, refused })
        } else {
            Err(Error::Rejected(Stage::Message, answer))
        }
    }

    /// After a pipelined transaction failed: if DATA was accepted anyway (a server that
    /// should have refused it), the connection is in the middle of a message and unusable.
    async fn abandon(&mut self, data_reply: &Reply) -> Result<(), Error> {
        if data_reply.code == 354 {
            return Err(Error::Protocol(
                Stage::Data,
                "the server accepted DATA without a recipient".into(),
            ));
        }
        self.reset().await
    }

    async fn reset(&mut self) -> Result<(), Error> {
        self.wire.expect("RSET", Stage::Rset, 250).await.map(drop)
    }

    /// QUIT, bounded; errors do not matter any more.
    pub async fn quit(mut self) {
        let _ = self.wire.expect("QUIT", Stage::Quit, 221).await;
    }
}

async fn handshake(
    config: &Arc<ClientConfig>,
    host: &str,
    tcp: TcpStream,
    timeout: Duration,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Error> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|error| Error::Tls(format!("`{host}` is not a valid server name: {error}")))?;
    let connector = TlsConnector::from(config.clone());
    match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(error)) => Err(Error::Tls(error.to_string())),
        Err(_) => Err(Error::Timeout(Stage::TlsHandshake)),
    }
}

async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    capabilities: &Capabilities,
    username: &str,
    password: &str,
) -> Result<(), Error> {
    let reply = if capabilities.auth_plain {
        let token = base64(format!("\0{username}\0{password}").as_bytes());
        wire.command(&format!("AUTH PLAIN {token}"), Stage::Auth)
            .await?
    } else if capabilities.auth_login {
        wire.expect("AUTH LOGIN", Stage::Auth, 334).await?;
        wire.expect(&base64(username.as_bytes()), Stage::Auth, 334)
            .await?;
        wire.command(&base64(password.as_bytes()), Stage::Auth)
            .await?
    } else {
        return Err(Error::Protocol(
            Stage::Auth,
            "the server offers neither AUTH PLAIN nor AUTH LOGIN (is TLS required first?)".into(),
        ));
    };
    if reply.code == 235 {
        Ok(())
    } else {
        Err(Error::Rejected(Stage::Auth, reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines_parse() {
        assert_eq!(
            parse_reply_line("250-PIPELINING"),
            Some((250, false, "PIPELINING"))
        );
        assert_eq!(parse_reply_line("250 OK"), Some((250, true, "OK")));
        assert_eq!(parse_reply_line("354"), Some((354, true, "")));
        assert_eq!(parse_reply_line("25"), None);
        assert_eq!(parse_reply_line("250x"), None);
        assert_eq!(parse_reply_line("hello"), None);
        assert_eq!(parse_reply_line("650 no"), None);
    }

    #[test]
    fn capabilities_from_ehlo() {
        let reply = Reply {
            code: 250,
            lines: vec![
                "mail.example greets you".into(),
                "PIPELINING".into(),
                "SIZE 10240000".into(),
                "auth login Plain".into(),
                "8BITMIME".into(),
            ],
        };
        let capabilities = Capabilities::parse(&reply);
        assert!(capabilities.pipelining && capabilities.eight_bit);
        assert!(capabilities.auth_plain && capabilities.auth_login);
        assert!(!capabilities.starttls && !capabilities.smtputf8);
        assert_eq!(capabilities.size, Some(10_240_000));
    }

    #[test]
    fn data_is_dot_stuffed_with_crlf_and_ends_with_the_dot() {
        assert_eq!(
            data_block(b"a\r\n.b\r\n..\r\n"),
            b"a\r\n..b\r\n...\r\n.\r\n"
        );
        assert_eq!(data_block(b".x\nno end"), b"..x\r\nno end\r\n.\r\n");
        assert_eq!(data_block(b""), b".\r\n");
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output);
        }
    }
}
