//! The composed emails, parsed back with a real MIME parser: headers, both parts, escaping,
//! threading, header injection and replacement templates.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use expect_test::expect;
use followup::engine::{self, LogView, Reminder, Seen};
use followup::mail::{self, Composed, Failure, Templates};
use followup::model::{Config, Language};
use mail_parser::{Address, MessageParser, MimeHeaders};

use crate::engine::{at, setup};

const SCHEDULE: &str = r#"
[schedule]
remind = "0 9 * * *"
[[schedule.stage]]
name = "已逾期"
from = "0d"
cc = ["督查室"]
"#;

const COMMITMENTS: &str = r#"
[[commitment]]
id = "jl-2025-ai-1"
topic = "强化通用人工智能技术的创新能力"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关，布局一批<script>alert(1)</script>重点研发项目 & 平台。"
due = 2025-06-30

[[commitment]]
id = "jl-2025-ai-4"
topic = "加强国际合作与交流"
owner = "省科技厅"
text = "积极争取科技部国家重点研发计划专项支持。"
due = 2025-05-31

[[commitment]]
id = "cz-1"
owner = "省财政厅"
text = "持续安排出资扩大基金规模。"
"#;

/// The configuration above with a reply-to and the department's full name set.
fn config() -> Config {
    let mut config = Arc::unwrap_or_clone(setup("Asia/Shanghai", SCHEDULE, COMMITMENTS));
    config.mail.reply_to = Some("duban-reply@example.gov.cn".into());
    config.departments[0].name = Some("吉林省科学技术厅".into());
    config
}

/// The emails the engine sends between `from` and `until` (local times), every commitment
/// having been first seen at `from`.
fn reminders(config: &Config, from: &str, until: &str) -> Vec<Reminder> {
    let first_seen = at(config, from);
    let log = LogView {
        seen: config
            .commitments
            .iter()
            .map(|commitment| {
                let seen = Seen {
                    first_seen,
                    last_moment: None,
                };
                (commitment.id().to_owned(), seen)
            })
            .collect(),
        ..LogView::default()
    };
    engine::plan(
        Arc::new(config.clone()),
        &log,
        first_seen,
        at(config, until),
        100,
    )
}

/// The 09:00 reminder to 省科技厅 on 2025-06-02: jl-2025-ai-4 overdue by 2 days, jl-2025-ai-1
/// due in 28.
fn june_second(config: &Config) -> Reminder {
    reminders(config, "2025-06-02 08:00", "2025-06-02 09:00")
        .into_iter()
        .find(|reminder| config.department(reminder.department).name.is_some())
        .expect("省科技厅 is reminded at 09:00")
}

fn date() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-02T09:00:05+08:00")
        .expect("valid date")
        .with_timezone(&Utc)
}

fn compose(config: &Config, reminder: &Reminder, previous: Option<&str>) -> Composed {
    mail::compose(config, &Templates::builtin(), reminder, previous, date())
        .unwrap_or_else(|error| panic!("{error:#}"))
}

fn formatted(composed: &Composed) -> String {
    String::from_utf8(composed.message.formatted()).expect("emails are ASCII")
}

