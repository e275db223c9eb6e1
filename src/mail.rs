//! Composes the emails: reminders, the admin's failure report and the test message, from
//! minijinja templates built into the binary (zh, en) or a templates folder. Pure: no clock,
//! no network.
//!
//! No value from configuration can add a header line: every configured string bound for a
//! header has its control characters (CR and LF among them) replaced by spaces first, and
//! addresses go through lettre's `Mailbox` parser, which refuses anything but one mailbox.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::engine::{self, Reminder, Why};
use crate::model::{Config, Language, Transport};

/// The largest template file read (a template is a few KiB).
const TEMPLATE_MAX_BYTES: u64 = 1024 * 1024;
/// Every built-in template: (name, source).
const BUILTIN: &[(&str, &str)] = &[
    ("subject.zh.txt", include_str!("templates/subject.zh.txt")),
    ("subject.en.txt", include_str!("templates/subject.en.txt")),
    ("reminder.zh.txt", include_str!("templates/reminder.zh.txt")),
    ("reminder.en.txt", include_str!("templates/reminder.en.txt")),
    (
        "reminder.zh.html",
        include_str!("templates/reminder.zh.html"),
    ),
    (
        "reminder.en.html",
        include_str!("templates/reminder.en.html"),
    ),
    ("failure.zh.txt", include_str!("templates/failure.zh.txt")),
    ("failure.en.txt", include_str!("templates/failure.en.txt")),
    ("test.zh.txt", include_str!("templates/test.zh.txt")),
    ("test.en.txt", include_str!("templates/test.en.txt")),
    ("report.zh.txt", include_str!("templates/report.zh.txt")),
    ("report.en.txt", include_str!("templates/report.en.txt")),
    ("report.zh.html", include_str!("templates/report.zh.html")),
    ("report.en.html", include_str!("templates/report.en.html")),
];

/// The templates a templates folder may replace.
pub const REPLACEABLE: &[&str] = &[
    "reminder.zh.txt",
    "reminder.zh.html",
    "reminder.en.txt",
    "reminder.en.html",
    "subject.zh.txt",
    "subject.en.txt",
];

/// The compiled templates. `.html` templates escape every interpolated value.
#[derive(Debug, Clone)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn builtin() -> Templates {
        let mut env = environment();
        for (name, source) in BUILTIN {
            env.add_template(name, source)
                .expect("the built-in templates compile (tests render each one)");
        }
        Templates { env }
    }

    /// The built-in templates, with any of `reminder.zh.txt`, `reminder.zh.html`,
    /// `reminder.en.txt`, `reminder.en.html`, `subject.zh.txt`, `subject.en.txt` found in `dir`
    /// replacing the built-in one. Errors name the file and the template error (line).
    ///
    /// Each replacement is rendered once with sample data, so an unknown variable or filter is
    /// reported now rather than at the first reminder. A file named `reminder.*` or
    /// `subject.*` that is not one of the six is refused as a likely typo.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Templates> {
        let mut templates = Templates::builtin();
        let Some(dir) = dir else {
            return Ok(templates);
        };
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("reading templates folder `{}`", dir.display()))?;
        let mut found = Vec::new();
        for entry in entries {
            let entry =
                entry.with_context(|| format!("reading templates folder `{}`", dir.display()))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if REPLACEABLE.contains(&file_name.as_str()) {
                found.push(file_name);
            } else if file_name.starts_with("reminder.") || file_name.starts_with("subject.") {
                bail!(
                    "`{}`: not a template name followup knows (expected one of {})",
                    entry.path().display(),
                    REPLACEABLE.join(", ")
                );
            }
        }
        found.sort();
        for name in found {
            let path = dir.join(&name);
            // Like configuration files: a regular file of bounded size, never a FIFO.
            let source =
                crate::config::read_regular_file(&path, TEMPLATE_MAX_BYTES).map_err(|message| {
                    anyhow::anyhow!("reading template `{}`: {message}", path.display())
                })?;
            templates
                .env
                .add_template_owned(name.clone(), source)
                .map_err(|error| template_error(&path, &error))?;
            templates
                .env
                .get_template(&name)
                .and_then(|template| template.render(sample_context()))
                .map_err(|error| template_error(&path, &error))?;
        }
        Ok(templates)
    }

    pub(crate) fn render(&self, name: &str, context: impl Serialize) -> anyhow::Result<String> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|error| anyhow!("rendering template `{name}`: {}", describe(&error)))
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // A misspelt variable is an error, not an empty string in an official email.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.add_filter("zh_date", zh_date);
    env
}

