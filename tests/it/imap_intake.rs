//! IMAP intake (`inbox`) against a real Dovecot: messages are handed over once across
//! restarts (UIDVALIDITY + UID in the real log), flagged or moved but never deleted, read
//! again after a UIDVALIDITY change, left for the next cycle when they cannot be recorded,
//! pushed by IDLE; a wrong password is a clear error that never shows the password; a
//! server that says nothing times out. The daemon runs intake as a task that SIGTERM stops.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use followup::inbox::{self, Handler, MessageAt, Trouble};
use followup::ledger::{InboxPosition, Ledger};
use followup::model::Inbox;

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::support::{Workspace, output, stderr};

/// The guard against a hang (a test that fails never waits longer); not a timing assertion.
const GUARD: Duration = Duration::from_secs(60);

fn reply(number: u32) -> Vec<u8> {
    format!(
        "From: 省财政厅 <czt@example.gov.cn>\r\nTo: duban@example.gov.cn\r\nSubject: =?UTF-8?B?{}?=\r\nMessage-ID: <reply-{number}@czt.example.gov.cn>\r\nDate: Mon, 1 Dec 2025 10:00:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\njl-2025-ai-{number} 已办结，报告见附件\r\n",
        base64("回复：[督办] 办理情况")
    )
    .into_bytes()
}

