//! The board end to end: the real daemon with `[web]` on a loopback port, asked over real
//! HTTP (a minimal HTTP/1.1 client on a std socket): logins, headers, filters, CSRF refusal,
//! and done from the board giving the same bytes as `followup done`, after which the
//! commitment is no longer reminded. Synchronisation is on the daemon's log lines.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::daemon::Running;
use crate::support::{Workspace, output, stderr, stdout};

const PASSWORD: &str = "正确 horse battery";

const COMMITMENTS: &str = r#"[letter]
id = "l"
title = "关于推动我省通用人工智能产业发展的建议"
proposer = "民革省委会"
session = "省政协第十三届三次会议"
replied_on = 2025-05-23

# The first commitment
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
due = 2099-12-31
status = "open"

[[commitment]]
id = "c2"
owner = "省科技厅"
text = "优化布局人工智能科技创新平台"
due = 2099-12-31

[[commitment]]
id = "c3"
owner = "省财政厅"
text = "持续安排出资扩大基金规模"
due = 2020-01-31
"#;

/// A configuration with the board on an ephemeral loopback port, the file transport, a
/// reminder every second, and `web` appended to `[web]`.
fn workspace(web: &str) -> Workspace {
    let workspace = Workspace::new();
    workspace.write(
        "followup.toml",
        &format!(
            r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "file"

[schedule]
remind = "*/1 * * * * *"
skip_holidays = false
digest = true

[departments."省科技厅"]
aliases = ["科技厅"]
to = ["kjt@example.gov.cn"]

[departments."省财政厅"]
to = ["czt@example.gov.cn"]

[web]
listen = "127.0.0.1:0"
{web}
"#
        ),
    );
    workspace.write("commitments/letter.toml", COMMITMENTS);
    workspace
}

