//! The board's pages and actions. Each handler identifies the viewer, then does its work on
//! a blocking thread over the configuration published last, and renders a template.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::auth::{self, User};
use super::board::{self, Query as BoardQuery};
use super::i18n::{self, Lang};
use super::listener::Peer;
use super::{Shared, audit};
use crate::edit;
use crate::ledger::Ledger;
use crate::model::Config;
use crate::views::Light;
use crate::{clock, timefmt};

type Shared_ = State<Arc<Shared>>;

/// The templates, compiled once.
pub fn templates() -> anyhow::Result<minijinja::Environment<'static>> {
    let mut env = minijinja::Environment::new();
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("board.html", include_str!("templates/board.html")),
        ("commitment.html", include_str!("templates/commitment.html")),
        ("department.html", include_str!("templates/department.html")),
        ("timeline.html", include_str!("templates/timeline.html")),
        ("login.html", include_str!("templates/login.html")),
        ("message.html", include_str!("templates/message.html")),
    ] {
        env.add_template(name, text)
            .map_err(|error| anyhow::anyhow!("the board's template `{name}`: {error}"))?;
    }
    env.add_filter("seg", |text: String| segment(&text));
    Ok(env)
}

/// Percent-encodes everything but ASCII letters, digits and `-._~` (a path segment or a
/// query value).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ch => out.push(ch),
        }
    }
    out
}

/// Who is asking, in which language.
struct Viewer {
    lang: Lang,
    user: Option<User>,
    /// The current URL with the other language, filters kept.
    other_lang_url: String,
}

fn viewer(shared: &Shared, headers: &HeaderMap, peer: Peer, uri: &Uri) -> Viewer {
    let lang_param = uri.query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .map(str::to_string)
    });
    let lang = i18n::pick(lang_param.as_deref(), headers);
    let other = if lang == Lang::Zh { "en" } else { "zh" };
    let mut kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .collect();
    let pair = format!("lang={other}");
    kept.push(&pair);
    Viewer {
        lang,
        user: shared.auth.identify(headers, peer.0.ip()),
        other_lang_url: format!("{}?{}", uri.path(), kept.join("&")),
    }
}

/// The context every page shares.
fn base(shared: &Shared, viewer: &Viewer) -> Value {
    context! {
        lang => viewer.lang.code(),
        other_lang => if viewer.lang == Lang::Zh { "en" } else { "zh" },
        other_lang_url => viewer.other_lang_url,
        t => i18n::words(viewer.lang),
        user => viewer.user.as_ref().map(|user| user.name.clone()),
        csrf => viewer.user.as_ref().map(|user| user.csrf.clone()),
        can_login => shared.auth.can_login(),
    }
}

fn render(shared: &Shared, name: &str, status: StatusCode, context: Value) -> Response {
    match shared
        .templates
        .get_template(name)
        .and_then(|template| template.render(context))
    {
        Ok(html) => html_response(status, html),
        Err(error) => {
            tracing::error!("rendering the board's `{name}`: {error:#}");
            (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n").into_response()
        }
    }
}

fn message(shared: &Shared, viewer: &Viewer, status: StatusCode, key: &str) -> Response {
    let words = i18n::words(viewer.lang);
    let text = words.get(key).copied().unwrap_or(key);
    render(
        shared,
        "message.html",
        status,
        context! { message => text, ..base(shared, viewer) },
    )
}

/// Viewing needs a login unless the board is public: the login page, coming back here after.
fn gate(shared: &Shared, viewer: &Viewer, uri: &Uri) -> Option<Response> {
    if shared.public || viewer.user.is_some() {
        return None;
    }
    let back = uri
        .path_and_query()
        .map_or("/".to_string(), |path| path.to_string());
    Some(Redirect::to(&format!("/login?next={}", segment(&back))).into_response())
}

/// `gate` for a handler that has not made a `Viewer`.
pub(super) fn gate_request(
    shared: &Shared,
    headers: &HeaderMap,
    peer: Peer,
    uri: &Uri,
) -> Option<Response> {
    gate(shared, &viewer(shared, headers, peer, uri), uri)
}

/// A page that could not be built (the daemon's spill file could not be read): logged for
/// the administrator, a plain 500 for the viewer.
pub(super) fn failed(error: &anyhow::Error) -> Response {
    tracing::error!("building a board page: {error:#}");
    (StatusCode::INTERNAL_SERVER_ERROR, "the page failed\n").into_response()
}

/// Runs `work` on a blocking thread (a page of 10,000 commitments, SQLite, argon2).
pub(super) async fn blocking<F>(work: F) -> Response
where
    F: FnOnce() -> Response + Send + 'static,
{
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        (StatusCode::INTERNAL_SERVER_ERROR, "the page failed\n").into_response()
    })
}

