//! Issue 11's acceptance against the real binary and real servers: a department's reply
//! delivered to Dovecot is read by the daemon's IMAP intake (IDLE push, one cycle) and
//! recorded as a pending done claim with its attachment; the department is no longer
//! reminded of it, the reviewer gets a notice and the department a receipt; `followup done`
//! closes it and `followup reject` reopens another; kill -9 during intake, then a restart, loses no reply
//! and records none twice.

use serde_json::Value;

use crate::daemon::Running;
use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::support::{Workspace, output, stderr, stdout};

/// The office's configuration: [inbox] on the private Dovecot, reminders to files.
fn workspace(dovecot: &Dovecot) -> Workspace {
    let workspace = Workspace::new();
    let password = workspace.write("imap-password", &format!("{PASSWORD}\n"));
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    workspace.write(
        "followup.toml",
        &format!(
            r#"timezone = "Asia/Shanghai"
state_dir = "state"

[mail]
from = "督办室 <duban@example.gov.cn>"
reply_to = "duban@example.gov.cn"
admin = ["ops@example.gov.cn"]
transport = "file"

[schedule]
remind = "0 0 9 * * Mon"

[replies]
reviewer = ["reviewer@example.gov.cn"]

[inbox]
url = "imaps://127.0.0.1:{port}"
username = "{USER}"
password_file = "imap-password"
ca_file = "{ca}"
timeout = "10s"

[departments."省财政厅"]
name = "吉林省财政厅"
to = ["czt@example.gov.cn"]
reply_from = ["*@czt.example.gov.cn"]
"#,
            port = dovecot.imaps_port,
            ca = dovecot.ca_file.display()
        ),
    );
    workspace.write(
        "commitments/jl-2025-ai.toml",
        r#"[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"
replied_on = 2025-05-23

[[commitment]]
id = "jl-2025-ai-3"
owner = "省财政厅"
text = "持续安排出资扩大基金规模"
due = 2026-12-31

[[commitment]]
id = "jl-2025-ai-4"
owner = "省财政厅"
text = "研究设立人工智能产业专项资金"
due = 2026-12-31
"#,
    );
    workspace
}

/// A reply from the department's staff, with a PDF report attached.
fn reply_with_attachment(message_id: &str, id: &str, body: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?5byg5LiJ?= <zhangsan@czt.example.gov.cn>\r\n\
To: duban@example.gov.cn\r\n\
Subject: =?UTF-8?B?5Zue5aSN77ya?= [督办 {id}]\r\n\
Message-ID: <{message_id}>\r\n\
Date: Tue, 1 Dec 2026 10:00:00 +0800\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
{body}\r\n\
\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"=?UTF-8?B?5Yqe55CG5oOF5Ya15oql5ZGKLnBkZg==?=\"\r\n\
Content-Disposition: attachment; filename=\"=?UTF-8?B?5Yqe55CG5oOF5Ya15oql5ZGKLnBkZg==?=\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==\r\n\
--b1--\r\n"
    )
    .into_bytes()
}

fn json(workspace: &Workspace, args: &[&str]) -> Value {
    let result = output(workspace.followup().args(args));
    assert!(result.status.success(), "{args:?}: {}", stderr(&result));
    serde_json::from_str(&stdout(&result)).expect("JSON")
}

/// The displayed state (`open`, `reported`, `done`) of one commitment.
fn state_of(workspace: &Workspace, id: &str) -> String {
    json(workspace, &["list", "--status", "all", "--json"])
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == id)
        .and_then(|row| row["state"].as_str())
        .expect("the commitment is listed")
        .to_string()
}

/// Every email in the file transport's outbox: (subject, first To address, text).
fn outbox(workspace: &Workspace) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(workspace.path().join("state/outbox")) else {
        return found;
    };
    for entry in entries.flatten() {
        let bytes = std::fs::read(entry.path()).expect("an outbox file");
        let message = mail_parser::MessageParser::default()
            .parse(&bytes)
            .expect("the outbox holds emails");
        let to = message
            .to()
            .and_then(|to| to.first())
            .and_then(|address| address.address())
            .unwrap_or_default()
            .to_string();
        found.push((
            message.subject().unwrap_or_default().to_string(),
            to,
            message.body_text(0).unwrap_or_default().into_owned(),
        ));
    }
    found.sort();
    found
}