/// A workspace with a users file holding `wang`.
fn with_users(web: &str) -> Workspace {
    let workspace = workspace(&format!("users_file = \"web-users\"\n{web}"));
    let mut command = workspace.followup();
    command
        .args(["web-passwd", "wang"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("web-passwd starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("the password is written");
    let result = child.wait_with_output().expect("web-passwd ends");
    assert!(result.status.success(), "{}", stderr(&result));
    let line = stdout(&result);
    assert!(line.starts_with("wang:$argon2id$"), "{line}");
    workspace.write("web-users", &format!("# the board's users\n{line}"));
    workspace
}

/// The daemon and the board's address (from its log line).
fn start(workspace: &Workspace) -> (Running, String) {
    let mut daemon = Running::start(workspace);
    let line = daemon.wait_for_line("board listening");
    let address = line
        .split("address=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the board logs its address")
        .to_string();
    (daemon, address)
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One request on a fresh connection (`Connection: close`), the whole answer read.
fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(address).expect("the board accepts connections");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("a read timeout can be set");
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream
        .write_all(text.as_bytes())
        .expect("the request is sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the answer is read");
    // The .xlsx download is binary: only its first bytes are looked at.
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

fn get(address: &str, path: &str, cookie: Option<&str>) -> Response {
    match cookie {
        Some(cookie) => request(address, "GET", path, &[("Cookie", cookie)], ""),
        None => request(address, "GET", path, &[], ""),
    }
}

fn login(address: &str, password: &str) -> Response {
    let body = format!("user=wang&password={}&next=%2F", encode(password));
    request(address, "POST", "/login", &[], &body)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// The session cookie (`name=value`) set by a login.
fn session(response: &Response) -> String {
    let cookie = response.header("set-cookie").expect("a session cookie");
    cookie.split(';').next().expect("name=value").to_string()
}

/// The CSRF token in a page's forms.
fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page has a form with a CSRF token")
        .to_string()
}

#[test]
fn no_page_is_reachable_without_the_login_and_pages_are_served_after_it() {
    let workspace = with_users("");
    let (daemon, address) = start(&workspace);

    for path in [
        "/",
        "/c/c1",
        "/d/%E7%9C%81%E7%A7%91%E6%8A%80%E5%8E%85",
        "/?q=c1",
    ] {
        let answer = get(&address, path, None);
        assert_eq!(answer.status, 303, "{path} without a login");
        assert!(
            answer
                .header("location")
                .is_some_and(|to| to.starts_with("/login?next=")),
            "{path}: {:?}",
            answer.headers
        );
        assert!(!answer.body.contains("持续组织"), "{path} leaks content");
    }
    let css = get(&address, "/static/board.css", None);
    assert_eq!(css.status, 200);
    assert!(
        css.header("content-type")
            .is_some_and(|kind| kind.starts_with("text/css"))
    );

    let wrong = login(&address, "wrong");
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.body.contains("用户名或密码不正确"), "{}", wrong.body);
    let forged = get(&address, "/", Some("followup_session=0123456789abcdef"));
    assert_eq!(forged.status, 303, "an unknown session is no session");

    let ok = login(&address, PASSWORD);
    assert_eq!(ok.status, 303, "{}", ok.body);
    let set_cookie = ok.header("set-cookie").expect("a cookie").to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain loopback HTTP: {set_cookie}"
    );
    let cookie = session(&ok);

    let board = get(&address, "/", Some(&cookie));
    assert_eq!(board.status, 200);
    let policy = board.header("content-security-policy").expect("a CSP");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(board.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(board.header("referrer-policy"), Some("no-referrer"));
    assert!(!board.body.contains("<script"), "no script on the board");
    assert!(board.body.contains("<html lang=\"zh\">"));
    assert!(board.body.contains("持续组织实施人工智能领域科技攻关"));
    assert!(
        board.body.contains("<svg"),
        "the chart is drawn on the server"
    );
    for light in ["red", "yellow", "blue", "green", "grey"] {
        assert!(
            board.body.contains(&format!("data-light=\"{light}\"")),
            "the legend shows {light}"
        );
    }
    // Failing first: c3 is overdue (red) and comes before c1 and c2.
    let position = |id: &str| board.body.find(&format!("/c/{id}?")).expect(id);
    assert!(position("c3") < position("c1") && position("c1") < position("c2"));

    // Filters: department (by alias too), light, search, due range, status, proposer.
    let only = |path: &str| -> Vec<&'static str> {
        let page = get(&address, path, Some(&cookie));
        assert_eq!(page.status, 200, "{path}");
        ["c1", "c2", "c3"]
            .into_iter()
            .filter(|id| page.body.contains(&format!("/c/{id}?")))
            .collect()
    };
    assert_eq!(
        only("/?department=%E7%9C%81%E8%B4%A2%E6%94%BF%E5%8E%85"),
        ["c3"]
    );
    assert_eq!(
        only("/?department=%E7%A7%91%E6%8A%80%E5%8E%85"),
        ["c1", "c2"]
    );
    assert_eq!(only("/?light=red"), ["c3"]);
    assert_eq!(only("/?light=green"), ["c1", "c2"]);
    assert_eq!(only("/?q=%E5%88%9B%E6%96%B0%E5%B9%B3%E5%8F%B0"), ["c2"]);
    assert_eq!(only("/?from=2021-01-01&to=2100-01-01"), ["c1", "c2"]);
    assert_eq!(only("/?to=2021-01-01"), ["c3"]);
    assert_eq!(only("/?status=done"), Vec::<&str>::new());
    assert_eq!(only("/?who=%E6%B0%91%E9%9D%A9"), ["c1", "c2", "c3"]);
    assert_eq!(only("/?who=nobody"), Vec::<&str>::new());
    assert_eq!(only("/?letter=l&status=open"), ["c1", "c2", "c3"]);

    let english = get(&address, "/?lang=en", Some(&cookie));
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Commitments board"));
    let accepted = request(
        &address,
        "GET",
        "/c/c3",
        &[
            ("Cookie", &cookie),
            ("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5"),
        ],
        "",
    );
    assert_eq!(accepted.status, 200);
    assert!(accepted.body.contains("Overdue"), "{}", accepted.body);
    assert!(accepted.body.contains("持续安排出资扩大基金规模"));

    let department = get(
        &address,
        "/d/%E7%9C%81%E7%A7%91%E6%8A%80%E5%8E%85",
        Some(&cookie),
    );
    assert_eq!(department.status, 200);
    assert!(department.body.contains("/c/c1?") && !department.body.contains("/c/c3?"));
    assert_eq!(get(&address, "/c/nope", Some(&cookie)).status, 404);
    assert_eq!(get(&address, "/d/nope", Some(&cookie)).status, 404);

    // The 台账 download, the department's calendar feed (its token is the credential) and
    // the metrics for a scraper on this machine.
    assert_eq!(get(&address, "/export.xlsx", None).status, 303);
    let xlsx = get(&address, "/export.xlsx", Some(&cookie));
    assert_eq!(xlsx.status, 200);
    assert!(
        xlsx.header("content-type")
            .is_some_and(|kind| kind.contains("spreadsheetml"))
    );
    assert!(xlsx.body.starts_with("PK"), "an .xlsx is a zip");
    assert!(
        board.body.contains("href=\"/export.xlsx\""),
        "the board offers the download"
    );
    // minijinja escapes `/` in attributes as `&#x2f;` (browsers decode it).
    let feed = department
        .body
        .replace("&#x2f;", "/")
        .split("href=\"/ics/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/ics/{rest}"))
        .expect("the department page links its calendar feed");
    let calendar = get(&address, &feed, None);
    assert_eq!(calendar.status, 200, "{feed}");
    assert!(calendar.body.contains("BEGIN:VCALENDAR") && calendar.body.contains("BEGIN:VTODO"));
    let forged = feed.replace(".ics", "0.ics");
    assert_eq!(
        get(&address, &forged, None).status,
        404,
        "a wrong token is refused"
    );
    let metrics = get(&address, "/metrics", None);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("followup_commitments"),
        "{}",
        metrics.body
    );

    let oversized = "x".repeat(64 * 1024);
    let big = request(
        &address,
        "POST",
        "/login",
        &[],
        &format!("user={oversized}"),
    );
    assert_eq!(big.status, 413, "bodies are bounded");

    let (code, _) = daemon.stop();
    assert_eq!(code, Some(0), "the daemon stops cleanly with the board on");
}