fn base64(text: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A private directory with the password file (mode 0600) and the state folder.
struct Local {
    dir: tempfile::TempDir,
}

impl Local {
    fn new(password: &str) -> Local {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("imap-password");
        std::fs::write(&file, format!("{password}\n")).expect("write the password file");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        Local { dir }
    }

    fn password_file(&self) -> PathBuf {
        self.dir.path().join("imap-password")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
}

fn settings(dovecot: &Dovecot, local: &Local, implicit_tls: bool) -> Inbox {
    Inbox {
        implicit_tls,
        host: "127.0.0.1".into(),
        port: if implicit_tls {
            dovecot.imaps_port
        } else {
            dovecot.imap_port
        },
        username: USER.into(),
        password_file: Some(local.password_file()),
        mailbox: "INBOX".into(),
        processed: None,
        poll: Duration::from_secs(120),
        ca_file: Some(dovecot.ca_file.clone()),
        timeout: Duration::from_secs(10),
        max_message_bytes: 1024 * 1024,
    }
}

/// What a recording handler was handed, in order.
type Seen = Arc<Mutex<Vec<(MessageAt, Vec<u8>)>>>;

/// A handler that records what it was handed.
fn recorder() -> (Handler, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shared = seen.clone();
    let handler: Handler = Box::new(move |_ledger: &mut Ledger, raw: &[u8], at: &MessageAt| {
        shared
            .lock()
            .expect("not poisoned")
            .push((at.clone(), raw.to_vec()));
        Ok(())
    });
    (handler, seen)
}

fn uids(seen: &Seen) -> Vec<u32> {
    seen.lock()
        .expect("not poisoned")
        .iter()
        .map(|(at, _)| at.uid)
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn replies_are_handed_over_once_across_restarts_and_flagged_never_deleted() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let inbox = settings(&dovecot, &local, true);
    dovecot.deliver("INBOX", &reply(1));
    dovecot.deliver("INBOX", &reply(2));
    let runtime = runtime();
    let (mut handler, seen) = recorder();
    {
        let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
        let swept = runtime
            .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
            .expect("intake works");
        assert_eq!(swept.handed, 2);
    }
    assert_eq!(uids(&seen), [1, 2]);
    let body = String::from_utf8(seen.lock().expect("not poisoned")[0].1.clone())
        .expect("the message is UTF-8");
    assert!(body.contains("jl-2025-ai-1 已办结"), "{body}");
    // A restart (a fresh log handle on the same state) reads nothing again, and a new
    // message only.
    dovecot.deliver("INBOX", &reply(3));
    {
        let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
        assert_eq!(
            ledger
                .lock()
                .expect("not poisoned")
                .inbox_position("INBOX")
                .expect("readable"),
            Some(InboxPosition {
                uidvalidity: uidvalidity_of(&dovecot, "INBOX"),
                last_uid: 2
            })
        );
        let swept = runtime
            .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
            .expect("intake works");
        assert_eq!(swept.handed, 1);
    }
    assert_eq!(uids(&seen), [1, 2, 3]);
    // Nothing deleted: all three are still there, seen and marked done.
    let messages = dovecot.messages("INBOX");
    assert_eq!(messages.len(), 3, "{messages:?}");
    for (_, flags) in &messages {
        assert!(
            flags.contains("\\Seen") && flags.contains(inbox::DONE_KEYWORD),
            "{messages:?}"
        );
    }
}

/// The mailbox's UIDVALIDITY as Dovecot reports it.
fn uidvalidity_of(dovecot: &Dovecot, mailbox: &str) -> u32 {
    let out = dovecot.doveadm(&[
        "-f",
        "tab",
        "mailbox",
        "status",
        "-u",
        USER,
        "uidvalidity",
        mailbox,
    ]);
    out.lines()
        .nth(1)
        .and_then(|line| line.rsplit('\t').next()?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no uidvalidity in {out:?}"))
}

#[test]
fn processed_mail_is_moved_to_the_folder_over_starttls() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let mut inbox = settings(&dovecot, &local, false);
    inbox.processed = Some("Followup".into());
    dovecot.deliver("INBOX", &reply(1));
    let runtime = runtime();
    let (mut handler, seen) = recorder();
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    let swept = runtime
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect("intake works over STARTTLS");
    assert_eq!(swept.handed, 1);
    assert_eq!(uids(&seen), [1]);
    assert!(dovecot.messages("INBOX").is_empty());
    assert_eq!(dovecot.messages("Followup").len(), 1, "moved, not deleted");
}

#[test]
fn a_changed_uidvalidity_reads_the_mailbox_again_from_the_start() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let mut inbox = settings(&dovecot, &local, true);
    inbox.mailbox = "Replies".into();
    dovecot.deliver("Replies", &reply(1));
    dovecot.deliver("Replies", &reply(2));
    let runtime = runtime();
    let (mut handler, seen) = recorder();
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    runtime
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect("intake works");
    let before = uidvalidity_of(&dovecot, "Replies");
    // The mailbox is re-created (a restore, a migration): UIDs start again at 1.
    dovecot.doveadm(&["mailbox", "delete", "-u", USER, "Replies"]);
    dovecot.doveadm(&["mailbox", "create", "-u", USER, "Replies"]);
    dovecot.deliver("Replies", &reply(3));
    let after = uidvalidity_of(&dovecot, "Replies");
    assert_ne!(before, after, "the test needs a new UIDVALIDITY");
    let swept = runtime
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect("intake works");
    assert_eq!(swept.handed, 1, "UID 1 under the new UIDVALIDITY is read");
    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].0.uid, 1);
    assert_eq!(seen[2].0.uidvalidity, after);
    assert!(String::from_utf8_lossy(&seen[2].1).contains("jl-2025-ai-3"));
    assert_eq!(
        ledger
            .lock()
            .expect("not poisoned")
            .inbox_position("Replies")
            .expect("readable"),
        Some(InboxPosition {
            uidvalidity: after,
            last_uid: 1
        })
    );
}

#[test]
fn a_message_that_cannot_be_recorded_stays_for_the_next_cycle_and_none_is_lost() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let inbox = settings(&dovecot, &local, true);
    for number in 1..=3 {
        dovecot.deliver("INBOX", &reply(number));
    }
    let runtime = runtime();
    // The log fails at the second message (a full disk, a crash right there).
    let handled = Arc::new(Mutex::new(Vec::new()));
    let shared = handled.clone();
    let mut failing: Handler = Box::new(move |_ledger, _raw, at| {
        if at.uid == 2 {
            anyhow::bail!("disk full");
        }
        shared.lock().expect("not poisoned").push(at.uid);
        Ok(())
    });
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    let failure = runtime
        .block_on(inbox::intake_once(&inbox, &ledger, &mut failing))
        .expect_err("the second message cannot be recorded");
    assert_eq!(failure.kind, Trouble::Local);
    assert!(failure.to_string().contains("disk full"), "{failure}");
    let flags = dovecot.messages("INBOX");
    assert!(flags[0].1.contains(inbox::DONE_KEYWORD), "{flags:?}");
    assert!(!flags[1].1.contains(inbox::DONE_KEYWORD), "{flags:?}");
    assert!(!flags[1].1.contains("\\Seen"), "left unread: {flags:?}");
    // The next cycle hands over exactly the two not yet recorded.
    let (mut handler, seen) = recorder();
    runtime
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect("intake works");
    assert_eq!(*handled.lock().expect("not poisoned"), [1]);
    assert_eq!(uids(&seen), [2, 3]);
}