fn reports(workspace: &Workspace) -> Vec<Value> {
    let result = output(workspace.followup().args(["reports", "--json"]));
    assert!(result.status.success(), "{}", stderr(&result));
    let parsed: Value = serde_json::from_str(&stdout(&result)).expect("reports --json is JSON");
    match parsed {
        Value::Array(rows) => rows,
        Value::Object(mut object) => match object.remove("reports") {
            Some(Value::Array(rows)) => rows,
            other => panic!("no reports array: {other:?}"),
        },
        other => panic!("unexpected JSON: {other}"),
    }
}

fn of<'a>(rows: &'a [Value], message_id: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["message_id"].as_str() == Some(&format!("<{message_id}>")))
        .unwrap_or_else(|| panic!("no report for {message_id} in {rows:#?}"))
}

#[test]
fn a_reply_delivered_to_dovecot_becomes_a_pending_done_claim_then_done_or_rejected() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let workspace = workspace(&dovecot);
    // At the most verbose level: the password must not show even there.
    let mut daemon = Running::start_logging(&workspace, "trace");
    daemon.wait_for_line("reading replies from the IMAP mailbox");
    dovecot.deliver(
        "INBOX",
        &reply_with_attachment(
            "a3@czt.example.gov.cn",
            "jl-2025-ai-3",
            "jl-2025-ai-3 已办结，报告见附件",
        ),
    );
    let recorded = daemon.wait_for_line("uid=1");
    // The pass the recorded reply triggers sends the notices; once it has ended, the
    // outbox holds them.
    daemon.wait_for_line("pass took");
    let rows = reports(&workspace);
    assert!(!rows.is_empty(), "{recorded}");
    let claim = of(&rows, "a3@czt.example.gov.cn");
    assert_eq!(claim["commitment"], "jl-2025-ai-3", "{claim:#}");
    assert_eq!(claim["intent"], "done", "{claim:#}");
    assert_eq!(claim["state"], "pending", "{claim:#}");
    assert_eq!(claim["mailbox"], "INBOX", "{claim:#}");
    assert_eq!(claim["uid"], 1, "{claim:#}");
    let attachments = claim["attachments"].as_array().expect("attachments listed");
    assert_eq!(attachments.len(), 1, "{claim:#}");
    assert_eq!(attachments[0]["name"], "办理情况报告.pdf", "{claim:#}");
    assert_eq!(
        attachments[0]["content_type"], "application/pdf",
        "{claim:#}"
    );
    let stored = workspace
        .path()
        .join(attachments[0]["path"].as_str().expect("a path"));
    let bytes = std::fs::read(&stored).expect("the attachment is stored");
    assert!(bytes.starts_with(b"%PDF-1.4"), "{}", stored.display());
    // Processed: flagged in the mailbox, never deleted.
    let messages = dovecot.messages("INBOX");
    assert_eq!(messages.len(), 1);
    assert!(messages[0].1.contains("$FollowupDone"), "{messages:?}");

    // The department is no longer reminded of it while the claim waits (办结待审) …
    assert_eq!(state_of(&workspace, "jl-2025-ai-3"), "reported");
    let plan = json(&workspace, &["plan", "--days", "30", "--json"]);
    for email in plan.as_array().expect("emails") {
        let about_it = email["commitments"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == "jl-2025-ai-3"));
        assert!(
            !about_it || email["to"] == serde_json::json!(["reviewer@example.gov.cn"]),
            "only the reviewer hears of jl-2025-ai-3 now: {email}"
        );
    }
    // … and the daemon sends the reviewer's notice and the department's receipt.
    assert_eq!(
        daemon.logged("answer notice"),
        2,
        "a receipt and a reviewer's notice"
    );
    let sent = outbox(&workspace);
    assert!(
        sent.iter()
            .any(|(subject, to, body)| subject.starts_with("【待审核】")
                && to == "reviewer@example.gov.cn"
                && body.contains("jl-2025-ai-3")),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|(subject, to, _)| subject.starts_with("已收到")
                && to == "zhangsan@czt.example.gov.cn"),
        "{sent:?}"
    );

    // The office confirms: the commitment is done and the report accepted.
    let done = output(workspace.followup().args(["done", "jl-2025-ai-3"]));
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        workspace
            .read("commitments/jl-2025-ai.toml")
            .contains("status = \"done\""),
        "{}",
        workspace.read("commitments/jl-2025-ai.toml")
    );
    assert_eq!(
        of(&reports(&workspace), "a3@czt.example.gov.cn")["state"],
        "accepted"
    );

    // A second claim, for the other commitment, is sent back (退回).
    dovecot.deliver(
        "INBOX",
        &reply_with_attachment(
            "a4@czt.example.gov.cn",
            "jl-2025-ai-4",
            "jl-2025-ai-4 已完成",
        ),
    );
    daemon.wait_for_line("uid=2");
    daemon.wait_for_line("pass took");
    assert_eq!(
        of(&reports(&workspace), "a4@czt.example.gov.cn")["state"],
        "pending"
    );
    let reject = output(workspace.followup().args([
        "reject",
        "jl-2025-ai-4",
        "--note",
        "请补充资金到位凭证",
    ]));
    assert!(reject.status.success(), "{}", stderr(&reject));
    assert_eq!(
        of(&reports(&workspace), "a4@czt.example.gov.cn")["state"],
        "rejected"
    );
    // Sent back: open again, and reminded again (the loop resumes).
    assert_eq!(state_of(&workspace, "jl-2025-ai-4"), "open");
    assert_eq!(state_of(&workspace, "jl-2025-ai-3"), "done");
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    assert!(
        !log.join("\n").contains(PASSWORD),
        "the password never shows"
    );
}

