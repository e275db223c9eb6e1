//! What systemd sees: the real binary's sd_notify datagrams on a socket bound here (READY,
//! STATUS, WATCHDOG, RELOADING, STOPPING, in order), its log lines with and without
//! `JOURNAL_STREAM`, and the generated manual page and completions. Synchronisation is on
//! the datagrams and lines the daemon sends, never on sleeps.

use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{Workspace, followup_binary, output, stderr, stdout};

const WAIT: Duration = Duration::from_secs(30);

/// A file-transport configuration with one department, one commitment and a per-second
/// cadence, so the loop runs (and pings the watchdog) every second.
fn workspace() -> Workspace {
    let workspace = Workspace::new();
    workspace.write(
        "followup.toml",
        r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "file"

[schedule]
remind = "*/1 * * * * *"
skip_holidays = false

[departments."省科技厅"]
to = ["kjt@example.gov.cn"]
"#,
    );
    workspace.write(
        "commitments/letter.toml",
        r#"[letter]
id = "l"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
"#,
    );
    workspace
}

/// `followup run` as systemd starts it: `NOTIFY_SOCKET` set and, with `watchdog_pid`,
/// `WATCHDOG_USEC` with `WATCHDOG_PID` naming the daemon itself. The pid is only known
/// once the process exists, so a shell exports its own pid (`$$`) and then `exec`s the
/// daemon, which keeps that pid.
fn spawn(workspace: &Workspace, socket: &std::path::Path, watchdog_pid: WatchdogPid) -> Child {
    let script = match watchdog_pid {
        WatchdogPid::Own => r#"WATCHDOG_PID=$$ exec "$0" "$@""#,
        WatchdogPid::Other => r#"WATCHDOG_PID=1 exec "$0" "$@""#,
    };
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(followup_binary())
        .args(["--config", "followup.toml", "run"])
        .current_dir(workspace.path())
        .env_remove("FOLLOWUP_CONFIG")
        .env_remove("FOLLOWUP_SMTP_PASSWORD")
        .env_remove("JOURNAL_STREAM")
        .env_remove("WATCHDOG_PID")
        .env("RUST_LOG", "info")
        .env("NOTIFY_SOCKET", socket)
        .env("WATCHDOG_USEC", "2000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the daemon starts")
}

#[derive(Clone, Copy)]
enum WatchdogPid {
    Own,
    Other,
}

/// The notify socket and every datagram read from it so far.
struct Listener {
    socket: UnixDatagram,
    seen: Vec<String>,
}

impl Listener {
    fn bind(path: &std::path::Path) -> Listener {
        let socket = UnixDatagram::bind(path).expect("the notify socket binds");
        socket
            .set_read_timeout(Some(WAIT))
            .expect("a read timeout can be set");
        Listener {
            socket,
            seen: Vec::new(),
        }
    }

    /// The next datagram; panics with everything received so far after `WAIT`.
    fn next(&mut self) -> String {
        let mut buffer = vec![0; 4096];
        // A signal delivered to the test process interrupts recv: read again.
        let mut received = self.socket.recv(&mut buffer);
        while matches!(&received, Err(error) if error.kind() == std::io::ErrorKind::Interrupted) {
            received = self.socket.recv(&mut buffer);
        }
        match received {
            Ok(length) => {
                let message = String::from_utf8(buffer[..length].to_vec())
                    .expect("notify messages are UTF-8");
                self.seen.push(message.clone());
                message
            }
            Err(error) => panic!(
                "no notify message within {WAIT:?} ({error}); received so far: {:#?}",
                self.seen
            ),
        }
    }

    /// Skips datagrams until one carries the line `state` (e.g. `WATCHDOG=1`).
    fn until(&mut self, state: &str) -> String {
        loop {
            let message = self.next();
            if has_line(&message, state) {
                return message;
            }
        }
    }
}

fn has_line(message: &str, line: &str) -> bool {
    message.lines().any(|candidate| candidate == line)
}

fn field<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn ready_status_watchdog_reload_and_stop_reach_systemd_in_order() {
    let workspace = workspace();
    let socket_path = workspace.path().join("notify.sock");
    let mut listener = Listener::bind(&socket_path);
    let mut child = spawn(&workspace, &socket_path, WatchdogPid::Own);

    let ready = listener.next();
    assert!(
        has_line(&ready, "READY=1"),
        "the first message is READY=1: {ready:?}"
    );
    let status = field(&ready, "STATUS").expect("READY=1 comes with a STATUS=");
    assert!(status.contains("1 open"), "{status}");

    listener.until("WATCHDOG=1");

    signal(&child, "HUP");
    let reloading = listener.until("RELOADING=1");
    let monotonic =
        field(&reloading, "MONOTONIC_USEC").expect("RELOADING=1 carries MONOTONIC_USEC");
    assert!(
        monotonic.parse::<u64>().is_ok_and(|usec| usec > 0),
        "{reloading:?}"
    );
    let after = listener.next();
    assert!(
        has_line(&after, "READY=1"),
        "READY=1 follows RELOADING=1 at once: {after:?}"
    );
    assert!(field(&after, "STATUS").is_some_and(|status| status.contains("open")));

    signal(&child, "TERM");
    listener.until("STOPPING=1");
    let exit = child.wait().expect("the daemon exits");
    assert_eq!(
        exit.code(),
        Some(0),
        "SIGTERM exits 0: {:#?}",
        listener.seen
    );
}

