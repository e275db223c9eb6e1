//! The daemon end to end: the real binary against the in-process SMTP server, with
//! per-second cadences where time must pass. Synchronisation is on what the daemon says
//! (its log lines) and what the server receives, never on sleeps.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::smtp_server::{Answer, Fault, Options, Received, SmtpServer, Stage};
use crate::support::{Workspace, output, stderr, stdout};

pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// A configuration sending to `server` over plain SMTP on loopback.
pub(crate) fn workspace(server: &SmtpServer, schedule: &str, commitments: &str) -> Workspace {
    let workspace = Workspace::new();
    workspace.write(
        "followup.toml",
        &format!(
            r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
reply_to = "duban@example.gov.cn"
admin = ["ops@example.gov.cn"]
transport = "smtp"
host = "127.0.0.1"
port = {port}
tls = "none"
timeout = "5s"

{schedule}

[departments."省科技厅"]
name = "吉林省科学技术厅"
to = ["kjt@example.gov.cn"]

[departments."省财政厅"]
to = ["czt@example.gov.cn"]
"#,
            port = server.port()
        ),
    );
    workspace.write(
        "commitments/letter.toml",
        &format!("[letter]\nid = \"l\"\ntitle = \"关于推动我省通用人工智能产业发展的建议\"\nreplied_on = 2025-05-23\n{commitments}"),
    );
    workspace
}

pub(crate) const EVERY_SECOND: &str =
    "[schedule]\nremind = \"*/1 * * * * *\"\nskip_holidays = false\ndigest = true\n";

pub(crate) const THREE: &str = r#"
# The first commitment
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"

[[commitment]]
id = "c2"
owner = "省科技厅"
text = "优化布局人工智能科技创新平台"

[[commitment]]
id = "c3"
owner = "省财政厅"
text = "持续安排出资扩大基金规模"
"#;