/// `2025-06-02` → `2025年6月2日`; anything else is left as it is.
fn zh_date(value: String) -> String {
    match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(date) => date.format("%Y年%-m月%-d日").to_string(),
        Err(_) => value,
    }
}

fn template_error(path: &Path, error: &minijinja::Error) -> anyhow::Error {
    match error.line() {
        Some(line) => anyhow!("{}:{line}: {}", path.display(), describe(error)),
        None => anyhow!("{}: {}", path.display(), describe(error)),
    }
}

fn describe(error: &minijinja::Error) -> String {
    match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    }
}

/// A composed reminder and what the delivery log records about it.
#[derive(Debug, Clone)]
pub struct Composed {
    pub message: Message,
    /// With angle brackets.
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// A reminder the server refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub department: String,
    pub commitments: Vec<String>,
    pub message_id: String,
    /// The server's answer.
    pub error: String,
}

/// Deterministic: the same department, moment and commitment ids (in any order) always give
/// the same id, e.g. `<followup.3f2a09c4d1e7b655.1748826000@example.gov.cn>`: an FNV-1a 64
/// hash, the moment in Unix seconds, and the domain of `mail.from`.
pub fn message_id(config: &Config, reminder: &Reminder) -> String {
    let mut ids = reminder.commitment_ids(config);
    ids.sort_unstable();
    let mut hash = Fnv1a::new();
    hash.field(b"reminder");
    hash.field(config.department(reminder.department).key.as_bytes());
    hash.field(reminder.moment.timestamp().to_string().as_bytes());
    for id in ids {
        hash.field(id.as_bytes());
    }
    format!(
        "<followup.{:016x}.{}@{}>",
        hash.finish(),
        reminder.moment.timestamp(),
        id_domain(config)
    )
}

/// With `replies.plus_address`, a reminder about one commitment asks for replies to
/// `local+ID@domain`, so even a reply stripped of its threading headers names its commitment
/// (`replies::matching`). Ids that cannot stand in an address leave the Reply-To as it is.
fn plus_addressed(config: &Config, reminder: &Reminder, reply_to: Mailbox) -> Mailbox {
    let [item] = reminder.items.as_slice() else {
        return reply_to;
    };
    if !config.replies.plus_address {
        return reply_to;
    }
    let id = &config.commitments[item.commitment].id();
    let safe = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let address = format!("{}+{id}@{}", reply_to.email.user(), reply_to.email.domain());
    match (safe, address.parse()) {
        (true, Ok(email)) => Mailbox::new(reply_to.name.clone(), email),
        _ => reply_to,
    }
}

/// The latest answers by email per commitment id, as the reminders show them.
pub type Feedback = std::collections::HashMap<String, crate::replies::view::Feedback>;

/// The reminder email. `previous` is the Message-ID of the department's previous reminder
/// (for In-Reply-To/References, so a department sees one thread); `date` is the Date header.
pub fn compose(
    config: &Config,
    templates: &Templates,
    reminder: &Reminder,
    previous: Option<&str>,
    date: DateTime<Utc>,
) -> anyhow::Result<Composed> {
    compose_with(
        config,
        templates,
        reminder,
        previous,
        date,
        &Feedback::default(),
    )
}