#[test]
fn no_watchdog_pings_when_watchdog_pid_names_another_process() {
    let workspace = workspace();
    let socket_path = workspace.path().join("notify.sock");
    let mut listener = Listener::bind(&socket_path);
    let mut child = spawn(&workspace, &socket_path, WatchdogPid::Other);

    listener.until("READY=1");
    // Three more turns of the per-second loop, each ending with a STATUS= update.
    for _ in 0..3 {
        let message = listener.next();
        assert!(field(&message, "STATUS").is_some(), "{message:?}");
    }
    signal(&child, "TERM");
    listener.until("STOPPING=1");
    assert_eq!(child.wait().expect("the daemon exits").code(), Some(0));
    assert!(
        !listener
            .seen
            .iter()
            .any(|message| has_line(message, "WATCHDOG=1")),
        "{:#?}",
        listener.seen
    );
}

/// `2026-11-28T14:21:03`: the start of the timestamp the terminal format writes.
fn has_timestamp(line: &str) -> bool {
    const PATTERN: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    line.as_bytes().windows(PATTERN.len()).any(|window| {
        window
            .iter()
            .zip(PATTERN)
            .all(|(byte, expected)| match expected {
                b'd' => byte.is_ascii_digit(),
                other => byte == other,
            })
    })
}

/// `followup run --once` on the workspace, with or without `JOURNAL_STREAM`.
fn run_once(journal: bool) -> Vec<String> {
    let workspace = workspace();
    let mut command = workspace.followup();
    command
        .args(["run", "--once"])
        .env("RUST_LOG", "info")
        .env_remove("JOURNAL_STREAM");
    if journal {
        command.env("JOURNAL_STREAM", "8:1234");
    }
    let result = output(&mut command);
    assert!(result.status.success(), "{}", stderr(&result));
    let lines: Vec<String> = stderr(&result).lines().map(String::from).collect();
    assert!(!lines.is_empty(), "the daemon logs at info");
    lines
}

#[test]
fn under_journald_lines_carry_a_priority_and_no_timestamp() {
    let lines = run_once(true);
    for line in &lines {
        let priority = line
            .strip_prefix('<')
            .and_then(|rest| rest.split_once('>'))
            .map(|(priority, _)| priority);
        assert!(
            priority.is_some_and(|priority| matches!(priority, "3" | "4" | "6" | "7")),
            "every line starts with a syslog priority: {line:?}"
        );
        assert!(!has_timestamp(line), "journald adds the time: {line:?}");
        assert!(!line.contains('\u{1b}'), "no terminal colours: {line:?}");
    }
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("<6>") && line.contains("started")),
        "{lines:#?}"
    );
}

#[test]
fn on_a_terminal_lines_carry_a_timestamp() {
    let lines = run_once(false);
    let started = lines
        .iter()
        .find(|line| line.contains("started"))
        .unwrap_or_else(|| panic!("a `started` line: {lines:#?}"));
    assert!(has_timestamp(started), "{started:?}");
    assert!(!started.starts_with('<'), "{started:?}");
}

#[test]
fn man_prints_a_manual_page_covering_every_command() {
    let workspace = Workspace::new();
    let result = output(workspace.followup().arg("man"));
    assert!(result.status.success(), "{}", stderr(&result));
    let page = stdout(&result);
    assert!(page.contains(".TH FOLLOWUP 1"), "{page}");
    for command in [
        "followup run",
        "followup check",
        "followup done",
        "followup completions",
    ] {
        assert!(page.contains(&format!(".SS \"{command}")), "{command}");
    }
    assert!(page.contains("LoadCredential"), "the FILES section");
}

#[test]
fn completions_are_printed_for_each_shell() {
    let workspace = Workspace::new();
    for shell in ["bash", "zsh", "fish"] {
        let result = output(workspace.followup().args(["completions", shell]));
        assert!(result.status.success(), "{shell}: {}", stderr(&result));
        let script = stdout(&result);
        assert!(script.contains("followup"), "{shell}");
        assert!(
            script.contains("send-test"),
            "{shell}: every command completes"
        );
    }
    let unknown = output(workspace.followup().args(["completions", "cmd.exe"]));
    assert_eq!(unknown.status.code(), Some(2), "a usage error");
}

/// The STATUS= of the READY=1 that ends the next reload.
fn next_reload_status(listener: &mut Listener) -> String {
    listener.until("RELOADING=1");
    let ready = listener.until("READY=1");
    field(&ready, "STATUS")
        .expect("READY=1 comes with a STATUS=")
        .to_string()
}