#[test]
fn a_message_over_the_size_cap_is_left_flagged_in_the_mailbox() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let mut inbox = settings(&dovecot, &local, true);
    inbox.max_message_bytes = 64 * 1024;
    let mut huge = reply(1);
    huge.extend(std::iter::repeat_n(b"x".repeat(76).into_iter().chain(*b"\r\n"), 2_000).flatten());
    dovecot.deliver("INBOX", &huge);
    dovecot.deliver("INBOX", &reply(2));
    let (mut handler, seen) = recorder();
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    let swept = runtime()
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect("intake works");
    assert_eq!((swept.handed, swept.too_large), (1, 1));
    assert_eq!(uids(&seen), [2]);
    let flags = dovecot.messages("INBOX");
    assert!(flags[0].1.contains(inbox::TOO_LARGE_KEYWORD), "{flags:?}");
    assert!(
        !flags[0].1.contains("\\Seen"),
        "still unread for the office: {flags:?}"
    );
}

#[test]
fn idle_pushes_mail_delivered_while_waiting() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let local = Local::new(PASSWORD);
    let inbox_settings = settings(&dovecot, &local, true);
    dovecot.deliver("INBOX", &reply(1));
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let handler: Handler = Box::new(move |_ledger, _raw, at| {
        let _ = sender.send(at.uid);
        Ok(())
    });
    let runtime = runtime();
    runtime.block_on(async {
        let ledger = Ledger::open(&local.state()).expect("the log opens");
        let (stop_sender, stop) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(inbox::run(inbox_settings, ledger, handler, stop, |_| {}));
        let first = tokio::time::timeout(GUARD, received.recv()).await;
        assert_eq!(first.ok().flatten(), Some(1));
        // Polling is two minutes away and IDLE's refresh ten: only a push hands this over.
        dovecot.deliver("INBOX", &reply(2));
        let second = tokio::time::timeout(GUARD, received.recv()).await;
        assert_eq!(second.ok().flatten(), Some(2), "{}", dovecot.log());
        stop_sender.send(true).expect("the task listens");
        tokio::time::timeout(GUARD, task)
            .await
            .expect("the task stops when asked")
            .expect("the task did not panic");
    });
}

/// A Dovecot that offers neither IDLE nor MOVE after login (an older or plainer server).
const NO_IDLE_NO_MOVE: &str = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR UIDPLUS";

#[test]
fn without_idle_it_polls_and_without_move_it_copies_and_flags() {
    let Some(dovecot) = Dovecot::start_with(NO_IDLE_NO_MOVE) else {
        return;
    };
    let local = Local::new(PASSWORD);
    let mut inbox_settings = settings(&dovecot, &local, true);
    inbox_settings.poll = Duration::from_secs(1);
    inbox_settings.processed = Some("Followup".into());
    dovecot.deliver("INBOX", &reply(1));
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let handler: Handler = Box::new(move |_ledger, _raw, at| {
        let _ = sender.send(at.uid);
        Ok(())
    });
    runtime().block_on(async {
        let probe = inbox::connect(&inbox_settings).await.expect("logs in");
        assert!(!probe.offers_idle(), "the test needs a server without IDLE");
        probe.logout(inbox_settings.timeout).await;
        let ledger = Ledger::open(&local.state()).expect("the log opens");
        let (stop_sender, stop) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(inbox::run(inbox_settings, ledger, handler, stop, |_| {}));
        let first = tokio::time::timeout(GUARD, received.recv()).await;
        assert_eq!(first.ok().flatten(), Some(1));
        // No push without IDLE: the next poll finds it.
        dovecot.deliver("INBOX", &reply(2));
        let second = tokio::time::timeout(GUARD, received.recv()).await;
        assert_eq!(second.ok().flatten(), Some(2), "{}", dovecot.log());
        stop_sender.send(true).expect("the task listens");
        tokio::time::timeout(GUARD, task)
            .await
            .expect("the task stops when asked")
            .expect("the task did not panic");
    });
    // Copied, and the originals kept (flagged, never expunged).
    assert_eq!(dovecot.messages("Followup").len(), 2);
    let originals = dovecot.messages("INBOX");
    assert_eq!(originals.len(), 2, "{originals:?}");
    assert!(
        originals
            .iter()
            .all(|(_, flags)| flags.contains("\\Seen") && flags.contains(inbox::DONE_KEYWORD)),
        "{originals:?}"
    );
}

