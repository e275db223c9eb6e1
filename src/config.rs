//! Reads and validates the main file and every commitments file into a `model::Config`,
//! reporting every problem at once as `FILE:LINE:COL: key: message`. Parsing and validation
//! are pure (`parse_main`, `finish`); only `load` touches the file system.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::calendar::Calendar;
use crate::model::{
    CADENCE_HORIZON_DAYS, CADENCE_HORIZON_YEARS, Cadence, CadenceId, Commitment, CommitmentFields,
    Config, Department, DepartmentId, FastMap, FileValuesBuilder, Inbox, Language, Letter,
    LetterFields, Mail, Recipient, Replies, Report, Schedule, Stage, Status, Tls, Transport,
    first_firing_day,
};
use crate::spill::{Keep, Texts};

/// One text file and its name as shown in messages.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    /// Byte offsets where lines start, found on first use.
    lines: std::sync::OnceLock<Vec<usize>>,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Source {
        Source {
            path: path.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset. Cheap per call: a binary
    /// search over the line starts, so validating 100,000 commitments does not rescan the
    /// file for every position.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(index, _)| index + 1))
                .collect()
        });
        let line = starts.partition_point(|start| *start <= offset);
        let line_start = starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in a configuration file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The dotted TOML path of the key, e.g. `schedule.stage[1].from`; empty for syntax errors.
    pub key: String,
    pub message: String,
    pub severity: Severity,
}