#[test]
fn kill_9_during_intake_then_restart_loses_no_reply_and_records_none_twice() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let workspace = workspace(&dovecot);
    const COUNT: usize = 30;
    for number in 1..=COUNT {
        dovecot.deliver(
            "INBOX",
            &reply_with_attachment(
                &format!("p{number}@czt.example.gov.cn"),
                "jl-2025-ai-3",
                &format!("jl-2025-ai-3 进展情况第{number}次：资金已拨付一部分"),
            ),
        );
    }
    let mut daemon = Running::start_logging(&workspace, "info");
    // Killed as soon as the first reply is recorded, somewhere in the middle of the batch.
    daemon.wait_for_line("reply:");
    daemon.signal("KILL");
    drop(daemon);
    let mut daemon = Running::start_logging(&workspace, "info");
    daemon.wait_for_line("reading replies from the IMAP mailbox");
    // A sentinel after the batch: once it is recorded, everything before it is.
    dovecot.deliver(
        "INBOX",
        &reply_with_attachment(
            "sentinel@czt.example.gov.cn",
            "jl-2025-ai-3",
            "jl-2025-ai-3 进展情况：最后一次",
        ),
    );
    daemon.wait_for_line(&format!("uid={}", COUNT + 1));
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    let rows = reports(&workspace);
    let mut ids: Vec<&str> = rows
        .iter()
        .filter_map(|row| row["message_id"].as_str())
        .collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a reply was recorded twice: {rows:#?}");
    assert_eq!(ids.len(), COUNT + 1, "a reply was lost: {ids:?}");
    // Every message is flagged processed, none deleted.
    let messages = dovecot.messages("INBOX");
    assert_eq!(messages.len(), COUNT + 1);
    assert!(
        messages
            .iter()
            .all(|(_, flags)| flags.contains("$FollowupDone")),
        "{messages:?}"
    );
}

#[test]
fn a_reload_re_reads_the_imap_password() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let workspace = workspace(&dovecot);
    workspace.write("imap-password", "not-the-password\n");
    let mut daemon = Running::start_logging(&workspace, "info");
    let refused = daemon.wait_for_line("refused the login");
    assert!(!refused.contains("not-the-password"), "{refused}");
    // The office fixes the password file and reloads: intake restarts with it.
    workspace.write("imap-password", &format!("{PASSWORD}\n"));
    daemon.signal("HUP");
    daemon.wait_for_line("reloaded");
    dovecot.deliver(
        "INBOX",
        &reply_with_attachment(
            "late@czt.example.gov.cn",
            "jl-2025-ai-3",
            "jl-2025-ai-3 进展：资金已拨付",
        ),
    );
    daemon.wait_for_line("uid=1");
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    assert_eq!(
        of(&reports(&workspace), "late@czt.example.gov.cn")["intent"],
        "progress"
    );
}
