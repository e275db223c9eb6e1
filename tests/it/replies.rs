//! Answers by email, through the real binary: every fixture in `tests/replies/` (Outlook,
//! Foxmail, Coremail, iOS Mail; UTF-8, GBK, GB18030; quotes, attachments, an auto-reply, a
//! forged sender, DMARC failure, comma-joined References, a reply matching nothing, broken
//! MIME, a delivery report) fed to `followup receive` after a real reminder was recorded,
//! each with its expected outcome; duplicates, a huge attachment, a kill -9 mid-way, and the
//! review loop (`reports`, `done`, `reject`, `extend`).

use std::io::Write as _;
use std::process::{Output, Stdio};

use crate::support::{Workspace, fixtures, output, stderr, stdout};

const MAIN: &str = r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]
language = "zh"

[mail]
from = "督办室 <duban@example.gov.cn>"
reply_to = "duban@example.gov.cn"
admin = ["ops@example.gov.cn"]
transport = "file"

[schedule]
remind = "0 9 * * *"
on_new = true
skip_holidays = false
review_within = 2

[replies]
reviewer = ["reviewer@example.gov.cn"]
authserv_id = "mx.example.gov.cn"
max_attachment_mib = 1

[departments."省科技厅"]
aliases = ["科技厅"]
to = ["office@kjt.example.gov.cn"]
reply_from = ["*@kjt.example.gov.cn"]

[departments."省财政厅"]
aliases = ["财政厅"]
to = ["office@czt.example.gov.cn"]
reply_from = ["*@czt.example.gov.cn"]
"#;

const COMMITMENTS: &str = r#"[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"
replied_on = 2025-05-23
due = 2030-12-31

# 主办：科技厅
[[commitment]]
id = "jl-2025-ai-1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"

[[commitment]]
id = "jl-2025-ai-2"
owner = "省财政厅"
text = "安排专项资金支持算力平台"

[[commitment]]
id = "jl-2025-ai-3"
owner = "省科技厅"
text = "制定通用人工智能创新方案"

[[commitment]]
id = "jl-2025-ai-4"
owner = "省科技厅"
co_owners = ["省财政厅"]
text = "建设省级算力平台"
"#;

/// A workspace whose log holds one real reminder per department (`run --once`, file
/// transport), and the Message-ID of 省科技厅's.
pub(crate) fn reminded() -> (Workspace, String) {
    let workspace = Workspace::new();
    workspace.write("followup.toml", MAIN);
    workspace.write("commitments/jl-2025-ai.toml", COMMITMENTS);
    let run = output(workspace.followup().args(["run", "--once"]));
    assert!(run.status.success(), "{}", stderr(&run));
    let history = output(
        workspace
            .followup()
            .args(["history", "jl-2025-ai-1", "--json"]),
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("JSON");
    let reminder = rows[0]["message_id"]
        .as_str()
        .expect("a recorded reminder")
        .to_string();
    (workspace, reminder)
}

pub(crate) fn fixture(name: &str, reminder: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixtures().join("replies").join(name)).expect("the fixture exists");
    // Fixtures are bytes (GBK, GB18030); the placeholder is ASCII.
    let mut out = Vec::new();
    let placeholder = b"{{REMINDER}}";
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index..].starts_with(placeholder) {
            out.extend_from_slice(reminder.as_bytes());
            index += placeholder.len();
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    out
}

pub(crate) fn receive(workspace: &Workspace, raw: &[u8]) -> Output {
    let mut child = workspace
        .followup()
        .arg("receive")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(raw)
        .expect("the message is written");
    child.wait_with_output().expect("the binary ends")
}

fn reports(workspace: &Workspace, args: &[&str]) -> Vec<serde_json::Value> {
    let result = output(workspace.followup().arg("reports").args(args).arg("--json"));
    assert!(result.status.success(), "{}", stderr(&result));
    serde_json::from_str::<serde_json::Value>(&stdout(&result))
        .expect("reports --json prints JSON")
        .as_array()
        .expect("an array")
        .clone()
}

