//! The validated configuration: departments, letters, commitments and schedules with every
//! name resolved and every cron expression parsed. Built only by `config`; read by everything
//! else. Owns no I/O and never reads the clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use anyhow::Result;

use crate::calendar::Calendar;
use crate::spill::Texts;

/// Everything `followup` knows after a successful `config::load`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main file, as it was named on the command line.
    pub path: PathBuf,
    /// Every file read to build this configuration (the main file first), for reload watching.
    pub files: Vec<Arc<Path>>,
    /// The folder of each `commitments` pattern up to its first wildcard (`commitments/*.toml`
    /// → `commitments`), and each pattern as joined to the main file's folder: the daemon
    /// watches these (or their nearest existing ancestor) so a folder that is deleted,
    /// re-created, moved back or re-pointed by a symlink is noticed.
    pub patterns: Vec<(PathBuf, String)>,
    pub timezone: Tz,
    pub state_dir: PathBuf,
    /// A folder whose templates override the built-in ones (`reminder.zh.txt`, …), if set.
    pub templates: Option<PathBuf>,
    pub language: Language,
    pub mail: Mail,
    /// `[inbox]`: IMAP intake of the departments' replies, if configured.
    pub inbox: Option<Inbox>,
    pub schedule: Schedule,
    /// `[report]`: the periodic bulletin (通报) to the office, if configured.
    pub report: Option<Report>,
    pub calendar: Calendar,
    /// `[replies]`: how answers by email are read and who reviews them.
    pub replies: Replies,
    pub departments: Vec<Department>,
    pub letters: Vec<Letter>,
    pub commitments: Vec<Commitment>,
    /// Parsed cron expressions, shared: parsing costs ~20 µs, so each distinct text is parsed once.
    pub cadences: Vec<Cadence>,
    /// Commitment indices sorted by id, built on the first lookup by id (`find_commitment`):
    /// the daemon looks up every id of every pending email, which at 100,000 commitments
    /// was a quadratic scan.
    pub by_id: std::sync::OnceLock<Vec<u32>>,
    /// `[web]`: the board, when configured (off by default).
    pub web: Option<Web>,
}

/// `[web]`: where the board listens and who may see and act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Web {
    pub listen: std::net::SocketAddr,
    /// Viewing without a login (acting always needs one).
    pub public: bool,
    /// `NAME:$argon2id$…` lines (`followup web-passwd NAME` makes one).
    pub users_file: Option<PathBuf>,
    /// A header carrying the user name, trusted only from `trusted_proxies`.
    pub trusted_header: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Mark the session cookie `Secure` (the board is reached over TLS through a proxy).
    pub secure_cookie: bool,
}

/// An index into `Config::departments`.
pub type DepartmentId = usize;
/// An index into `Config::cadences`.
pub type CadenceId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

#[derive(Debug, Clone)]
pub struct Department {
    /// The key of `[departments."KEY"]`, the name used in mail subjects and views.
    pub key: String,
    /// The full official name, if given.
    pub name: Option<String>,
    pub aliases: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Who else may answer for it by email besides `to` and `cc`: addresses or patterns
    /// such as `*@czt.example.gov.cn` (`replies::verify`).
    pub reply_from: Vec<String>,
}

/// A reply letter: its strings are ranges of its file's `FileValues`, like its commitments'.
#[derive(Debug, Clone)]
pub struct Letter {
    values: Arc<FileValues>,
    id: Slice,
    title: Slice,
    session: Slice,
    number: Slice,
    proposer: Slice,
    replied_by: Slice,
    source: Slice,
    pub replied_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
}

/// What `FileValuesBuilder::letter` needs to make a letter.
pub struct LetterFields<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub session: Option<&'a str>,
    pub number: Option<&'a str>,
    pub proposer: Option<&'a str>,
    pub replied_by: Option<&'a str>,
    pub replied_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub source: Option<&'a str>,
}

impl Letter {
    pub fn id(&self) -> &str {
        self.values.key(self.id)
    }