/// A running `followup run` whose stderr lines can be awaited.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    pub(crate) fn start(workspace: &Workspace) -> Running {
        Running::start_logging(workspace, "info")
    }

    /// Starts as systemd would with `WatchdogSec=1s`: `NOTIFY_SOCKET`, `WATCHDOG_USEC`, and
    /// `WATCHDOG_PID` naming the daemon itself (a shell exports its own pid, then `exec`s).
    fn start_with_watchdog(workspace: &Workspace, socket: &std::path::Path) -> Running {
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(r#"WATCHDOG_PID=$$ exec "$0" "$@""#)
            .arg(crate::support::followup_binary())
            .args(["--config", "followup.toml", "run"])
            .current_dir(workspace.path())
            .env_remove("FOLLOWUP_CONFIG")
            .env_remove("FOLLOWUP_SMTP_PASSWORD")
            .env_remove("WATCHDOG_PID")
            .env("RUST_LOG", "info")
            .env("NOTIFY_SOCKET", socket)
            .env("WATCHDOG_USEC", "1000000");
        Running::spawn(command)
    }

    /// Starts with a `RUST_LOG` filter.
    pub(crate) fn start_logging(workspace: &Workspace, filter: &str) -> Running {
        let mut command = workspace.followup();
        command.arg("run").env("RUST_LOG", filter);
        Running::spawn(command)
    }

    fn spawn(mut command: std::process::Command) -> Running {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the daemon starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `text`; panics with everything logged so far.
    pub(crate) fn wait_for_line(&mut self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no log line with `{text}`; the daemon logged:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// How many of the lines read so far contain `text`.
    pub(crate) fn logged(&self, text: &str) -> usize {
        self.seen.iter().filter(|line| line.contains(text)).count()
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// SIGTERM, then the exit status and the rest of the log.
    pub(crate) fn stop(mut self) -> (Option<i32>, Vec<String>) {
        self.signal("TERM");
        let status = self.child.wait().expect("the daemon exits");
        let mut log = std::mem::take(&mut self.seen);
        log.extend(self.lines.try_iter());
        (status.code(), log)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn parse(message: &Received) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(&message.data)
        .expect("the message parses as MIME")
}

fn header(message: &Received, name: &str) -> String {
    let parsed = parse(message);
    parsed
        .header_raw(name)
        .map(|value| value.trim().to_string())
        .unwrap_or_default()
}

/// The commitment ids of each received message, by Message-ID (a repeat adds an entry).
fn by_message_id(received: &[Received]) -> BTreeMap<String, Vec<String>> {
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in received {
        by_id
            .entry(header(message, "Message-ID"))
            .or_default()
            .push(ids(message));
    }
    by_id
}

pub(crate) fn ids(message: &Received) -> String {
    header(message, "X-Followup-Commitments")
}

#[test]
fn reminders_arrive_per_department_until_stopped() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    let received = server.wait_for(6, WAIT);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "SIGTERM exits 0:\n{}", log.join("\n"));
    assert!(
        log.iter().any(|line| line.contains("stopping")),
        "{}",
        log.join("\n")
    );

    for message in &received {
        let parsed = parse(message);
        let to = &message.rcpt_to;
        match ids(message).as_str() {
            "c1, c2" => assert_eq!(to, &["kjt@example.gov.cn"]),
            "c3" => assert_eq!(to, &["czt@example.gov.cn"]),
            other => panic!("unexpected commitments `{other}`"),
        }
        let subject = parsed.subject().expect("a subject");
        assert!(subject.starts_with("【督办提醒】"), "{subject}");
        assert_eq!(header(message, "Auto-Submitted"), "auto-generated");
        let text = parsed.body_text(0).expect("a text part");
        assert!(
            text.contains("关于推动我省通用人工智能产业发展的建议"),
            "{text}"
        );
    }
    let subjects: Vec<String> = received
        .iter()
        .map(|message| parse(message).subject().unwrap_or_default().to_string())
        .collect();
    assert!(
        subjects.contains(&"【督办提醒】省科技厅：2项承诺事项待落实 [督办 c1 c2]".to_string()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"【督办提醒】省财政厅：1项承诺事项待落实 [督办 c3]".to_string()),
        "{subjects:?}"
    );

    // Every logged delivery is in the log as sent, once per (commitment, moment).
    let history = output(workspace.followup().args(["history", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    let rows = rows.as_array().expect("rows");
    let mut per_key: HashMap<(String, String), usize> = HashMap::new();
    for row in rows {
        *per_key
            .entry((row["commitment"].to_string(), row["moment"].to_string()))
            .or_default() += 1;
    }
    assert!(per_key.values().all(|count| *count == 1));
    let sent = rows.iter().filter(|row| row["state"] == "sent").count();
    assert!(
        sent >= 9,
        "6 emails carry at least 9 (commitment, moment) rows: {rows:?}"
    );
}

#[test]
fn done_stops_one_commitment_while_the_others_continue() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let original = workspace.read("commitments/letter.toml");
    let mut daemon = Running::start(&workspace);
    server.wait_for(4, WAIT);

    let done = output(workspace.followup().args([
        "done",
        "c1",
        "--note",
        "已完成第二批聚力攻坚专项",
        "--on",
        "2025-11-03",
    ]));
    assert!(done.status.success(), "{}", stderr(&done));
    daemon.wait_for_line("reloaded");
    let after_reload = server.received().len();
    let received = server.wait_for(after_reload + 6, WAIT);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));

    let later = &received[after_reload..];
    assert!(
        later.iter().all(|message| !ids(message).contains("c1")),
        "c1 is silent once done"
    );
    assert!(
        later.iter().any(|message| ids(message) == "c2"),
        "c2 continues"
    );
    assert!(
        later.iter().any(|message| ids(message) == "c3"),
        "c3 continues"
    );

    // The file changed only where `done` wrote.
    let edited = workspace.read("commitments/letter.toml");
    assert!(
        edited.contains("# The first commitment\n[[commitment]]\nid = \"c1\""),
        "{edited}"
    );
    let removed: Vec<&str> = original
        .lines()
        .filter(|line| !edited.lines().any(|l| l == *line))
        .collect();
    assert_eq!(removed, Vec::<&str>::new(), "no original line was altered");
}

#[test]
fn a_bad_edit_while_running_keeps_the_last_good_configuration() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let mut daemon = Running::start(&workspace);
    server.wait_for(2, WAIT);
    let good = workspace.read("commitments/letter.toml");
    workspace.replace(
        "commitments/letter.toml",
        &good.replace("owner = \"省财政厅\"", "owner = \"财政局\""),
    );
    let problem = daemon.wait_for_line("commitments/letter.toml:");
    assert!(
        problem.contains(
            "commitments/letter.toml:19:9: commitment[3].owner: unknown department `财政局`"
        ),
        "{problem}"
    );
    daemon.wait_for_line("still running on the last good one");
    let count = server.received().len();
    let received = server.wait_for(count + 4, WAIT);
    assert!(
        received[count..].iter().any(|message| ids(message) == "c3"),
        "c3 is still reminded"
    );
    let (code, _) = daemon.stop();
    assert_eq!(code, Some(0));
}

/// The text parts of the messages for commitment `id` among `received`.
fn texts_for(received: &[Received], id: &str) -> Vec<String> {
    received
        .iter()
        .filter(|message| ids(message) == id)
        .map(|message| unwire(parse(message).body_text(0).expect("a text part").as_ref()))
        .collect()
}

/// Undoes the text part's line folding, so a sentence can be looked for whole.
fn unwire(text: &str) -> String {
    text.replace(['\r', '\n'], "")
}

#[test]
fn emails_carry_the_loaded_prose_from_a_spill_file_that_leaves_no_name_behind() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    let first = server.wait_for(2, WAIT);
    assert!(
        texts_for(&first, "c3")
            .iter()
            .any(|text| text.contains("持续安排出资扩大基金规模")),
        "{:?}",
        texts_for(&first, "c3")
    );
    // The daemon keeps the prose out of memory in an unlinked file: the folder shows only
    // the log and the lock.
    let mut names: Vec<String> = std::fs::read_dir(workspace.path().join("state"))
        .expect("state_dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.starts_with("followup.sqlite3"))
        .collect();
    names.sort();
    assert_eq!(names, ["followup.lock"]);

    // A broken edit that also rewrites c3's text changes nothing the emails say: the
    // running configuration is the one loaded, not the file on disk.
    let good = workspace.read("commitments/letter.toml");
    workspace.replace(
        "commitments/letter.toml",
        &good
            .replace("持续安排出资扩大基金规模", "改写后的承诺")
            .replace("owner = \"省科技厅\"", "owner = \"科技局\""),
    );
    daemon.wait_for_line("still running on the last good one");
    let count = server.received().len();
    let received = server.wait_for(count + 4, WAIT);
    let later = texts_for(&received[count..], "c3");
    assert!(!later.is_empty(), "c3 is still reminded");
    assert!(
        later
            .iter()
            .all(|text| text.contains("持续安排出资扩大基金规模") && !text.contains("改写后的承诺")),
        "{later:?}"
    );

    // A good edit is loaded and spilled again: the new text is what the emails say.
    workspace.replace(
        "commitments/letter.toml",
        &good.replace("持续安排出资扩大基金规模", "改写后的承诺"),
    );
    daemon.wait_for_line("reloaded");
    let count = server.received().len();
    let received = server.wait_for(count + 4, WAIT);
    let after = texts_for(&received[count..], "c3");
    assert!(
        !after.is_empty() && after.iter().all(|text| text.contains("改写后的承诺")),
        "{after:?}"
    );
    let (code, _) = daemon.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn kill_9_during_a_burst_then_restart_loses_nothing_and_repeats_keep_their_message_id() {
    let server = SmtpServer::start(Options::default());
    let mut commitments = String::new();
    for index in 0..12 {
        let owner = if index % 2 == 0 {
            "省科技厅"
        } else {
            "省财政厅"
        };
        commitments.push_str(&format!(
            "[[commitment]]\nid = \"k{index}\"\nowner = \"{owner}\"\ntext = \"承诺{index}\"\n"
        ));
    }
    let schedule =
        "[schedule]\nremind = \"*/1 * * * * *\"\nskip_holidays = false\ndigest = false\n";
    let workspace = workspace(&server, schedule, &commitments);
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    server.wait_for(30, WAIT);
    let mut child = std::mem::replace(
        &mut daemon.child,
        std::process::Command::new("true").spawn().expect("true"),
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    drop(daemon);
    let before_restart = server.received().len();

    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    server.wait_for(before_restart + 24, WAIT);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));

    let received = server.received();
    // Each Message-ID names one (commitment, moment); a repeat must carry the same content.
    let by_id = by_message_id(&received);
    let repeats: Vec<_> = by_id.iter().filter(|(_, list)| list.len() > 1).collect();
    assert!(
        repeats.len() <= 4,
        "at most the in-flight sends are repeated: {repeats:?}"
    );
    for (id, list) in &repeats {
        assert!(
            list.windows(2).all(|pair| pair[0] == pair[1]),
            "{id}: {list:?}"
        );
    }
    // A stop leaves recorded-but-unsent emails pending (no new send starts after SIGTERM);
    // the next start delivers them. Then everything the log holds was delivered, under the
    // recorded Message-ID.
    let flush = output(workspace.followup().args(["run", "--once"]));
    assert!(flush.status.success(), "{}", stderr(&flush));
    let received = server.received();
    let by_id = by_message_id(&received);
    let history = output(workspace.followup().args(["history", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    let rows = rows.as_array().expect("rows");
    assert!(!rows.is_empty());
    for row in rows {
        let id = row["message_id"].as_str().expect("a message id");
        match row["state"].as_str() {
            Some("sent") => assert!(by_id.contains_key(id), "sent but never received: {row}"),
            Some("pending") => panic!("still pending after a restart: {row}"),
            _ => {}
        }
    }
}

#[test]
fn a_451_is_retried_later_without_a_busy_loop_and_then_delivered() {
    let server = SmtpServer::start(Options::default());
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\n";
    let workspace = workspace(&server, schedule, THREE);
    // 省财政厅's mail is deferred twice, then accepted.
    let deferred = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = deferred.clone();
    server.set_data_rule(move |message| {
        if message.rcpt_to.iter().any(|to| to == "czt@example.gov.cn")
            && counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2
        {
            Answer::Reply(451, "4.3.0 try again later".into())
        } else {
            Answer::Accept
        }
    });
    let first = output(workspace.followup().args(["run", "--once"]));
    assert_eq!(
        first.status.code(),
        Some(1),
        "a deferral is reported:\n{}",
        stderr(&first)
    );
    assert!(stderr(&first).contains("retrying at"), "{}", stderr(&first));
    assert_eq!(
        server.received().len(),
        1,
        "省科技厅's first notice went through"
    );

    // The daemon does not hammer the server: the retry waits (30 s first).
    let mut daemon = Running::start_logging(&workspace, "info,followup=debug");
    daemon.wait_for_line("started");
    // After its first pass the daemon goes idle until the retry is due (about 30 s away).
    let idle = daemon.wait_for_line("idle for");
    assert!(!idle.contains("idle for 0"), "{idle}");
    let attempts = server.attempts();
    let (code, _) = daemon.stop();
    assert_eq!(code, Some(0));
    assert_eq!(
        server.attempts(),
        attempts,
        "no attempt before the retry is due"
    );

    // `run --once` sends retries at once: deferred again, then accepted.
    let second = output(workspace.followup().args(["run", "--once"]));
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let third = output(workspace.followup().args(["run", "--once"]));
    assert!(third.status.success(), "{}", stderr(&third));
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(ids(&received[1]), "c3");
    let history = output(workspace.followup().args(["history", "c3", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    assert_eq!(rows[0]["state"], "sent");
    assert_eq!(rows[0]["attempts"], 3);
    assert_eq!(server.attempts(), 4, "exactly one attempt per pass");
}

#[test]
fn a_retry_still_queued_for_a_commitment_marked_done_is_dropped() {
    let server = SmtpServer::start(Options::default());
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\n";
    let workspace = workspace(&server, schedule, THREE);
    server.set_data_rule(|message| {
        if message.rcpt_to.iter().any(|to| to == "czt@example.gov.cn") {
            Answer::Reply(451, "4.3.0 try again later".into())
        } else {
            Answer::Accept
        }
    });
    let first = output(workspace.followup().args(["run", "--once"]));
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let attempts = server.attempts();

    let done = output(workspace.followup().args(["done", "c3"]));
    assert!(done.status.success(), "{}", stderr(&done));
    let second = output(workspace.followup().args(["run", "--once"]));
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        server.attempts(),
        attempts,
        "nothing more is tried for a done commitment"
    );
    let history = output(workspace.followup().args(["history", "c3", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    assert_eq!(rows[0]["state"], "dropped", "{rows}");
}

#[test]
fn a_550_for_one_department_is_recorded_and_reported_to_the_admin() {
    let server = SmtpServer::start(Options::default());
    server.set_rcpt_rule(|address| {
        if address == "czt@example.gov.cn" {
            Answer::Reply(550, "5.1.1 mailbox unavailable".into())
        } else {
            Answer::Accept
        }
    });
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\n";
    let workspace = workspace(&server, schedule, THREE);
    let result = output(workspace.followup().args(["run", "--once"]));
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("refused for good"),
        "{}",
        stderr(&result)
    );
    let received = server.received();
    let to: Vec<&str> = received
        .iter()
        .map(|message| message.rcpt_to[0].as_str())
        .collect();
    assert_eq!(
        to,
        ["kjt@example.gov.cn", "ops@example.gov.cn"],
        "the others delivered, then the report"
    );
    let report = parse(&received[1]);
    let text = report.body_text(0).expect("a text part");
    assert!(
        text.contains("省财政厅") && text.contains("c3") && text.contains("550"),
        "{text}"
    );

    let history = output(workspace.followup().args(["history", "c3", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    assert_eq!(rows[0]["state"], "failed");
    assert!(
        rows[0]["error"]
            .as_str()
            .is_some_and(|error| error.contains("550")),
        "{rows}"
    );

    // A permanent failure is not retried.
    let again = output(workspace.followup().args(["run", "--once"]));
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.received().len(), 2);
}

#[test]
fn sigterm_mid_burst_starts_no_new_send_lets_in_flight_ones_finish_and_exits_0() {
    let server = SmtpServer::start(Options::default());
    let mut commitments = String::new();
    for index in 0..20 {
        commitments.push_str(&format!(
            "[[commitment]]\nid = \"s{index}\"\nowner = \"省科技厅\"\ntext = \"承诺{index}\"\n"
        ));
    }
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\ndigest = false\n";
    let workspace = workspace(&server, schedule, &commitments);
    // The server holds the first message's final answer until the test lets it go, so the
    // burst is in flight when SIGTERM arrives.
    let (release, gate) = mpsc::channel::<()>();
    let (entered, at_gate) = mpsc::channel::<()>();
    let gate = std::sync::Mutex::new((gate, entered));
    let first = std::sync::atomic::AtomicBool::new(true);
    server.set_data_rule(move |_| {
        if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            let gate = gate.lock().expect("the gate lock");
            let _ = gate.1.send(());
            let _ = gate.0.recv_timeout(WAIT);
        }
        Answer::Accept
    });
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    at_gate
        .recv_timeout(WAIT)
        .expect("the first message reaches the server");
    daemon.signal("TERM");
    daemon.wait_for_line("stop requested");
    release.send(()).expect("the server waits at the gate");
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    let delivered = server.received().len();
    assert!(
        (1..=4).contains(&delivered),
        "only the in-flight sends (at most 4) finish after SIGTERM, got {delivered}"
    );
    // The rest stay recorded as pending, and the next start delivers them.
    let history = output(workspace.followup().args(["history", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    let pending = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| row["state"] == "pending")
        .count();
    assert_eq!(pending, 20 - delivered);
    let flush = output(workspace.followup().args(["run", "--once"]));
    assert!(flush.status.success(), "{}", stderr(&flush));
    assert_eq!(server.received().len(), 20);
}

#[test]
fn a_second_daemon_on_the_same_state_dir_refuses_to_start() {
    let server = SmtpServer::start(Options::default());
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\n";
    let workspace = workspace(&server, schedule, THREE);
    let mut first = Running::start(&workspace);
    first.wait_for_line("started");
    let second = output(workspace.followup().arg("run"));
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("another followup daemon")
            && stderr(&second).contains("one daemon per state_dir"),
        "{}",
        stderr(&second)
    );
    let (code, _) = first.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn starttls_with_auth_and_a_private_ca() {
    let server = SmtpServer::start(Options {
        starttls: true,
        require_tls_for_auth: true,
        auth: Some(("duban".into(), "s3cret-密码".into())),
        ..Options::default()
    });
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\n";
    let workspace = workspace(&server, schedule, THREE);
    workspace.write("ca.pem", &server.ca_pem());
    workspace.write("password", "s3cret-密码\n");
    let text = workspace.read("followup.toml").replace(
        "host = \"127.0.0.1\"",
        "host = \"localhost\"\nusername = \"duban\"\npassword_file = \"password\"\nca_file = \"ca.pem\"",
    );
    workspace.write(
        "followup.toml",
        &text.replace("tls = \"none\"", "tls = \"starttls\""),
    );
    let result = output(workspace.followup().args(["run", "--once"]));
    assert!(result.status.success(), "{}", stderr(&result));
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|message| message.tls && message.auth_user.as_deref() == Some("duban"))
    );
    assert!(
        !stderr(&result).contains("s3cret"),
        "the password is never logged"
    );

    // The wrong password is a permanent failure, reported clearly.
    workspace.write("password", "wrong\n");
    let test = output(
        workspace
            .followup()
            .args(["send-test", "--to", "ops@example.gov.cn"]),
    );
    assert_eq!(
        test.status.code(),
        Some(1),
        "{}{}",
        stdout(&test),
        stderr(&test)
    );
    assert!(
        stderr(&test).contains("permanent failure"),
        "{}",
        stderr(&test)
    );
    workspace.write("password", "s3cret-密码\n");
    let test = output(
        workspace
            .followup()
            .args(["send-test", "--to", "ops@example.gov.cn"]),
    );
    assert!(test.status.success(), "{}", stderr(&test));
    assert!(
        stdout(&test).starts_with("250"),
        "the server's answer is printed: {}",
        stdout(&test)
    );
}

/// A one-off schedule: only first notices (2 emails for `THREE`), nothing more for a year.
const ONCE: &str = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\n";

/// Sets `mail.timeout`.
fn set_timeout(workspace: &Workspace, timeout: &str) {
    let text = workspace.read("followup.toml");
    workspace.write(
        "followup.toml",
        &text.replace("timeout = \"5s\"", &format!("timeout = \"{timeout}\"")),
    );
}

/// `followup run --once`, failing the test if it has not ended after `WAIT`: a hang
/// detector, not a timing assertion.
fn run_once_bounded(workspace: &Workspace) -> std::process::Output {
    let child = workspace
        .followup()
        .args(["run", "--once"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("followup runs");
    let pid = child.id();
    let (sender, ended) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match ended.recv_timeout(WAIT) {
        Ok(output) => output.expect("run --once ends"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("`run --once` still running after {WAIT:?}: it hangs");
        }
    }
}

fn history_rows(workspace: &Workspace) -> Vec<serde_json::Value> {
    let history = output(workspace.followup().args(["history", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("history --json");
    rows.as_array().expect("rows").clone()
}

/// The faults, and what the daemon says about each.
const FAULTS: [(Fault, &str); 7] = [
    (
        Fault::StallAt(Stage::Greeting),
        "timed out waiting for the greeting",
    ),
    (Fault::StallAt(Stage::Ehlo), "timed out waiting for EHLO"),
    (
        Fault::StallAt(Stage::Mail),
        "timed out waiting for MAIL FROM",
    ),
    (Fault::StallAt(Stage::Rcpt), "timed out waiting for RCPT TO"),
    (Fault::StallAt(Stage::Data), "timed out waiting for DATA"),
    (Fault::StallAt(Stage::Dot), "outcome unknown"),
    (Fault::DropAfterDot, "outcome unknown"),
];

#[test]
fn run_once_against_a_stalling_or_dropping_server_ends_with_1_and_sends_nothing_twice() {
    for (fault, expected) in FAULTS {
        let server = SmtpServer::start(Options {
            pipelining: true,
            fault: Some(fault),
            ..Options::default()
        });
        let workspace = workspace(&server, ONCE, THREE);
        set_timeout(&workspace, "1s");
        let result = run_once_bounded(&workspace);
        let log = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{fault:?}:\n{log}");
        assert!(log.contains(expected), "{fault:?}:\n{log}");
        assert!(log.contains("retrying at"), "{fault:?}:\n{log}");
        // Each email reached the final dot at most once in the pass.
        assert!(server.attempts() <= 2, "{fault:?}: {}", server.attempts());
        let by_id = by_message_id(&server.received());
        assert!(
            by_id.values().all(|copies| copies.len() == 1),
            "{fault:?}: {by_id:?}"
        );
        // Nothing is counted as sent or failed: all wait for their retry.
        let rows = history_rows(&workspace);
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter().all(|row| row["state"] == "pending"),
            "{fault:?}: {rows:?}"
        );
    }
}

#[test]
fn a_connection_lost_after_the_dot_is_not_resent_before_the_backoff() {
    let server = SmtpServer::start(Options {
        fault: Some(Fault::DropAfterDot),
        ..Options::default()
    });
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let mut daemon = Running::start(&workspace);
    // Several passes, each losing the answer of what it sent.
    for _ in 0..6 {
        daemon.wait_for_line("outcome unknown, not resent before the backoff");
    }
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    let by_id = by_message_id(&server.received());
    assert!(by_id.len() >= 3, "{by_id:?}");
    assert!(
        by_id.values().all(|copies| copies.len() == 1),
        "no Message-ID twice within 30 s: {by_id:?}"
    );
}

/// The notify socket a test reads, as systemd would.
struct NotifySocket {
    socket: std::os::unix::net::UnixDatagram,
    seen: Vec<String>,
}

impl NotifySocket {
    fn bind(path: &std::path::Path) -> NotifySocket {
        let socket = std::os::unix::net::UnixDatagram::bind(path).expect("the socket binds");
        socket.set_read_timeout(Some(WAIT)).expect("a timeout");
        NotifySocket {
            socket,
            seen: Vec::new(),
        }
    }

    /// Reads datagrams until one contains `text`.
    fn wait_for(&mut self, text: &str) {
        let mut buffer = vec![0; 4096];
        loop {
            let mut received = self.socket.recv(&mut buffer);
            while matches!(&received, Err(error) if error.kind() == std::io::ErrorKind::Interrupted)
            {
                received = self.socket.recv(&mut buffer);
            }
            let length = received
                .unwrap_or_else(|error| panic!("no `{text}` ({error}); received: {:?}", self.seen));
            let message = String::from_utf8_lossy(&buffer[..length]).into_owned();
            self.seen.push(message.clone());
            if message.contains(text) {
                return;
            }
        }
    }
}

#[test]
fn a_server_that_never_answers_does_not_stop_the_watchdog_and_sigterm_ends_within_5_s() {
    for fault in [Fault::StallAt(Stage::Greeting), Fault::StallAt(Stage::Dot)] {
        let server = SmtpServer::start(Options {
            pipelining: true,
            fault: Some(fault),
            ..Options::default()
        });
        let workspace = workspace(&server, ONCE, THREE);
        // Long enough that the sends are still stuck when the test ends.
        set_timeout(&workspace, "60s");
        let socket_path = workspace.path().join("notify.sock");
        let mut notify = NotifySocket::bind(&socket_path);
        let mut daemon = Running::start_with_watchdog(&workspace, &socket_path);
        notify.wait_for("READY=1");
        // Pings every half second while both sends hang.
        for _ in 0..5 {
            notify.wait_for("WATCHDOG=1");
        }
        assert!(server.connections() >= 1, "{fault:?}");
        assert!(server.received().is_empty(), "{fault:?}");

        daemon.signal("TERM");
        let started = Instant::now();
        let mut child = std::mem::replace(
            &mut daemon.child,
            std::process::Command::new("true").spawn().expect("true"),
        );
        let (sender, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(child.wait());
        });
        let status = exited
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("{fault:?}: no exit within 5 s of SIGTERM"))
            .expect("the daemon is reaped");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "{fault:?}");
        notify.wait_for("STOPPING=1");
        let mut log = daemon.seen.clone();
        log.extend(daemon.lines.try_iter());
        assert!(
            log.iter()
                .any(|line| line.contains("stopping with sends still in flight")),
            "{fault:?}:\n{}",
            log.join("\n")
        );
        // Both stay pending; a repeat after the backoff carries the same Message-ID.
        let rows = history_rows(&workspace);
        assert!(
            rows.iter().all(|row| row["state"] == "pending"
                && row["error"]
                    .as_str()
                    .is_some_and(|error| error.contains("outcome is unknown"))),
            "{fault:?}: {rows:?}"
        );
    }
}

#[test]
fn a_reminder_with_one_refused_cc_reaches_its_owner_and_the_address_is_reported() {
    let server = SmtpServer::start(Options {
        pipelining: true,
        ..Options::default()
    });
    server.set_rcpt_rule(|address| {
        if address == "nobody@example.gov.cn" {
            Answer::Reply(550, "5.1.1 no such user".into())
        } else {
            Answer::Accept
        }
    });
    let workspace = workspace(&server, ONCE, THREE);
    let text = workspace.read("followup.toml").replace(
        "to = [\"kjt@example.gov.cn\"]",
        "to = [\"kjt@example.gov.cn\"]\ncc = [\"nobody@example.gov.cn\"]",
    );
    workspace.write("followup.toml", &text);
    let result = run_once_bounded(&workspace);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("refused: nobody@example.gov.cn (550 5.1.1 no such user)"),
        "{}",
        stderr(&result)
    );
    let received = server.received();
    let reminder = received
        .iter()
        .find(|message| ids(message) == "c1, c2")
        .expect("the owner's reminder arrived");
    assert_eq!(reminder.rcpt_to, ["kjt@example.gov.cn"]);
    assert_eq!(
        header(reminder, "Cc"),
        "nobody@example.gov.cn",
        "the header still names the cc"
    );
    let report = received
        .iter()
        .find(|message| message.rcpt_to == ["ops@example.gov.cn"])
        .expect("the admin hears about it");
    let text = parse(report)
        .body_text(0)
        .expect("a text part")
        .into_owned();
    assert!(
        text.contains("nobody@example.gov.cn") && text.contains("550") && text.contains("c1"),
        "{text}"
    );
    let rows = history_rows(&workspace);
    assert!(rows.iter().all(|row| row["state"] == "sent"), "{rows:?}");
}

#[test]
fn after_a_535_correcting_the_password_and_reloading_delivers_the_held_emails() {
    let server = SmtpServer::start(Options {
        starttls: true,
        require_tls_for_auth: true,
        auth: Some(("duban".into(), "s3cret-密码".into())),
        pipelining: true,
        ..Options::default()
    });
    let workspace = workspace(&server, ONCE, THREE);
    workspace.write("ca.pem", &server.ca_pem());
    workspace.write("password", "wrong\n");
    let text = workspace.read("followup.toml").replace(
        "host = \"127.0.0.1\"",
        "host = \"localhost\"\nusername = \"duban\"\npassword_file = \"password\"\nca_file = \"ca.pem\"",
    );
    workspace.write(
        "followup.toml",
        &text.replace("tls = \"none\"", "tls = \"starttls\""),
    );
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("held until the credentials work");
    // The alert goes through the same server, which refuses the same credentials: logged.
    daemon.wait_for_line("could not alert the admin");
    assert!(server.received().is_empty());
    let rows = history_rows(&workspace);
    assert!(
        rows.iter().all(|row| row["state"] == "pending"),
        "held, not failed: {rows:?}"
    );

    workspace.write("password", "s3cret-密码\n");
    daemon.signal("HUP");
    daemon.wait_for_line("held emails are sent");
    let received = server.wait_for(2, WAIT);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    let mut delivered: Vec<String> = received.iter().map(ids).collect();
    delivered.sort();
    assert_eq!(delivered, ["c1, c2", "c3"]);
    assert!(
        received
            .iter()
            .all(|message| message.auth_user.as_deref() == Some("duban"))
    );
    let rows = history_rows(&workspace);
    assert!(rows.iter().all(|row| row["state"] == "sent"), "{rows:?}");
    assert!(
        log.iter().all(|line| !line.contains("s3cret")),
        "the password is never logged"
    );
}

#[test]
fn send_test_against_a_silent_server_reports_the_timeout() {
    let server = SmtpServer::start(Options {
        fault: Some(Fault::StallAt(Stage::Greeting)),
        ..Options::default()
    });
    let workspace = workspace(&server, ONCE, THREE);
    set_timeout(&workspace, "1s");
    let child = workspace
        .followup()
        .args(["send-test", "--to", "ops@example.gov.cn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("followup runs");
    let (sender, ended) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let result = ended
        .recv_timeout(WAIT)
        .expect("send-test returns")
        .expect("send-test ends");
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        stderr(&result).trim(),
        "error: temporary failure: timed out waiting for the greeting"
    );
}

#[test]
fn a_reload_during_a_hanging_send_is_applied_once_the_send_times_out() {
    let server = SmtpServer::start(Options {
        fault: Some(Fault::StallAt(Stage::Rcpt)),
        ..Options::default()
    });
    let workspace = workspace(&server, ONCE, THREE);
    set_timeout(&workspace, "2s");
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    daemon.signal("HUP");
    daemon.wait_for_line("timed out waiting for RCPT TO");
    daemon.wait_for_line("reloaded");
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
}

#[test]
fn a_burst_reuses_at_most_four_connections_without_a_noop_per_message_and_quits() {
    let server = SmtpServer::start(Options {
        pipelining: true,
        ..Options::default()
    });
    let mut commitments = String::new();
    for index in 0..12 {
        commitments.push_str(&format!(
            "[[commitment]]\nid = \"p{index}\"\nowner = \"省科技厅\"\ntext = \"承诺{index}\"\n"
        ));
    }
    let schedule = "[schedule]\nremind = \"0 9 1 1 *\"\nskip_holidays = false\ndigest = false\n";
    let workspace = workspace(&server, schedule, &commitments);
    let result = run_once_bounded(&workspace);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(server.received().len(), 12);
    assert_eq!(server.commands("MAIL"), 12);
    assert_eq!(
        server.commands("NOOP"),
        0,
        "no liveness check within a burst"
    );
    let connections = server.connections();
    assert!((1..=4).contains(&connections), "{connections} connections");
    assert_eq!(
        server.commands("EHLO"),
        connections,
        "one session per connection"
    );
    assert_eq!(server.commands("QUIT"), connections, "each closed politely");
}