pub async fn board(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<BoardQuery>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    if let Some(login) = gate(&shared, &viewer, &uri) {
        return login;
    }
    blocking(move || {
        let config = shared.config.borrow().clone();
        let base = base(&shared, &viewer);
        let reported = super::extra::reported(&config);
        let html = board_html(
            &shared.templates,
            &config,
            &query,
            clock::now(),
            viewer.lang,
            base,
            &reported,
        );
        match html {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(error) => {
                tracing::error!("rendering the board: {error:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n").into_response()
            }
        }
    })
    .await
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// The board page as HTML, exactly as a request gets it (`base` is the frame's context).
pub fn board_html(
    templates: &minijinja::Environment<'static>,
    config: &Config,
    query: &BoardQuery,
    at: DateTime<Utc>,
    lang: Lang,
    base: Value,
    reported: &std::collections::HashSet<String>,
) -> anyhow::Result<String> {
    let page = board_page(config, query, at, lang, reported)?;
    let context = context! {
        board => page.board,
        chart => Value::from_safe_string(page.chart),
        query => query,
        all_departments => page.departments,
        prev_url => page.prev_url,
        next_url => page.next_url,
        export => true,
        ..base
    };
    Ok(templates.get_template("board.html")?.render(context)?)
}

/// The frame's context for someone not logged in (the bench, a public board).
pub fn anonymous_base(lang: Lang) -> Value {
    context! {
        lang => lang.code(),
        other_lang => if lang == Lang::Zh { "en" } else { "zh" },
        other_lang_url => format!("/?lang={}", if lang == Lang::Zh { "en" } else { "zh" }),
        t => i18n::words(lang),
        can_login => false,
    }
}

/// Everything the board page shows, apart from the page frame.
pub struct BoardPage<'a> {
    pub board: board::Board<'a>,
    pub chart: String,
    pub departments: Vec<&'a str>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

/// The board's content for `query` (public for the bench).
pub fn board_page<'a>(
    config: &'a Config,
    query: &BoardQuery,
    at: DateTime<Utc>,
    lang: Lang,
    reported: &std::collections::HashSet<String>,
) -> anyhow::Result<BoardPage<'a>> {
    let board = board::board(config, query, at, reported)?;
    let chart = chart(&board.departments, lang);
    let page_url = |page: usize| {
        let mut url = format!("/?lang={}&page={page}", lang.code());
        for (key, value) in [
            ("q", &query.q),
            ("department", &query.department),
            ("letter", &query.letter),
            ("who", &query.who),
            ("status", &query.status),
            ("light", &query.light),
            ("from", &query.from),
            ("to", &query.to),
        ] {
            if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
                let _ = write!(url, "&{key}={}", segment(value));
            }
        }
        url
    };
    let prev_url = (board.page > 1).then(|| page_url(board.page - 1));
    let next_url = (board.page < board.pages).then(|| page_url(board.page + 1));
    Ok(BoardPage {
        departments: board
            .departments
            .iter()
            .map(|count| {
                config.departments[config
                    .find_department(&count.department)
                    .unwrap_or_default()]
                .key
                .as_str()
            })
            .collect(),
        board,
        chart,
        prev_url,
        next_url,
    })
}