/// (commitment, intent, state) of every report of the message with this Message-ID.
fn outcome(rows: &[serde_json::Value], message_id: &str) -> Vec<Triple> {
    rows.iter()
        .filter(|row| row["message_id"] == message_id)
        .map(|row| {
            (
                row["commitment"].as_str().unwrap_or("-").to_string(),
                row["intent"].as_str().unwrap_or_default().to_string(),
                row["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// (commitment, intent, state).
type Triple = (String, String, String);

fn triple(commitment: &str, intent: &str, state: &str) -> Triple {
    (commitment.into(), intent.into(), state.into())
}

#[test]
fn every_fixture_has_its_outcome_and_none_is_lost() {
    let (workspace, reminder) = reminded();
    let cases: &[(&str, &str, Vec<Triple>)] = &[
        (
            "outlook-zh-done.eml",
            "<TYZPR06MB5129A1B2C3D4E5F6@TYZPR06MB5129.apcprd06.prod.outlook.com>",
            vec![triple("jl-2025-ai-1", "done", "pending")],
        ),
        (
            "foxmail-gbk-progress.eml",
            "<tencent_9F3A1C2B4D5E6F708192A3B4C5D6E7F8A809@qq.com>",
            vec![triple("jl-2025-ai-2", "progress", "accepted")],
        ),
        (
            "coremail-gb18030-extension.eml",
            "<6a1f2e3d.4c5b.18c2a1b2c3d.Coremail.zhangwei@kjt.example.gov.cn>",
            vec![triple("jl-2025-ai-4", "extension", "pending")],
        ),
        (
            "ios-mail-progress.eml",
            "<8E0C4B7A-1F2D-4C3B-9A8E-7D6C5B4A3F21@kjt.example.gov.cn>",
            vec![triple("jl-2025-ai-3", "progress", "accepted")],
        ),
        (
            "auto-reply.eml",
            "<auto.1733014805@kjt.example.gov.cn>",
            vec![
                triple("jl-2025-ai-1", "progress", "ignored"),
                triple("jl-2025-ai-3", "progress", "ignored"),
                triple("jl-2025-ai-4", "progress", "ignored"),
            ],
        ),
        (
            "forged-sender.eml",
            "<forged.1@evil.example.com>",
            vec![triple("jl-2025-ai-1", "done", "unverified")],
        ),
        (
            "dmarc-fail.eml",
            "<spoofed.2@mail.example.net>",
            vec![triple("jl-2025-ai-1", "done", "unverified")],
        ),
        (
            "comma-references.eml",
            "<SG2PR01MB2345ABCDEF@SG2PR01MB2345.apcprd01.prod.exchangelabs.com>",
            vec![triple("jl-2025-ai-4", "progress", "accepted")],
        ),
        (
            "unmatched.eml",
            "<question.9@kjt.example.gov.cn>",
            vec![triple("-", "progress", "unmatched")],
        ),
        (
            "malformed-mime.eml",
            "<broken.10@kjt.example.gov.cn>",
            vec![triple("jl-2025-ai-3", "progress", "accepted")],
        ),
        (
            "outlook-html-only-done.eml",
            "<SEZPR06MB6958C0FFEE@SEZPR06MB6958.apcprd06.prod.outlook.com>",
            vec![triple("jl-2025-ai-2", "done", "pending")],
        ),
        (
            "delivery-report.eml",
            "<20251201010100.ABC@mx.example.gov.cn>",
            vec![triple("jl-2025-ai-1", "progress", "ignored")],
        ),
    ];
    for (name, _, _) in cases {
        let result = receive(&workspace, &fixture(name, &reminder));
        assert_eq!(result.status.code(), Some(0), "{name}: {}", stderr(&result));
        assert!(
            stdout(&result).starts_with("recorded "),
            "{name}: {}",
            stdout(&result)
        );
    }
    let rows = reports(&workspace, &[]);
    for (name, message_id, expected) in cases {
        assert_eq!(&outcome(&rows, message_id), expected, "{name}");
    }
    let listed: usize = cases.iter().map(|(_, _, expected)| expected.len()).sum();
    assert_eq!(rows.len(), listed, "no report more or less than expected");

    // What was read: the new text only, decoded from GBK/GB18030, attachments by name.
    let find = |message_id: &str| {
        rows.iter()
            .find(|row| row["message_id"] == message_id)
            .expect("the report")
            .clone()
    };
    let outlook = find("<TYZPR06MB5129A1B2C3D4E5F6@TYZPR06MB5129.apcprd06.prod.outlook.com>");
    assert_eq!(
        outlook["text"],
        "jl-2025-ai-1 已办结，报告见附件。\n\n省科技厅 李明"
    );
    assert_eq!(outlook["sender"], "office@kjt.example.gov.cn");
    assert_eq!(outlook["attachments"][0]["name"], "办理情况报告.docx");
    let stored = outlook["attachments"][0]["path"].as_str().expect("stored");
    let bytes = std::fs::read(workspace.path().join(stored)).expect("the attachment is on disk");
    assert!(bytes.starts_with(b"PK\x03\x04"));
    assert_eq!(outlook["attachments"][0]["size"], bytes.len());
    let foxmail = find("<tencent_9F3A1C2B4D5E6F708192A3B4C5D6E7F8A809@qq.com>");
    assert_eq!(
        foxmail["text"],
        "财政厅关于 jl-2025-ai-2 的进展：资金已下达第一批，第二批正在审核。\n\n王芳"
    );
    let coremail = find("<6a1f2e3d.4c5b.18c2a1b2c3d.Coremail.zhangwei@kjt.example.gov.cn>");
    assert_eq!(coremail["requested_date"], "2026-03-31");
    assert_eq!(coremail["attachments"][0]["name"], "延期申请.pdf");
    assert!(
        !coremail["text"]
            .as_str()
            .unwrap_or_default()
            .contains("写道")
    );
    let ios = find("<8E0C4B7A-1F2D-4C3B-9A8E-7D6C5B4A3F21@kjt.example.gov.cn>");
    assert_eq!(
        ios["text"],
        "jl-2025-ai-3 目前正在推进，已完成方案起草，下周报送。\n\n发自我的iPhone"
    );
    let html = find("<SEZPR06MB6958C0FFEE@SEZPR06MB6958.apcprd06.prod.outlook.com>");
    assert_eq!(
        html["text"],
        "已落实。\n算力平台一期已于11月底投入运行，详见附件报告。\n财政厅 赵敏"
    );
    let forged = find("<forged.1@evil.example.com>");
    assert!(
        forged["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("kjt-office@evil.example.com"),
        "{forged}"
    );
    let dmarc = find("<spoofed.2@mail.example.net>");
    assert!(
        dmarc["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("dmarc=fail")
    );

    // The review queue: done claims and extension requests, unverified and unmatched.
    let pending = reports(&workspace, &["--pending"]);
    let mut states: Vec<(String, String)> = pending
        .iter()
        .map(|row| {
            (
                row["commitment"].as_str().unwrap_or("-").to_string(),
                row["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            ("-".to_string(), "unmatched".to_string()),
            ("jl-2025-ai-1".to_string(), "pending".to_string()),
            ("jl-2025-ai-1".to_string(), "unverified".to_string()),
            ("jl-2025-ai-1".to_string(), "unverified".to_string()),
            ("jl-2025-ai-2".to_string(), "pending".to_string()),
            ("jl-2025-ai-4".to_string(), "pending".to_string()),
        ]
    );

    // The office settles the queue: an unmatched answer needs a commitment named.
    let unmatched = find("<question.9@kjt.example.gov.cn>")["id"].to_string();
    let result = output(
        workspace
            .followup()
            .args(["reports", "--accept", &unmatched]),
    );
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("--for ID"), "{}", stderr(&result));
    let result = output(workspace.followup().args([
        "reports",
        "--accept",
        &unmatched,
        "--for",
        "jl-2025-ai-3",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let dmarc_id = dmarc["id"].to_string();
    let result = output(
        workspace
            .followup()
            .args(["reports", "--dismiss", &dmarc_id]),
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let result = output(
        workspace
            .followup()
            .args(["reports", "--dismiss", &dmarc_id]),
    );
    assert_eq!(result.status.code(), Some(1), "only once");
    let rows = reports(&workspace, &[]);
    assert_eq!(
        outcome(&rows, "<question.9@kjt.example.gov.cn>"),
        [triple("jl-2025-ai-3", "progress", "accepted")]
    );
    assert_eq!(
        outcome(&rows, "<spoofed.2@mail.example.net>"),
        [triple("jl-2025-ai-1", "done", "ignored")]
    );
    assert_eq!(reports(&workspace, &["--pending"]).len(), 4);

    // The same message again is a duplicate: recorded once.
    let again = receive(&workspace, &fixture("outlook-zh-done.eml", &reminder));
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).starts_with("duplicate: "),
        "{}",
        stdout(&again)
    );
    assert_eq!(reports(&workspace, &[]).len(), listed);
}

#[test]
fn not_a_mail_is_refused_and_an_unwritable_log_is_a_temporary_failure() {
    let (workspace, _) = reminded();
    let result = receive(&workspace, b"\x00\x01binary garbage");
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("refused"), "{}", stderr(&result));
    let result = receive(&workspace, b"");
    assert_eq!(result.status.code(), Some(1));

    // The log cannot be opened (its path is a folder): 75, the mail server keeps the message.
    let broken = Workspace::new();
    broken.write("followup.toml", MAIN);
    broken.write("commitments/jl-2025-ai.toml", COMMITMENTS);
    std::fs::create_dir_all(broken.path().join("state/followup.sqlite3")).expect("a folder");
    let raw = fixture("unmatched.eml", "<none@example>");
    let result = receive(&broken, &raw);
    assert_eq!(result.status.code(), Some(75), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("try again later"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn a_huge_attachment_is_listed_not_stored() {
    let (workspace, reminder) = reminded();
    // 2 MiB against `max_attachment_mib = 1`.
    let payload = vec![b'x'; 2 * 1024 * 1024];
    let encoded = {
        use std::fmt::Write as _;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = String::new();
        for (index, chunk) in payload.chunks(3).enumerate() {
            let word = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for shift in [18, 12, 6, 0].iter().take(chunk.len() + 1) {
                text.push(char::from(alphabet[((word >> shift) & 63) as usize]));
            }
            for _ in chunk.len()..3 {
                text.push('=');
            }
            if index % 19 == 18 {
                let _ = write!(text, "\r\n");
            }
        }
        text
    };
    let raw = format!(
        "From: office@kjt.example.gov.cn\r\nTo: duban@example.gov.cn\r\nSubject: big\r\nMessage-ID: <huge.1@kjt.example.gov.cn>\r\nIn-Reply-To: {reminder}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\njl-2025-ai-3 已办结\r\n--b\r\nContent-Type: application/pdf; name=\"big.pdf\"\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n"
    );
    let result = receive(&workspace, raw.as_bytes());
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let rows = reports(&workspace, &["jl-2025-ai-3"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["state"], "pending");
    let attachment = &rows[0]["attachments"][0];
    assert_eq!(attachment["name"], "big.pdf");
    assert_eq!(attachment["size"], 2 * 1024 * 1024);
    assert!(attachment["path"].is_null());
    assert!(
        attachment["refused"]
            .as_str()
            .unwrap_or_default()
            .contains("max_attachment_mib")
    );
    let stored = workspace.path().join("state/attachments");
    let files = walk(&stored);
    assert!(files.iter().all(|size| *size < 1024 * 1024), "{files:?}");
}

fn walk(folder: &std::path::Path) -> Vec<u64> {
    let mut sizes = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return sizes;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sizes.extend(walk(&path));
        } else if let Ok(metadata) = entry.metadata() {
            sizes.push(metadata.len());
        }
    }
    sizes
}

/// Every `.eml` in the file transport's outbox, parsed: (subject, to, in-reply-to, text).
fn outbox(workspace: &Workspace) -> Vec<(String, String, String, String)> {
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
            .and_then(|addr| addr.address())
            .unwrap_or_default()
            .to_string();
        let in_reply_to = message
            .in_reply_to()
            .as_text()
            .map(|id| format!("<{id}>"))
            .unwrap_or_default();
        found.push((
            message.subject().unwrap_or_default().to_string(),
            to,
            in_reply_to,
            message.body_text(0).unwrap_or_default().into_owned(),
        ));
    }
    found.sort();
    found
}

fn json(workspace: &Workspace, args: &[&str]) -> serde_json::Value {
    let result = output(workspace.followup().args(args));
    assert!(result.status.success(), "{args:?}: {}", stderr(&result));
    serde_json::from_str(&stdout(&result)).expect("JSON")
}

fn state_of(workspace: &Workspace, id: &str) -> String {
    let rows = json(workspace, &["list", "--status", "all", "--json"]);
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == id)
        .and_then(|row| row["state"].as_str())
        .expect("the commitment is listed")
        .to_string()
}

#[test]
fn the_review_loop_end_to_end() {
    let (workspace, reminder) = reminded();
    let reminders_sent = outbox(&workspace).len();
    assert_eq!(reminders_sent, 2, "one reminder per department");
    assert_eq!(state_of(&workspace, "jl-2025-ai-1"), "open");

    // The owner answers the reminder: a done claim with its report attached.
    let result = receive(&workspace, &fixture("outlook-zh-done.eml", &reminder));
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert_eq!(state_of(&workspace, "jl-2025-ai-1"), "reported");
    let table = stdout(&output(workspace.followup().args(["list"])));
    assert!(table.contains("reported"), "{table}");
    assert!(table.contains("LATEST ANSWER"), "{table}");
    let rows = json(&workspace, &["list", "--json"]);
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == "jl-2025-ai-1")
        .expect("listed")
        .clone();
    assert_eq!(row["light"], "blue");
    let answer = row["latest_answer"].as_str().expect("the latest answer");
    assert!(
        answer.contains("日 jl-2025-ai-1 已办结，报告见附件。"),
        "{answer}"
    );

    // No reminder to the department while it waits; after two working days, the reviewer's.
    let plan = json(&workspace, &["plan", "--days", "10", "--json"]);
    let emails = plan.as_array().expect("emails");
    let about_1: Vec<&serde_json::Value> = emails
        .iter()
        .filter(|email| {
            email["commitments"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|id| id == "jl-2025-ai-1"))
        })
        .collect();
    assert!(
        !about_1.is_empty(),
        "the reviewer is reminded once the review is late"
    );
    for email in &about_1 {
        assert_eq!(
            email["to"],
            serde_json::json!(["reviewer@example.gov.cn"]),
            "{email}"
        );
        assert_eq!(email["why"][0]["kind"], "review");
        let answer = email["why"][0]["latest_answer"]
            .as_str()
            .unwrap_or_default();
        assert!(answer.contains("jl-2025-ai-1 已办结"), "{email}");
    }
    assert!(
        emails
            .iter()
            .any(|email| email["to"] == serde_json::json!(["office@kjt.example.gov.cn"])),
        "the department is still reminded of its other commitments"
    );

    // The daemon sends the receipt (threaded to the answer) and the reviewer's notice, once.
    let run = output(workspace.followup().args(["run", "--once"]));
    assert!(run.status.success(), "{}", stderr(&run));
    let sent = outbox(&workspace);
    let outlook_id = "<TYZPR06MB5129A1B2C3D4E5F6@TYZPR06MB5129.apcprd06.prod.outlook.com>";
    let receipts: Vec<_> = sent
        .iter()
        .filter(|(subject, ..)| subject.starts_with("已收到"))
        .collect();
    assert_eq!(receipts.len(), 1, "{sent:?}");
    assert_eq!(receipts[0].1, "office@kjt.example.gov.cn");
    assert_eq!(receipts[0].2, outlook_id);
    let notices: Vec<_> = sent
        .iter()
        .filter(|(subject, ..)| subject.starts_with("【待审核】"))
        .collect();
    assert_eq!(notices.len(), 1, "{sent:?}");
    assert_eq!(notices[0].1, "reviewer@example.gov.cn");
    assert!(
        notices[0].3.contains("jl-2025-ai-1 已办结，报告见附件。"),
        "{}",
        notices[0].3
    );
    assert!(
        notices[0].3.contains("办理情况报告.docx"),
        "{}",
        notices[0].3
    );
    assert!(
        notices[0].3.contains("followup done jl-2025-ai-1"),
        "{}",
        notices[0].3
    );
    assert!(
        receipts[0]
            .3
            .contains("已收到关于 jl-2025-ai-1 的办结报告，待审核"),
        "{}",
        receipts[0].3
    );
    let again = output(workspace.followup().args(["run", "--once"]));
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(outbox(&workspace), sent, "nothing is sent twice");

    // `done` confirms: the report's text becomes the note; the claim is accepted.
    let done = output(workspace.followup().args(["done", "jl-2025-ai-1"]));
    assert!(done.status.success(), "{}", stderr(&done));
    let file = workspace.read("commitments/jl-2025-ai.toml");
    assert!(file.contains("status = \"done\""), "{file}");
    assert!(
        file.contains("note = \"\"\"\njl-2025-ai-1 已办结，报告见附件。\n\n省科技厅 李明\"\"\""),
        "{file}"
    );
    assert!(file.contains("# 主办：科技厅"), "every other byte stays");
    assert_eq!(state_of(&workspace, "jl-2025-ai-1"), "done");
    let rows = reports(&workspace, &["jl-2025-ai-1"]);
    assert_eq!(rows[0]["state"], "accepted");

    // `reject` sends a claim back: reminders resume and quote the note.
    let claim = format!(
        "From: office@kjt.example.gov.cn\r\nTo: duban@example.gov.cn\r\nSubject: Re\r\nMessage-ID: <claim.3@kjt.example.gov.cn>\r\nIn-Reply-To: {reminder}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\njl-2025-ai-3 已完成。\r\n"
    );
    let result = receive(&workspace, claim.as_bytes());
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert_eq!(state_of(&workspace, "jl-2025-ai-3"), "reported");
    let reject =
        output(
            workspace
                .followup()
                .args(["reject", "jl-2025-ai-3", "--note", "请补充验收材料"]),
        );
    assert!(reject.status.success(), "{}", stderr(&reject));
    assert_eq!(state_of(&workspace, "jl-2025-ai-3"), "open");
    assert_eq!(
        reports(&workspace, &["jl-2025-ai-3"])[0]["state"],
        "rejected"
    );
    let preview = output(workspace.followup().args(["preview", "jl-2025-ai-3"]));
    let text = stdout(&preview);
    assert!(text.contains("退回意见：请补充验收材料"), "{text}");
    assert!(text.contains("最近反馈："), "{text}");
    assert!(text.contains("To: office@kjt.example.gov.cn"), "{text}");

    // `extend` approves an extension: the TOML due changes, the old date stays in history.
    let result = receive(
        &workspace,
        &fixture("coremail-gb18030-extension.eml", &reminder),
    );
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let extend =
        output(
            workspace
                .followup()
                .args(["extend", "jl-2025-ai-4", "--to", "2026-03-31"]),
        );
    assert!(extend.status.success(), "{}", stderr(&extend));
    let file = workspace.read("commitments/jl-2025-ai.toml");
    assert!(file.contains("due = 2026-03-31"), "{file}");
    assert_eq!(
        reports(&workspace, &["jl-2025-ai-4"])[0]["state"],
        "accepted"
    );
    let history = stdout(&output(
        workspace.followup().args(["history", "jl-2025-ai-4"]),
    ));
    assert!(history.contains("due 2030-12-31 → 2026-03-31"), "{history}");
    assert!(
        history.contains("extension to 2026-03-31  accepted"),
        "{history}"
    );
}

/// `receive` killed at any point while the log is busy records nothing; the rerun records
/// the message once, and a third delivery is a duplicate.
#[test]
fn killed_mid_way_then_rerun_records_once() {
    let (workspace, reminder) = reminded();
    let raw = fixture("outlook-zh-done.eml", &reminder);

    // Killed while reading its input: half a message never reaches the log.
    let mut child = workspace
        .followup()
        .arg("receive")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(&raw[..raw.len() / 2])
        .expect("half the message");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    drop(stdin);

    // Killed while the log is held by another writer: wherever it was, it could not commit.
    let database = workspace.path().join("state/followup.sqlite3");
    let holder = rusqlite::Connection::open(&database).expect("the log opens");
    holder
        .execute_batch("BEGIN EXCLUSIVE;")
        .expect("an exclusive transaction");
    let mut child = workspace
        .followup()
        .arg("receive")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&raw)
        .expect("the message");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    holder.execute_batch("ROLLBACK;").expect("released");
    drop(holder);
    assert!(reports(&workspace, &[]).is_empty());

    let first = receive(&workspace, &raw);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stdout(&first).starts_with("recorded "),
        "{}",
        stdout(&first)
    );
    let second = receive(&workspace, &raw);
    assert!(
        stdout(&second).starts_with("duplicate: "),
        "{}",
        stdout(&second)
    );
    let rows = reports(&workspace, &[]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["state"], "pending");
}

/// With `replies.plus_address`, a one-commitment reminder asks for replies to
/// `duban+ID@…`, and a reply to that address with no threading headers and no id matches.
#[test]
fn plus_address_matches_only_when_enabled() {
    let reply = "From: office@czt.example.gov.cn\r\nTo: duban+jl-2025-ai-2@example.gov.cn\r\nSubject: =?utf-8?B?5Zue5aSN?=\r\nMessage-ID: <plus.1@czt.example.gov.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n进展顺利。\r\n";
    let (plain, _) = reminded();
    assert_eq!(receive(&plain, reply.as_bytes()).status.code(), Some(0));
    assert_eq!(
        reports(&plain, &[])[0]["state"],
        "unmatched",
        "off by default"
    );

    let workspace = Workspace::new();
    workspace.write(
        "followup.toml",
        &MAIN.replace(
            "max_attachment_mib = 1",
            "max_attachment_mib = 1\nplus_address = true",
        ),
    );
    workspace.write("commitments/jl-2025-ai.toml", COMMITMENTS);
    let run = output(workspace.followup().args(["run", "--once"]));
    assert!(run.status.success(), "{}", stderr(&run));
    let reply_tos: Vec<String> = std::fs::read_dir(workspace.path().join("state/outbox"))
        .expect("an outbox")
        .flatten()
        .filter_map(|entry| {
            let bytes = std::fs::read(entry.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            Some(message.reply_to()?.first()?.address()?.to_string())
        })
        .collect();
    assert!(
        reply_tos.contains(&"duban+jl-2025-ai-2@example.gov.cn".to_string()),
        "{reply_tos:?}"
    );
    assert!(
        reply_tos.contains(&"duban@example.gov.cn".to_string()),
        "a digest keeps the plain address: {reply_tos:?}"
    );
    assert_eq!(receive(&workspace, reply.as_bytes()).status.code(), Some(0));
    let rows = reports(&workspace, &[]);
    assert_eq!(rows[0]["commitment"], "jl-2025-ai-2");
    assert_eq!(rows[0]["matched_by"], "plus-address");
    assert_eq!(rows[0]["state"], "accepted");
}

/// Four deliveries of one message at once (a mail server retrying while the first still
/// runs): each exits 0, exactly one records it.
#[test]
fn concurrent_deliveries_record_once() {
    let (workspace, reminder) = reminded();
    let raw = fixture("coremail-gb18030-extension.eml", &reminder);
    let children: Vec<std::process::Child> = (0..4)
        .map(|_| {
            let mut child = workspace
                .followup()
                .arg("receive")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(&raw)
                .expect("the message");
            child
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|child| child.wait_with_output().expect("the binary ends"))
        .collect();
    for result in &outputs {
        assert_eq!(result.status.code(), Some(0), "{}", stderr(result));
    }
    let recorded = outputs
        .iter()
        .filter(|result| stdout(result).starts_with("recorded "))
        .count();
    assert_eq!(recorded, 1);
    assert_eq!(reports(&workspace, &[]).len(), 1);
}

mod damaged {
    //! Damaged and hostile input never panics the reading stages: every fixture with bytes
    //! flipped, cut short or spliced, through parse, quote, auto, intent (all pure).

    use proptest::prelude::*;

    use crate::support::fixtures;
    use followup::replies::{auto, intent, parse, quote};

    fn all_fixtures() -> Vec<Vec<u8>> {
        let mut names: Vec<_> = std::fs::read_dir(fixtures().join("replies"))
            .expect("the fixtures folder")
            .flatten()
            .map(|entry| entry.path())
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| std::fs::read(path).expect("a fixture"))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn reading_never_panics(
            which in 0usize..64,
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
            cut in any::<usize>(),
            splice in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let fixtures = all_fixtures();
            let mut bytes = fixtures[which % fixtures.len()].clone();
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            let cut = cut % (bytes.len() + 1);
            bytes.truncate(cut.max(bytes.len() / 2));
            let at = cut % (bytes.len() + 1);
            bytes.splice(at..at, splice);
            if let Ok(incoming) = parse::parse(&bytes) {
                let text = quote::strip(&incoming.text);
                let _ = auto::automatic(&incoming);
                let today = chrono::NaiveDate::from_ymd_opt(2025, 12, 3).expect("a date");
                let _ = intent::classify(&text, &incoming.subject, today);
                let _ = intent::find_date(&incoming.text, today);
            }
        }
    }
}

/// A running daemon (every-second cadence, the in-process SMTP server): a done claim
/// recorded by `receive` while it runs stops the department's reminders for that commitment
/// from its next pass, which also sends the threaded receipt and the reviewer's notice.
#[test]
fn a_running_daemon_stops_reminding_once_a_claim_is_received() {
    use crate::daemon::{EVERY_SECOND, Running, THREE, WAIT, ids, parse, workspace};
    use crate::smtp_server::{Options, SmtpServer};

    let server = SmtpServer::start(Options::default());
    let workspace = workspace(&server, EVERY_SECOND, THREE);
    let mut daemon = Running::start(&workspace);
    daemon.wait_for_line("started");
    server.wait_for(4, WAIT);

    let claim = "From: kjt@example.gov.cn\r\nTo: duban@example.gov.cn\r\nSubject: =?utf-8?B?5Zue5aSN?= [督办 c1]\r\nMessage-ID: <claim.c1@example.gov.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nc1 已办结。\r\n";
    let result = receive(&workspace, claim.as_bytes());
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));

    // The receipt arrives within a pass or two; a bounded count, not a clock, ends the wait.
    let subject = |message: &crate::smtp_server::Received| {
        parse(message).subject().unwrap_or_default().to_string()
    };
    let mut receipt = None;
    for count in server.received().len() + 1..server.received().len() + 200 {
        let received = server.wait_for(count, WAIT);
        if let Some(index) = received
            .iter()
            .position(|message| subject(message).starts_with("已收到"))
        {
            receipt = Some(index);
            break;
        }
    }
    let receipt = receipt.expect("the receipt was sent");
    let received = server.wait_for(receipt + 1 + 8, WAIT);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{}", log.join("\n"));

    assert_eq!(received[receipt].rcpt_to, ["kjt@example.gov.cn"]);
    let notices: Vec<_> = received
        .iter()
        .filter(|message| subject(message).starts_with("【待审核】"))
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0].rcpt_to,
        ["ops@example.gov.cn"],
        "mail.admin reviews by default"
    );
    let later: Vec<String> = received[receipt + 1..]
        .iter()
        .map(ids)
        .filter(|ids| !ids.is_empty())
        .collect();
    assert!(later.iter().all(|ids| !ids.contains("c1")), "{later:?}");
    assert!(later.iter().any(|ids| ids == "c2"), "{later:?}");
    assert!(later.iter().any(|ids| ids == "c3"), "{later:?}");
}