#[test]
fn done_from_the_board_writes_what_followup_done_writes_and_reminders_stop() {
    let workspace = with_users("");
    let twin = with_users("");
    let (mut daemon, address) = start(&workspace);
    // The first notices are written before anything changes.
    daemon.wait_for_line("commitments=c1, c2");
    let before = workspace.read("commitments/letter.toml");

    let cookie = session(&login(&address, PASSWORD));
    let page = get(&address, "/c/c1", Some(&cookie));
    assert_eq!(page.status, 200);
    let token = csrf(&page.body);

    // Refused: no token, a wrong token, a right token without the session: nothing changes.
    for (cookie, body) in [
        (Some(cookie.as_str()), "note=x".to_string()),
        (Some(cookie.as_str()), "csrf=00&note=x".to_string()),
        (None, format!("csrf={token}")),
    ] {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        let refused = request(&address, "POST", "/c/c1/done", &headers, &body);
        assert_eq!(refused.status, 403, "{body}");
        assert_eq!(workspace.read("commitments/letter.toml"), before);
    }

    let done = request(
        &address,
        "POST",
        "/c/c1/done",
        &[("Cookie", &cookie)],
        &format!("csrf={token}"),
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let result = output(twin.followup().args(["done", "c1"]));
    assert!(result.status.success(), "{}", stderr(&result));
    let by_board = workspace.read("commitments/letter.toml");
    assert_ne!(by_board, before);
    assert_eq!(
        by_board,
        twin.read("commitments/letter.toml"),
        "byte for byte as `followup done`"
    );

    // The page shows it done, with who did it on the timeline.
    let page = get(&address, "/c/c1", Some(&cookie));
    assert!(page.body.contains("已办结"), "{}", page.body);
    assert!(
        page.body.contains("确认办结") && page.body.contains("<td>wang</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("/c/c1/reopen"),
        "a done commitment offers reopen"
    );

    // The daemon reloads. An email composed before the reload may still be in flight (sends
    // run beside the loop) and list c1; from the first one without it, c1 stays gone.
    // Only the line's `commitments=` field is compared: its file name and Message-ID carry
    // random hex, which can contain "c1".
    daemon.wait_for_line("reloaded");
    let mut sent = daemon.wait_for_line("department=省科技厅");
    let mut in_flight = 0;
    while sent_commitments(&sent).contains(&"c1") {
        in_flight += 1;
        assert!(in_flight <= 2, "c1 still reminded after the reload: {sent}");
        sent = daemon.wait_for_line("department=省科技厅");
    }
    assert_eq!(sent_commitments(&sent), ["c2"], "{sent}");
    let next = daemon.wait_for_line("department=省科技厅");
    assert_eq!(sent_commitments(&next), ["c2"], "{next}");
    let (code, _) = daemon.stop();
    assert_eq!(code, Some(0));
}

/// The ids of a `sent:` log line's `commitments=c1, c2` field, which runs to the next
/// ` key=` field or the end of the line.
fn sent_commitments(line: &str) -> Vec<&str> {
    let (_, field) = line
        .split_once("commitments=")
        .unwrap_or_else(|| panic!("no commitments= field in {line:?}"));
    let field = field.split(" message_id=").next().unwrap_or(field);
    field.split(", ").map(str::trim).collect()
}

#[test]
fn sent_commitments_reads_the_field_not_the_message_id() {
    let line = "INFO sent: written to state/outbox/followup.610e3c19f454e4ac.1796196040_example.gov.cn.eml department=省科技厅 commitments=c2 message_id=<followup.610e3c19f454e4ac.1796196040@example.gov.cn>";
    assert_eq!(sent_commitments(line), ["c2"]);
    assert_eq!(
        sent_commitments("department=省科技厅 commitments=c1, c2"),
        ["c1", "c2"]
    );
}

#[test]
fn a_trusted_header_counts_only_from_a_trusted_proxy() {
    let trusted =
        workspace("trusted_header = \"X-Remote-User\"\ntrusted_proxies = [\"127.0.0.1\"]");
    let (daemon, address) = start(&trusted);
    let page = request(&address, "GET", "/c/c1", &[("X-Remote-User", "li")], "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(">li<"), "the proxy's user is shown");
    let token = csrf(&page.body);
    let before = trusted.read("commitments/letter.toml");
    let refused = request(
        &address,
        "POST",
        "/c/c1/done",
        &[("X-Remote-User", "li")],
        "csrf=1",
    );
    assert_eq!(refused.status, 403);
    assert_eq!(trusted.read("commitments/letter.toml"), before);
    let done = request(
        &address,
        "POST",
        "/c/c1/done",
        &[("X-Remote-User", "li")],
        &format!("csrf={token}&note=%E5%B7%B2%E5%8A%9E"),
    );
    assert_eq!(done.status, 303);
    assert!(
        trusted
            .read("commitments/letter.toml")
            .contains("note = \"已办\"")
    );
    drop(daemon);

    let elsewhere =
        workspace("trusted_header = \"X-Remote-User\"\ntrusted_proxies = [\"10.0.0.1\"]");
    let (_daemon, address) = start(&elsewhere);
    let page = request(&address, "GET", "/", &[("X-Remote-User", "li")], "");
    assert_eq!(
        page.status, 303,
        "a header from an untrusted peer is ignored"
    );
}

#[test]
fn the_board_on_a_network_address_needs_a_way_to_log_in() {
    let workspace = workspace("");
    let text = workspace
        .read("followup.toml")
        .replace("127.0.0.1:0", "0.0.0.0:8750");
    workspace.write("followup.toml", &text);
    let result = output(workspace.followup().arg("check"));
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("web.listen: `0.0.0.0:8750` is not a loopback address"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn the_board_pages_fifty_rows_failing_first_and_keeps_the_filters_in_its_links() {
    let workspace = workspace("public = true");
    let mut text = String::from(
        "[letter]\nid = \"big\"\ntitle = \"关于加快推进全省重点产业高质量发展的建议\"\n",
    );
    for index in 0..120 {
        // Every third is overdue, the rest due far ahead.
        let due = if index % 3 == 0 {
            "2020-01-31"
        } else {
            "2099-12-31"
        };
        text.push_str(&format!(
            "\n[[commitment]]\nid = \"b{index:03}\"\nowner = \"省科技厅\"\ntext = \"第{index}项承诺\"\ndue = {due}\n"
        ));
    }
    workspace.write("commitments/letter.toml", &text);
    let config = followup::config::load(&workspace.path().join("followup.toml"))
        .expect("the configuration loads")
        .config;
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00")
        .expect("a time")
        .with_timezone(&chrono::Utc);
    let none = std::collections::HashSet::new();
    let query = |page: usize, light: Option<&str>| followup::web::board::Query {
        page: Some(page),
        light: light.map(str::to_string),
        ..Default::default()
    };
    let pages: Vec<_> = (1..=4)
        .map(|page| followup::web::board::board(&config, &query(page, None), at, &none).unwrap())
        .collect();
    assert_eq!(pages[0].total, 120);
    assert_eq!(pages[0].pages, 3);
    let sizes: Vec<usize> = pages.iter().map(|page| page.rows.len()).collect();
    assert_eq!(
        sizes,
        [50, 50, 20, 20],
        "a page past the end shows the last one"
    );
    let first: Vec<&str> = pages[0]
        .rows
        .iter()
        .map(|row| row.row.light.as_str())
        .collect();
    assert!(first[..40].iter().all(|light| *light == "red"), "{first:?}");
    assert!(
        first[40..].iter().all(|light| *light == "green"),
        "{first:?}"
    );
    let red = followup::web::board::board(&config, &query(1, Some("red")), at, &none).unwrap();
    assert_eq!(red.total, 40);
    let reported: std::collections::HashSet<String> = ["b001".to_string()].into();
    let claimed =
        followup::web::board::board(&config, &query(1, Some("blue")), at, &reported).unwrap();
    assert_eq!(claimed.total, 1, "a done claim awaiting review is blue");

    // The running board links the next page with the filters kept.
    let (_daemon, address) = start(&workspace);
    let page = get(&address, "/?light=green&q=%E9%A1%B9", None);
    assert_eq!(page.status, 200, "public: no login needed to view");
    let page = page.body.replace("&#x2f;", "/").replace("&amp;", "&");
    assert!(
        page.contains("/?lang=zh&page=2&q=%E9%A1%B9&light=green"),
        "{page}"
    );
}

#[test]
fn a_done_claim_by_email_shows_blue_with_its_report_on_the_timeline() {
    let (workspace, reminder) = crate::replies::reminded();
    let received = crate::replies::receive(
        &workspace,
        &crate::replies::fixture("outlook-zh-done.eml", &reminder),
    );
    assert_eq!(received.status.code(), Some(0), "{}", stderr(&received));
    let main = workspace.read("followup.toml");
    workspace.write(
        "followup.toml",
        &format!("{main}\n[web]\nlisten = \"127.0.0.1:0\"\npublic = true\n"),
    );
    let (_daemon, address) = start(&workspace);

    let blue = get(&address, "/?light=blue", None);
    assert_eq!(blue.status, 200);
    assert!(blue.body.contains("/c/jl-2025-ai-1?"), "{}", blue.body);
    assert!(!blue.body.contains("/c/jl-2025-ai-2?"), "{}", blue.body);
    let page = get(&address, "/c/jl-2025-ai-1", None);
    assert!(
        page.body.contains("<h1><span class=\"light blue\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("办结待审"), "{}", page.body);
    assert!(
        page.body.contains("办理报告 · done · pending"),
        "{}",
        page.body
    );
    assert!(page.body.contains("已办结，报告见附件"), "{}", page.body);
}