/// Per-department counts as a horizontal stacked bar chart (overdue, open, done), drawn on
/// the server: no script, no inline style (colours are attributes).
pub fn chart(counts: &[board::DepartmentCount], lang: Lang) -> String {
    let words = i18n::words(lang);
    let label = 150;
    let width = 640;
    let row = 24;
    let max = counts
        .iter()
        .map(|count| count.open + count.overdue + count.done)
        .max()
        .unwrap_or(1)
        .max(1);
    let height = row * (counts.len() + 1) + 8;
    let mut svg = String::with_capacity(300 + counts.len() * 400);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}">"#,
        escape(words["chart"])
    );
    let legend = [
        ("#d93025", words["overdue"]),
        ("#188038", words["open"]),
        ("#9aa0a6", words["done"]),
    ];
    for (position, (colour, name)) in legend.iter().enumerate() {
        let x = label + position * 130;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/><text x="{}" y="15">{}</text>"#,
            x + 16,
            escape(name)
        );
    }
    let scale = |n: usize| n * (width - label - 50) / max;
    for (position, count) in counts.iter().enumerate() {
        let y = row * (position + 1) + 4;
        let _ = write!(
            svg,
            r#"<a href="/d/{}?lang={}"><text x="{}" y="{}" text-anchor="end">{}</text></a>"#,
            segment(&count.department),
            lang.code(),
            label - 6,
            y + 15,
            escape(&count.department)
        );
        let mut x = label;
        for (n, colour) in [
            (count.overdue, "#d93025"),
            (count.open, "#188038"),
            (count.done, "#9aa0a6"),
        ] {
            let w = scale(n);
            if n > 0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x}" y="{}" width="{}" height="18" fill="{colour}"><title>{n}</title></rect>"#,
                    y + 2,
                    w.max(1)
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}">{}/{}/{}</text>"#,
            x + 4,
            y + 15,
            count.overdue,
            count.open,
            count.done
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One line of a timeline.
#[derive(Debug, Serialize)]
struct Event {
    #[serde(skip)]
    at: DateTime<Utc>,
    time: String,
    kind: &'static str,
    event: String,
    who: String,
    detail: String,
    commitment: Option<String>,
}

/// One timeline, newest first: deliveries, the office's answers by email and their
/// decisions, and the board's actions (`with_commitment` names each event's commitment).
fn timeline(
    config: &Config,
    words: &std::collections::BTreeMap<&str, &str>,
    history: Vec<crate::ledger::HistoryRow>,
    (reports, decisions): (
        Vec<crate::replies::store::Report>,
        Vec<crate::replies::store::Event>,
    ),
    actions: Vec<audit::Action>,
    with_commitment: bool,
) -> Vec<Event> {
    let mut events = delivery_events(config, words, history, with_commitment);
    events.extend(reply_events(
        config,
        words,
        reports,
        decisions,
        with_commitment,
    ));
    events.extend(action_events(config, words, actions, with_commitment));
    events.sort_by_key(|event| std::cmp::Reverse(event.at));
    events
}

fn delivery_events(
    config: &Config,
    words: &std::collections::BTreeMap<&str, &str>,
    rows: Vec<crate::ledger::HistoryRow>,
    with_commitment: bool,
) -> Vec<Event> {
    rows.into_iter()
        .map(|row| {
            let state = serde_json::to_value(row.state)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default();
            let mut who = row.to.join(", ");
            if !row.cc.is_empty() {
                let _ = write!(who, " (cc {})", row.cc.join(", "));
            }
            let mut detail = row.message_id.clone();
            if let Some(error) = &row.error {
                let _ = write!(detail, " · {error}");
            }
            Event {
                at: row.moment,
                time: timefmt::local(config, row.moment),
                kind: "reminder",
                event: format!(
                    "{} · {}",
                    words["reminder"],
                    words.get(state.as_str()).copied().unwrap_or(&state)
                ),
                who,
                detail,
                commitment: with_commitment.then_some(row.commitment),
            }
        })
        .collect()
}

fn action_events(
    config: &Config,
    words: &std::collections::BTreeMap<&str, &str>,
    actions: Vec<audit::Action>,
    with_commitment: bool,
) -> Vec<Event> {
    actions
        .into_iter()
        .map(|action| Event {
            at: action.at,
            time: timefmt::local(config, action.at),
            kind: "action",
            event: words
                .get(format!("action_{}", action.action).as_str())
                .copied()
                .unwrap_or(action.action.as_str())
                .to_string(),
            who: action.actor,
            detail: action.note.unwrap_or_default(),
            commitment: with_commitment.then_some(action.commitment),
        })
        .collect()
}