/// [`compose`], with the departments' latest answers shown per commitment.
pub fn compose_with(
    config: &Config,
    templates: &Templates,
    reminder: &Reminder,
    previous: Option<&str>,
    date: DateTime<Utc>,
    feedback: &Feedback,
) -> anyhow::Result<Composed> {
    let from = mailbox(&config.mail.from, "mail.from")?;
    let reply_to = config
        .mail
        .reply_to
        .as_deref()
        .map(|value| mailbox(value, "mail.reply_to"))
        .transpose()?
        .map(|reply_to| plus_addressed(config, reminder, reply_to));
    let department = &config.department(reminder.department).key;
    let to: Vec<String> = reminder.to.iter().map(|value| header_text(value)).collect();
    let cc: Vec<String> = reminder.cc.iter().map(|value| header_text(value)).collect();
    let to_boxes = to
        .iter()
        .map(|value| mailbox(value, &format!("to of department `{department}`")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cc_boxes = cc
        .iter()
        .map(|value| mailbox(value, &format!("cc of department `{department}`")))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let language = language_code(config.language);
    let mut context = reminder_context(config, reminder, &from, reply_to.as_ref(), feedback)?;
    let subject = one_line(&templates.render(&format!("subject.{language}.txt"), &context)?);
    context.subject = subject.clone();
    let text = templates.render(&format!("reminder.{language}.txt"), &context)?;
    let html = templates.render(&format!("reminder.{language}.html"), &context)?;

    let message_id = message_id(config, reminder);
    let ids: Vec<String> = reminder
        .commitment_ids(config)
        .into_iter()
        .map(one_line)
        .collect();

    let mut builder = Message::builder().from(from);
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    for mailbox in to_boxes {
        builder = builder.to(mailbox);
    }
    for mailbox in cc_boxes {
        builder = builder.cc(mailbox);
    }
    builder = builder
        .subject(subject.clone())
        .date(SystemTime::from(date))
        .message_id(Some(message_id.clone()));
    if let Some(previous) = previous {
        let previous = one_line(previous);
        builder = builder.in_reply_to(previous.clone()).references(previous);
    }
    let body = MultiPart::alternative()
        .boundary(boundary(&message_id, &[&text, &html]))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html.clone()),
        );
    // A first notice carries the deadlines as an .ics (VTODO with DUE and an alarm), so the
    // department's calendar holds them.
    let first: Vec<&crate::model::Commitment> = reminder
        .items
        .iter()
        .filter(|item| *item.why == Why::FirstNotice)
        .map(|item| &config.commitments[item.commitment])
        .filter(|commitment| commitment.due.is_some())
        .collect();
    let builder = builder
        .header(AutoSubmitted)
        .header(FollowupCommitments(ids.join(", ")));
    let message = match crate::ics::todos(config, &first, reminder.moment)? {
        Some(calendar) => {
            let name = match config.language {
                Language::Zh => "督办事项.ics",
                Language::En => "commitments.ics",
            };
            let attachment = lettre::message::Attachment::new(name.to_string()).body(
                calendar.clone().into_bytes(),
                ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                    .expect("the calendar content type parses"),
            );
            builder.multipart(
                MultiPart::mixed()
                    .boundary(boundary(&message_id, &[&text, &html, &calendar]))
                    .multipart(body)
                    .singlepart(attachment),
            )
        }
        None => builder.multipart(body),
    }
    .with_context(|| format!("building the reminder email to `{department}`"))?;
    Ok(Composed {
        message,
        message_id,
        subject,
        text,
        html,
        to,
        cc,
    })
}

/// One email to `mail.admin` listing permanent delivery failures (department, commitment ids,
/// Message-ID, the server's answer). None when `mail.admin` is empty or nothing failed.
pub fn compose_failure_report(
    config: &Config,
    failures: &[Failure],
    date: DateTime<Utc>,
) -> anyhow::Result<Option<Message>> {
    if config.mail.admin.is_empty() || failures.is_empty() {
        return Ok(None);
    }
    let from = mailbox(&config.mail.from, "mail.from")?;
    let office = office_name(&from);
    let language = language_code(config.language);
    let text = Templates::builtin().render(
        &format!("failure.{language}.txt"),
        minijinja::context! { failures => failures_context(failures), office => office },
    )?;
    let count = failures.len();
    let subject = match config.language {
        Language::Zh => format!("【督办提醒】{count}封提醒邮件投递失败"),
        Language::En => format!(
            "[Reminder] {count} reminder{} could not be delivered",
            if count == 1 { "" } else { "s" }
        ),
    };
    let mut hash = Fnv1a::new();
    hash.field(b"failure-report");
    for failure in failures {
        hash.field(failure.message_id.as_bytes());
    }
    let message = to_admins(config, from, &subject, ("report", hash), date, text)
        .context("building the failure report")?;
    Ok(Some(message))
}