/// The header block, one entry per header, its continuation lines joined by `\n`.
fn header_lines(email: &str) -> Vec<String> {
    let (headers, _) = email
        .split_once("\r\n\r\n")
        .expect("a blank line ends the headers");
    let mut lines: Vec<String> = Vec::new();
    for line in headers.split("\r\n") {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push('\n');
                last.push_str(line);
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

fn header_names(email: &str) -> Vec<String> {
    header_lines(email)
        .iter()
        .map(|line| {
            line.split_once(':')
                .expect("a header has a colon")
                .0
                .to_owned()
        })
        .collect()
}

/// A part's text with the CRLF line ends of the wire turned back into `\n`.
fn unwire(text: impl AsRef<str>) -> String {
    text.as_ref().replace("\r\n", "\n")
}

fn addresses(address: Option<&Address>) -> Vec<String> {
    address
        .map(|address| {
            address
                .iter()
                .map(|addr| {
                    let email = addr.address().unwrap_or_default();
                    match addr.name() {
                        Some(name) => format!("{name} <{email}>"),
                        None => email.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

const EXPECTED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "X-Followup-Commitments",
    "MIME-Version",
    "Content-Type",
];

#[test]
fn a_reminder_byte_for_byte() {
    let config = config();
    let reminder = june_second(&config);
    let composed = compose(
        &config,
        &reminder,
        Some("<followup.previous@example.gov.cn>"),
    );
    let email = formatted(&composed);
    let parsed = MessageParser::default()
        .parse(email.as_bytes())
        .expect("the email parses");
    let text = unwire(parsed.body_text(0).expect("a text part"));
    // The boundary is derived from the message, so the same reminder is the same bytes.
    let again = compose(
        &config,
        &reminder,
        Some("<followup.previous@example.gov.cn>"),
    );
    assert_eq!(email, formatted(&again));
    let part_headers = |index: u32| {
        let part = &email[parsed.part(index).expect("a part").raw_header_offset() as usize..];
        header_lines(part).join("\n")
    };
    let rendered = format!(
        "{}\n\n--- part 1 ---\n{}\n\n{text}\n--- part 2 ---\n{}\n",
        header_lines(&email).join("\n"),
        part_headers(1),
        part_headers(2),
    );
    expect![[r#"
        From: =?utf-8?b?552j5Yqe5a6k?= <duban@example.gov.cn>
        Reply-To: duban-reply@example.gov.cn
        To: kjt@example.gov.cn
        Cc: kjt-office@example.gov.cn, dcs@example.gov.cn
        Subject: =?utf-8?b?44CQ552j5Yqe5o+Q6YaS44CR55yB56eR5oqA5Y6F77yaMumhuQ==?=
         =?utf-8?b?5om/6K+65LqL6aG55b6F6JC95a6e77yIMemhueW3sumAvuacn++8iSBb552j?=
         =?utf-8?b?5Yqe?= jl-2025-ai-4 jl-2025-ai-1]
        Date: Mon, 02 Jun 2025 01:00:05 +0000
        Message-ID: <followup.7480bb83a3eb89ef.1748826000@example.gov.cn>
        In-Reply-To: <followup.previous@example.gov.cn>
        References: <followup.previous@example.gov.cn>
        Auto-Submitted: auto-generated
        X-Followup-Commitments: jl-2025-ai-1, jl-2025-ai-4
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="=_followup_5294e1656783f91f"

        --- part 1 ---
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: base64

        吉林省科学技术厅：

        截至2025年6月2日，贵单位在答复函中承诺的以下2项事项尚未办结，其中1项已逾期（jl-2025-ai-4已逾期 2 天）。请对照答复函抓紧推进落实，按期办结。

        1. jl-2025-ai-4
           答复函：《关于测试的建议》（2025年1月2日答复）
           主题：加强国际合作与交流
           承诺事项：积极争取科技部国家重点研发计划专项支持。
           办理期限：2025年5月31日，已逾期 2 天

        2. jl-2025-ai-1
           答复函：《关于测试的建议》（2025年1月2日答复）
           主题：强化通用人工智能技术的创新能力
           承诺事项：持续组织实施人工智能领域科技攻关，布局一批<script>alert(1)</script>重点研发项目 & 平台。
           办理期限：2025年6月30日，还有 28 天

        事项办结后，请直接回复本邮件，注明事项编号并简要说明办理结果；也可联系督办室（duban-reply@example.gov.cn）。经确认办结的事项不再提醒。

        督办室
        2025年6月2日

        （本邮件由督办提醒系统自动发送。）

        --- part 2 ---
        Content-Type: text/html; charset=utf-8
        Content-Transfer-Encoding: base64
    "#]]
    .assert_eq(&rendered);
    assert_eq!(text, composed.text);
}

#[test]
fn subject_from_to_cc_and_reply_to() {
    let config = config();
    let composed = compose(&config, &june_second(&config), None);
    let email = formatted(&composed);
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(
        parsed.subject(),
        Some(
            "【督办提醒】省科技厅：2项承诺事项待落实（1项已逾期） [督办 jl-2025-ai-4 jl-2025-ai-1]"
        )
    );
    assert_eq!(composed.subject, parsed.subject().unwrap());
    assert_eq!(addresses(parsed.from()), ["督办室 <duban@example.gov.cn>"]);
    assert_eq!(addresses(parsed.to()), ["kjt@example.gov.cn"]);
    assert_eq!(
        addresses(parsed.cc()),
        ["kjt-office@example.gov.cn", "dcs@example.gov.cn"]
    );
    assert_eq!(addresses(parsed.reply_to()), ["duban-reply@example.gov.cn"]);
    assert_eq!(composed.to, ["kjt@example.gov.cn"]);
    assert_eq!(
        composed.cc,
        ["kjt-office@example.gov.cn", "dcs@example.gov.cn"]
    );
    assert_eq!(header_names(&email), EXPECTED_HEADERS);
    let content_type = parsed.content_type().expect("a content type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    for part in [parsed.text_part(0), parsed.html_part(0)] {
        let part = part.expect("both parts");
        assert_eq!(
            part.content_type().and_then(|ct| ct.attribute("charset")),
            Some("utf-8")
        );
    }
}

#[test]
fn one_commitment_none_overdue_and_no_cc() {
    let mut config = config();
    config.departments[1].cc.clear();
    config.mail.reply_to = None;
    let reminder = reminders(&config, "2025-06-02 08:00", "2025-06-02 09:00")
        .into_iter()
        .find(|reminder| config.department(reminder.department).key == "省财政厅")
        .expect("省财政厅 is reminded");
    let composed = compose(&config, &reminder, None);
    let email = formatted(&composed);
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(
        parsed.subject(),
        Some("【督办提醒】省财政厅：1项承诺事项待落实 [督办 cz-1]")
    );
    let names = header_names(&email);
    assert!(!names.iter().any(|name| name == "Cc" || name == "Reply-To"));
    let text = unwire(parsed.body_text(0).unwrap());
    assert!(text.starts_with("省财政厅：\n"), "{text}");
    assert!(text.contains("办理期限：未设定期限"), "{text}");
    assert!(
        text.contains("也可联系督办室（duban@example.gov.cn）"),
        "{text}"
    );
}

#[test]
fn message_id_is_stable_and_follows_the_moment() {
    let config = config();
    let all = reminders(&config, "2025-06-02 08:00", "2025-06-03 09:00");
    let first = all
        .iter()
        .find(|reminder| reminder.department == 0)
        .unwrap();
    let next_day = all
        .iter()
        .rfind(|reminder| reminder.department == 0)
        .unwrap();
    assert_ne!(first.moment, next_day.moment);
    let id = mail::message_id(&config, first);
    assert_eq!(id, mail::message_id(&config, first));
    assert_eq!(id, compose(&config, first, None).message_id);
    assert_eq!(
        compose(&config, first, None).message_id,
        compose(&config, first, Some("<x@y>")).message_id
    );
    assert!(
        id.starts_with("<followup.") && id.ends_with(".1748826000@example.gov.cn>"),
        "{id}"
    );
    assert_ne!(id, mail::message_id(&config, next_day));
    let other_department = all
        .iter()
        .find(|reminder| reminder.department == 1 && reminder.moment == first.moment)
        .unwrap();
    assert_ne!(id, mail::message_id(&config, other_department));

    let email = formatted(&compose(&config, first, None));
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(parsed.message_id(), Some(id.trim_matches(['<', '>'])));
}

#[test]
fn in_reply_to_and_references_only_with_previous() {
    let config = config();
    let reminder = june_second(&config);
    let alone = formatted(&compose(&config, &reminder, None));
    let names = header_names(&alone);
    assert!(
        !names
            .iter()
            .any(|name| name == "In-Reply-To" || name == "References")
    );

    let threaded = formatted(&compose(
        &config,
        &reminder,
        Some("<followup.0123456789abcdef.1748739600@example.gov.cn>"),
    ));
    let parsed = MessageParser::default().parse(threaded.as_bytes()).unwrap();
    assert_eq!(
        parsed.in_reply_to().as_text(),
        Some("followup.0123456789abcdef.1748739600@example.gov.cn")
    );
    assert_eq!(
        parsed.references().as_text(),
        Some("followup.0123456789abcdef.1748739600@example.gov.cn")
    );
}

#[test]
fn auto_submitted_and_commitment_ids() {
    let config = config();
    let email = formatted(&compose(&config, &june_second(&config), None));
    let lines = header_lines(&email);
    assert!(lines.contains(&"Auto-Submitted: auto-generated".to_owned()));
    assert!(lines.contains(&"X-Followup-Commitments: jl-2025-ai-1, jl-2025-ai-4".to_owned()));
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(
        parsed.header_raw("X-Followup-Commitments").map(str::trim),
        Some("jl-2025-ai-1, jl-2025-ai-4")
    );
}

#[test]
fn text_part_lists_every_commitment() {
    let config = config();
    let composed = compose(&config, &june_second(&config), None);
    let email = formatted(&composed);
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    let text = unwire(parsed.body_text(0).unwrap());
    for commitment in &config.commitments[..2] {
        assert!(text.contains(commitment.id()), "{}", commitment.id());
        let texts = commitment.texts().unwrap();
        assert!(text.contains(texts.topic().unwrap()));
        assert!(text.contains(texts.text()));
    }
    assert!(text.contains("《关于测试的建议》（2025年1月2日答复）"));
    assert!(text.contains("已逾期 2 天"));
    assert!(text.contains("还有 28 天"));
    // Overdue first.
    assert!(text.find("jl-2025-ai-4").unwrap() < text.find("jl-2025-ai-1").unwrap());
}

#[test]
fn html_part_escapes_configured_text() {
    let config = config();
    let composed = compose(&config, &june_second(&config), None);
    let email = formatted(&composed);
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    let html = unwire(parsed.body_html(0).unwrap());
    assert_eq!(html, composed.html);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
    assert!(html.contains("重点研发项目 &amp; 平台"), "{html}");
    assert!(html.contains("已逾期 2 天"), "{html}");
    assert!(html.contains("吉林省科学技术厅："), "{html}");
}

#[test]
fn configured_line_breaks_never_add_a_header() {
    let injection = "\r\nBcc: evil@example.com";
    let mut config = config();
    config.departments[0].key = format!("省科技厅{injection}");
    config.departments[0].name = Some(format!("吉林省科学技术厅{injection}"));
    config.commitments[1] = config.commitments[1]
        .renamed(&format!("jl-2025-ai-4{injection}"))
        .unwrap();
    config.mail.from = format!("督办室{injection} <duban@example.gov.cn>");
    let reminder = june_second(&config);
    let composed = mail::compose(
        &config,
        &Templates::builtin(),
        &reminder,
        Some(&format!("<p@example.gov.cn>{injection}")),
        date(),
    );
    // The display name of `from` is no mailbox: refused, naming the setting.
    let error = format!("{:#}", composed.unwrap_err());
    assert!(error.contains("mail.from"), "{error}");

    config.mail.from = "督办室 <duban@example.gov.cn>".into();
    let composed = mail::compose(
        &config,
        &Templates::builtin(),
        &reminder,
        Some(&format!("<p@example.gov.cn>{injection}")),
        date(),
    )
    .unwrap();
    let email = formatted(&composed);
    let (headers, _) = email.split_once("\r\n\r\n").unwrap();
    assert!(
        !headers
            .split("\r\n")
            .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
        "{headers}"
    );
    let mut expected = EXPECTED_HEADERS.to_vec();
    expected.splice(7..7, ["In-Reply-To", "References"]);
    assert_eq!(header_names(&email), expected);
    assert!(
        composed
            .message
            .envelope()
            .to()
            .iter()
            .all(|to| to.to_string() != "evil@example.com")
    );
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(
        parsed.subject(),
        Some(
            "【督办提醒】省科技厅 Bcc: evil@example.com：2项承诺事项待落实（1项已逾期） [督办 jl-2025-ai-4 Bcc: evil@example.com jl-2025-ai-1]"
        )
    );

    config.mail.reply_to = Some(format!("duban@example.gov.cn{injection}"));
    let error = mail::compose(&config, &Templates::builtin(), &reminder, None, date())
        .map(|_| ())
        .unwrap_err();
    let error = format!("{error:#}");
    assert!(error.contains("mail.reply_to"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

#[test]
fn english_subject_and_text() {
    let mut config = config();
    config.language = Language::En;
    let composed = compose(&config, &june_second(&config), None);
    let email = formatted(&composed);
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(
        parsed.subject(),
        Some(
            "[Reminder] 省科技厅: 2 commitments awaiting delivery (1 overdue) [督办 jl-2025-ai-4 jl-2025-ai-1]"
        )
    );
    let text = unwire(parsed.body_text(0).unwrap());
    assert!(
        text.contains("Due: 2025-05-31, overdue by 2 days"),
        "{text}"
    );
    assert!(text.contains("Due: 2025-06-30, 28 days left"), "{text}");
}

#[test]
fn a_templates_folder_replaces_the_subject() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("subject.zh.txt"),
        "督办：{{ department }} {{ count }}项\n",
    )
    .unwrap();
    let templates = Templates::load(Some(dir.path())).unwrap();
    let config = config();
    let composed = mail::compose(&config, &templates, &june_second(&config), None, date()).unwrap();
    assert_eq!(composed.subject, "督办：省科技厅 2项");
    // The other templates stay built in.
    assert!(composed.text.contains("已逾期 2 天"));
    assert!(Templates::load(None).is_ok());
}

#[test]
fn a_broken_template_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reminder.zh.txt");
    std::fs::write(&path, "{{ department_name }}：\n{% for item in items %}\n").unwrap();
    let error = format!("{:#}", Templates::load(Some(dir.path())).unwrap_err());
    assert!(
        error.starts_with(&format!("{}:", path.display())),
        "{error}"
    );
    assert!(error.contains("syntax error"), "{error}");

    // An unknown variable is found at load, not at the first reminder.
    std::fs::write(&path, "{{ department_name }}\n{{ deparment }}\n").unwrap();
    let error = format!("{:#}", Templates::load(Some(dir.path())).unwrap_err());
    assert!(
        error.starts_with(&format!("{}:2:", path.display())),
        "{error}"
    );

    // A misspelt file name is refused rather than silently ignored.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(dir.path().join("reminder.cn.txt"), "x").unwrap();
    let error = format!("{:#}", Templates::load(Some(dir.path())).unwrap_err());
    assert!(error.contains("reminder.cn.txt"), "{error}");
}

#[test]
fn failure_report_goes_to_the_admin() {
    let mut config = config();
    let failures = [Failure {
        department: "省科技厅".into(),
        commitments: vec!["jl-2025-ai-1".into(), "jl-2025-ai-4".into()],
        message_id: "<followup.0c0c0bcd52f2d8a5.1748826000@example.gov.cn>".into(),
        error: "550 5.1.1 <kjt@example.gov.cn>: user unknown".into(),
    }];
    assert!(
        mail::compose_failure_report(&config, &failures, date())
            .unwrap()
            .is_none()
    );
    config.mail.admin = vec!["ops@example.gov.cn".into()];
    let message = mail::compose_failure_report(&config, &failures, date())
        .unwrap()
        .expect("a report when mail.admin is set");
    let email = String::from_utf8(message.formatted()).unwrap();
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(addresses(parsed.to()), ["ops@example.gov.cn"]);
    assert_eq!(parsed.subject(), Some("【督办提醒】1封提醒邮件投递失败"));
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    let text = unwire(parsed.body_text(0).unwrap());
    for needle in [
        "省科技厅",
        "jl-2025-ai-1、jl-2025-ai-4",
        "<followup.0c0c0bcd52f2d8a5.1748826000@example.gov.cn>",
        "550 5.1.1 <kjt@example.gov.cn>: user unknown",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn test_message() {
    let mut config = config();
    config.language = Language::En;
    let message = mail::compose_test(&config, "me@example.org", date()).unwrap();
    let email = String::from_utf8(message.formatted()).unwrap();
    let parsed = MessageParser::default().parse(email.as_bytes()).unwrap();
    assert_eq!(addresses(parsed.to()), ["me@example.org"]);
    assert_eq!(parsed.subject(), Some("[Reminder] Test message"));
    assert!(unwire(parsed.body_text(0).unwrap()).contains("transport file"));
    let error = format!(
        "{:#}",
        mail::compose_test(&config, "me@example.org\r\nBcc: evil@example.com", date()).unwrap_err()
    );
    assert!(error.contains("--to"), "{error}");
}