fn reply_events(
    config: &Config,
    words: &std::collections::BTreeMap<&str, &str>,
    reports: Vec<crate::replies::store::Report>,
    decisions: Vec<crate::replies::store::Event>,
    with_commitment: bool,
) -> Vec<Event> {
    let mut events: Vec<Event> = reports
        .into_iter()
        .map(|report| {
            let mut detail = report.text.chars().take(200).collect::<String>();
            if let Some(due) = report.requested_due {
                let _ = write!(detail, " → {due}");
            }
            Event {
                at: report.received,
                time: timefmt::local(config, report.received),
                kind: "report",
                event: format!(
                    "{} · {} · {}",
                    words["report"],
                    report.intent.as_str(),
                    report.state.as_str()
                ),
                who: report.sender,
                detail,
                commitment: if with_commitment {
                    report.commitment
                } else {
                    None
                },
            }
        })
        .collect();
    events.extend(decisions.into_iter().map(|event| {
        let mut detail = event.note.unwrap_or_default();
        if let (Some(old), Some(new)) = (&event.old_due, &event.new_due) {
            let _ = write!(detail, " {old} → {new}");
        }
        Event {
            at: event.at,
            time: timefmt::local(config, event.at),
            kind: "decision",
            event: event.kind,
            who: event.who,
            detail,
            commitment: with_commitment.then_some(event.commitment),
        }
    }));
    events
}

fn read_log(config: &Config, commitment: Option<&str>) -> Vec<crate::ledger::HistoryRow> {
    match Ledger::open_read_only(&config.state_dir) {
        Ok(Some(ledger)) => ledger.history(commitment).unwrap_or_else(|error| {
            tracing::warn!("the board could not read the delivery log: {error:#}");
            Vec::new()
        }),
        Ok(None) => Vec::new(),
        Err(error) => {
            tracing::warn!("the board could not open the delivery log: {error:#}");
            Vec::new()
        }
    }
}

pub async fn commitment(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    if let Some(login) = gate(&shared, &viewer, &uri) {
        return login;
    }
    blocking(move || {
        let config = shared.config.borrow().clone();
        let Some(index) = config.find_commitment(&id) else {
            return message(&shared, &viewer, StatusCode::NOT_FOUND, "not_found");
        };
        let now = clock::now();
        let words = i18n::words(viewer.lang);
        let history = read_log(&config, Some(&id));
        let commitment = &config.commitments[index];
        let after = history
            .iter()
            .map(|row| row.moment)
            .max()
            .map_or(now, |last| last.max(now));
        let next = crate::engine::next_moment(&config, commitment, after)
            .map(|next| std::rc::Rc::from(timefmt::local(&config, next)));
        let reported = super::extra::reported(&config);
        let texts = board::row(&config, index, now, next, &reported).and_then(|row| {
            Ok((
                row,
                commitment.texts()?,
                config.letter_of(commitment).texts()?,
            ))
        });
        let (row, texts, letter_texts) = match texts {
            Ok(texts) => texts,
            Err(error) => return failed(&error),
        };
        let replies = super::extra::replies(&config, Some(&id));
        let actions = audit::list(&config.state_dir, Some(&[id.as_str()]), 500).unwrap_or_default();
        let timeline = timeline(&config, &words, history, replies, actions, false);
        let letter = config.letter_of(commitment);
        let context = context! {
            c => row,
            text => texts.text(),
            letter => context! {
                id => letter.id(),
                title => letter_texts.title(),
                number => letter_texts.number(),
                proposer => letter_texts.proposer(),
                session => letter_texts.session(),
            },
            timeline => timeline,
            ..base(&shared, &viewer)
        };
        render(&shared, "commitment.html", StatusCode::OK, context)
    })
    .await
}