impl Problem {
    fn is_syntax(&self) -> bool {
        self.key.is_empty() && self.message.starts_with("TOML syntax")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

/// A configuration that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Problem>,
    /// The `commitments` patterns that matched no file (joined to the main file's folder),
    /// each with its warning: `refuse_vanished` turns them into errors when they matched
    /// files in the configuration running before.
    pub unmatched: Vec<(String, Problem)>,
}

/// The largest configuration file read, unless `[limits] max_file_mib` says otherwise.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How many files the `commitments` patterns may match together, unless `[limits] max_files`.
pub const DEFAULT_MAX_FILES: usize = 100_000;
/// How many folder levels below its fixed part a pattern may descend (`**` included).
pub const MAX_GLOB_DEPTH: usize = 16;
/// How many folder entries expanding all patterns may look at before giving up: a pattern
/// such as `/**/*.toml` fails with this instead of walking the whole file system.
pub const MAX_GLOB_ENTRIES: usize = 1_000_000;

/// Reads a configuration file without ever blocking or reading without bound: the path (a
/// symlink is followed) must be a regular file no larger than `max_bytes`; a FIFO, a device,
/// a socket or a folder is refused before it is opened, and the file is opened with
/// `O_NONBLOCK` and checked again in case it was swapped in between. The message names what
/// was found (for `FILE: cannot read …` diagnostics).
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<String, String> {
    let bytes = read_regular_bytes(path, max_bytes)?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// [`read_regular_file`] for files that are not UTF-8 text: `mail.ca_file`, and the letters
/// given to `import` (PDF, .docx, GBK text …).
pub fn read_regular_bytes(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
    fn refuse(kind: std::fs::FileType) -> Option<&'static str> {
        if kind.is_file() {
            None
        } else if kind.is_dir() {
            Some("a folder")
        } else if kind.is_fifo() {
            Some("a FIFO (named pipe)")
        } else if kind.is_char_device() {
            Some("a character device")
        } else if kind.is_block_device() {
            Some("a block device")
        } else if kind.is_socket() {
            Some("a socket")
        } else {
            Some("not a regular file")
        }
    }
    let too_large = |size: u64| {
        format!(
            "it is larger than the limit of {} MiB (file size {size} bytes; raise `limits.max_file_mib` in the main file if this is intended)",
            max_bytes / (1024 * 1024)
        )
    };
    let metadata = std::fs::metadata(path).map_err(|error| error.to_string())?;
    if let Some(what) = refuse(metadata.file_type()) {
        return Err(format!("it is {what}, not a regular file"));
    }
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|error| error.to_string())?;
    let opened = file.metadata().map_err(|error| error.to_string())?;
    if let Some(what) = refuse(opened.file_type()) {
        return Err(format!("it is {what}, not a regular file"));
    }
    // Sized from the file's length: one read fills it and one more sees the end (read_to_end
    // from empty probes in small steps: nine reads for a 2 KB file).
    let expected = usize::try_from(opened.len().min(max_bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The fixed folder of a glob pattern: its components before the first with a wildcard.
fn fixed_prefix(pattern: &str) -> PathBuf {
    let mut prefix = PathBuf::new();
    for component in Path::new(pattern).components() {
        if component
            .as_os_str()
            .to_string_lossy()
            .contains(['*', '?', '['])
        {
            break;
        }
        prefix.push(component);
    }
    prefix
}

const GLOB_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// A pattern split into its fixed folder and the wildcard part below it, compiled.
struct SplitPattern {
    prefix: PathBuf,
    rest: glob::Pattern,
    /// Components of the wildcard part; `None` when it contains `**` (any depth).
    depth: Option<usize>,
}

impl SplitPattern {
    fn new(pattern: &str) -> Result<SplitPattern, String> {
        glob::Pattern::new(pattern).map_err(|error| error.msg.to_string())?;
        let prefix = fixed_prefix(pattern);
        let rest: Vec<String> = Path::new(pattern)
            .components()
            .skip(prefix.components().count())
            .map(|component| component.as_os_str().to_string_lossy().into_owned())
            .collect();
        let text = rest.join("/");
        Ok(SplitPattern {
            rest: glob::Pattern::new(&text).map_err(|error| error.msg.to_string())?,
            depth: (!text.contains("**")).then_some(rest.len()),
            prefix,
        })
    }

    /// Whether `path` (as the walk or an earlier load produced it) matches.
    fn matches(&self, path: &Path) -> bool {
        if self.depth == Some(0) {
            return path == self.prefix;
        }
        path.strip_prefix(&self.prefix)
            .is_ok_and(|relative| self.rest.matches_path_with(relative, GLOB_OPTIONS))
    }
}

/// Expands one pattern with bounds: at most `MAX_GLOB_DEPTH` levels below its fixed folder,
/// at most `budget` folder entries looked at (shared by all patterns), at most `max_files`
/// matches. Symlinked folders are followed like the `glob` crate does; the depth bound
/// stops a symlink cycle. Matches as `glob` would: `*` never crosses a `/`, `**` spans
/// folders, a leading dot needs no literal dot.
fn expand_pattern(
    pattern: &str,
    budget: &mut usize,
    max_files: usize,
) -> Result<Vec<PathBuf>, String> {
    let split = SplitPattern::new(pattern)?;
    if split.depth == Some(0) {
        // No wildcard: the path itself, if it exists.
        return Ok(if std::fs::symlink_metadata(&split.prefix).is_ok() {
            vec![split.prefix]
        } else {
            Vec::new()
        });
    }
    let max_depth = split.depth.unwrap_or(MAX_GLOB_DEPTH);
    let start = if split.prefix.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        split.prefix.clone()
    };
    let mut matched = Vec::new();
    // (folder on disk, its path below the prefix, depth of its entries below the prefix)
    let mut folders = vec![(start, PathBuf::new(), 1usize)];
    while let Some((folder, relative_folder, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if *budget == 0 {
                return Err(format!(
                    "expanding it looked at more than {MAX_GLOB_ENTRIES} folder entries; narrow the pattern"
                ));
            }
            *budget -= 1;
            let relative = relative_folder.join(entry.file_name());
            let path = split.prefix.join(&relative);
            if split.rest.matches_path_with(&relative, GLOB_OPTIONS) {
                if matched.len() >= max_files {
                    return Err(format!(
                        "it matches more than {max_files} files (`limits.max_files`)"
                    ));
                }
                matched.push(path.clone());
            }
            // Only a folder the walk may enter (or must refuse) needs a look at its type: the
            // entry's own type, and a stat only for a symlink.
            if depth >= max_depth && split.depth.is_some() {
                continue;
            }
            let on_disk = entry.path();
            let is_folder = entry.file_type().is_ok_and(|kind| {
                kind.is_dir()
                    || kind.is_symlink()
                        && std::fs::metadata(&on_disk).is_ok_and(|meta| meta.is_dir())
            });
            if is_folder {
                if depth < max_depth {
                    folders.push((on_disk, relative, depth + 1));
                } else if split.depth.is_none() {
                    return Err(format!(
                        "`**` would descend more than {MAX_GLOB_DEPTH} folder levels (into `{}`); narrow the pattern",
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(matched)
}

/// A reload must not quietly drop every commitment: a pattern that matched files in the
/// running configuration and matches none now (its folder deleted, moved away, unmounted)
/// is an error, so the daemon keeps the last good configuration and says so.
pub fn refuse_vanished(previous: &Config, loaded: Loaded) -> Result<Loaded, Invalid> {
    let mut problems = Vec::new();
    for (pattern, warning) in &loaded.unmatched {
        let Ok(split) = SplitPattern::new(pattern) else {
            continue;
        };
        let before = previous
            .files
            .iter()
            .skip(1)
            .filter(|file| split.matches(file))
            .count();
        if before > 0 {
            problems.push(Problem {
                severity: Severity::Error,
                message: format!(
                    "{} (it matched {before} file{} before); keeping the last good configuration until it matches again",
                    warning.message,
                    if before == 1 { "" } else { "s" }
                ),
                ..warning.clone()
            });
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(Invalid { problems })
    }
}

/// Every problem found, errors first; at least one is an error.
#[derive(Debug)]
pub struct Invalid {
    pub problems: Vec<Problem>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

const PASSWORD_REFUSED: &str = "a password written in the configuration is refused: put it in a file named by `mail.password_file` (or systemd's LoadCredential=smtp-password), or set FOLLOWUP_SMTP_PASSWORD";

/// Reads the main file and every commitments file it names, and validates them.
pub fn load(path: &Path) -> Result<Loaded, Invalid> {
    load_keeping(path, &mut Keep::Memory)
}

/// `load`, each file's prose kept where `keep` says (the daemon spills it, `spill`).
pub fn load_keeping(path: &Path, keep: &mut Keep) -> Result<Loaded, Invalid> {
    let text = match read_regular_file(path, DEFAULT_MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(error) => {
            return Err(Invalid {
                problems: vec![Problem {
                    file: path.to_path_buf(),
                    line: 1,
                    column: 1,
                    key: String::new(),
                    message: format!("cannot read the configuration file: {error}"),
                    severity: Severity::Error,
                }],
            });
        }
    };
    let main = Source::new(path, text);
    let mut problems = Vec::new();
    let draft = parse_main(&main, today(), &mut problems);
    let base = base_dir(path);
    // Files are listed first and read one at a time while validating, so only one file's
    // text and syntax tree are in memory at once (at 100,000 commitments the texts alone
    // are tens of megabytes).
    let mut files: Vec<(PathBuf, Range<usize>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut unmatched = Vec::new();
    let mut budget = MAX_GLOB_ENTRIES;
    for pattern in &draft.commitment_patterns {
        let joined = base.join(pattern.get_ref());
        let joined_text = joined.to_string_lossy().into_owned();
        let mut report = |message: String, severity| {
            let (line, column) = main.line_column(pattern.span().start);
            problems.push(Problem {
                file: main.path.clone(),
                line,
                column,
                key: "commitments".into(),
                message,
                severity,
            });
        };
        let remaining = draft.max_files.saturating_sub(seen.len());
        let mut matched = match expand_pattern(&joined_text, &mut budget, remaining) {
            Ok(paths) => paths,
            Err(reason) => {
                let what = if glob::Pattern::new(&joined_text).is_err() {
                    "malformed pattern"
                } else {
                    "pattern"
                };
                report(
                    format!("{what} `{}`: {reason}", pattern.get_ref()),
                    Severity::Error,
                );
                continue;
            }
        };
        matched.sort();
        if matched.is_empty() {
            let (line, column) = main.line_column(pattern.span().start);
            let warning = Problem {
                file: main.path.clone(),
                line,
                column,
                key: "commitments".into(),
                message: format!("`{}` matched no file", pattern.get_ref()),
                severity: Severity::Warning,
            };
            unmatched.push((joined_text.clone(), warning.clone()));
            problems.push(warning);
            continue;
        }
        for file in matched {
            if seen.insert(file.clone()) {
                files.push((file, pattern.span()));
            }
        }
    }
    let max_file_bytes = draft.max_file_bytes;
    let sources =
        files.into_iter().map(
            |(file, span)| match read_regular_file(&file, max_file_bytes) {
                Ok(text) => Ok(Source::new(file, text)),
                Err(error) => {
                    let (line, column) = main.line_column(span.start);
                    Err(Problem {
                        file: main.path.clone(),
                        line,
                        column,
                        key: "commitments".into(),
                        message: format!("cannot read `{}`: {error}", file.display()),
                        severity: Severity::Error,
                    })
                }
            },
        );
    finish_each(&main, draft, sources, problems, keep).map(|mut loaded| {
        loaded.unmatched = unmatched;
        if let Some(path) = &loaded.config.mail.password_file
            && let Some(message) = crate::credentials::permission_warning(path)
        {
            let span = main_key_span(&main, "mail", "password_file").unwrap_or(0..0);
            let (line, column) = main.line_column(span.start);
            loaded.warnings.push(Problem {
                file: main.path.clone(),
                line,
                column,
                key: "mail.password_file".into(),
                message,
                severity: Severity::Warning,
            });
        }
        if let Some(path) = loaded
            .config
            .inbox
            .as_ref()
            .and_then(|inbox| inbox.password_file.as_ref())
            && let Some(message) = crate::credentials::permission_warning(path)
        {
            let span = main_key_span(&main, "inbox", "password_file").unwrap_or(0..0);
            let (line, column) = main.line_column(span.start);
            loaded.warnings.push(Problem {
                file: main.path.clone(),
                line,
                column,
                key: "inbox.password_file".into(),
                message,
                severity: Severity::Warning,
            });
        }
        loaded
    })
}

/// Where `[table] key` is written in the main file, for a message found after parsing.
fn main_key_span(main: &Source, table: &str, key: &str) -> Option<Range<usize>> {
    let (root, _) = DeTable::parse_recoverable(&main.text);
    let root = root.into_inner();
    let inner = root.get(table)?.get_ref().as_table()?;
    Some(inner.get(key)?.span())
}

/// Validates a main file and the commitments files given, without touching the file system
/// (the main file's `commitments` patterns are not expanded). For tests and tools.
pub fn from_sources(main: &Source, commitment_sources: &[Source]) -> Result<Loaded, Invalid> {
    let mut problems = Vec::new();
    let draft = parse_main(main, today(), &mut problems);
    finish(main, draft, commitment_sources, problems)
}

/// The day cadences are proven from: yesterday in UTC, so that no zone is ahead of it.
fn today() -> NaiveDate {
    let now = crate::clock::now().date_naive();
    now.pred_opt().unwrap_or(now)
}

/// The folder relative paths in the main file resolve against.
pub fn base_dir(main: &Path) -> PathBuf {
    main.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// What the main file says, before commitments files are read.
#[derive(Debug)]
pub struct MainDraft {
    timezone: Tz,
    state_dir: PathBuf,
    templates: Option<PathBuf>,
    language: Language,
    commitment_patterns: Vec<Spanned<String>>,
    mail: Mail,
    inbox: Option<Inbox>,
    schedule: Option<ScheduleDraft>,
    /// `[report]`: the bulletin's cadence and recipients.
    report: Option<Report>,
    calendar: Calendar,
    replies: Replies,
    departments: Vec<Department>,
    cadences: Vec<Cadence>,
    today: NaiveDate,
    max_file_bytes: u64,
    max_files: usize,
    web: Option<crate::model::Web>,
}

#[derive(Debug)]
struct ScheduleDraft {
    remind: CadenceId,
    on_new: bool,
    digest: bool,
    skip_holidays: bool,
    review_within: u32,
    /// Each stage with its `cc` entries (resolved once departments are known) and its
    /// 1-based position in the file.
    stages: Vec<(Stage, Vec<Spanned<String>>, usize)>,
}

const MAIN_KEYS: &[&str] = &[
    "timezone",
    "state_dir",
    "templates",
    "commitments",
    "language",
    "mail",
    "schedule",
    "calendar",
    "departments",
    "limits",
    "inbox",
    "report",
    "replies",
    "web",
];
const WEB_KEYS: &[&str] = &[
    "listen",
    "public",
    "users_file",
    "trusted_header",
    "trusted_proxies",
    "secure_cookie",
];
const REPLIES_KEYS: &[&str] = &[
    "reviewer",
    "authserv_id",
    "plus_address",
    "max_message_mib",
    "max_attachment_mib",
];
const REPORT_KEYS: &[&str] = &["remind", "to"];
const LIMITS_KEYS: &[&str] = &["max_file_mib", "max_files"];
const MAIL_KEYS: &[&str] = &[
    "from",
    "reply_to",
    "admin",
    "transport",
    "host",
    "port",
    "tls",
    "username",
    "password_file",
    "ca_file",
    "timeout",
];
const SCHEDULE_KEYS: &[&str] = &[
    "remind",
    "on_new",
    "digest",
    "skip_holidays",
    "stage",
    "review_within",
];
const STAGE_KEYS: &[&str] = &["name", "from", "remind", "cc"];
const CALENDAR_KEYS: &[&str] = &["holidays", "workdays"];
const DEPARTMENT_KEYS: &[&str] = &["name", "aliases", "to", "cc", "reply_from"];
const COMMITMENTS_FILE_KEYS: &[&str] = &["letter", "commitment"];
const LETTER_KEYS: &[&str] = &[
    "id",
    "title",
    "session",
    "number",
    "proposer",
    "replied_by",
    "replied_on",
    "due",
    "source",
];
const COMMITMENT_KEYS: &[&str] = &[
    "id",
    "topic",
    "owner",
    "co_owners",
    "text",
    "due",
    "remind",
    "status",
    "done_on",
    "note",
];

/// Parses the main file. Pure: problems are appended, never returned early.
/// `today` starts the window in which every cadence must fire (`CADENCE_HORIZON_YEARS`).
pub fn parse_main(source: &Source, today: NaiveDate, problems: &mut Vec<Problem>) -> MainDraft {
    let mut ctx = Ctx {
        source,
        problems,
        cadences: Vec::new(),
        cadence_index: HashMap::new(),
        today,
    };
    let (root, errors) = DeTable::parse_recoverable(&source.text);
    for error in errors {
        ctx.syntax(&error);
    }
    let root = root.get_ref();
    ctx.check_keys(root, "", MAIN_KEYS);

    let timezone = match ctx.string(root, "", "timezone") {
        Some(name) => match name.get_ref().parse::<Tz>() {
            Ok(zone) => zone,
            Err(_) => {
                let suggestion = suggest(
                    name.get_ref(),
                    chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name()),
                );
                ctx.error(
                    name.span(),
                    "timezone",
                    format!(
                        "unknown time zone `{}`{}",
                        name.get_ref(),
                        did_you_mean(suggestion)
                    ),
                );
                chrono_tz::Asia::Shanghai
            }
        },
        None => chrono_tz::Asia::Shanghai,
    };
    let state_dir = ctx
        .string(root, "", "state_dir")
        .map(|dir| base_dir(&source.path).join(dir.get_ref()))
        .unwrap_or_else(|| PathBuf::from("/var/lib/followup"));
    let templates = ctx
        .string(root, "", "templates")
        .map(|dir| base_dir(&source.path).join(dir.get_ref()));
    let language = match ctx.string(root, "", "language") {
        Some(text) => match text.get_ref().as_str() {
            "zh" => Language::Zh,
            "en" => Language::En,
            other => {
                ctx.error(
                    text.span(),
                    "language",
                    format!("unknown language `{other}` (expected `zh` or `en`)"),
                );
                Language::Zh
            }
        },
        None => Language::Zh,
    };
    let commitment_patterns = ctx
        .strings(root, "", "commitments")
        .unwrap_or_else(|| vec![Spanned::new(0..0, "commitments/*.toml".to_string())]);

    let departments = parse_departments(&mut ctx, root);
    let mail = parse_mail(&mut ctx, root);
    let inbox = parse_inbox(&mut ctx, root);
    let calendar = parse_calendar(&mut ctx, root);
    let schedule = parse_schedule(&mut ctx, root);
    let report = parse_report(&mut ctx, root, &mail);
    let (max_file_bytes, max_files) = parse_limits(&mut ctx, root);
    let replies = parse_replies(&mut ctx, root);
    // One size limit for every way a reply arrives.
    let inbox = inbox.map(|inbox| Inbox {
        max_message_bytes: replies.max_message_bytes,
        ..inbox
    });
    let web = parse_web(&mut ctx, root);

    MainDraft {
        timezone,
        state_dir,
        templates,
        language,
        commitment_patterns,
        mail,
        inbox,
        schedule,
        report,
        calendar,
        replies,
        departments,
        cadences: ctx.cadences,
        today,
        max_file_bytes,
        max_files,
        web,
    }
}

/// `[web]`: off unless `listen` is set. A non-loopback address needs a way to log in
/// (`users_file` or `trusted_header`), so the board is never open to the network by mistake.
fn parse_web(ctx: &mut Ctx, root: &DeTable) -> Option<crate::model::Web> {
    let (table, table_span) = ctx.table(root, "", "web")?;
    ctx.check_keys(table, "web", WEB_KEYS);
    let listen = ctx.required_string(table, "web", "listen", table_span.clone())?;
    let address = match listen.get_ref().parse::<std::net::SocketAddr>() {
        Ok(address) => address,
        Err(_) => {
            ctx.error(
                listen.span(),
                "web.listen",
                format!(
                    "`{}` is not an address and port such as `127.0.0.1:8750`",
                    listen.get_ref()
                ),
            );
            return None;
        }
    };
    let base = base_dir(&ctx.source.path);
    let users_file = ctx
        .string(table, "web", "users_file")
        .map(|file| base.join(file.get_ref()));
    let trusted_header = ctx
        .string(table, "web", "trusted_header")
        .map(|header| header.get_ref().to_ascii_lowercase());
    let mut trusted_proxies = Vec::new();
    for entry in ctx
        .strings(table, "web", "trusted_proxies")
        .unwrap_or_default()
    {
        match entry.get_ref().parse::<IpAddr>() {
            Ok(ip) => trusted_proxies.push(ip),
            Err(_) => ctx.error(
                entry.span(),
                "web.trusted_proxies",
                format!("`{}` is not an IP address", entry.get_ref()),
            ),
        }
    }
    if trusted_header.is_some() && trusted_proxies.is_empty() {
        ctx.error(
            table_span.clone(),
            "web.trusted_header",
            "`trusted_header` needs `trusted_proxies` (the addresses allowed to set it)",
        );
    }
    if !address.ip().is_loopback() && users_file.is_none() && trusted_header.is_none() {
        ctx.error(
            listen.span(),
            "web.listen",
            format!(
                "`{address}` is not a loopback address: set `users_file` or `trusted_header` so that the board asks who is there"
            ),
        );
    }
    Some(crate::model::Web {
        listen: address,
        public: ctx.boolean(table, "web", "public").unwrap_or(false),
        users_file,
        trusted_header,
        trusted_proxies,
        secure_cookie: ctx.boolean(table, "web", "secure_cookie").unwrap_or(false),
    })
}

/// `[report]`: when the bulletin (通报) goes out and to whom (`to`, else `mail.admin`).
fn parse_report(ctx: &mut Ctx, root: &DeTable, mail: &Mail) -> Option<Report> {
    let (table, span) = ctx.table(root, "", "report")?;
    ctx.check_keys(table, "report", REPORT_KEYS);
    let to = ctx.addresses(table, "report", "to");
    let remind = match ctx.string(table, "report", "remind") {
        Some(text) => ctx.cadence(&text, "report.remind")?,
        None => {
            ctx.error(
                span.clone(),
                "report.remind",
                "missing key `remind` (when the bulletin goes out, e.g. `0 9 * * FRI`)",
            );
            return None;
        }
    };
    if to.is_empty() && mail.admin.is_empty() && table.get("to").is_none() {
        ctx.error(
            span,
            "report.to",
            "the bulletin has no recipients: set `report.to` or `mail.admin`",
        );
        return None;
    }
    Some(Report { remind, to })
}

/// `[limits]`: how large one configuration file and how many commitments files may be.
fn parse_limits(ctx: &mut Ctx, root: &DeTable) -> (u64, usize) {
    let mut limits = (DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES);
    let Some((table, _)) = ctx.table(root, "", "limits") else {
        return limits;
    };
    ctx.check_keys(table, "limits", LIMITS_KEYS);
    let mut number = |key: &str, range: std::ops::RangeInclusive<i64>| {
        let value = table.get(key)?;
        let parsed = value
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
            .filter(|number| range.contains(number));
        if parsed.is_none() {
            ctx.error(
                value.span(),
                &format!("limits.{key}"),
                format!(
                    "expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            );
        }
        parsed
    };
    if let Some(mib) = number("max_file_mib", 1..=4096) {
        limits.0 = mib.unsigned_abs() * 1024 * 1024;
    }
    if let Some(files) = number("max_files", 1..=10_000_000) {
        limits.1 = usize::try_from(files).unwrap_or(DEFAULT_MAX_FILES);
    }
    limits
}

/// `[replies]`: the reviewer, the trusted authserv-id, plus-addressing and size limits.
fn parse_replies(ctx: &mut Ctx, root: &DeTable) -> Replies {
    let mut replies = Replies::default();
    let Some((table, _)) = ctx.table(root, "", "replies") else {
        return replies;
    };
    ctx.check_keys(table, "replies", REPLIES_KEYS);
    replies.reviewer = ctx.addresses(table, "replies", "reviewer");
    replies.authserv_id = ctx
        .string(table, "replies", "authserv_id")
        .map(Spanned::into_inner);
    replies.plus_address = ctx
        .boolean(table, "replies", "plus_address")
        .unwrap_or(false);
    for (key, target) in [
        ("max_message_mib", &mut replies.max_message_bytes),
        ("max_attachment_mib", &mut replies.max_attachment_bytes),
    ] {
        let Some(value) = table.get(key) else {
            continue;
        };
        match value
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
            .filter(|number| (1..=1024).contains(number))
        {
            Some(mib) => *target = mib.unsigned_abs() * 1024 * 1024,
            None => ctx.error(
                value.span(),
                &format!("replies.{key}"),
                "expected a whole number from 1 to 1024",
            ),
        }
    }
    replies
}

fn parse_departments(ctx: &mut Ctx, root: &DeTable) -> Vec<Department> {
    let mut departments = Vec::new();
    let Some((table, _)) = ctx.table(root, "", "departments") else {
        return departments;
    };
    // Which key or alias was defined where, to report clashes at both places.
    let mut names: HashMap<String, String> = HashMap::new();
    for (key, value) in table {
        let path = format!("departments.{}", quote_key(key.get_ref()));
        let Some(department) = ctx.expect_table(value, &path) else {
            continue;
        };
        ctx.check_keys(department, &path, DEPARTMENT_KEYS);
        let key_text = key.get_ref().to_string();
        if key_text.trim().is_empty() {
            ctx.error(key.span(), &path, "a department key must not be empty");
        }
        if let Some(owner) = names.insert(key_text.clone(), path.clone()) {
            ctx.error(
                key.span(),
                &path,
                format!("`{key_text}` is already an alias of {owner}"),
            );
        }
        let name = ctx
            .string(department, &path, "name")
            .map(Spanned::into_inner);
        let mut aliases = Vec::new();
        for alias in ctx
            .strings(department, &path, "aliases")
            .unwrap_or_default()
        {
            let alias_text = alias.get_ref().clone();
            if alias_text == key_text {
                aliases.push(alias_text);
                continue;
            }
            if let Some(owner) = names.insert(alias_text.clone(), path.clone()) {
                ctx.error(
                    alias.span(),
                    &format!("{path}.aliases"),
                    format!("`{alias_text}` already names {owner}"),
                );
            }
            aliases.push(alias_text);
        }
        let to = ctx.addresses(department, &path, "to");
        match department.get("to") {
            None => ctx.error(
                value.span(),
                &format!("{path}.to"),
                "missing key `to` (the department's addresses)",
            ),
            Some(list)
                if to.is_empty() && list.get_ref().as_array().is_some_and(|a| a.is_empty()) =>
            {
                ctx.error(
                    list.span(),
                    &format!("{path}.to"),
                    "`to` is empty: a department needs at least one address",
                );
            }
            Some(_) => {}
        }
        let cc = ctx.addresses(department, &path, "cc");
        let mut reply_from = Vec::new();
        for (index, pattern) in ctx
            .strings(department, &path, "reply_from")
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let text = pattern.get_ref().trim().to_lowercase();
            let domain = text
                .strip_prefix("*@*.")
                .or_else(|| text.strip_prefix("*@"))
                .or_else(|| text.strip_prefix("*."))
                .or_else(|| text.rsplit_once('@').map(|(_, domain)| domain));
            let valid = domain.is_some_and(|domain| {
                !domain.is_empty()
                    && domain.contains('.')
                    && !domain.contains(['*', '@', ' ', '\r', '\n'])
            });
            if valid {
                reply_from.push(text);
            } else {
                ctx.error(
                    pattern.span(),
                    &format!("{path}.reply_from[{}]", index + 1),
                    format!(
                        "`{}` is not an address or pattern (expected `*@czt.example.gov.cn`, `*.example.gov.cn` or an address)",
                        pattern.get_ref().escape_debug()
                    ),
                );
            }
        }
        departments.push(Department {
            key: key_text,
            name,
            aliases,
            to,
            cc,
            reply_from,
        });
    }
    departments
}

fn parse_mail(ctx: &mut Ctx, root: &DeTable) -> Mail {
    let mut mail = Mail {
        from: String::new(),
        reply_to: None,
        admin: Vec::new(),
        transport: Transport::Smtp,
        host: None,
        port: 0,
        tls: Tls::Starttls,
        username: None,
        password_file: None,
        ca_file: None,
        timeout: Duration::from_secs(30),
    };
    let Some((table, table_span)) = ctx.table(root, "", "mail") else {
        ctx.error(
            0..0,
            "mail",
            "missing table `[mail]` (at least `from` is needed)",
        );
        return mail;
    };
    let path = "mail";
    let keys: Vec<&str> = MAIL_KEYS.to_vec();
    ctx.check_keys(table, path, &keys);
    match ctx.string(table, path, "from") {
        Some(from) => {
            if ctx.address(&from, "mail.from") {
                mail.from = from.into_inner();
            }
        }
        None => ctx.error(
            table_span.clone(),
            "mail.from",
            "missing key `from` (the sender address)",
        ),
    }
    if let Some(reply_to) = ctx.string(table, path, "reply_to")
        && ctx.address(&reply_to, "mail.reply_to")
    {
        mail.reply_to = Some(reply_to.into_inner());
    }
    mail.admin = ctx.addresses(table, path, "admin");
    let transport_span = table.get("transport").map(Spanned::span);
    if let Some(transport) = ctx.string(table, path, "transport") {
        mail.transport = match transport.get_ref().as_str() {
            "smtp" => Transport::Smtp,
            "file" => Transport::File,
            "stdout" => Transport::Stdout,
            other => {
                ctx.error(
                    transport.span(),
                    "mail.transport",
                    format!("unknown transport `{other}` (expected `smtp`, `file` or `stdout`)"),
                );
                Transport::Smtp
            }
        };
    }
    if let Some(tls) = ctx.string(table, path, "tls") {
        mail.tls = match tls.get_ref().as_str() {
            "starttls" => Tls::Starttls,
            "tls" => Tls::Tls,
            "none" => Tls::None,
            other => {
                ctx.error(
                    tls.span(),
                    "mail.tls",
                    format!("unknown tls mode `{other}` (expected `starttls`, `tls` or `none`)"),
                );
                Tls::Starttls
            }
        };
    }
    let host = ctx.string(table, path, "host");
    if let Some(host) = &host {
        if host.get_ref().trim().is_empty() || host.get_ref().contains(['\r', '\n', ' ']) {
            ctx.error(
                host.span(),
                "mail.host",
                format!("`{}` is not a host name", host.get_ref()),
            );
        } else if is_placeholder(host.get_ref()) && mail.transport == Transport::Smtp {
            ctx.error(
                host.span(),
                "mail.host",
                format!(
                    "`{}` is a placeholder (the .invalid domain never resolves): set `host` to your SMTP server, check `port` and `tls`, set `username` if it asks for a login and put the password in /etc/followup/smtp-password",
                    host.get_ref()
                ),
            );
        } else if mail.tls == Tls::None && !is_loopback(host.get_ref()) {
            ctx.error(
                host.span(),
                "mail.host",
                format!(
                    "`tls = \"none\"` is refused for `{}`: mail and passwords would cross the network in clear text (use `starttls` or `tls`; `none` is only for a loopback host)",
                    host.get_ref()
                ),
            );
        }
    } else if mail.transport == Transport::Smtp {
        ctx.error(
            transport_span.unwrap_or(table_span),
            "mail.host",
            "missing key `host` (the SMTP server), needed with `transport = \"smtp\"`",
        );
    }
    mail.host = host.map(Spanned::into_inner);
    mail.port = match mail.tls {
        Tls::Starttls => 587,
        Tls::Tls => 465,
        Tls::None => 25,
    };
    if let Some(port) = table.get("port") {
        match port
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
        {
            Some(number) if (1..=65535).contains(&number) => mail.port = number as u16,
            _ => ctx.error(
                port.span(),
                "mail.port",
                "expected a port number from 1 to 65535",
            ),
        }
    }
    mail.username = ctx.string(table, path, "username").map(Spanned::into_inner);
    let base = base_dir(&ctx.source.path);
    mail.password_file = ctx
        .string(table, path, "password_file")
        .map(|file| base.join(file.get_ref()));
    mail.ca_file = ctx
        .string(table, path, "ca_file")
        .map(|file| base.join(file.get_ref()));
    if let Some(timeout) = ctx.string(table, path, "timeout") {
        match parse_duration(timeout.get_ref()) {
            Some(seconds) if seconds > 0 => mail.timeout = Duration::from_secs(seconds as u64),
            _ => ctx.error(
                timeout.span(),
                "mail.timeout",
                format!(
                    "`{}` is not a duration (expected e.g. `30s`, `2m`)",
                    timeout.get_ref()
                ),
            ),
        }
    }
    mail
}

const INBOX_KEYS: &[&str] = &[
    "url",
    "username",
    "password_file",
    "mailbox",
    "processed",
    "poll",
    "ca_file",
    "timeout",
];

/// `[inbox]`: IMAP intake. Optional; when present, `url` and `username` are required.
fn parse_inbox(ctx: &mut Ctx, root: &DeTable) -> Option<Inbox> {
    let (table, table_span) = ctx.table(root, "", "inbox")?;
    let path = "inbox";
    ctx.check_keys(table, path, INBOX_KEYS);
    let mut inbox = Inbox {
        implicit_tls: true,
        host: String::new(),
        port: 993,
        username: String::new(),
        password_file: None,
        mailbox: "INBOX".into(),
        processed: None,
        poll: Duration::from_secs(120),
        ca_file: None,
        timeout: Duration::from_secs(30),
        max_message_bytes: 25 * 1024 * 1024,
    };
    let mut valid = true;
    match ctx.string(table, path, "url") {
        Some(url) => match parse_imap_url(url.get_ref()) {
            Ok((implicit_tls, host, port)) => {
                if is_placeholder(&host) {
                    ctx.error(
                        url.span(),
                        "inbox.url",
                        format!(
                            "`{}` is a placeholder (the .invalid domain never resolves): set it to the office's IMAP server",
                            url.get_ref()
                        ),
                    );
                    valid = false;
                }
                inbox.implicit_tls = implicit_tls;
                inbox.host = host;
                inbox.port = port;
            }
            Err(message) => {
                ctx.error(url.span(), "inbox.url", message);
                valid = false;
            }
        },
        None => {
            ctx.error(
                table_span.clone(),
                "inbox.url",
                "missing key `url` (e.g. `imaps://mail.example.gov.cn:993`)",
            );
            valid = false;
        }
    }
    match ctx.string(table, path, "username") {
        Some(username) if !username.get_ref().trim().is_empty() => {
            inbox.username = username.into_inner();
        }
        Some(username) => {
            ctx.error(username.span(), "inbox.username", "the user name is empty");
            valid = false;
        }
        None => {
            ctx.error(
                table_span.clone(),
                "inbox.username",
                "missing key `username` (the login of the mailbox replies arrive in)",
            );
            valid = false;
        }
    }
    for key in ["mailbox", "processed"] {
        let Some(folder) = ctx.string(table, path, key) else {
            continue;
        };
        let name = folder.get_ref();
        if name.trim().is_empty() || name.contains(['\r', '\n', '\0']) {
            ctx.error(
                folder.span(),
                &join_path(path, key),
                format!("`{name}` is not a folder name"),
            );
            valid = false;
        } else if !name.is_ascii() {
            ctx.error(
                folder.span(),
                &join_path(path, key),
                format!("`{name}`: use the folder's ASCII name (IMAP names other letters in modified UTF-7, which followup does not write yet), e.g. `Followup` for a folder shown as 已处理"),
            );
            valid = false;
        } else if key == "mailbox" {
            inbox.mailbox = folder.into_inner();
        } else {
            inbox.processed = Some(folder.into_inner());
        }
    }
    if let Some(processed) = &inbox.processed
        && processed == &inbox.mailbox
    {
        let span = table
            .get("processed")
            .map_or(table_span.clone(), Spanned::span);
        ctx.error(
            span,
            "inbox.processed",
            format!("`{processed}` is the mailbox read from: name another folder, or leave `processed` out to flag processed mail instead"),
        );
        valid = false;
    }
    for key in ["poll", "timeout"] {
        let Some(text) = ctx.string(table, path, key) else {
            continue;
        };
        match parse_duration(text.get_ref()) {
            Some(seconds) if seconds > 0 => {
                let duration = Duration::from_secs(seconds as u64);
                if key == "poll" {
                    inbox.poll = duration;
                } else {
                    inbox.timeout = duration;
                }
            }
            _ => {
                ctx.error(
                    text.span(),
                    &join_path(path, key),
                    format!(
                        "`{}` is not a duration (expected e.g. `30s`, `2m`)",
                        text.get_ref()
                    ),
                );
                valid = false;
            }
        }
    }
    let base = base_dir(&ctx.source.path);
    inbox.password_file = ctx
        .string(table, path, "password_file")
        .map(|file| base.join(file.get_ref()));
    inbox.ca_file = ctx
        .string(table, path, "ca_file")
        .map(|file| base.join(file.get_ref()));
    valid.then_some(inbox)
}

/// `imaps://host[:port]` (TLS) or `imap://host[:port]` (STARTTLS) → (implicit TLS, host,
/// port). No user, password, path or query: the login has its own keys.
fn parse_imap_url(url: &str) -> Result<(bool, String, u16), String> {
    let (implicit_tls, rest) = if let Some(rest) = url.strip_prefix("imaps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("imap://") {
        (false, rest)
    } else {
        return Err(format!(
            "`{url}` is not an IMAP address (expected `imaps://host:993`, or `imap://host:143` for STARTTLS)"
        ));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('@') {
        return Err(format!(
            "`{url}` carries a login: put the user in `username` and the password in the file named by `password_file` (a password in the configuration is refused)"
        ));
    }
    if rest.contains(['/', '?', '#', ' ', '\r', '\n']) {
        return Err(format!(
            "`{url}` has a path or query: only `imaps://host:port` or `imap://host:port` (set the folder with `mailbox`)"
        ));
    }
    let default_port = if implicit_tls { 993 } else { 143 };
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("`{url}`: unclosed `[` in the host"))?;
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (rest.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(format!("`{url}` names no host"));
    }
    let port = match port {
        None => default_port,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => {
                return Err(format!(
                    "`{url}`: `{text}` is not a port number from 1 to 65535"
                ));
            }
        },
    };
    Ok((implicit_tls, host, port))
}

fn parse_calendar(ctx: &mut Ctx, root: &DeTable) -> Calendar {
    let mut calendar = Calendar::default();
    let Some((table, _)) = ctx.table(root, "", "calendar") else {
        return calendar;
    };
    ctx.check_keys(table, "calendar", CALENDAR_KEYS);
    calendar.holidays = ctx
        .dates(table, "calendar", "holidays")
        .into_iter()
        .collect();
    calendar.workdays = ctx
        .dates(table, "calendar", "workdays")
        .into_iter()
        .collect();
    if let Some(items) = table
        .get("workdays")
        .and_then(|list| list.get_ref().as_array())
    {
        for (index, item) in items.iter().enumerate() {
            let date = match item.get_ref() {
                DeValue::Datetime(datetime) => datetime.date.and_then(|date| {
                    NaiveDate::from_ymd_opt(
                        i32::from(date.year),
                        u32::from(date.month),
                        u32::from(date.day),
                    )
                }),
                DeValue::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
                _ => None,
            };
            if let Some(date) = date.filter(|date| calendar.holidays.contains(date)) {
                ctx.error(
                    item.span(),
                    &format!("calendar.workdays[{}]", index + 1),
                    format!("{date} is listed both as a holiday and as a workday"),
                );
            }
        }
    }
    calendar
}

fn parse_schedule(ctx: &mut Ctx, root: &DeTable) -> Option<ScheduleDraft> {
    let empty = DeTable::new();
    let table = ctx
        .table(root, "", "schedule")
        .map_or(&empty, |(table, _)| table);
    ctx.check_keys(table, "schedule", SCHEDULE_KEYS);
    let remind = match ctx.string(table, "schedule", "remind") {
        Some(text) => ctx.cadence(&text, "schedule.remind"),
        None => ctx.cadence(
            &Spanned::new(0..0, "0 9 * * MON".to_string()),
            "schedule.remind",
        ),
    };
    let on_new = ctx.boolean(table, "schedule", "on_new").unwrap_or(true);
    let digest = ctx.boolean(table, "schedule", "digest").unwrap_or(true);
    let skip_holidays = ctx
        .boolean(table, "schedule", "skip_holidays")
        .unwrap_or(true);
    let review_within = match table.get("review_within") {
        None => 5,
        Some(value) => match value
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
            .and_then(|days| u32::try_from(days).ok())
            .filter(|days| (1..=365).contains(days))
        {
            Some(days) => days,
            None => {
                ctx.error(
                    value.span(),
                    "schedule.review_within",
                    "expected a whole number of working days from 1 to 365",
                );
                5
            }
        },
    };
    let mut stages = Vec::new();
    if let Some(list) = table.get("stage") {
        match list.get_ref().as_array() {
            None => ctx.type_error(
                list,
                "schedule.stage",
                "an array of tables `[[schedule.stage]]`",
            ),
            Some(items) => {
                let mut offsets: HashMap<i64, (usize, String)> = HashMap::new();
                for (index, item) in items.iter().enumerate() {
                    let path = format!("schedule.stage[{}]", index + 1);
                    let Some(stage) = ctx.expect_table(item, &path) else {
                        continue;
                    };
                    ctx.check_keys(stage, &path, STAGE_KEYS);
                    let name = ctx.string(stage, &path, "name").map(Spanned::into_inner);
                    let Some(from) = ctx.string(stage, &path, "from") else {
                        if stage.get("from").is_none() {
                            ctx.error(item.span(), &format!("{path}.from"), "missing key `from` (an offset from the due date such as `-14d` or `0d`)");
                        }
                        continue;
                    };
                    let Some(seconds) = parse_offset(from.get_ref()) else {
                        ctx.error(
                            from.span(),
                            &format!("{path}.from"),
                            format!(
                                "`{}` is not an offset (expected a signed whole number of days or hours: `-14d`, `0d`, `+7d`, `-36h`)",
                                from.get_ref()
                            ),
                        );
                        continue;
                    };
                    if let Some((previous, text)) = offsets.get(&seconds) {
                        let message = format!("stage {previous} already starts at `{text}`");
                        ctx.error(from.span(), &format!("{path}.from"), message);
                    } else {
                        offsets.insert(seconds, (index + 1, from.get_ref().clone()));
                    }
                    let remind = ctx
                        .string(stage, &path, "remind")
                        .map(|text| ctx.cadence(&text, &format!("{path}.remind")));
                    let cc = ctx.strings(stage, &path, "cc").unwrap_or_default();
                    stages.push((
                        Stage {
                            name,
                            from_text: from.into_inner(),
                            from_seconds: seconds,
                            remind: remind.flatten(),
                            cc: Vec::new(),
                        },
                        cc,
                        index + 1,
                    ));
                }
            }
        }
    }
    stages.sort_by_key(|(stage, _, _)| stage.from_seconds);
    Some(ScheduleDraft {
        remind: remind.unwrap_or(0),
        on_new,
        digest,
        skip_holidays,
        review_within,
        stages,
    })
}

/// Reads the commitments files and builds the validated configuration. Pure.
pub fn finish(
    main: &Source,
    draft: MainDraft,
    commitment_sources: &[Source],
    problems: Vec<Problem>,
) -> Result<Loaded, Invalid> {
    finish_each(
        main,
        draft,
        commitment_sources.iter().map(Ok),
        problems,
        &mut Keep::Memory,
    )
}

/// `finish` over commitments files handed over one at a time (or the problem that kept one
/// from being read): each file's text is dropped as soon as it is validated.
fn finish_each<S: std::borrow::Borrow<Source>>(
    main: &Source,
    draft: MainDraft,
    commitment_sources: impl Iterator<Item = Result<S, Problem>>,
    mut problems: Vec<Problem>,
    keep: &mut Keep,
) -> Result<Loaded, Invalid> {
    let MainDraft {
        timezone,
        state_dir,
        templates,
        language,
        commitment_patterns,
        mail,
        inbox,
        schedule,
        report,
        calendar,
        replies,
        departments,
        cadences,
        today,
        max_file_bytes: _,
        max_files: _,
        web,
    } = draft;
    let names = DepartmentNames::new(&departments);

    // Stage cc entries name departments or addresses; resolve them now that departments are known.
    let mut ctx = Ctx {
        source: main,
        problems: &mut problems,
        cadences,
        cadence_index: HashMap::new(),
        today,
    };
    ctx.reindex_cadences();
    let schedule = schedule.map(|draft| {
        let stages = draft
            .stages
            .into_iter()
            .map(|(mut stage, cc, position)| {
                let path = format!("schedule.stage[{position}].cc");
                stage.cc = cc
                    .iter()
                    .filter_map(|entry| ctx.recipient(&names, entry, &path))
                    .collect();
                stage
            })
            .collect();
        Schedule {
            remind: draft.remind,
            on_new: draft.on_new,
            digest: draft.digest,
            skip_holidays: draft.skip_holidays,
            review_within: draft.review_within,
            stages,
        }
    });
    let mut cadences = std::mem::take(&mut ctx.cadences);
    let mut cadence_index = std::mem::take(&mut ctx.cadence_index);
    drop(ctx);

    let mut letters = Vec::new();
    let mut commitments = Vec::new();
    // Where each commitment and letter id was first defined: (file, line, column).
    let mut commitment_ids = IdRegistry::default();
    let mut letter_ids = IdRegistry::default();
    let mut paths: Vec<Arc<Path>> = vec![Arc::from(main.path.as_path())];
    for source in commitment_sources {
        let source = match source {
            Ok(source) => source,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let source = source.borrow();
        // One allocation per file name, shared by the file list, the letter and its
        // commitments.
        let file: Arc<Path> = Arc::from(source.path.as_path());
        paths.push(file.clone());
        let mut ctx = Ctx {
            source,
            problems: &mut problems,
            cadences: std::mem::take(&mut cadences),
            cadence_index: std::mem::take(&mut cadence_index),
            today,
        };
        parse_commitments_file(
            &mut ctx,
            file,
            &names,
            &mut letters,
            &mut commitments,
            (&mut commitment_ids, &mut letter_ids),
            &mut |text| keep.put(&state_dir, text),
        );
        cadences = std::mem::take(&mut ctx.cadences);
        cadence_index = std::mem::take(&mut ctx.cadence_index);
    }

    tidy(&mut problems, &paths);
    if problems
        .iter()
        .any(|problem| problem.severity == Severity::Error)
    {
        return Err(Invalid { problems });
    }
    let schedule = schedule.expect("a schedule draft exists whenever there are no errors");
    // Both grew by doubling; what is kept for the daemon's lifetime is trimmed to its size.
    letters.shrink_to_fit();
    commitments.shrink_to_fit();
    paths.shrink_to_fit();
    let base = base_dir(&main.path);
    let patterns = commitment_patterns
        .iter()
        .map(|pattern| {
            let joined = base.join(pattern.get_ref()).to_string_lossy().into_owned();
            (fixed_prefix(&joined), joined)
        })
        .collect();
    Ok(Loaded {
        config: Config {
            path: main.path.clone(),
            files: paths,
            patterns,
            timezone,
            state_dir,
            templates,
            language,
            mail,
            inbox,
            schedule,
            report,
            calendar,
            replies,
            departments,
            letters,
            commitments,
            cadences,
            by_id: std::sync::OnceLock::new(),
            web,
        },
        warnings: problems,
        unmatched: Vec::new(),
    })
}

fn parse_commitments_file(
    ctx: &mut Ctx,
    file: Arc<Path>,
    names: &DepartmentNames,
    letters: &mut Vec<Letter>,
    commitments: &mut Vec<Commitment>,
    (commitment_ids, letter_ids): (&mut IdRegistry, &mut IdRegistry),
    keep: &mut dyn FnMut(String) -> Texts,
) {
    let (root, errors) = DeTable::parse_recoverable(&ctx.source.text);
    for error in &errors {
        ctx.syntax(error);
    }
    let root = root.get_ref();
    ctx.check_keys(root, "", COMMITMENTS_FILE_KEYS);
    let letter_index = letters.len();
    let Some((letter_table, letter_span)) = ctx.table(root, "", "letter") else {
        if errors.is_empty() {
            ctx.error(
                0..0,
                "letter",
                "missing table `[letter]` (id and title of the reply letter)",
            );
        }
        return;
    };
    ctx.check_keys(letter_table, "letter", LETTER_KEYS);
    let id = ctx.required_str(letter_table, "letter", "id", letter_span.clone());
    if let Some(id) = &id {
        ctx.unique_id(letter_ids, &file, id, || "letter.id".into(), "letter");
    }
    let title = ctx.required_str(letter_table, "letter", "title", letter_span);
    let replied_on = ctx.date(letter_table, "letter", "replied_on");
    let letter_due = ctx.date(letter_table, "letter", "due");
    let mut optional = |key| {
        ctx.str(letter_table, "letter", key)
            .map(Spanned::into_inner)
    };
    let (session, number, proposer, replied_by, source) = (
        optional("session"),
        optional("number"),
        optional("proposer"),
        optional("replied_by"),
        optional("source"),
    );
    // The letter's and its commitments' strings, stored once for the file.
    let mut values = FileValuesBuilder::default();
    letters.push(values.letter(LetterFields {
        id: id.map_or("", Spanned::into_inner),
        title: title.map_or("", Spanned::into_inner),
        session,
        number,
        proposer,
        replied_by,
        replied_on,
        due: letter_due,
        source,
    }));
    let first = commitments.len();
    parse_commitment_items(
        ctx,
        names,
        root,
        (letter_index, letter_due, replied_on),
        &file,
        &mut values,
        commitments,
        commitment_ids,
    );
    values.finish(file, letters.last_mut(), &mut commitments[first..], keep);
}

/// The `[[commitment]]` array of one file, each valid commitment stored in `values`.
#[allow(clippy::too_many_arguments)]
fn parse_commitment_items(
    ctx: &mut Ctx,
    names: &DepartmentNames,
    root: &DeTable,
    (letter_index, letter_due, replied_on): (usize, Option<NaiveDate>, Option<NaiveDate>),
    file: &Arc<Path>,
    values: &mut FileValuesBuilder,
    commitments: &mut Vec<Commitment>,
    commitment_ids: &mut IdRegistry,
) {
    let Some(list) = root.get("commitment") else {
        ctx.warn(0..0, "commitment", "this letter has no `[[commitment]]`");
        return;
    };
    let Some(items) = list.get_ref().as_array() else {
        ctx.type_error(list, "commitment", "an array of tables `[[commitment]]`");
        return;
    };
    for (index, item) in items.iter().enumerate() {
        let path = format!("commitment[{}]", index + 1);
        let Some(table) = ctx.expect_table(item, &path) else {
            continue;
        };
        ctx.check_keys(table, &path, COMMITMENT_KEYS);
        let id = ctx.required_str(table, &path, "id", item.span());
        if let Some(id) = &id {
            if id.get_ref().trim().is_empty() || id.get_ref().contains(['\r', '\n', ',']) {
                ctx.error(
                    id.span(),
                    &format!("{path}.id"),
                    "an id must be non-empty and contain no comma or line break",
                );
            } else if id.get_ref().starts_with('@') {
                // `@report` names the bulletin in the delivery log.
                ctx.error(
                    id.span(),
                    &format!("{path}.id"),
                    "an id must not start with `@` (reserved for followup's own rows in the delivery log)",
                );
            }
            ctx.unique_id(
                commitment_ids,
                file,
                id,
                || format!("{path}.id"),
                "commitment",
            );
        }
        let owner = match table.get("owner") {
            None => {
                ctx.error(
                    item.span(),
                    &format!("{path}.owner"),
                    "missing key `owner` (the lead department, a key or alias)",
                );
                None
            }
            // The common case without a copy: a string naming a department.
            Some(value) => match value
                .get_ref()
                .as_str()
                .and_then(|name| names.index.get(name))
            {
                Some(id) => Some(*id),
                None => ctx
                    .string(table, &path, "owner")
                    .and_then(|owner| ctx.department(names, &owner, &format!("{path}.owner"))),
            },
        };
        let co_owners: Vec<DepartmentId> = match known_departments(table, "co_owners", names) {
            Some(ids) => ids,
            None => ctx
                .strings(table, &path, "co_owners")
                .unwrap_or_default()
                .iter()
                .filter_map(|name| ctx.department(names, name, &format!("{path}.co_owners")))
                .collect(),
        };
        let text = ctx.required_str(table, &path, "text", item.span());
        let due = ctx.date(table, &path, "due").or(letter_due);
        let remind = ctx
            .string(table, &path, "remind")
            .and_then(|text| ctx.cadence(&text, &format!("{path}.remind")));
        let status = match table
            .get("status")
            .and_then(|value| value.get_ref().as_str())
        {
            Some("open") => Status::Open,
            Some("done") => Status::Done,
            _ => match ctx.string(table, &path, "status") {
                None => Status::Open,
                Some(status) => match status.get_ref().as_str() {
                    "open" => Status::Open,
                    "done" => Status::Done,
                    other => {
                        ctx.error(
                            status.span(),
                            &format!("{path}.status"),
                            format!("unknown status `{other}` (expected `open` or `done`)"),
                        );
                        Status::Open
                    }
                },
            },
        };
        let done_on = ctx.date(table, &path, "done_on");
        if let (Some(done), Some(replied)) = (done_on, replied_on)
            && done < replied
            && let Some(value) = table.get("done_on")
        {
            ctx.error(
                value.span(),
                &format!("{path}.done_on"),
                format!("done on {done}, before the letter was answered on {replied}"),
            );
        }
        if status == Status::Open
            && done_on.is_some()
            && let Some(value) = table.get("done_on")
        {
            ctx.warn(
                value.span(),
                &format!("{path}.done_on"),
                "`done_on` is set but `status` is `open`; the commitment is still reminded",
            );
        }
        let (Some(id), Some(owner), Some(text)) = (id, owner, text) else {
            continue;
        };
        let topic = ctx.str(table, &path, "topic");
        let note = ctx.str(table, &path, "note");
        commitments.push(values.commitment(CommitmentFields {
            id: id.into_inner(),
            letter: letter_index,
            topic: topic.map(Spanned::into_inner),
            owner,
            co_owners: &co_owners,
            text: text.into_inner(),
            due,
            remind,
            status,
            done_on,
            note: note.map(Spanned::into_inner),
        }));
    }
}

/// The departments an array of names refers to, when every entry is a string naming a known
/// department (the common case, checked without copying a string); `None` sends the caller
/// to the path that reports each problem. An absent key is an empty list.
fn known_departments(
    table: &DeTable,
    key: &str,
    names: &DepartmentNames,
) -> Option<Vec<DepartmentId>> {
    let Some(value) = table.get(key) else {
        return Some(Vec::new());
    };
    value
        .get_ref()
        .as_array()?
        .iter()
        .map(|item| {
            item.get_ref()
                .as_str()
                .and_then(|name| names.index.get(name).copied())
        })
        .collect()
}

/// Orders problems as a reader expects (errors first, then file by file in load order, by
/// position) and drops what a syntax error makes meaningless: in a file whose TOML does not
/// parse, only the syntax errors are reported.
fn tidy(problems: &mut Vec<Problem>, files: &[Arc<Path>]) {
    let broken: BTreeSet<PathBuf> = problems
        .iter()
        .filter(|problem| problem.is_syntax())
        .map(|problem| problem.file.clone())
        .collect();
    problems.retain(|problem| problem.is_syntax() || !broken.contains(&problem.file));
    if problems.is_empty() {
        return;
    }
    // Each file's place found by hash: a warning on each of 100,000 commitments must not
    // search 16,000 file names per comparison.
    let positions: FastMap<&Path, usize> = files
        .iter()
        .enumerate()
        .rev()
        .map(|(position, path)| (&**path, position))
        .collect();
    problems.sort_by_cached_key(|problem| {
        (
            problem.severity,
            positions
                .get(problem.file.as_path())
                .copied()
                .unwrap_or(usize::MAX),
            problem.line,
            problem.column,
        )
    });
}

/// Department keys and aliases, for resolving and suggesting names.
struct DepartmentNames {
    index: FastMap<String, DepartmentId>,
    /// Every key and alias in declaration order, so suggestions are deterministic.
    ordered: Vec<(String, DepartmentId)>,
    keys: Vec<String>,
}

impl DepartmentNames {
    fn new(departments: &[Department]) -> Self {
        let mut index = FastMap::default();
        let mut ordered = Vec::new();
        for (id, department) in departments.iter().enumerate() {
            ordered.push((department.key.clone(), id));
            ordered.extend(department.aliases.iter().map(|alias| (alias.clone(), id)));
            for alias in &department.aliases {
                index.entry(alias.clone()).or_insert(id);
            }
        }
        // Keys win over aliases.
        for (id, department) in departments.iter().enumerate() {
            index.insert(department.key.clone(), id);
        }
        let keys = departments
            .iter()
            .map(|department| department.key.clone())
            .collect();
        Self {
            index,
            ordered,
            keys,
        }
    }
}

/// Where an id was first defined, for the message about a duplicate.
struct FirstDefined {
    /// Shared with the letter and its commitments.
    file: Arc<Path>,
    line: u32,
    column: u32,
    /// Where this id's text ends in `IdRegistry::text` (it starts where the previous ends).
    end: u32,
    /// The previous id with the same hash, if any (`u32::MAX`: none).
    same_hash: u32,
}

/// The ids seen so far while loading and where each was first defined. Every id's text goes
/// into one buffer and the table maps hashes to positions: 100,000 ids cost no allocation
/// each (a `String` per id, freed after loading, left the heap the configuration lives in
/// full of holes).
#[derive(Default)]
struct IdRegistry {
    text: String,
    ids: Vec<FirstDefined>,
    by_hash: FastMap<u64, u32>,
}

impl IdRegistry {
    const NONE: u32 = u32::MAX;

    fn text_of(&self, index: u32) -> &str {
        let index = index as usize;
        let start = index
            .checked_sub(1)
            .map_or(0, |previous| self.ids[previous].end as usize);
        self.text
            .get(start..self.ids[index].end as usize)
            .unwrap_or_default()
    }

    /// Where `id` was first defined, or `None` after recording it as defined at `first`.
    fn first_or_insert(
        &mut self,
        id: &str,
        first: impl FnOnce() -> (Arc<Path>, u32, u32),
    ) -> Option<&FirstDefined> {
        use std::hash::BuildHasher as _;
        let hash =
            std::hash::BuildHasherDefault::<crate::model::FastHasher>::default().hash_one(id);
        let head = self.by_hash.get(&hash).copied().unwrap_or(Self::NONE);
        let mut at = head;
        while at != Self::NONE {
            if self.text_of(at) == id {
                return Some(&self.ids[at as usize]);
            }
            at = self.ids[at as usize].same_hash;
        }
        let (file, line, column) = first();
        self.text.push_str(id);
        let index = u32::try_from(self.ids.len()).unwrap_or(Self::NONE - 1);
        self.ids.push(FirstDefined {
            file,
            line,
            column,
            end: u32::try_from(self.text.len()).unwrap_or(u32::MAX),
            same_hash: head,
        });
        self.by_hash.insert(hash, index);
        None
    }
}

struct Ctx<'a> {
    source: &'a Source,
    problems: &'a mut Vec<Problem>,
    cadences: Vec<Cadence>,
    cadence_index: HashMap<String, CadenceId>,
    /// The first day of the window in which every cadence must fire.
    today: NaiveDate,
}

impl Ctx<'_> {
    fn push(&mut self, span: Range<usize>, key: &str, message: String, severity: Severity) {
        let (line, column) = self.source.line_column(span.start);
        self.problems.push(Problem {
            file: self.source.path.clone(),
            line,
            column,
            key: key.to_string(),
            message,
            severity,
        });
    }

    fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.push(span, key, message.into(), Severity::Error);
    }

    fn warn(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.push(span, key, message.into(), Severity::Warning);
    }

    fn syntax(&mut self, error: &toml::de::Error) {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim().replace('\n', " ");
        self.error(span, "", format!("TOML syntax: {message}"));
    }

    fn check_keys(&mut self, table: &DeTable, path: &str, allowed: &[&str]) {
        self.check_keys_except(table, path, allowed, &[]);
    }

    fn check_keys_except(&mut self, table: &DeTable, path: &str, allowed: &[&str], skip: &[&str]) {
        for key in table.keys() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) || skip.contains(&name) {
                continue;
            }
            if name.to_ascii_lowercase().contains("password") && name != "password_file" {
                self.error(key.span(), &join_path(path, name), PASSWORD_REFUSED);
                continue;
            }
            let suggestion = suggest(name, allowed.iter().copied());
            let where_ = if path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in `{path}`")
            };
            self.error(
                key.span(),
                &join_path(path, name),
                format!("unknown key `{name}` {where_}{}", did_you_mean(suggestion)),
            );
        }
    }

    fn type_error(&mut self, value: &Spanned<DeValue>, key: &str, expected: &str) {
        self.error(
            value.span(),
            key,
            format!("expected {expected}, found {}", describe(value.get_ref())),
        );
    }

    fn table<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        path: &str,
        key: &str,
    ) -> Option<(&'t DeTable<'i>, Range<usize>)> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Table(inner) => Some((inner, value.span())),
            _ => {
                self.type_error(value, &join_path(path, key), "a table");
                None
            }
        }
    }

    fn expect_table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        path: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.type_error(value, path, "a table");
                None
            }
        }
    }