#[test]
fn a_wrong_password_is_a_clear_login_error_that_never_shows_the_password() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let wrong = "Wr0ng-pw-9c1e";
    let local = Local::new(wrong);
    let inbox = settings(&dovecot, &local, true);
    let (mut handler, _) = recorder();
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    let failure = runtime()
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect_err("the login is refused");
    assert_eq!(failure.kind, Trouble::Login);
    let text = failure.to_string();
    assert!(text.contains("refused the login of `duban`"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
}

/// A TCP listener that accepts and never says a word.
fn silent_server() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    (listener, port)
}

#[test]
fn a_server_that_says_nothing_times_out_instead_of_hanging() {
    let (_listener, port) = silent_server();
    let local = Local::new(PASSWORD);
    for implicit_tls in [true, false] {
        let inbox = Inbox {
            implicit_tls,
            host: "127.0.0.1".into(),
            port,
            username: USER.into(),
            password_file: Some(local.password_file()),
            mailbox: "INBOX".into(),
            processed: None,
            poll: Duration::from_secs(120),
            ca_file: None,
            timeout: Duration::from_secs(1),
            max_message_bytes: 1024,
        };
        let (mut handler, _) = recorder();
        let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
        let failure = runtime()
            .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
            .expect_err("nothing is said");
        assert_eq!(failure.kind, Trouble::Unreachable);
        let text = failure.to_string();
        let expected = if implicit_tls { "TLS with" } else { "greeting" };
        assert!(
            text.contains(expected) && text.contains("no answer within 1s"),
            "{text}"
        );
    }
}

#[test]
fn a_server_that_refuses_starttls_never_sees_the_login() {
    use std::io::{BufRead as _, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    // A server that offers no TLS: it greets, answers every command with BAD, and keeps
    // every line it was sent.
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("the client connects");
        let mut writer = stream.try_clone().expect("clone");
        writer
            .write_all(b"* OK [CAPABILITY IMAP4rev1] plain only\r\n")
            .expect("greet");
        let mut heard = Vec::new();
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let tag = line.split(' ').next().unwrap_or("*").to_string();
            heard.push(line);
            if writer
                .write_all(format!("{tag} BAD not here\r\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
        heard
    });
    let local = Local::new(PASSWORD);
    let inbox = Inbox {
        implicit_tls: false,
        host: "127.0.0.1".into(),
        port,
        username: USER.into(),
        password_file: Some(local.password_file()),
        mailbox: "INBOX".into(),
        processed: None,
        poll: Duration::from_secs(120),
        ca_file: None,
        timeout: Duration::from_secs(5),
        max_message_bytes: 1024,
    };
    let (mut handler, _) = recorder();
    let ledger = Mutex::new(Ledger::open(&local.state()).expect("the log opens"));
    let failure = runtime()
        .block_on(inbox::intake_once(&inbox, &ledger, &mut handler))
        .expect_err("STARTTLS is refused");
    assert!(failure.to_string().contains("STARTTLS"), "{failure}");
    drop(ledger);
    let heard = server.join().expect("the server thread ends");
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert!(heard[0].ends_with("STARTTLS"), "{heard:?}");
    assert!(
        !heard.iter().any(|line| line.contains(PASSWORD)),
        "{heard:?}"
    );
}

/// A configuration for the real binary with `[inbox]` on `url`.
fn workspace(url: &str, ca_file: Option<&Path>, password_file: &Path, timeout: &str) -> Workspace {
    let workspace = Workspace::new();
    let ca = ca_file.map_or(String::new(), |file| {
        format!("ca_file = \"{}\"\n", file.display())
    });
    workspace.write(
        "followup.toml",
        &format!(
            r#"state_dir = "state"
[mail]
from = "督办室 <duban@example.gov.cn>"
reply_to = "duban@example.gov.cn"
transport = "file"

[schedule]
remind = "0 0 9 * * Mon"

[inbox]
url = "{url}"
username = "{USER}"
password_file = "{password}"
timeout = "{timeout}"
{ca}
[departments."省财政厅"]
to = ["czt@example.gov.cn"]
"#,
            password = password_file.display()
        ),
    );
    workspace.write(
        "commitments/letter.toml",
        "[letter]\nid = \"l\"\ntitle = \"t\"\n\n[[commitment]]\nid = \"c1\"\nowner = \"省财政厅\"\ntext = \"x\"\n",
    );
    workspace
}

/// Runs the daemon until its log shows `wanted`, then SIGTERM; returns the whole log.
fn daemon_until(workspace: &Workspace, filter: &str, wanted: &str) -> String {
    use std::io::{BufRead as _, BufReader};
    let mut child = workspace
        .followup()
        .arg("run")
        .env("RUST_LOG", filter)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the daemon starts");
    let stderr = child.stderr.take().expect("piped");
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    loop {
        match lines.recv_timeout(GUARD) {
            Ok(line) => {
                let found = line.contains(wanted);
                log.push(line);
                if found {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no `{wanted}` in the log:\n{}", log.join("\n"));
            }
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    // Stopping while intake waits on a stalled server or between retries is prompt: the
    // guard only keeps a broken build from hanging the suite.
    let (done_sender, done) = std::sync::mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = done_sender.send(child.wait());
    });
    let status = done.recv_timeout(GUARD).unwrap_or_else(|_| {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &id.to_string()])
            .status();
        panic!("the daemon did not stop on SIGTERM:\n{}", log.join("\n"))
    });
    assert!(status.expect("waited").success(), "{}", log.join("\n"));
    log.extend(lines.try_iter());
    log.join("\n")
}