    /// Its title and the other prose fields: in memory, or read back from the daemon's
    /// spill file (`spill`), which can fail like any read.
    pub fn texts(&self) -> Result<LetterTexts> {
        Ok(LetterTexts {
            texts: self.values.texts.load()?,
            title: self.title,
            session: self.session,
            number: self.number,
            proposer: self.proposer,
            replied_by: self.replied_by,
            source: self.source,
        })
    }

    /// The commitments file this letter came from.
    pub fn file(&self) -> &Path {
        self.values.path()
    }
}

/// A letter's prose fields, loaded (`Letter::texts`).
pub struct LetterTexts {
    texts: Arc<str>,
    title: Slice,
    session: Slice,
    number: Slice,
    proposer: Slice,
    replied_by: Slice,
    source: Slice,
}

impl LetterTexts {
    pub fn title(&self) -> &str {
        slice_of(&self.texts, self.title).unwrap_or_default()
    }

    /// The title as a value of its own, sharing the loaded block.
    pub fn title_shared(&self) -> Text {
        Text::new(&self.texts, self.title).unwrap_or_default()
    }

    pub fn session(&self) -> Option<&str> {
        slice_of(&self.texts, self.session)
    }

    pub fn number(&self) -> Option<&str> {
        slice_of(&self.texts, self.number)
    }

    pub fn proposer(&self) -> Option<&str> {
        slice_of(&self.texts, self.proposer)
    }

    pub fn replied_by(&self) -> Option<&str> {
        slice_of(&self.texts, self.replied_by)
    }

    pub fn source(&self) -> Option<&str> {
        slice_of(&self.texts, self.source)
    }
}

/// One prose value that shares its file's loaded block: a clone costs a reference count,
/// not a copy. Reads as a `str`; serialises as one.
#[derive(Clone, Default)]
pub struct Text {
    block: Arc<str>,
    range: std::ops::Range<usize>,
}

impl Text {
    fn new(block: &Arc<str>, slice: Slice) -> Option<Text> {
        slice_of(block, slice)?;
        Some(Text {
            block: Arc::clone(block),
            range: slice.range(),
        })
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.block.get(self.range.clone()).unwrap_or_default()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, formatter)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

/// The string at `slice` of `text`, `None` for `Slice::NONE`.
fn slice_of(text: &str, slice: Slice) -> Option<&str> {
    if slice == Slice::NONE {
        return None;
    }
    text.get(slice.range())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Done,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Done => "done",
        }
    }
}

/// One commitments file's string values and co-owner lists, stored once: each of its
/// commitments holds ranges into these instead of strings of its own, so a commitment costs
/// no allocation (at 100,000 commitments that is 400,000 fewer heap blocks and their
/// headers, and a 96-byte struct instead of 184; `ARCHITECTURE.md`, "Cost"). Ids are keys
/// that every part of the program looks at and stay in memory; the prose (titles, topics,
/// texts, notes) is one block that the daemon keeps in its spill file (`spill::Keep`).
#[derive(Debug, Default)]
pub struct FileValues {
    /// The file the values came from.
    pub path: Option<Arc<Path>>,
    /// The letter's and the commitments' ids.
    keys: String,
    texts: Texts,
    departments: Vec<DepartmentId>,
}

impl FileValues {
    /// The id at `slice`.
    fn key(&self, slice: Slice) -> &str {
        self.keys.get(slice.range()).unwrap_or_default()
    }

    fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or_else(|| Path::new(""))
    }
}

/// A range of `FileValues::keys`, the prose block or `FileValues::departments`. `u32` offsets: a commitments
/// file is at most `limits.max_file_bytes` (far below 4 GiB), and its values are no longer
/// than its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slice {
    start: u32,
    end: u32,
}