    fn string(&mut self, table: &DeTable, path: &str, key: &str) -> Option<Spanned<String>> {
        self.str(table, path, key)
            .map(|value| Spanned::new(value.span(), value.into_inner().to_owned()))
    }

    /// A string value as it sits in the parsed file: no copy (commitment values go straight
    /// into their file's `FileValues`).
    fn str<'t>(
        &mut self,
        table: &'t DeTable<'_>,
        path: &str,
        key: &str,
    ) -> Option<Spanned<&'t str>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Spanned::new(value.span(), text.as_ref())),
            _ => {
                self.type_error(value, &join_path(path, key), "a string");
                None
            }
        }
    }

    fn required_string(
        &mut self,
        table: &DeTable,
        path: &str,
        key: &str,
        table_span: Range<usize>,
    ) -> Option<Spanned<String>> {
        self.required_str(table, path, key, table_span)
            .map(|value| Spanned::new(value.span(), value.into_inner().to_owned()))
    }

    fn required_str<'t>(
        &mut self,
        table: &'t DeTable<'_>,
        path: &str,
        key: &str,
        table_span: Range<usize>,
    ) -> Option<Spanned<&'t str>> {
        if table.get(key).is_none() {
            self.error(
                table_span,
                &join_path(path, key),
                format!("missing key `{key}`"),
            );
            return None;
        }
        let value = self.str(table, path, key)?;
        if value.get_ref().trim().is_empty() {
            self.error(
                value.span(),
                &join_path(path, key),
                format!("`{key}` must not be empty"),
            );
            return None;
        }
        Some(value)
    }

    fn boolean(&mut self, table: &DeTable, path: &str, key: &str) -> Option<bool> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            _ => {
                self.type_error(value, &join_path(path, key), "`true` or `false`");
                None
            }
        }
    }

    fn strings(&mut self, table: &DeTable, path: &str, key: &str) -> Option<Vec<Spanned<String>>> {
        let value = table.get(key)?;
        let full = join_path(path, key);
        let Some(items) = value.get_ref().as_array() else {
            self.type_error(value, &full, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(text) => out.push(Spanned::new(item.span(), text.to_string())),
                _ => self.type_error(item, &format!("{full}[{}]", index + 1), "a string"),
            }
        }
        Some(out)
    }

    fn date_value(&mut self, value: &Spanned<DeValue>, key: &str) -> Option<NaiveDate> {
        let parsed = match value.get_ref() {
            DeValue::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                ),
                _ => None,
            },
            DeValue::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                value.span(),
                key,
                format!(
                    "expected a date such as 2025-12-31, found {}",
                    describe(value.get_ref())
                ),
            );
        }
        parsed
    }

    fn date(&mut self, table: &DeTable, path: &str, key: &str) -> Option<NaiveDate> {
        let value = table.get(key)?;
        // The common case, a valid local date, needs no key text.
        if let DeValue::Datetime(datetime) = value.get_ref()
            && let (Some(date), None) = (datetime.date, datetime.time)
            && let Some(date) = NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
        {
            return Some(date);
        }
        self.date_value(value, &join_path(path, key))
    }

    fn dates(&mut self, table: &DeTable, path: &str, key: &str) -> Vec<NaiveDate> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let full = join_path(path, key);
        let Some(items) = value.get_ref().as_array() else {
            self.type_error(value, &full, "an array of dates");
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| self.date_value(item, &format!("{full}[{}]", index + 1)))
            .collect()
    }

    /// Checks one address; true when it is acceptable.
    fn address(&mut self, value: &Spanned<String>, key: &str) -> bool {
        match check_address(value.get_ref()) {
            Ok(()) => true,
            Err(reason) => {
                self.error(
                    value.span(),
                    key,
                    format!(
                        "`{}` is not an email address: {reason}",
                        value.get_ref().escape_debug()
                    ),
                );
                false
            }
        }
    }

    fn addresses(&mut self, table: &DeTable, path: &str, key: &str) -> Vec<String> {
        let full = join_path(path, key);
        let list = self.strings(table, path, key).unwrap_or_default();
        let mut out = Vec::new();
        for (index, value) in list.into_iter().enumerate() {
            if self.address(&value, &format!("{full}[{}]", index + 1)) {
                out.push(value.into_inner());
            }
        }
        out
    }

    fn department(
        &mut self,
        names: &DepartmentNames,
        name: &Spanned<String>,
        key: &str,
    ) -> Option<DepartmentId> {
        if let Some(id) = names.index.get(name.get_ref()) {
            return Some(*id);
        }
        if name.get_ref().trim().is_empty() {
            self.error(name.span(), key, "a department name must not be empty");
            return None;
        }
        // Suggest the department's key even when the nearest name is one of its aliases.
        let suggestion = suggest(
            name.get_ref(),
            names.ordered.iter().map(|(n, _)| n.as_str()),
        )
        .and_then(|found| names.ordered.iter().find(|(n, _)| n == found))
        .map(|(_, id)| names.keys[*id].as_str());
        self.error(
            name.span(),
            key,
            format!(
                "unknown department `{}`{}",
                name.get_ref(),
                did_you_mean(suggestion)
            ),
        );
        None
    }

    fn recipient(
        &mut self,
        names: &DepartmentNames,
        entry: &Spanned<String>,
        key: &str,
    ) -> Option<Recipient> {
        if entry.get_ref().contains('@') {
            return self
                .address(entry, key)
                .then(|| Recipient::Address(entry.get_ref().clone()));
        }
        self.department(names, entry, key)
            .map(Recipient::Department)
    }

    fn cadence(&mut self, text: &Spanned<String>, key: &str) -> Option<CadenceId> {
        let expression = text.get_ref().trim();
        if let Some(id) = self.cadence_index.get(expression) {
            return Some(*id);
        }
        match parse_cron(expression) {
            Ok(cron) if first_firing_day(&cron, self.today, CADENCE_HORIZON_DAYS).is_none() => {
                let hint = if cron.pattern.is_dow_wildcard() {
                    "April, June, September and November have 30 days, February 28, or 29 in a leap year"
                } else {
                    "no day of its months has the day of month and weekday it asks for"
                };
                self.error(
                    text.span(),
                    key,
                    format!(
                        "`{}` never fires in the next {CADENCE_HORIZON_YEARS} years ({hint})",
                        text.get_ref()
                    ),
                );
                None
            }
            Ok(cron) => {
                let id = self.cadences.len();
                self.cadences.push(Cadence {
                    text: expression.to_string(),
                    cron,
                });
                self.cadence_index.insert(expression.to_string(), id);
                Some(id)
            }
            Err(reason) => {
                self.error(
                    text.span(),
                    key,
                    format!("invalid cron expression `{}`: {reason}", text.get_ref()),
                );
                None
            }
        }
    }

    fn reindex_cadences(&mut self) {
        self.cadence_index = self
            .cadences
            .iter()
            .enumerate()
            .map(|(id, cadence)| (cadence.text.clone(), id))
            .collect();
    }

    fn unique_id(
        &mut self,
        seen: &mut IdRegistry,
        file: &Arc<Path>,
        id: &Spanned<&str>,
        key: impl FnOnce() -> String,
        what: &str,
    ) {
        let source = self.source;
        let first = seen.first_or_insert(id.get_ref(), || {
            let (line, column) = source.line_column(id.span().start);
            (file.clone(), line as u32, column as u32)
        });
        if let Some(first) = first {
            let message = format!(
                "duplicate {what} id `{}`, first defined at {}:{}:{}",
                id.get_ref(),
                first.file.display(),
                first.line,
                first.column
            );
            self.error(id.span(), &key(), message);
        }
    }
}