#[test]
fn the_daemon_logs_a_refused_login_without_the_password_at_any_level() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let wrong = "Wr0ng-pw-9c1e";
    let local = Local::new(wrong);
    let workspace = workspace(
        &format!("imaps://127.0.0.1:{}", dovecot.imaps_port),
        Some(&dovecot.ca_file),
        &local.password_file(),
        "10s",
    );
    let log = daemon_until(&workspace, "trace", "refused the login");
    assert!(!log.contains(wrong), "the password leaked:\n{log}");
    assert!(
        log.contains("correct the password"),
        "the error says what to do:\n{log}"
    );
}

#[test]
fn the_daemon_stops_promptly_while_intake_waits_on_a_silent_server() {
    let (_listener, port) = silent_server();
    let local = Local::new(PASSWORD);
    let workspace = workspace(
        &format!("imaps://127.0.0.1:{port}"),
        None,
        &local.password_file(),
        "1s",
    );
    let log = daemon_until(&workspace, "info", "no answer within 1s");
    assert!(log.contains("reading replies"), "{log}");
}

#[test]
fn inbox_configuration_errors_name_file_line_and_key() {
    let local = Local::new(PASSWORD);
    for (url, extra, expected) in [
        (
            "imaps://duban:pw@mail.example.gov.cn",
            "",
            "followup.toml:11:7: inbox.url: `imaps://duban:pw@mail.example.gov.cn` carries a login",
        ),
        (
            "pop3://mail.example.gov.cn",
            "",
            "inbox.url: `pop3://mail.example.gov.cn` is not an IMAP address",
        ),
        (
            "imaps://mail.example.gov.cn",
            "password = \"S3cret\"\n",
            "inbox.password",
        ),
        (
            "imaps://mail.example.gov.cn",
            "processed = \"已处理\"\n",
            "inbox.processed: `已处理`: use the folder's ASCII name",
        ),
        (
            "imaps://mail.example.gov.cn",
            "poll = \"often\"\n",
            "inbox.poll: `often` is not a duration",
        ),
    ] {
        let workspace = workspace(url, None, &local.password_file(), "1s");
        let text = workspace
            .read("followup.toml")
            .replace("timeout = \"1s\"\n", &format!("timeout = \"1s\"\n{extra}"));
        workspace.write("followup.toml", &text);
        let result = output(workspace.followup().arg("check"));
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert!(
            stderr(&result).contains(expected),
            "expected `{expected}` in:\n{}",
            stderr(&result)
        );
        assert!(!stderr(&result).contains("S3cret"), "{}", stderr(&result));
    }
}