impl Slice {
    /// The absent optional value (`topic`, `note`).
    const NONE: Slice = Slice {
        start: u32::MAX,
        end: u32::MAX,
    };

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Collects one file's values while it is validated (`config`), then becomes the
/// `FileValues` its commitments share.
#[derive(Debug, Default)]
pub struct FileValuesBuilder {
    keys: String,
    texts: String,
    departments: Vec<DepartmentId>,
    /// What commitments point to until `finish`.
    placeholder: Arc<FileValues>,
}

/// Appends `value` to `buffer`, returning its range.
fn push_str(buffer: &mut String, value: &str) -> Slice {
    let start = buffer.len();
    buffer.push_str(value);
    Slice {
        start: offset(start),
        end: offset(buffer.len()),
    }
}

impl FileValuesBuilder {
    fn push_key(&mut self, value: &str) -> Slice {
        push_str(&mut self.keys, value)
    }

    fn push_text(&mut self, value: &str) -> Slice {
        push_str(&mut self.texts, value)
    }

    fn push_optional(&mut self, value: Option<&str>) -> Slice {
        value.map_or(Slice::NONE, |value| self.push_text(value))
    }

    fn push_departments(&mut self, ids: &[DepartmentId]) -> Slice {
        let start = self.departments.len();
        self.departments.extend_from_slice(ids);
        Slice {
            start: offset(start),
            end: offset(self.departments.len()),
        }
    }

    /// A commitment whose strings are stored here. It points to an empty `FileValues` until
    /// `finish` gives it this file's.
    pub fn commitment(&mut self, fields: CommitmentFields<'_>) -> Commitment {
        Commitment {
            values: Arc::clone(&self.placeholder),
            id: self.push_key(fields.id),
            topic: self.push_optional(fields.topic),
            text: self.push_text(fields.text),
            note: self.push_optional(fields.note),
            co_owners: self.push_departments(fields.co_owners),
            letter: fields.letter,
            owner: fields.owner,
            due: fields.due,
            remind: fields.remind,
            status: fields.status,
            done_on: fields.done_on,
        }
    }

    /// A letter whose strings are stored here (see `commitment`).
    pub fn letter(&mut self, fields: LetterFields<'_>) -> Letter {
        let session = self.push_optional(fields.session);
        let number = self.push_optional(fields.number);
        let proposer = self.push_optional(fields.proposer);
        let replied_by = self.push_optional(fields.replied_by);
        let source = self.push_optional(fields.source);
        Letter {
            values: Arc::clone(&self.placeholder),
            id: self.push_key(fields.id),
            title: self.push_text(fields.title),
            session,
            number,
            proposer,
            replied_by,
            source,
            replied_on: fields.replied_on,
            due: fields.due,
        }
    }

    /// Shares the collected values with `letter` and `commitments` (those made from this
    /// builder), trimmed to their size, the prose kept where `keep` puts it (in memory, or
    /// in the daemon's spill file).
    pub fn finish(
        mut self,
        path: Arc<Path>,
        letter: Option<&mut Letter>,
        commitments: &mut [Commitment],
        keep: impl FnOnce(String) -> Texts,
    ) {
        self.keys.shrink_to_fit();
        self.departments.shrink_to_fit();
        let values = Arc::new(FileValues {
            path: Some(path),
            keys: self.keys,
            texts: keep(self.texts),
            departments: self.departments,
        });
        if let Some(letter) = letter {
            letter.values = Arc::clone(&values);
        }
        for commitment in commitments {
            commitment.values = Arc::clone(&values);
        }
    }
}

fn offset(length: usize) -> u32 {
    // Bounded by the file size limit; saturating keeps a pathological value from wrapping.
    u32::try_from(length).unwrap_or(u32::MAX - 1)
}

/// What `FileValuesBuilder::commitment` needs to make a commitment.
pub struct CommitmentFields<'a> {
    pub id: &'a str,
    pub letter: usize,
    pub topic: Option<&'a str>,
    pub owner: DepartmentId,
    pub co_owners: &'a [DepartmentId],
    pub text: &'a str,
    pub due: Option<NaiveDate>,
    pub remind: Option<CadenceId>,
    pub status: Status,
    pub done_on: Option<NaiveDate>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Commitment {
    /// Its file's values, shared by the file's commitments; the fields below index them.
    values: Arc<FileValues>,
    id: Slice,
    topic: Slice,
    text: Slice,
    note: Slice,
    co_owners: Slice,
    /// An index into `Config::letters`.
    pub letter: usize,
    pub owner: DepartmentId,
    /// The commitment's own due date, else its letter's.
    pub due: Option<NaiveDate>,
    /// The commitment's own cadence, overriding stages and the default.
    pub remind: Option<CadenceId>,
    pub status: Status,
    pub done_on: Option<NaiveDate>,
}

impl Commitment {
    pub fn id(&self) -> &str {
        self.values.key(self.id)
    }