pub async fn department(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Path(key): Path<String>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    if let Some(login) = gate(&shared, &viewer, &uri) {
        return login;
    }
    blocking(move || {
        let config = shared.config.borrow().clone();
        let Some(id) = config.find_department(&key) else {
            return message(&shared, &viewer, StatusCode::NOT_FOUND, "not_found");
        };
        let now = clock::now();
        let words = i18n::words(viewer.lang);
        let department = config.department(id);
        let mut owned: Vec<usize> = (0..config.commitments.len())
            .filter(|&index| {
                let commitment = &config.commitments[index];
                commitment.owner == id || commitment.co_owners().contains(&id)
            })
            .collect();
        let reported = super::extra::reported(&config);
        let rows: anyhow::Result<Vec<_>> = owned
            .drain(..)
            .map(|index| {
                let row = board::row(&config, index, now, None, &reported)?;
                let texts = config.commitments[index].texts()?;
                Ok((row.light, row.due.clone(), row.id.to_string(), context! { text => texts.text(), ..Value::from_serialize(&row) }))
            })
            .collect();
        let mut rows = match rows {
            Ok(rows) => rows,
            Err(error) => return failed(&error),
        };
        rows.sort_by(|a, b| (a.0, a.1.is_none(), &a.1, &a.2).cmp(&(b.0, b.1.is_none(), &b.1, &b.2)));
        let mut lights: Vec<(Light, usize)> = Light::ALL.iter().map(|light| (*light, 0)).collect();
        for (light, ..) in &rows {
            if let Some(entry) = lights.iter_mut().find(|(l, _)| l == light) {
                entry.1 += 1;
            }
        }
        let ids: Vec<&str> = rows.iter().map(|(_, _, id, _)| id.as_str()).collect();
        let history: Vec<_> = read_log(&config, None)
            .into_iter()
            .filter(|row| row.department == department.key)
            .take(500)
            .collect();
        let actions = audit::list(&config.state_dir, Some(&ids), 500).unwrap_or_default();
        let (reports, decisions) = super::extra::replies(&config, None);
        let reports = reports
            .into_iter()
            .filter(|report| report.commitment.as_deref().is_some_and(|id| ids.contains(&id)))
            .collect();
        let decisions = decisions
            .into_iter()
            .filter(|event| ids.contains(&event.commitment.as_str()))
            .collect();
        let timeline = timeline(&config, &words, history, (reports, decisions), actions, true);
        let feed = (viewer.user.is_some() || shared.public)
            .then(|| super::extra::feed_path(&shared.secret, &department.key));
        let context = context! {
            department => context! { key => department.key.clone(), name => department.name.clone() },
            rows => rows.into_iter().map(|(.., row)| row).collect::<Vec<_>>(),
            lights => lights,
            timeline => timeline,
            feed => feed,
            ..base(&shared, &viewer)
        };
        render(&shared, "department.html", StatusCode::OK, context)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    csrf: String,
    note: String,
}

pub async fn done(
    state: Shared_,
    peer: ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    act(state, peer, headers, uri, id, form, true).await
}

pub async fn reopen(
    state: Shared_,
    peer: ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    act(state, peer, headers, uri, id, form, false).await
}

/// Confirms done or reopens: only for a logged-in user whose form carries their CSRF token;
/// written by `edit` exactly as `followup done`/`reopen` would, then recorded with who did it.
async fn act(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    id: String,
    form: ActForm,
    done: bool,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    let Some(user) = viewer.user.clone() else {
        return message(&shared, &viewer, StatusCode::FORBIDDEN, "refused");
    };
    if !auth::same(&form.csrf, &user.csrf) {
        tracing::warn!(user = %user.name, commitment = %id, "the board refused a form without a valid CSRF token");
        return message(&shared, &viewer, StatusCode::FORBIDDEN, "refused");
    }
    blocking(move || {
        let config = shared.config.borrow().clone();
        let Some(index) = config.find_commitment(&id) else {
            return message(&shared, &viewer, StatusCode::NOT_FOUND, "not_found");
        };
        let now = clock::now();
        let note = Some(form.note.trim().to_string()).filter(|note| !note.is_empty());
        let commitment = &config.commitments[index];
        let already = match done {
            true => commitment.status == crate::model::Status::Done && note.is_none(),
            false => commitment.status == crate::model::Status::Open,
        };
        if !already {
            let change = if done {
                edit::Change::Done {
                    on: now.with_timezone(&config.timezone).date_naive(),
                    note: note.clone(),
                }
            } else {
                edit::Change::Reopen
            };
            if let Err(error) = edit::apply(&config, std::slice::from_ref(&id), &change) {
                tracing::error!(commitment = %id, "the board could not edit: {error:#}");
                return (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:#}\n")).into_response();
            }
            let action = audit::Action {
                at: now,
                commitment: id.clone(),
                action: if done { "done" } else { "reopen" }.to_string(),
                actor: user.name.clone(),
                note,
            };
            if let Err(error) = audit::record(&config.state_dir, &action) {
                tracing::error!("{error:#}");
            }
            tracing::info!(user = %user.name, commitment = %id, action = %action.action, "changed from the board");
            // Show the change at once; the daemon reloads on its own too (file watcher). The
            // prose goes to a spill file, as the daemon's own loads do.
            let mut keep = crate::spill::Keep::spill(Some(config.state_dir.clone()));
            match crate::config::load_keeping(&config.path, &mut keep) {
                Ok(loaded) => {
                    shared.config.send_replace(Arc::new(loaded.config));
                }
                Err(invalid) => tracing::warn!("reloading after the board's change: {invalid}"),
            }
        }
        Redirect::to(&format!("/c/{}?lang={}", segment(&id), viewer.lang.code())).into_response()
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

pub async fn login_form(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<LoginQuery>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    if shared.auth.users_file().is_none() {
        return message(&shared, &viewer, StatusCode::NOT_FOUND, "read_only");
    }
    let context =
        context! { next => safe_next(&query.next), failed => false, ..base(&shared, &viewer) };
    render(&shared, "login.html", StatusCode::OK, context)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    user: String,
    password: String,
    next: String,
}

pub async fn login(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    let Some(users_file) = shared.auth.users_file().map(std::path::Path::to_path_buf) else {
        return message(&shared, &viewer, StatusCode::NOT_FOUND, "read_only");
    };
    let Ok(_permit) = shared.logins.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy\n").into_response();
    };
    let (name, password) = (form.user.clone(), form.password);
    let verified = tokio::task::spawn_blocking(move || auth::verify(&users_file, &name, &password))
        .await
        .unwrap_or_else(|_| Ok(false));
    let ok = match verified {
        Ok(ok) => ok,
        Err(error) => {
            tracing::error!("{error:#}");
            false
        }
    };
    if !ok {
        tracing::warn!(user = %form.user, peer = %peer.0, "the board refused a login");
        let context =
            context! { next => safe_next(&form.next), failed => true, ..base(&shared, &viewer) };
        return render(&shared, "login.html", StatusCode::UNAUTHORIZED, context);
    }
    let session = match shared.auth.login(&form.user) {
        Ok(session) => session,
        Err(error) => {
            tracing::error!("{error:#}");
            return (StatusCode::INTERNAL_SERVER_ERROR, "login failed\n").into_response();
        }
    };
    tracing::info!(user = %form.user, "logged in to the board");
    let secure = if shared.auth.secure(&headers, peer.0.ip()) {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{secure}",
        auth::COOKIE
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(&form.next)),
    )
        .into_response()
}

pub async fn logout(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<ActForm>,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    match &viewer.user {
        Some(user) if auth::same(&form.csrf, &user.csrf) => {
            shared.auth.logout(&headers);
            (
                [(
                    header::SET_COOKIE,
                    format!(
                        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                        auth::COOKIE
                    ),
                )],
                Redirect::to("/"),
            )
                .into_response()
        }
        _ => message(&shared, &viewer, StatusCode::FORBIDDEN, "refused"),
    }
}

pub async fn not_found(
    State(shared): Shared_,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let viewer = viewer(&shared, &headers, peer, &uri);
    message(&shared, &viewer, StatusCode::NOT_FOUND, "not_found")
}