/// Waits, reload by reload, until a reload ends with a STATUS= that `wanted` accepts (an
/// editor's or `rm`'s events may arrive as more than one burst). Bounded by the listener's
/// timeout, which panics with every datagram seen.
fn reload_until(listener: &mut Listener, wanted: impl Fn(&str) -> bool) -> String {
    loop {
        let status = next_reload_status(listener);
        if wanted(&status) {
            return status;
        }
    }
}

const SECOND_LETTER: &str = r#"[letter]
id = "l2"
title = "关于加快数据要素市场建设的建议"

[[commitment]]
id = "d1"
owner = "省科技厅"
text = "建设数据交易平台"

[[commitment]]
id = "d2"
owner = "省科技厅"
text = "完善数据登记制度"
"#;

/// A commitments folder that vanishes is not an empty configuration: deleting it, or moving
/// it away, keeps the last good configuration and says so in STATUS=; the folder's return
/// (re-created, moved back, or a symlink to another folder) is noticed without SIGHUP.
/// Before, deleting applied an empty configuration with only a warning, and a re-created
/// folder or a folder moved back was never noticed.
#[test]
fn a_vanished_commitments_folder_keeps_the_last_good_configuration_and_its_return_is_noticed() {
    let workspace = workspace();
    let socket_path = workspace.path().join("notify.sock");
    let mut listener = Listener::bind(&socket_path);
    let mut child = spawn(&workspace, &socket_path, WatchdogPid::Other);
    let ready = listener.until("READY=1");
    assert!(field(&ready, "STATUS").is_some_and(|status| status.starts_with("1 open")));
    let folder = workspace.path().join("commitments");
    let letter = workspace.read("commitments/letter.toml");

    // Deleted: refused, still one open commitment, the reason in STATUS=.
    std::fs::remove_dir_all(&folder).expect("the folder can be removed");
    let status = reload_until(&mut listener, |status| status.contains("refused"));
    assert!(status.starts_with("1 open"), "{status}");
    assert!(
        status.contains("`commitments/*.toml` matched no file (it matched 1 file before)"),
        "{status}"
    );

    // Re-created: loaded again, no SIGHUP.
    workspace.write("commitments/letter.toml", &letter);
    let status = reload_until(&mut listener, |status| !status.contains("refused"));
    assert!(status.starts_with("1 open"), "{status}");

    // Moved away and back.
    let away = workspace.path().join("away");
    std::fs::rename(&folder, &away).expect("the folder can be moved");
    let status = reload_until(&mut listener, |status| status.contains("refused"));
    assert!(status.starts_with("1 open"), "{status}");
    std::fs::rename(&away, &folder).expect("the folder can be moved back");
    reload_until(&mut listener, |status| !status.contains("refused"));

    // Replaced by a symlink to another folder: that folder's letter is loaded, and a file
    // added there later is noticed too (the watch follows the link).
    workspace.write("other/second.toml", SECOND_LETTER);
    std::fs::rename(&folder, &away).expect("the folder can be moved");
    std::os::unix::fs::symlink(workspace.path().join("other"), &folder)
        .expect("a symlink can be made");
    let status = reload_until(&mut listener, |status| status.starts_with("2 open"));
    assert!(!status.contains("refused"), "{status}");
    workspace.write("other/letter.toml", &letter);
    reload_until(&mut listener, |status| status.starts_with("3 open"));

    // The symlink re-pointed (`ln -sfn third commitments`) to a folder with one letter:
    // a smaller configuration, not a vanished one.
    workspace.write("third/only.toml", &letter);
    let status = std::process::Command::new("ln")
        .args(["-sfn", "third", "commitments"])
        .current_dir(workspace.path())
        .status()
        .expect("ln runs");
    assert!(status.success());
    let status = reload_until(&mut listener, |status| status.starts_with("1 open"));
    assert!(!status.contains("refused"), "{status}");

    signal(&child, "TERM");
    listener.until("STOPPING=1");
    let exit = child.wait().expect("the daemon exits");
    assert_eq!(exit.code(), Some(0));
}

/// A reload to a cadence that never fires is refused at once, at its key, and the daemon
/// goes on (before, the reload searched for 14 s with no sends and no signals handled).
#[test]
fn a_reload_to_a_cron_that_never_fires_is_refused_at_its_key() {
    let workspace = workspace();
    let socket_path = workspace.path().join("notify.sock");
    let mut listener = Listener::bind(&socket_path);
    let mut child = spawn(&workspace, &socket_path, WatchdogPid::Other);
    listener.until("READY=1");
    let main = workspace.read("followup.toml");
    workspace.replace(
        "followup.toml",
        &main.replace(
            "remind = \"*/1 * * * * *\"",
            "remind = \"0 0 31 4,6,9,11 *\"",
        ),
    );
    let status = reload_until(&mut listener, |status| status.contains("refused"));
    assert!(
        status.contains("followup.toml:10:10: schedule.remind: `0 0 31 4,6,9,11 *` never fires in the next 5 years"),
        "{status}"
    );
    assert!(status.starts_with("1 open"), "{status}");
    signal(&child, "TERM");
    listener.until("STOPPING=1");
    let exit = child.wait().expect("the daemon exits");
    assert_eq!(exit.code(), Some(0));
}