fn describe(value: &DeValue) -> Cow<'static, str> {
    match value {
        DeValue::String(text) => format!("the string \"{}\"", text.escape_debug()).into(),
        DeValue::Integer(number) => format!("the integer {}", number.as_str()).into(),
        DeValue::Float(number) => format!("the number {}", number.as_str()).into(),
        DeValue::Boolean(flag) => format!("`{flag}`").into(),
        DeValue::Datetime(datetime) => format!("the date-time {datetime}").into(),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

fn join_path(path: &str, key: &str) -> String {
    let key = quote_key(key);
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        format!("\"{}\"", key.escape_debug())
    }
}

/// Parses a cron expression the way the whole product does: 5 fields, 6 with seconds first,
/// or an `@` shortcut; day-of-month and day-of-week ORed (Vixie).
pub fn parse_cron(expression: &str) -> Result<croner::Cron, String> {
    if expression.starts_with('@') {
        const SHORTCUTS: &[&str] = &[
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ];
        let lower = expression.to_ascii_lowercase();
        if !SHORTCUTS.contains(&lower.as_str()) {
            return Err(format!(
                "unknown shortcut{} (expected one of {})",
                did_you_mean(suggest(&lower, SHORTCUTS.iter().copied())),
                SHORTCUTS.join(", ")
            ));
        }
    }
    let fields = expression.split_whitespace().count();
    if !expression.starts_with('@') && !(5..=6).contains(&fields) {
        return Err(format!(
            "expected 5 fields (minute hour day month weekday) or 6 with seconds first, found {fields}"
        ));
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .build()
        .parse(expression)
        .map_err(|error| lowercase_first(&error.to_string()))
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first
            .to_lowercase()
            .chain(chars)
            .collect::<String>()
            .trim_end_matches('.')
            .to_string(),
        None => String::new(),
    }
}