/// Tells `mail.admin` that the SMTP server refused the credentials and `held` reminders wait
/// for them; `None` without admins. Sent once per episode; it goes through the same server,
/// so it only arrives when the refusal was not for every connection.
pub fn compose_credentials_alert(
    config: &Config,
    error: &str,
    held: usize,
    date: DateTime<Utc>,
) -> anyhow::Result<Option<Message>> {
    if config.mail.admin.is_empty() {
        return Ok(None);
    }
    let from = mailbox(&config.mail.from, "mail.from")?;
    let (subject, text) = match config.language {
        Language::Zh => (
            "【督办提醒】邮件服务器拒绝了登录凭据".to_string(),
            format!(
                "邮件服务器拒绝了督办提醒系统的登录凭据（{}），{held}封提醒邮件暂缓发送，不会丢失。\n\n请更正 mail.password_file（或 FOLLOWUP_SMTP_PASSWORD、systemd 凭据）中的密码，然后重新加载（systemctl reload followup；以 systemd 凭据提供密码时需 systemctl restart followup）。凭据可用后，暂缓的邮件会立即发出。\n\n（本邮件由督办提醒系统 {} 自动发送。）\n",
                header_text(error),
                office_name(&from)
            ),
        ),
        Language::En => (
            "[Reminder] The mail server refused the credentials".to_string(),
            format!(
                "The mail server refused the reminder system's credentials ({}). {held} reminder(s) are held, not lost.\n\nCorrect the password in mail.password_file (or FOLLOWUP_SMTP_PASSWORD, or the systemd credential) and reload (systemctl reload followup; with a systemd credential, systemctl restart followup). The held reminders go out as soon as the credentials work.\n\n(Sent automatically by the follow-up reminder system for {}.)\n",
                header_text(error),
                office_name(&from)
            ),
        ),
    };
    let mut hash = Fnv1a::new();
    hash.field(b"credentials-alert");
    let message = to_admins(config, from, &subject, ("alert", hash), date, text)
        .context("building the credentials alert")?;
    Ok(Some(message))
}

/// A plain message from `from` to every `mail.admin`, its Message-ID
/// `<followup.KIND.HASH.SECONDS@DOMAIN>` from `(kind, hash)` and `date`.
fn to_admins(
    config: &Config,
    from: Mailbox,
    subject: &str,
    (kind, hash): (&str, Fnv1a),
    date: DateTime<Utc>,
    text: String,
) -> anyhow::Result<Message> {
    let message_id = format!(
        "<followup.{kind}.{:016x}.{}@{}>",
        hash.finish(),
        date.timestamp(),
        id_domain(config)
    );
    let admins = config
        .mail
        .admin
        .iter()
        .map(|admin| mailbox(admin, "mail.admin"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    plain_message(from, admins, subject, message_id, date, text)
}

/// A plain-text, auto-submitted message (the failure report and the test message).
fn plain_message(
    from: Mailbox,
    to: Vec<Mailbox>,
    subject: &str,
    message_id: String,
    date: DateTime<Utc>,
    text: String,
) -> anyhow::Result<Message> {
    let mut builder = Message::builder().from(from);
    for recipient in to {
        builder = builder.to(recipient);
    }
    Ok(builder
        .subject(subject)
        .date(SystemTime::from(date))
        .message_id(Some(message_id))
        .header(AutoSubmitted)
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text),
        )?)
}

/// A receipt to a department or a notice to the reviewer about an answer by email
/// (`replies::notice`), threaded to the answer when `in_reply_to` is given.
pub fn compose_notice(
    config: &Config,
    notice: &crate::replies::store::Notice,
    date: DateTime<Utc>,
) -> anyhow::Result<Message> {
    let from = mailbox(&config.mail.from, "mail.from")?;
    let mut builder = Message::builder().from(from);
    if let Some(reply_to) = &config.mail.reply_to {
        builder = builder.reply_to(mailbox(reply_to, "mail.reply_to")?);
    }
    for recipient in &notice.to {
        builder = builder.to(mailbox(&header_text(recipient), "the notice's recipient")?);
    }
    if let Some(answer) = &notice.in_reply_to {
        let answer = one_line(answer);
        builder = builder.in_reply_to(answer.clone()).references(answer);
    }
    Ok(builder
        .subject(one_line(&notice.subject))
        .date(SystemTime::from(date))
        .message_id(Some(one_line(&notice.message_id)))
        .header(AutoSubmitted)
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(notice.body.clone()),
        )?)
}