    /// Its topic, text and note: in memory, or read back from the daemon's spill file
    /// (`spill`), which can fail like any read.
    pub fn texts(&self) -> Result<CommitmentTexts> {
        Ok(CommitmentTexts {
            texts: self.values.texts.load()?,
            topic: self.topic,
            text: self.text,
            note: self.note,
        })
    }

    /// Departments named as jointly responsible, in the file's order.
    pub fn co_owners(&self) -> &[DepartmentId] {
        self.values
            .departments
            .get(self.co_owners.range())
            .unwrap_or_default()
    }

    /// A copy under another id, with values of its own. For code that must cope with
    /// configurations `config` would refuse (the mail tests give an id a line break).
    pub fn renamed(&self, id: &str) -> Result<Commitment> {
        let texts = self.texts()?;
        let mut values = FileValuesBuilder::default();
        let mut copy = [values.commitment(CommitmentFields {
            id,
            letter: self.letter,
            topic: texts.topic(),
            owner: self.owner,
            co_owners: self.co_owners(),
            text: texts.text(),
            due: self.due,
            remind: self.remind,
            status: self.status,
            done_on: self.done_on,
            note: texts.note(),
        })];
        let path = self
            .values
            .path
            .clone()
            .unwrap_or_else(|| Arc::from(Path::new("")));
        values.finish(path, None, &mut copy, |text| Texts::Resident(text.into()));
        let [copy] = copy;
        Ok(copy)
    }

    /// Its letter's file.
    pub fn file(&self) -> &Path {
        self.values.path()
    }
}

/// A commitment's prose, loaded (`Commitment::texts`).
pub struct CommitmentTexts {
    texts: Arc<str>,
    topic: Slice,
    text: Slice,
    note: Slice,
}

impl CommitmentTexts {
    pub fn topic(&self) -> Option<&str> {
        slice_of(&self.texts, self.topic)
    }

    /// The topic as a value of its own, sharing the loaded block.
    pub fn topic_shared(&self) -> Option<Text> {
        Text::new(&self.texts, self.topic)
    }

    pub fn text(&self) -> &str {
        slice_of(&self.texts, self.text).unwrap_or_default()
    }