/// `-14d`, `0d`, `+7d`, `-36h` → seconds. Zero needs no sign.
pub fn parse_offset(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let unit = rest.chars().last()?;
    let digits = &rest[..rest.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 5 {
        return None;
    }
    let number: i64 = digits.parse().ok()?;
    if number != 0 && !text.starts_with(['-', '+']) {
        return None;
    }
    match unit {
        'd' => Some(sign * number * 86_400),
        'h' => Some(sign * number * 3_600),
        _ => None,
    }
}

/// `30s`, `2m`, `1h` → seconds.
fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6 {
        return None;
    }
    let number: i64 = digits.parse().ok()?;
    match unit {
        's' => Some(number),
        'm' => Some(number * 60),
        'h' => Some(number * 3_600),
        _ => None,
    }
}

/// Accepts `local@domain` or `Name <local@domain>`; refuses anything that could break a header.
pub fn check_address(text: &str) -> Result<(), &'static str> {
    if text.contains(['\r', '\n']) {
        return Err("it contains a line break");
    }
    let address = match (text.find('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close && text[close + 1..].trim().is_empty() => {
            &text[open + 1..close]
        }
        (None, None) => text.trim(),
        _ => return Err("unbalanced `<` `>`"),
    };
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("no `@`");
    };
    if local.is_empty()
        || local
            .contains(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == ',' || c == '@')
    {
        return Err("the part before `@` is empty or has spaces or `<>,@`");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 && domain != "localhost"
        || labels.iter().any(|label| {
            label.is_empty()
                || label.starts_with('-')
                || label.ends_with('-')
                || !label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return Err("the domain is not a host name such as example.gov.cn");
    }
    Ok(())
}

/// RFC 2606's `.invalid` names a server that cannot exist: the packaged configuration's
/// placeholder.
fn is_placeholder(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "invalid" || host.ends_with(".invalid")
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |name| format!(" (did you mean `{name}`?)"))
}

/// The closest candidate by edit distance, if it is close enough to be a plausible typo.
pub fn suggest<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if input.trim().is_empty() {
        return None;
    }
    let input_chars: Vec<char> = input.chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let candidate_chars: Vec<char> = candidate.chars().collect();
        let distance = edit_distance(&input_chars, &candidate_chars);
        let limit = (input_chars.len().max(candidate_chars.len()) / 3).max(1);
        let contains = candidate.contains(input) || input.contains(candidate);
        if (distance <= limit || contains) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// Optimal string alignment distance: a swap of two neighbours (`onwer`) counts as one edit.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in table.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in table.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}