/// A short test message for `followup send-test --to ADDR`.
pub fn compose_test(config: &Config, to: &str, date: DateTime<Utc>) -> anyhow::Result<Message> {
    let from = mailbox(&config.mail.from, "mail.from")?;
    let to_box = mailbox(to, "--to")?;
    let language = language_code(config.language);
    let transport = match config.mail.transport {
        Transport::Smtp => format!(
            "smtp {}:{}",
            config.mail.host.as_deref().unwrap_or("?"),
            config.mail.port
        ),
        Transport::File => "file".to_owned(),
        Transport::Stdout => "stdout".to_owned(),
    };
    let text = Templates::builtin().render(
        &format!("test.{language}.txt"),
        minijinja::context! {
            from => from.to_string(),
            to => to_box.to_string(),
            transport => transport,
            office => office_name(&from),
        },
    )?;
    let subject = match config.language {
        Language::Zh => "【督办提醒】测试邮件",
        Language::En => "[Reminder] Test message",
    };
    let mut hash = Fnv1a::new();
    hash.field(b"test");
    hash.field(to_box.email.to_string().as_bytes());
    let message_id = format!(
        "<followup.test.{:016x}.{}@{}>",
        hash.finish(),
        date.timestamp(),
        id_domain(config)
    );
    plain_message(from, vec![to_box], subject, message_id, date, text)
        .context("building the test message")
}

#[derive(Debug, Serialize)]
struct ReminderContext {
    /// The rendered subject, for the HTML `<title>`; empty while the subject itself renders.
    subject: String,
    /// The department's key, as in `[departments."KEY"]`.
    department: String,
    /// Its full name if set, else its key.
    department_name: String,
    /// The display name of `mail.from`, else its address.
    office: String,
    /// Where to report: the address of `mail.reply_to`, else of `mail.from`.
    office_address: String,
    /// The reminder's moment, as a date in the configured zone (`2025-06-02`).
    date: String,
    count: usize,
    overdue_count: usize,
    /// Overdue first, then by due date; none last.
    items: Vec<ItemContext>,
}

#[derive(Debug, Serialize)]
struct ItemContext {
    id: String,
    letter: LetterContext,
    topic: Option<String>,
    text: String,
    due: Option<String>,
    /// Days until the due date (negative when overdue), at the reminder's moment.
    days_left: Option<i64>,
    overdue: bool,
    /// How many days overdue; 0 when not overdue.
    overdue_days: i64,
    first_notice: bool,
    /// The department's latest answer by email (`12月3日 已完成方案起草…`), if any.
    feedback: Option<String>,
    /// The office's note when it sent a done claim back (`followup reject`).
    returned: Option<String>,
    /// A done claim has waited past `schedule.review_within`: this copy is the reviewer's.
    review: bool,
}

#[derive(Debug, Serialize)]
struct LetterContext {
    id: String,
    title: String,
    number: Option<String>,
    session: Option<String>,
    proposer: Option<String>,
    replied_by: Option<String>,
    replied_on: Option<String>,
}