    pub fn note(&self) -> Option<&str> {
        slice_of(&self.texts, self.note)
    }
}

/// A parsed cron expression and the text it came from.
#[derive(Debug, Clone)]
pub struct Cadence {
    pub text: String,
    pub cron: croner::Cron,
}

/// How far ahead a cadence must fire to be accepted, and how far any schedule search looks.
pub const CADENCE_HORIZON_YEARS: u32 = 5;
/// The same horizon in days (leap days included), for day-by-day walks.
pub const CADENCE_HORIZON_DAYS: u64 = 5 * 366;

/// Whether `cron` fires at some time of `date` (a local calendar day): its month,
/// day-of-month and day-of-week fields match, with croner's own rules (`L`, `W`, `#n`, and
/// day-of-month OR day-of-week when both are restricted, AND with `+`). Seconds, minutes and
/// hours always hold at least one value once parsed, and a time in a daylight-saving gap fires
/// at the end of the gap, so a matching day always has a firing. A few bit tests: the engine
/// calls it before any search so that a day without a firing costs nothing.
pub fn fires_on(cron: &croner::Cron, date: NaiveDate) -> bool {
    let pattern = &cron.pattern;
    let weekday = match date.weekday() {
        chrono::Weekday::Sun => croner::Weekday::Sunday,
        chrono::Weekday::Mon => croner::Weekday::Monday,
        chrono::Weekday::Tue => croner::Weekday::Tuesday,
        chrono::Weekday::Wed => croner::Weekday::Wednesday,
        chrono::Weekday::Thu => croner::Weekday::Thursday,
        chrono::Weekday::Fri => croner::Weekday::Friday,
        chrono::Weekday::Sat => croner::Weekday::Saturday,
    };
    pattern.month_match(date.month()).unwrap_or(false)
        && pattern
            .day_match(date.year(), date.month(), date.day(), weekday)
            .unwrap_or(false)
}

/// The first day in `[from, from + days)` on which `cron` fires, if any. Bounded: at most
/// `days` checks of a few bit tests each (about 2,000 for five years, microseconds).
pub fn first_firing_day(cron: &croner::Cron, from: NaiveDate, days: u64) -> Option<NaiveDate> {
    from.iter_days()
        .take(usize::try_from(days).unwrap_or(usize::MAX))
        .find(|date| fires_on(cron, *date))
}

/// `[report]`: when the bulletin goes out and to whom.
#[derive(Debug, Clone)]
pub struct Report {
    pub remind: CadenceId,
    /// Addresses; empty means `mail.admin`.
    pub to: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub remind: CadenceId,
    pub on_new: bool,
    pub digest: bool,
    pub skip_holidays: bool,
    /// Working days a done claim waits for review before its reminders go to the reviewer
    /// instead of the department (`schedule.review_within`, default 5).
    pub review_within: u32,
    /// Sorted by `from`, earliest first.
    pub stages: Vec<Stage>,
}

/// An escalation stage: from `from` relative to the end of the due date, `remind` (if set)
/// replaces the cadence and `cc` is copied.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: Option<String>,
    /// The offset as written, e.g. `-14d`.
    pub from_text: String,
    /// The offset in seconds; negative is before the end of the due date.
    pub from_seconds: i64,
    pub remind: Option<CadenceId>,
    pub cc: Vec<Recipient>,
}

/// `[replies]`: reading the departments' answers (`replies`).
#[derive(Debug, Clone)]
pub struct Replies {
    /// Who reviews done claims and extension requests (notices, and reminders once
    /// `schedule.review_within` has passed); empty means `mail.admin`.
    pub reviewer: Vec<String>,
    /// The authserv-id of the office's own server: only its `Authentication-Results` are
    /// believed (`dmarc=fail` there sends the answer to review).
    pub authserv_id: Option<String>,
    /// Whether a `+TOKEN` in the address the answer was sent to names a commitment
    /// (`duban+jl-2025-ai-3@…`); off by default (Exchange has no sub-addressing).
    pub plus_address: bool,
    /// The largest message `followup receive` reads.
    pub max_message_bytes: u64,
    /// The largest attachment stored; a larger one is listed as refused, not stored.
    pub max_attachment_bytes: u64,
}

impl Default for Replies {
    fn default() -> Replies {
        Replies {
            reviewer: Vec::new(),
            authserv_id: None,
            plus_address: false,
            max_message_bytes: 32 * 1024 * 1024,
            max_attachment_bytes: 16 * 1024 * 1024,
        }
    }
}

