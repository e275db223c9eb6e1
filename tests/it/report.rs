//! The office's outputs, read back with real parsers: the 台账 as .xlsx (calamine, and the
//! sheet XML for the frozen header and the autofilter) and CSV, the .ics of a first notice
//! and a department's feed (the `ical` parser), the bulletin at the in-process SMTP server
//! with its workbook intact, `[report]` errors, and the metrics exposition.

use std::io::{Cursor, Read as _};
use std::process::Stdio;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use mail_parser::MimeHeaders as _;

use crate::smtp_server::{Answer, Options, Received, SmtpServer};
use crate::support::{Workspace, output, stderr, stdout};

/// A commitment text with every character CSV and iCalendar must treat specially, long
/// enough to be folded several times.
const LONG: &str = "持续组织实施人工智能领域科技攻关，推进第二批\"聚力攻坚\"专项取得技术突破; 优化布局人工智能科技创新平台，支持企业建设省级重点实验室和技术创新中心，力争年内新增10个以上";

fn workspace(port: u16, report: &str) -> Workspace {
    let workspace = Workspace::new();
    workspace.write(
        "followup.toml",
        &format!(
            r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
admin = ["ops@example.gov.cn"]
transport = "smtp"
host = "127.0.0.1"
port = {port}
tls = "none"
timeout = "5s"

[schedule]
remind = "0 9 * * MON"
skip_holidays = false

[[schedule.stage]]
from = "-14d"
remind = "0 9 * * *"

[[schedule.stage]]
from = "0d"
remind = "0 9 * * *"

{report}

[departments."省科技厅"]
to = ["kjt@example.gov.cn"]

[departments."省财政厅"]
to = ["czt@example.gov.cn"]

[departments."省人社厅"]
to = ["rst@example.gov.cn"]
"#
        ),
    );
    workspace.write(
        "commitments/letter.toml",
        &format!(
            r#"[letter]
id = "jl-2026-ai"
title = "关于推动我省通用人工智能产业发展的建议"
proposer = "民革省委会"
number = "第0123号"
replied_on = 2026-05-23

[[commitment]]
id = "ai-1"
owner = "省科技厅"
co_owners = ["省财政厅"]
text = '''{LONG}'''
due = 2026-11-01

[[commitment]]
id = "ai-2"
topic = "人才引进"
owner = "省人社厅"
text = """引进高层次人才，
两行文字"""
due = 2026-12-10

[[commitment]]
id = "ai-3"
owner = "省科技厅"
text = "建设算力平台"
due = 2027-06-30

[[commitment]]
id = "ai-4"
owner = "省财政厅"
text = "设立专项资金"
due = 2026-11-20
status = "done"
done_on = 2026-11-28
"#
        ),
    );
    workspace
}

const REPORT: &str = "[report]\nremind = \"0 9 * * *\"\nto = [\"office@example.gov.cn\"]\n";