fn reminder_context(
    config: &Config,
    reminder: &Reminder,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
    feedback: &Feedback,
) -> anyhow::Result<ReminderContext> {
    let department = config.department(reminder.department);
    let mut items: Vec<ItemContext> = reminder
        .items
        .iter()
        .map(|item| {
            let commitment = &config.commitments[item.commitment];
            let letter = config.letter_of(commitment);
            let (texts, letter_texts) = (commitment.texts()?, letter.texts()?);
            let days_left = engine::days_left(config, commitment, reminder.moment);
            let overdue = engine::is_overdue(config, commitment, reminder.moment);
            Ok(ItemContext {
                id: commitment.id().to_owned(),
                letter: LetterContext {
                    id: letter.id().to_owned(),
                    title: letter_texts.title().to_owned(),
                    number: letter_texts.number().map(str::to_owned),
                    session: letter_texts.session().map(str::to_owned),
                    proposer: letter_texts.proposer().map(str::to_owned),
                    replied_by: letter_texts.replied_by().map(str::to_owned),
                    replied_on: letter.replied_on.map(|date| date.to_string()),
                },
                topic: texts.topic().map(str::to_owned),
                text: texts.text().to_owned(),
                due: commitment.due.map(|date| date.to_string()),
                days_left,
                overdue,
                overdue_days: if overdue {
                    days_left.map_or(0, |days| -days)
                } else {
                    0
                },
                first_notice: *item.why == Why::FirstNotice,
                feedback: feedback
                    .get(commitment.id())
                    .map(|found| found.line.clone()),
                returned: feedback
                    .get(commitment.id())
                    .and_then(|found| found.returned.clone()),
                review: matches!(*item.why, Why::Review { .. }),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    items.sort_by(|a, b| {
        (!a.overdue, a.due.is_none(), &a.due, &a.id).cmp(&(
            !b.overdue,
            b.due.is_none(),
            &b.due,
            &b.id,
        ))
    });
    Ok(ReminderContext {
        subject: String::new(),
        department: department.key.clone(),
        department_name: department
            .name
            .clone()
            .unwrap_or_else(|| department.key.clone()),
        office: office_name(from),
        office_address: reply_to.unwrap_or(from).email.to_string(),
        date: reminder
            .moment
            .with_timezone(&config.timezone)
            .date_naive()
            .to_string(),
        count: items.len(),
        overdue_count: items.iter().filter(|item| item.overdue).count(),
        items,
    })
}

/// What a replacement template is rendered with at load: every field, every branch's data.
fn sample_context() -> ReminderContext {
    let letter = || LetterContext {
        id: "jl-2025-ai".into(),
        title: "关于推动我省通用人工智能产业发展的建议".into(),
        number: Some("第0001号".into()),
        session: Some("省政协第十三届三次会议".into()),
        proposer: Some("民革省委会".into()),
        replied_by: Some("省科技厅".into()),
        replied_on: Some("2025-05-23".into()),
    };
    let items = vec![
        ItemContext {
            id: "jl-2025-ai-1".into(),
            letter: letter(),
            topic: Some("强化通用人工智能技术的创新能力".into()),
            text: "持续组织实施人工智能领域科技攻关。".into(),
            due: Some("2025-05-31".into()),
            days_left: Some(-2),
            overdue: true,
            overdue_days: 2,
            first_notice: false,
            feedback: Some("12月3日 已完成方案起草".into()),
            returned: Some("请补充验收材料".into()),
            review: true,
        },
        ItemContext {
            id: "jl-2025-ai-2".into(),
            letter: letter(),
            topic: None,
            text: "优化布局人工智能科技创新平台。".into(),
            due: None,
            days_left: None,
            overdue: false,
            overdue_days: 0,
            first_notice: true,
            feedback: None,
            returned: None,
            review: false,
        },
    ];
    ReminderContext {
        subject: "【督办提醒】省科技厅：2项承诺事项待落实（1项已逾期）".into(),
        department: "省科技厅".into(),
        department_name: "吉林省科学技术厅".into(),
        office: "督办室".into(),
        office_address: "duban@example.gov.cn".into(),
        date: "2025-06-02".into(),
        count: 2,
        overdue_count: 1,
        items,
    }
}

#[derive(Debug, Serialize)]
struct FailureContext<'a> {
    department: &'a str,
    commitments: &'a [String],
    message_id: &'a str,
    error: &'a str,
}

fn failures_context(failures: &[Failure]) -> Vec<FailureContext<'_>> {
    failures
        .iter()
        .map(|failure| FailureContext {
            department: &failure.department,
            commitments: &failure.commitments,
            message_id: &failure.message_id,
            error: &failure.error,
        })
        .collect()
}

pub(crate) fn language_code(language: Language) -> &'static str {
    match language {
        Language::Zh => "zh",
        Language::En => "en",
    }
}

/// The display name of the office's mailbox, else its address.
pub(crate) fn office_name(from: &Mailbox) -> String {
    match &from.name {
        Some(name) if !name.trim().is_empty() => name.clone(),
        _ => from.email.to_string(),
    }
}

/// A configured string made safe for a header: control characters (CR, LF, NEL, …) and the
/// Unicode line and paragraph separators become spaces.
fn header_text(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// `header_text`, with runs of whitespace collapsed and the ends trimmed.
fn one_line(value: &str) -> String {
    header_text(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one mailbox (`addr` or `Name <addr>`); `what` names the setting in the error.
pub(crate) fn mailbox(value: &str, what: &str) -> anyhow::Result<Mailbox> {
    let clean = header_text(value);
    clean.trim().parse::<Mailbox>().map_err(|error| {
        anyhow!(
            "{what}: `{}` is not an email address: {error}",
            clean.trim()
        )
    })
}

/// The right-hand side of generated Message-IDs: the domain of `mail.from` when it is plain
/// ASCII (a Message-ID cannot carry encoded words), else `localhost`.
pub(crate) fn id_domain(config: &Config) -> String {
    let domain = mailbox(&config.mail.from, "mail.from")
        .map(|from| from.email.domain().to_owned())
        .unwrap_or_default();
    if !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        domain
    } else {
        "localhost".to_owned()
    }
}

/// A MIME boundary derived from the message, so the same reminder is the same bytes. `=_`
/// cannot occur in quoted-printable or base64 text; for 7-bit bodies the parts are checked.
pub(crate) fn boundary(message_id: &str, parts: &[&str]) -> String {
    let mut salt = 0u32;
    loop {
        let mut hash = Fnv1a::new();
        hash.field(message_id.as_bytes());
        hash.field(&salt.to_le_bytes());
        for part in parts {
            hash.field(part.as_bytes());
        }
        let candidate = format!("=_followup_{:016x}", hash.finish());
        if !parts.iter().any(|part| part.contains(&candidate)) {
            return candidate;
        }
        salt += 1;
    }
}

/// FNV-1a, 64 bits: small, fixed by its specification, so ids stay stable across Rust
/// versions (std's `DefaultHasher` promises no such thing).
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Writes `bytes` and a 0 separator, so `("ab", "c")` and `("a", "bc")` differ.
    pub(crate) fn field(&mut self, bytes: &[u8]) {
        self.write(bytes);
        self.write(&[0]);
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): tells auto-responders not to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if text.trim().eq_ignore_ascii_case("auto-generated") {
            Ok(AutoSubmitted)
        } else {
            Err(format!("unexpected Auto-Submitted value `{text}`").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// `X-Followup-Commitments: jl-2025-ai-1, jl-2025-ai-4`: the ids a reminder lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FollowupCommitments(String);

impl Header for FollowupCommitments {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Followup-Commitments")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(FollowupCommitments(text.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        let hash = |text: &[u8]| {
            let mut hash = Fnv1a::new();
            hash.write(text);
            hash.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn header_text_removes_line_breaks_and_controls() {
        assert_eq!(
            header_text("a\r\nBcc: x\u{85}y\u{2028}z\t"),
            "a  Bcc: x y z "
        );
        assert_eq!(one_line(" a\r\n\r\n b "), "a b");
    }

    #[test]
    fn zh_date_formats_iso_dates_and_leaves_the_rest() {
        assert_eq!(zh_date("2025-06-02".into()), "2025年6月2日");
        assert_eq!(zh_date("2025-12-31".into()), "2025年12月31日");
        assert_eq!(zh_date("soon".into()), "soon");
    }

    #[test]
    fn every_builtin_template_renders_the_sample() {
        let templates = Templates::builtin();
        for name in REPLACEABLE {
            let rendered = templates
                .render(name, sample_context())
                .unwrap_or_else(|error| panic!("{name}: {error:#}"));
            let expected = if name.starts_with("subject") {
                "省科技厅"
            } else {
                "jl-2025-ai-1"
            };
            assert!(rendered.contains(expected), "{name}: {rendered}");
        }
        let failure = Failure {
            department: "省科技厅".into(),
            commitments: vec!["a".into(), "b".into()],
            message_id: "<x@y>".into(),
            error: "550 no such user".into(),
        };
        for language in ["zh", "en"] {
            let text = templates
                .render(
                    &format!("failure.{language}.txt"),
                    minijinja::context! {
                        failures => failures_context(std::slice::from_ref(&failure)),
                        office => "督办室",
                    },
                )
                .expect("failure template renders");
            assert!(text.contains("550 no such user"), "{text}");
        }
    }

    #[test]
    fn the_boundary_is_stable_and_not_in_the_parts() {
        let text = "正文 =_followup_ text";
        let first = boundary("<id@example.gov.cn>", &[text]);
        assert_eq!(first, boundary("<id@example.gov.cn>", &[text]));
        assert!(first.starts_with("=_followup_") && !text.contains(&first));
    }
}