impl Config {
    /// Who reviews answers: `replies.reviewer`, else `mail.admin`.
    pub fn reviewers(&self) -> &[String] {
        if self.replies.reviewer.is_empty() {
            &self.mail.admin
        } else {
            &self.replies.reviewer
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Department(DepartmentId),
    Address(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Smtp,
    File,
    Stdout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub reply_to: Option<String>,
    pub admin: Vec<String>,
    pub transport: Transport,
    pub host: Option<String>,
    pub port: u16,
    pub tls: Tls,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
}

/// `[inbox]`: where replies are fetched from (IMAP over TLS, always; see `inbox`).
#[derive(Debug, Clone)]
pub struct Inbox {
    /// `imaps://` (TLS from the first byte) or `imap://` (STARTTLS, required).
    pub implicit_tls: bool,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password_file: Option<PathBuf>,
    pub mailbox: String,
    /// A folder processed mail is moved into; `None`: flag it `\Seen` and `$FollowupDone`.
    pub processed: Option<String>,
    /// How often to look for new mail when the server offers no IDLE.
    pub poll: Duration,
    pub ca_file: Option<PathBuf>,
    /// The bound on every network step (connect, TLS, each command).
    pub timeout: Duration,
    /// A message larger than this is left in the mailbox (flagged) and not fetched
    /// (`replies.max_message_mib`, the limit `followup receive` applies too).
    pub max_message_bytes: u64,
}

impl Config {
    pub fn department(&self, id: DepartmentId) -> &Department {
        &self.departments[id]
    }

    pub fn letter_of(&self, commitment: &Commitment) -> &Letter {
        &self.letters[commitment.letter]
    }

    /// Finds a department by key or alias.
    pub fn find_department(&self, name: &str) -> Option<DepartmentId> {
        self.departments
            .iter()
            .position(|department| department.key == name)
            .or_else(|| {
                self.departments
                    .iter()
                    .position(|department| department.aliases.iter().any(|alias| alias == name))
            })
    }

    /// The commitment with this id: a binary search (ids are unique once validated).
    pub fn find_commitment(&self, id: &str) -> Option<usize> {
        let by_id = self.by_id.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.commitments.len())
                .map(|index| u32::try_from(index).expect("fewer than 2^32 commitments"))
                .collect();
            order.sort_unstable_by(|a, b| {
                self.commitments[*a as usize]
                    .id()
                    .cmp(self.commitments[*b as usize].id())
            });
            order
        });
        by_id
            .binary_search_by(|index| self.commitments[*index as usize].id().cmp(id))
            .ok()
            .map(|position| by_id[position] as usize)
    }
}

/// A hash map for keys the program builds itself or reads from its own configuration
/// (indices, instants, department names, ids): a plain multiply-rotate hash (the one rustc
/// uses) serves, where SipHash's resistance to chosen keys would cost a third of a plan's
/// lookups and a tenth of loading for nothing.
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_i32(&mut self, value: i32) {
        self.write_u64(u64::from(value as u32));
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    /// The state, avalanched (MurmurHash3's 64-bit finaliser). The multiply-rotate steps put
    /// a string's entropy into the high bits only, while the table picks buckets by the low
    /// ones: 100,000 ids such as `gen-2026-1234-5` fell into 293 of 131,072 buckets, and every
    /// lookup compared strings along a long probe sequence.
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// Ids that differ only in a few digits in their middle and end, as real ones do
    /// (`jl-2025-ai-3`, `gen-2026-1234-5`), must reach most of a table's buckets: the table
    /// indexes buckets by the hash's low bits.
    #[test]
    fn similar_ids_spread_over_the_low_bits() {
        let hasher = std::hash::BuildHasherDefault::<FastHasher>::default();
        let mut buckets = std::collections::HashSet::new();
        for letter in 0..2_000 {
            for item in 0..5 {
                let hash = hasher.hash_one(format!("gen-2026-{letter}-{item}"));
                buckets.insert(hash & 0x3fff);
            }
        }
        // 10,000 keys into 16,384 buckets reach about 7,600 when spread evenly.
        assert!(buckets.len() > 6_000, "{} buckets used", buckets.len());
    }

    /// What a commitment and a letter cost beside their strings (`ARCHITECTURE.md`, "Cost"):
    /// a field that allocates on its own would show here first.
    #[test]
    fn commitments_and_letters_stay_small() {
        assert_eq!(std::mem::size_of::<Commitment>(), 96);
        assert_eq!(std::mem::size_of::<Letter>(), 72);
    }
}