fn cell(data: &Data) -> String {
    match data {
        Data::String(text) => text.clone(),
        Data::Float(number) => format!("{number}"),
        Data::Int(number) => format!("{number}"),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn sheet(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<String>> {
    workbook
        .worksheet_range(name)
        .expect("the sheet exists")
        .rows()
        .map(|row| row.iter().map(cell).collect())
        .collect()
}

fn zip_member(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut member = archive.by_name(name).expect("the member exists");
    let mut text = String::new();
    member.read_to_string(&mut text).expect("utf-8 xml");
    text
}

fn expected_rows() -> Vec<Vec<String>> {
    let row = |cells: &[&str]| {
        cells
            .iter()
            .map(|cell| cell.to_string())
            .collect::<Vec<_>>()
    };
    vec![
        row(&[
            "编号",
            "来文",
            "提出者",
            "提案号",
            "主办单位",
            "协办单位",
            "承诺事项",
            "办理时限",
            "状态",
            "逾期天数",
            "已提醒次数",
            "最近提醒",
            "最近报告",
        ]),
        row(&[
            "ai-1",
            "关于推动我省通用人工智能产业发展的建议",
            "民革省委会",
            "第0123号",
            "省科技厅",
            "省财政厅",
            LONG,
            "2026-11-01",
            "未办结",
            "33",
            "0",
            "",
            "",
        ]),
        row(&[
            "ai-2",
            "关于推动我省通用人工智能产业发展的建议",
            "民革省委会",
            "第0123号",
            "省人社厅",
            "",
            "引进高层次人才，\n两行文字",
            "2026-12-10",
            "未办结",
            "0",
            "0",
            "",
            "",
        ]),
        row(&[
            "ai-3",
            "关于推动我省通用人工智能产业发展的建议",
            "民革省委会",
            "第0123号",
            "省科技厅",
            "",
            "建设算力平台",
            "2027-06-30",
            "未办结",
            "0",
            "0",
            "",
            "",
        ]),
        row(&[
            "ai-4",
            "关于推动我省通用人工智能产业发展的建议",
            "民革省委会",
            "第0123号",
            "省财政厅",
            "",
            "设立专项资金",
            "2026-11-20",
            "已办结",
            "0",
            "0",
            "",
            "",
        ]),
    ]
}

#[test]
fn the_xlsx_holds_every_row_the_department_sheet_a_frozen_header_and_a_filter() {
    let workspace = workspace(25, "");
    let result = output(workspace.followup().args([
        "export",
        "--xlsx",
        "台账.xlsx",
        "--at",
        "2026-12-04T10:00:00+08:00",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let bytes = std::fs::read(workspace.path().join("台账.xlsx")).expect("the file is written");
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    assert_eq!(workbook.sheet_names(), ["督办台账", "按单位汇总"]);
    assert_eq!(sheet(&mut workbook, "督办台账"), expected_rows());
    assert_eq!(
        sheet(&mut workbook, "按单位汇总"),
        [
            ["单位", "未办结", "已逾期", "已办结", "办结待审"]
                .map(String::from)
                .to_vec(),
            ["省科技厅", "2", "1", "0", "0"].map(String::from).to_vec(),
            ["省财政厅", "0", "0", "1", "0"].map(String::from).to_vec(),
            ["省人社厅", "1", "0", "0", "0"].map(String::from).to_vec(),
        ]
    );
    // What calamine does not expose, from the sheet's XML: the header row is frozen, the
    // filter covers every row and column, columns have widths, rows are filled by light.
    let main = zip_member(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        main.contains(r#"state="frozen""#) && main.contains(r#"topLeftCell="A2""#),
        "{main}"
    );
    assert!(main.contains(r#"<autoFilter ref="A1:M5""#), "{main}");
    assert!(
        main.contains("<cols>") && main.contains("customWidth=\"1\""),
        "{main}"
    );
    let styles = zip_member(&bytes, "xl/styles.xml");
    for fill in ["FFC7CE", "FFEB9C", "C6EFCE", "D9D9D9"] {
        assert!(styles.contains(fill), "fill {fill} missing: {styles}");
    }
    let sums = zip_member(&bytes, "xl/worksheets/sheet2.xml");
    assert!(sums.contains(r#"state="frozen""#), "{sums}");
}

/// RFC 4180 fields, for reading the export back.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match (quoted, character) {
            (true, '"') if characters.peek() == Some(&'"') => {
                characters.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(characters.next(), Some('\n'), "a bare CR outside quotes");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\n') => panic!("a bare LF outside quotes"),
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

#[test]
fn the_csv_has_a_bom_crlf_lines_quoted_fields_and_the_same_rows() {
    let workspace = workspace(25, "");
    let result = output(workspace.followup().args([
        "export",
        "--csv",
        "out.csv",
        "--at",
        "2026-12-04T10:00:00+08:00",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let text = workspace.read("out.csv");
    let body = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    assert_eq!(parse_csv(body), expected_rows());
}

#[test]
fn export_needs_one_format() {
    let workspace = workspace(25, "");
    let result = output(workspace.followup().args(["export"]));
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
}

#[test]
fn a_bad_report_cron_is_reported_at_its_place() {
    let bad = workspace(25, "[report]\nremind = \"0 9 * * FRIDAY\"\n");
    let result = output(bad.followup().arg("check"));
    assert_eq!(result.status.code(), Some(1));
    let errors = stderr(&result);
    assert!(
        errors.contains("followup.toml:27:10: report.remind:"),
        "{errors}"
    );
    let missing = workspace(25, "[report]\nto = [\"office@example.gov.cn\"]\n");
    let errors = stderr(&output(missing.followup().arg("check")));
    assert!(
        errors.contains("report.remind: missing key `remind`"),
        "{errors}"
    );
}

fn run_once(workspace: &Workspace) -> std::process::Output {
    let result = workspace
        .followup()
        .args(["run", "--once"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("followup runs");
    assert!(result.status.success(), "{}", stderr(&result));
    result
}

fn parse(message: &Received) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(&message.data)
        .expect("the message parses as MIME")
}

/// Unescapes an iCalendar TEXT value (the `ical` parser leaves escapes as they are).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut characters = value.chars();
    while let Some(character) = characters.next() {
        if character == '\\' {
            match characters.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(character);
        }
    }
    out
}

fn property(properties: &[ical::property::Property], name: &str) -> String {
    properties
        .iter()
        .find(|property| property.name == name)
        .and_then(|property| property.value.clone())
        .unwrap_or_default()
}

#[test]
fn a_first_notice_carries_an_ics_that_parses_back_and_the_bulletin_arrives_once() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(server.port(), REPORT);
    run_once(&workspace);
    let received = server.received();
    // First notices: one per department with open commitments (the done one gets none).
    assert_eq!(received.len(), 2, "{received:?}");
    let kjt = received
        .iter()
        .find(|message| message.rcpt_to.contains(&"kjt@example.gov.cn".to_string()))
        .expect("the notice to 省科技厅");
    let parsed = parse(kjt);
    let ics = parsed
        .attachments()
        .find(|part| part.attachment_name() == Some("督办事项.ics"))
        .expect("an .ics attachment");
    assert!(
        ics.content_type()
            .is_some_and(|kind| kind.ctype() == "text" && kind.subtype() == Some("calendar")),
        "{:?}",
        ics.content_type()
    );
    let bytes = ics.contents().to_vec();
    let raw = String::from_utf8(bytes.clone()).expect("utf-8 calendar");
    for line in raw.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n'), "a bare LF: {line:?}");
    }
    assert!(raw.ends_with("END:VCALENDAR\r\n"), "{raw}");
    let calendar = ical::IcalParser::new(std::io::BufReader::new(Cursor::new(bytes)))
        .next()
        .expect("one calendar")
        .expect("the calendar parses");
    let todos: Vec<_> = calendar.todos.iter().collect();
    assert_eq!(todos.len(), 2, "ai-1 and ai-3 are the department's");
    let first = todos
        .iter()
        .find(|todo| property(&todo.properties, "UID") == "followup-ai-1@example.gov.cn")
        .expect("ai-1's VTODO with its stable UID");
    assert_eq!(property(&first.properties, "DUE"), "20261101");
    let description = unescape(&property(&first.properties, "DESCRIPTION"));
    assert!(description.starts_with(LONG), "{description}");
    assert_eq!(first.alarms.len(), 1);
    // The alarm rings when the 14-day stage starts: 2026-10-19 09:00 in Shanghai.
    assert_eq!(
        property(&first.alarms[0].properties, "TRIGGER"),
        "20261019T010000Z"
    );

    // `[report]` was seen for the first time: no bulletin yet. Pretend it was seen two days
    // ago, so the daily 09:00 moment since then is due (catch-up: one, not two).
    seen_two_days_ago(&workspace);
    run_once(&workspace);
    let received = server.received();
    assert_eq!(received.len(), 3, "one bulletin more");
    let bulletin = &received[2];
    assert_eq!(bulletin.rcpt_to, ["office@example.gov.cn"]);
    let parsed = parse(bulletin);
    let subject = parsed.subject().unwrap_or_default().to_string();
    assert!(subject.starts_with("【督办通报】"), "{subject}");
    let text = parsed.body_text(0).expect("a text part").to_string();
    // The daemon reads the real clock: only what holds at any date is checked here (the
    // figures at a pinned date are `report_prints_json_and_sends_now`'s).
    assert!(text.contains("省科技厅：未办结2项"), "{text}");
    assert!(text.contains("省财政厅：未办结0项"), "{text}");
    let attachment = parsed
        .attachments()
        .next()
        .expect("the workbook is attached");
    let name = attachment
        .attachment_name()
        .expect("a file name")
        .to_string();
    assert!(
        name.starts_with("督办台账-") && name.ends_with(".xlsx"),
        "{name}"
    );
    // RFC 2231 in the raw header, so a Chinese name survives every client.
    let raw = String::from_utf8_lossy(&bulletin.data);
    assert!(raw.contains("filename*"), "{raw}");
    assert!(raw.contains(
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ));
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(attachment.contents().to_vec())).expect("xlsx");
    let rows = sheet(&mut workbook, "督办台账");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1][0], "ai-1");
    // The notice the server accepted is counted in the 台账.
    assert_eq!(rows[1][10], "1");

    // Never twice: the same moment is not sent again.
    run_once(&workspace);
    assert_eq!(server.received().len(), 3);
    let rows = bulletin_history(&workspace);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "sent");
}

/// Moves the bulletin's first sighting two days back, as if `[report]` had been configured
/// then: the daily 09:00 moment since is due.
fn seen_two_days_ago(workspace: &Workspace) {
    let database = workspace.path().join("state/followup.sqlite3");
    let connection = rusqlite::Connection::open(&database).expect("the log opens");
    let changed = connection
        .execute(
            "UPDATE seen SET first_seen = first_seen - 2 * 86400 WHERE commitment = '@report'",
            [],
        )
        .expect("the log updates");
    assert_eq!(changed, 1, "the bulletin's first sighting was recorded");
}

fn bulletin_history(workspace: &Workspace) -> Vec<serde_json::Value> {
    let history = output(workspace.followup().args(["history", "@report", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    rows.as_array().expect("rows").clone()
}

#[test]
fn a_bulletin_refused_for_now_is_kept_and_sent_later_with_the_same_message_id() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(server.port(), REPORT);
    run_once(&workspace);
    assert_eq!(server.received().len(), 2, "the first notices");
    seen_two_days_ago(&workspace);
    server.set_data_rule(|message| {
        if message
            .rcpt_to
            .iter()
            .any(|to| to == "office@example.gov.cn")
        {
            Answer::Reply(451, "4.3.0 try again later".into())
        } else {
            Answer::Accept
        }
    });
    let refused = output(workspace.followup().args(["run", "--once"]));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert_eq!(server.received().len(), 2, "nothing more accepted");
    let rows = bulletin_history(&workspace);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "pending");
    assert_eq!(rows[0]["attempts"], 1);
    let message_id = rows[0]["message_id"].as_str().expect("an id").to_string();

    server.set_data_rule(|_| Answer::Accept);
    run_once(&workspace);
    let received = server.received();
    assert_eq!(received.len(), 3, "the bulletin, once");
    let parsed = parse(&received[2]);
    assert_eq!(
        format!("<{}>", parsed.message_id().expect("a Message-ID")),
        message_id
    );
    let rows = bulletin_history(&workspace);
    assert_eq!((rows.len(), rows[0]["state"].as_str()), (1, Some("sent")));
}

#[test]
fn report_prints_json_and_sends_now() {
    let server = SmtpServer::start(Options::default());
    let workspace = workspace(server.port(), REPORT);
    let result = output(workspace.followup().args([
        "report",
        "--json",
        "--since",
        "2026-11-25",
        "--at",
        "2026-12-04T10:00:00+08:00",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let bulletin: serde_json::Value = serde_json::from_str(&stdout(&result)).expect("json");
    assert_eq!(bulletin["total"]["open"], 3);
    assert_eq!(bulletin["total"]["overdue"], 1);
    assert_eq!(bulletin["completed"][0]["id"], "ai-4");
    assert_eq!(bulletin["ranking"][0]["department"], "省科技厅");
    // ai-1 was overdue before the period began: not newly overdue.
    assert_eq!(bulletin["newly_overdue"], serde_json::json!([]));
    let result = output(workspace.followup().args([
        "report",
        "--json",
        "--since",
        "2026-10-25",
        "--at",
        "2026-12-04T10:00:00+08:00",
    ]));
    let bulletin: serde_json::Value = serde_json::from_str(&stdout(&result)).expect("json");
    assert_eq!(bulletin["newly_overdue"][0]["id"], "ai-1");
    assert_eq!(bulletin["newly_overdue"][0]["days_overdue"], 33);

    let result = output(workspace.followup().args(["report", "--send"]));
    assert!(result.status.success(), "{}", stderr(&result));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_to, ["office@example.gov.cn"]);
}

#[test]
fn a_department_feed_lists_its_open_commitments() {
    let workspace = workspace(25, "");
    let config = followup::config::load(&workspace.path().join("followup.toml"))
        .expect("valid")
        .config;
    let department = config.find_department("省科技厅").expect("known");
    let stamp = chrono::DateTime::parse_from_rfc3339("2026-12-04T02:00:00Z")
        .expect("time")
        .to_utc();
    let feed = followup::ics::department_feed(&config, department, stamp).unwrap();
    let calendar = ical::IcalParser::new(std::io::BufReader::new(feed.as_bytes()))
        .next()
        .expect("one calendar")
        .expect("parses");
    let uids: Vec<String> = calendar
        .todos
        .iter()
        .map(|todo| property(&todo.properties, "UID"))
        .collect();
    assert_eq!(
        uids,
        [
            "followup-ai-1@example.gov.cn",
            "followup-ai-3@example.gov.cn"
        ]
    );
    // The co-owner's feed holds ai-1 too; the done ai-4 is in nobody's.
    let finance = config.find_department("省财政厅").expect("known");
    let feed = followup::ics::department_feed(&config, finance, stamp).unwrap();
    assert!(
        feed.contains("UID:followup-ai-1@") && !feed.contains("ai-4"),
        "{feed}"
    );
}

#[test]
fn metrics_render_in_the_text_format() {
    let workspace = workspace(25, "");
    let config = followup::config::load(&workspace.path().join("followup.toml"))
        .expect("valid")
        .config;
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-04T02:00:00Z")
        .expect("time")
        .to_utc();
    let config = std::sync::Arc::new(config);
    let snapshot = followup::metrics::Snapshot {
        config: Some(config.clone()),
        awaiting_review: std::collections::HashSet::new(),
        sent: 7,
        failed: 2,
        waiting_retry: 1,
        last_success: Some(at),
        next_wake: Some(at + chrono::Duration::hours(1)),
    };
    let text = followup::metrics::render(&snapshot, at);
    // Every line is a comment or `name{labels} value`; the exposition ends with `# EOF`.
    let mut samples = std::collections::BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ")
                    || line.starts_with("# TYPE ")
                    || line.starts_with("# UNIT ")
                    || line == "# EOF",
                "{line}"
            );
            continue;
        }
        let (name, value) = line.rsplit_once(' ').expect("name value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        samples.insert(name.to_string(), value);
    }
    assert_eq!(text.lines().last(), Some("# EOF"));
    let sample = |name: &str| {
        *samples
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    assert_eq!(
        sample(r#"followup_commitments{status="open",light="red"}"#),
        1.0
    );
    assert_eq!(
        sample(r#"followup_commitments{status="open",light="yellow"}"#),
        1.0
    );
    assert_eq!(
        sample(r#"followup_commitments{status="open",light="green"}"#),
        1.0
    );
    assert_eq!(
        sample(r#"followup_commitments{status="open",light="blue"}"#),
        0.0
    );
    assert_eq!(
        sample(r#"followup_commitments{status="done",light="grey"}"#),
        1.0
    );
    assert_eq!(sample("followup_emails_sent_total"), 7.0);
    assert_eq!(sample("followup_emails_failed_total"), 2.0);
    assert_eq!(sample("followup_emails_waiting_retry"), 1.0);
    assert_eq!(
        sample("followup_last_successful_pass_timestamp_seconds"),
        at.timestamp() as f64
    );
    assert_eq!(
        sample("followup_next_wake_timestamp_seconds"),
        (at.timestamp() + 3600) as f64
    );

    // Done claims awaiting review on every commitment: the open ones turn blue, whatever
    // their light was; the done one stays grey.
    let claimed = followup::metrics::Snapshot {
        awaiting_review: config
            .commitments
            .iter()
            .map(|c| c.id().to_owned())
            .collect(),
        ..snapshot
    };
    let text = followup::metrics::render(&claimed, at);
    for (light, count) in [("red", 0), ("yellow", 0), ("green", 0), ("blue", 3)] {
        let line = format!(r#"followup_commitments{{status="open",light="{light}"}} {count}"#);
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l == r#"followup_commitments{status="done",light="grey"} 1"#),
        "{text}"
    );
}

#[test]
fn a_done_claim_awaiting_review_is_reported_in_the_ledger_and_the_bulletin() {
    let (workspace, reminder) = crate::replies::reminded();
    let claim = crate::replies::fixture("outlook-zh-done.eml", &reminder);
    let received = crate::replies::receive(&workspace, &claim);
    assert!(received.status.success(), "{}", stderr(&received));
    let result = output(workspace.followup().args(["export", "--csv", "out.csv"]));
    assert!(result.status.success(), "{}", stderr(&result));
    let rows = parse_csv(
        workspace
            .read("out.csv")
            .strip_prefix('\u{feff}')
            .expect("a BOM"),
    );
    let claimed = rows
        .iter()
        .find(|row| row[0] == "jl-2025-ai-1")
        .expect("the claimed commitment's row");
    assert_eq!(claimed[8], "办结待审", "{claimed:?}");
    assert!(claimed[12].ends_with("done (pending)"), "{claimed:?}");
    // The reminder the file transport wrote counts as accepted.
    assert_eq!(claimed[10], "1", "{claimed:?}");
    let others = rows
        .iter()
        .find(|row| row[0] == "jl-2025-ai-2")
        .expect("another row");
    assert_eq!(others[8], "未办结");
    let result = output(workspace.followup().args(["report", "--json"]));
    let bulletin: serde_json::Value = serde_json::from_str(&stdout(&result)).expect("json");
    assert_eq!(bulletin["awaiting_review"][0]["id"], "jl-2025-ai-1");
    assert_eq!(bulletin["total"]["reported"], 1);
}

#[test]
fn a_bulletin_on_a_day_off_moves_to_the_next_working_day() {
    let workspace = workspace(25, "[report]\nremind = \"0 9 * * FRI\"\n");
    let text = workspace.read("followup.toml").replace(
        "skip_holidays = false",
        "skip_holidays = true\n\n[calendar]\nholidays = [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07, 2026-10-08]",
    );
    workspace.replace("followup.toml", &text);
    let config = followup::config::load(&workspace.path().join("followup.toml"))
        .expect("valid")
        .config;
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("time")
            .to_utc()
    };
    let last = at("2026-09-25T09:00:00+08:00");
    // Friday 2 October is a holiday: its bulletin moves to Friday 9 October 09:00, where it
    // meets that day's own (one bulletin).
    assert_eq!(
        followup::report::next_moment(&config, last),
        Some(at("2026-10-09T09:00:00+08:00"))
    );
    assert_eq!(
        followup::report::due_moment(&config, last, at("2026-10-05T12:00:00+08:00")),
        None
    );
    assert_eq!(
        followup::report::due_moment(&config, last, at("2026-10-09T09:00:00+08:00")),
        Some(at("2026-10-09T09:00:00+08:00"))
    );
    // Missed for weeks: one bulletin, the latest moment.
    assert_eq!(
        followup::report::due_moment(&config, last, at("2026-11-01T10:00:00+08:00")),
        Some(at("2026-10-30T09:00:00+08:00"))
    );
    // Already sent for that moment: nothing until the next.
    let sent = at("2026-10-30T09:00:00+08:00");
    assert_eq!(
        followup::report::due_moment(&config, sent, at("2026-11-01T10:00:00+08:00")),
        None
    );
}
