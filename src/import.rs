//! Drafts a commitments file from a reply letter's text; pure: never reads files or the clock.
//!
//! The pipeline is: [`decode`] bytes → normalise (width, traditional characters, PDF spacing,
//! broken lines) → split into blocks (paragraphs) and headings → find next-steps regions and
//! future-tense promises → [`Draft`], which renders as a commitments TOML file, JSON or a summary.
//! Everything here is heuristic: the TOML says so and flags what a reviewer should check.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::OnceLock;

// ───────────────────────────── public API ─────────────────────────────

/// How to name and resolve what the letter mentions.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Prefix for ids: commitments get `{prefix}-1`, `{prefix}-2`…, the letter gets id `{prefix}`.
    pub prefix: &'a str,
    /// Resolves a department name as written in the letter (e.g. "吉林省科学技术厅", "省财政厅", "发改委") to a
    /// configured department key (e.g. "省科技厅"); None when not configured. When `None` is passed as the
    /// whole resolver, names are kept as written and no "# check" comment is emitted.
    // Spelled out rather than behind an alias so callers see the plain closure type.
    #[allow(clippy::type_complexity)]
    pub resolve: Option<&'a dyn Fn(&str) -> Option<String>>,
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("prefix", &self.prefix)
            .field("resolve", &self.resolve.map(|_| "<fn>"))
            .finish()
    }
}

/// What the importer read out of one letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub letter: LetterDraft,
    pub commitments: Vec<CommitmentDraft>,
    /// Things the reviewer should know about the whole letter (missing signature, date…).
    pub warnings: Vec<String>,
}

/// The `[letter]` table; `None` means "not found in the text" and the key is omitted.
#[derive(Debug, Clone, PartialEq)]
pub struct LetterDraft {
    pub title: Option<String>,
    pub proposer: Option<String>,
    pub session: Option<String>,
    pub number: Option<String>,
    pub replied_by: Option<String>,
    pub replied_on: Option<(i32, u32, u32)>,
}

/// One `[[commitment]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentDraft {
    pub topic: Option<String>,
    pub owner: String,
    /// True when the resolver knew the owner.
    pub owner_resolved: bool,
    pub co_owners: Vec<String>,
    pub text: String,
    pub due: Option<(i32, u32, u32)>,
    /// The original sentence span, cleaned to one line.
    pub source: String,
    /// Why a reviewer should look twice, if the heuristics were unsure.
    pub low_confidence: Option<String>,
}

/// Why a letter could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    Empty,
    Binary,
    NotUtf8,
    NoNextSteps,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImportError::Empty => "the letter is empty; nothing to import",
            ImportError::Binary => {
                "the letter looks like a binary file (pdf, docx, image?); copy its text into a plain utf-8 .txt file first"
            }
            ImportError::NotUtf8 => {
                "the letter is not utf-8 (perhaps gbk); convert it first, e.g. `iconv -f GBK -t UTF-8 letter.txt > letter.utf8.txt`"
            }
            ImportError::NoNextSteps => {
                "the letter has no next-steps section (下一步工作, 下一步, 下步, 下一阶段, 今后); nothing to import"
            }
        })
    }
}

impl std::error::Error for ImportError {}

/// Turns the bytes of a letter into text: UTF-8 only (a BOM is stripped), binary rejected.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    // UTF-16 files carry NULs for every ASCII char; say "convert it", not "binary".
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::NotUtf8);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty);
    }
    if bytes.contains(&0) {
        return Err(ImportError::Binary);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    // Valid UTF-8 can still be binary-ish (control bytes everywhere); text has almost none.
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    if controls * 20 > text.chars().count() {
        return Err(ImportError::Binary);
    }
    Ok(text.to_owned())
}

/// Reads a reply letter and drafts its commitments.
pub fn import(text: &str, options: &Options) -> Result<Draft, ImportError> {
    let blocks = paragraphs(text);
    if blocks.is_empty() {
        return Err(ImportError::Empty);
    }
    let layout = Layout::of(&blocks);
    let mut warnings = Vec::new();
    let letter_raw = read_letter(&blocks, &layout, &mut warnings);
    let mut walker = Walker::new(&letter_raw, options);
    for block in &blocks[layout.body_start.min(layout.body_end)..layout.body_end] {
        walker.block(block);
    }
    if let Some(rest) = &layout.intro_rest {
        // Rare: the whole letter body sits on the intro line after "现答复如下：".
        if layout.body_start >= layout.body_end {
            walker.block(rest);
        }
    }
    if !walker.region_seen && walker.items.is_empty() {
        return Err(ImportError::NoNextSteps);
    }
    if walker.items.is_empty() {
        warnings.push("a next-steps section was found but no commitment in it".to_owned());
    }
    let reply_year = letter_raw.replied_on.map(|d| d.0);
    let commitments = walker
        .items
        .into_iter()
        .map(|item| item.finish(reply_year, &mut warnings))
        .collect();
    let mut letter = letter_raw;
    if let Some(name) = &letter.replied_by {
        letter.replied_by = Some(resolve(name, options).0);
    }
    Ok(Draft {
        letter,
        commitments,
        warnings,
    })
}

// ───────────────────────────── normalisation ─────────────────────────────

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
        || c == '〇'
}

fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·' | '─')
}

/// Characters that are "Chinese context" for spacing and punctuation-width decisions.
fn is_wide(c: char) -> bool {
    is_cjk(c) || is_cjk_punct(c)
}

/// Display width, used to tell a full (wrapped) PDF line from a short one.
fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Full-width digits and letters to ASCII; ideographic space to space. Full-width punctuation
/// stays: it is what the rest of the importer matches on.
fn fold_width(c: char) -> char {
    match c as u32 {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0xFF0E | 0xFF05 | 0xFF0D => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        0x3000 | 0x00A0 => ' ',
        _ => c,
    }
}

fn t2s_table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let chars: Vec<char> = TRAD_SIMP.chars().collect();
        chars
            .chunks(2)
            .filter_map(|p| Some((p[0], *p.get(1)?)))
            .collect()
    })
}

/// Traditional → simplified for characters whose mapping is unambiguous in government text.
/// (覆 is left alone: it is also a simplified character, as in 覆盖; 答覆 is fixed as a word.)
fn t2s(c: char) -> char {
    if (c as u32) < 0x4E00 {
        return c;
    }
    t2s_table().get(&c).copied().unwrap_or(c)
}

fn is_pinyin_char(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c)
}

/// Mirrors of letters sometimes annotate characters with pinyin, "業(yè)"; drop it.
fn strip_pinyin(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' && out.last().is_some_and(|p: &char| is_cjk(*p)) {
            let close = (i + 2..chars.len().min(i + 9)).find(|&j| chars[j] == ')');
            if let Some(j) = close
                && chars[i + 1..j].iter().all(|c| is_pinyin_char(*c))
                && chars[i + 1..j].iter().any(|c| !c.is_ascii())
            {
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Half-width punctuation used in Chinese context becomes full-width, so later rules
/// only match one form.
fn widen_punctuation(chars: &[char]) -> Vec<char> {
    let neighbour = |i: usize, step: isize| -> Option<char> {
        let mut j = i as isize + step;
        while j >= 0 && (j as usize) < chars.len() {
            let c = chars[j as usize];
            if c != ' ' && c != '\t' {
                return Some(c);
            }
            j += step;
        }
        None
    };
    let mut open_converted: Vec<bool> = Vec::new();
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = neighbour(i, -1);
        let next = neighbour(i, 1);
        let wide_near = prev.is_some_and(is_wide) || next.is_some_and(is_wide);
        let digits_around =
            prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
        let mapped = match c {
            ',' if wide_near && !digits_around => '，',
            ':' if wide_near && !digits_around => '：',
            ';' if wide_near => '；',
            '?' if wide_near => '？',
            '!' if wide_near => '！',
            '(' => {
                open_converted.push(wide_near);
                if wide_near { '（' } else { '(' }
            }
            ')' => {
                let opened_wide = open_converted.pop().unwrap_or(false);
                if opened_wide || prev.is_some_and(is_wide) {
                    '）'
                } else {
                    ')'
                }
            }
            _ => c,
        };
        out.push(mapped);
    }
    out
}

/// Removes spaces next to Chinese text (PDF extraction puts them mid-word); keeps one space
/// between two ASCII words.
fn squeeze_spaces(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len() * 3);
    let mut pending_space = false;
    for &c in chars {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev = out.chars().last();
            if prev.is_some_and(|p| !is_wide(p)) && !is_wide(c) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// One physical line to clean text (no leading/trailing space).
fn normalize_line(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().map(fold_width).map(t2s).collect();
    let chars = widen_punctuation(&strip_pinyin(&chars));
    let line = squeeze_spaces(&chars);
    // The few words where a character is only traditional in context.
    line.replace("答覆", "答复")
        .replace("回覆", "回复")
        .replace("批覆", "批复")
}

/// "3", "- 3 -", "—3—", "第 3 页", "3/12": page furniture from a PDF.
fn is_page_number(line: &str) -> bool {
    let core: String = line
        .chars()
        .filter(|c| !"-—–－_·第页共/ ".contains(*c))
        .collect();
    !core.is_empty()
        && core.chars().all(|c| c.is_ascii_digit())
        && line.chars().count() <= 12
        && (line.chars().all(|c| c.is_ascii_digit()) && line.len() <= 3
            || line.chars().any(|c| "-—–－页/".contains(c)))
}

const TERMINAL: &str = "。！？；：";

fn ends_sentence(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['”', '’', '）', '"', ')']);
    trimmed.chars().last().is_some_and(|c| TERMINAL.contains(c))
}

/// Whether a physical line continues the previous one (a PDF wrap) rather than starting anew.
fn continues(prev: &str, next: &str, wrap: usize) -> bool {
    if ordinal(next).is_some_and(|o| o.level <= 5) || parse_date_line(next).is_some() {
        return false;
    }
    if ends_sentence(prev) {
        return false;
    }
    if prev.ends_with(['，', '、']) {
        return true;
    }
    // A line as wide as the page's usual line was wrapped by the PDF, not ended by the writer.
    wrap > 0 && width(prev) * 10 >= wrap * 8
}

/// The letter as paragraphs: normalised lines, comments and page numbers dropped, wraps joined.
fn paragraphs(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(normalize_line)
        .filter(|l| !l.is_empty() && !is_page_number(l))
        .collect();
    let mut widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
    widths.sort_unstable();
    let wrap = widths.get(widths.len() * 3 / 4).copied().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut last_line = String::new();
    for line in lines {
        match out.last_mut() {
            Some(cur) if continues(&last_line, &line, wrap) => {
                let glue = cur
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && line.starts_with(|c: char| c.is_ascii_alphanumeric());
                if glue {
                    cur.push(' ');
                }
                cur.push_str(&line);
            }
            _ => out.push(line.clone()),
        }
        last_line = line;
    }
    out
}

// ───────────────────────────── ordinals and headings ─────────────────────────────

const CN_DIGITS: &str = "一二三四五六七八九十";

/// An enumeration mark at the start of a text: `一、` (1), `（一）` (2), `1、`/`1.` (3),
/// `（1）`/`1）` (4), `①` (5), inline `一是`/`第一，`/`首先，` (6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ordinal {
    level: u8,
    len: usize,
}

fn run_len(s: &str, pred: impl Fn(char) -> bool, max_chars: usize) -> usize {
    s.char_indices()
        .take(max_chars + 1)
        .find(|(_, c)| !pred(*c))
        .map_or_else(
            || s.chars().take(max_chars).map(char::len_utf8).sum(),
            |(i, _)| i,
        )
}

fn ordinal(s: &str) -> Option<Ordinal> {
    let cn = |c: char| CN_DIGITS.contains(c);
    let found = |level: u8, len: usize| Some(Ordinal { level, len });
    let n = run_len(s, cn, 3);
    if n > 0 {
        let rest = &s[n..];
        if rest.starts_with('、') {
            return found(1, n + '、'.len_utf8());
        }
        if rest.starts_with('是') && n <= 6 {
            return found(6, n + '是'.len_utf8());
        }
    }
    if let Some(inner) = s.strip_prefix('（') {
        let n = run_len(inner, cn, 3);
        if n > 0 && inner[n..].starts_with('）') {
            return found(2, '（'.len_utf8() + n + '）'.len_utf8());
        }
        let d = run_len(inner, |c| c.is_ascii_digit(), 2);
        if d > 0 && inner[d..].starts_with('）') {
            return found(4, '（'.len_utf8() + d + '）'.len_utf8());
        }
    }
    let d = run_len(s, |c| c.is_ascii_digit(), 2);
    if d > 0 {
        let rest = &s[d..];
        for sep in ['、', '.', '）'] {
            if let Some(after) = rest.strip_prefix(sep) {
                let level = if sep == '）' { 4 } else { 3 };
                // "1.3亿元" is a number, not an item.
                if after.starts_with(|c: char| !c.is_ascii_digit()) {
                    return found(level, d + sep.len_utf8());
                }
            }
        }
    }
    if s.starts_with(|c: char| ('①'..='⑳').contains(&c)) {
        return found(5, 3);
    }
    if let Some(inner) = s.strip_prefix('第') {
        let n = run_len(inner, cn, 2);
        if n > 0 && inner[n..].starts_with(['，', '是']) {
            return found(6, '第'.len_utf8() + n + 3);
        }
    }
    for word in ["首先，", "其次，", "再次，", "最后，", "此外，", "另外，"] {
        if s.starts_with(word) {
            return found(6, word.len());
        }
    }
    None
}

/// What a heading announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadKind {
    /// 下一步工作 and friends: promises follow.
    NextSteps,
    /// 举措及成效, 办理情况…: past work follows, never promises.
    Progress,
    /// A suggestion's subject: becomes the topic of promises under it.
    Topic,
}

struct Heading {
    level: u8,
    kind: HeadKind,
    text: String,
    /// Content that shared the heading's paragraph ("（一）加强领导。省卫健委将…").
    rest: Option<String>,
}

const MARKERS: [&str; 5] = ["下一步", "下步", "下一阶段", "今后", "下阶段"];
const PROGRESS_WORDS: [&str; 10] = [
    "举措",
    "成效",
    "情况",
    "进展",
    "做法",
    "已开展",
    "已采取",
    "工作开展",
    "主要工作",
    "落实",
];

fn heading_kind(text: &str) -> HeadKind {
    let next_steps = MARKERS.iter().any(|m| text.starts_with(m))
        || ["工作打算", "工作计划", "工作安排", "下一步", "下步工作"]
            .iter()
            .any(|w| text.contains(w));
    if next_steps {
        HeadKind::NextSteps
    } else if PROGRESS_WORDS.iter().any(|w| text.contains(w)) && !text.starts_with("关于") {
        HeadKind::Progress
    } else {
        HeadKind::Topic
    }
}

fn first_sentence_end(s: &str) -> Option<usize> {
    s.char_indices()
        .find(|(_, c)| "。！？；".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
}

/// Recognises a heading paragraph. A numbered paragraph that is one full sentence is an
/// item, not a heading: "（一）持续推进…，力争…。" is a promise.
fn as_heading(block: &str) -> Option<Heading> {
    let Some(ord) = ordinal(block).filter(|o| o.level <= 5) else {
        return unnumbered_heading(block);
    };
    let body = &block[ord.len..];
    let make = |text: &str, rest: Option<String>| {
        let text = text.trim_end_matches(['。', '：', '；']).to_owned();
        Some(Heading {
            level: ord.level,
            kind: heading_kind(&text),
            text,
            rest,
        })
    };
    match first_sentence_end(body) {
        None if body.chars().count() <= 80 => make(body, None),
        None => None,
        Some(end) if end == body.len() => {
            // "（一）举措及成效。" is a heading; "1、推进智慧交通建设。" is a promise.
            let short = body.chars().count() <= 20 && !body.contains('，');
            if short && heading_kind(body) != HeadKind::Topic {
                make(body, None)
            } else {
                None
            }
        }
        Some(end) => {
            let head = &body[..end];
            if head.chars().count() <= 30 && !head.contains('，') {
                make(head, Some(body[end..].to_owned()))
            } else {
                None
            }
        }
    }
}

/// "下一步工作打算" or "主要工作成效" standing alone on a line.
fn unnumbered_heading(block: &str) -> Option<Heading> {
    let text = block.trim_end_matches('：');
    let plain = text.chars().count() <= 16 && !text.chars().any(is_cjk_punct);
    if !plain {
        return None;
    }
    let kind = heading_kind(text);
    (kind != HeadKind::Topic).then(|| Heading {
        level: 0,
        kind,
        text: text.to_owned(),
        rest: None,
    })
}

/// `一、关于“强化…长板”的建议` → `强化…长板`; other headings as they are.
fn topic_of(heading: &str) -> String {
    let h = heading.trim_end_matches(['。', '：']);
    if let Some(inner) = h.strip_prefix("关于") {
        if let (Some(a), Some(b)) = (inner.find('“'), inner.rfind('”'))
            && a < b
        {
            return inner[a + '“'.len_utf8()..b].to_owned();
        }
        for tail in ["的建议", "的提案", "的议案", "的问题"] {
            if let Some(t) = inner.strip_suffix(tail) {
                return t.to_owned();
            }
        }
    }
    h.to_owned()
}

// ───────────────────────────── dates ─────────────────────────────

fn cn_number(s: &str) -> Option<(u32, usize)> {
    let digit = |c: char| "〇零一二三四五六七八九".chars().position(|d| d == c);
    let mut value: u32 = 0;
    let mut len = 0;
    let mut tens_seen = false;
    for c in s.chars() {
        if c == '十' {
            value = if value == 0 { 10 } else { value * 10 };
            tens_seen = true;
        } else if let Some(d) = digit(c) {
            let d = if d == 0 { 0 } else { d as u32 - 1 };
            value = if tens_seen { value + d } else { value * 10 + d };
        } else {
            break;
        }
        len += c.len_utf8();
    }
    (len > 0).then_some((value, len))
}

/// A number at the start of `s`, ASCII or Chinese numerals; returns (value, byte length).
fn leading_number(s: &str) -> Option<(u32, usize)> {
    let n = run_len(s, |c| c.is_ascii_digit(), 4);
    if n > 0 {
        return s[..n].parse().ok().map(|v| (v, n));
    }
    cn_number(s)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn valid_date(y: i32, m: u32, d: u32) -> Option<(i32, u32, u32)> {
    ((1000..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m))
        .then_some((y, m, d))
}

/// "2025年5月23日" / "二〇二五年五月二十三日" at the start; returns the date and byte length.
fn parse_cn_date(s: &str) -> Option<((i32, u32, u32), usize)> {
    let (y, a) = leading_number(s)?;
    let rest = s[a..].strip_prefix('年')?;
    let (m, b) = leading_number(rest)?;
    let rest2 = rest[b..].strip_prefix('月')?;
    let (d, c) = leading_number(rest2)?;
    rest2[c..].strip_prefix('日')?;
    let len = a + b + c + 3 * 3;
    valid_date(y as i32, m, d).map(|date| (date, len))
}

/// "2023-08-02", "2023/8/2", "2023.08.02" at the start.
fn parse_iso_date(s: &str) -> Option<(i32, u32, u32)> {
    let y = run_len(s, |c| c.is_ascii_digit(), 4);
    if y != 4 {
        return None;
    }
    let sep = s[4..].chars().next().filter(|c| "-/.".contains(*c))?;
    let mut parts = s.split(sep).take(3).map(|p| {
        let n = run_len(p, |c| c.is_ascii_digit(), 4);
        p[..n].parse::<u32>().ok()
    });
    let (yy, mm, dd) = (parts.next()??, parts.next()??, parts.next()??);
    valid_date(yy as i32, mm, dd)
}

/// A paragraph that is only a date: the date line above or below a signature.
fn parse_date_line(block: &str) -> Option<(i32, u32, u32)> {
    let b = block.trim_end_matches(['。', ' ']);
    if let Some((date, len)) = parse_cn_date(b) {
        return (len == b.len()).then_some(date);
    }
    (b.len() <= 10).then(|| parse_iso_date(b)).flatten()
}

// ───────────────────────────── bodies (departments) ─────────────────────────────

const BODY_SUFFIXES: [&str; 14] = [
    "委员会",
    "办公室",
    "政府",
    "中心",
    "厅",
    "委",
    "局",
    "办",
    "院",
    "部",
    "署",
    "会",
    "室",
    "处",
];
const BODY_PREFIXES: [&str; 16] = [
    "自治区",
    "国家",
    "省委",
    "市委",
    "县委",
    "中共",
    "中国",
    "全国",
    "国务院",
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
];
const SELF_REFS: [&str; 14] = [
    "我厅",
    "我委",
    "我局",
    "我办",
    "我单位",
    "我部",
    "我院",
    "我中心",
    "我会",
    "我们",
    "本单位",
    "本厅",
    "本委",
    "我省",
];
/// Words that end a subject: what a department does next.
const SUBJECT_STOPS: [&str; 60] = [
    "将",
    "要",
    "会同",
    "联合",
    "牵头",
    "在",
    "正",
    "已",
    "还",
    "也",
    "拟",
    "计划",
    "从",
    "组织",
    "通过",
    "围绕",
    "按照",
    "不断",
    "重点",
    "主动",
    "大力",
    "全力",
    "切实",
    "认真",
    "配合",
    "协调",
    "指导",
    "推动",
    "推进",
    "支持",
    "负责",
    "共同",
    "坚持",
    "结合",
    "根据",
    "对",
    "把",
    "为",
    "继续",
    "持续",
    "进一步",
    "加快",
    "着力",
    "积极",
    "加强",
    "深化",
    "优化",
    "完善",
    "建立",
    "制定",
    "落实",
    "开展",
    "做好",
    "争取",
    "鼓励",
    "引导",
    "统筹",
    "依托",
    "聚焦",
    "下一步",
];

/// Verbs that begin a subject-less promise ("推动省中医院建设" has no subject).
const VERB_STARTS: [&str; 16] = [
    "实施", "建设", "申报", "争创", "打造", "构建", "提升", "扩大", "保障", "促进", "督促", "推广",
    "加大", "强化", "用好", "发挥",
];

fn starts_with_any<'w>(s: &str, words: &[&'w str]) -> Option<&'w str> {
    words.iter().copied().find(|w| s.starts_with(w))
}

/// Generic shape of a department name: a level prefix or place, and a body suffix.
fn body_like(name: &str) -> bool {
    let n = name.chars().count();
    if !(2..=24).contains(&n) || !name.chars().all(is_cjk) {
        return false;
    }
    if BODY_SUFFIXES.iter().all(|s| !name.ends_with(s)) {
        return false;
    }
    if ["该", "本", "其", "此", "各", "有关", "相关", "我", "贵"]
        .iter()
        .any(|p| name.starts_with(p))
        || starts_with_any(name, &SUBJECT_STOPS).is_some()
        || starts_with_any(name, &VERB_STARTS).is_some()
        || name.chars().any(|c| "的了在将是对把为已与及".contains(c))
    {
        return false;
    }
    let early: String = name.chars().take(8).collect();
    starts_with_any(name, &BODY_PREFIXES).is_some()
        || "省市县区州盟旗".chars().any(|c| early.contains(c))
        || n <= 5
}

/// The department name at the start of `s`, if any; returns it and its byte length.
/// Prefers the shortest name followed by a verb or separator ("省科技厅会同…" → 省科技厅),
/// else the longest plausible one ("省委宣传部安排…").
fn leading_body(s: &str) -> Option<(String, usize)> {
    let ends: Vec<usize> = s
        .char_indices()
        .take(24)
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| body_like(&s[..e]))
        .collect();
    let followed_well = |e: usize| {
        let rest = &s[e..];
        rest.is_empty()
            || rest.starts_with(|c: char| !is_cjk(c))
            || starts_with_any(rest, &SUBJECT_STOPS).is_some()
            || starts_with_any(rest, &["和", "及", "以及"])
                .is_some_and(|w| leading_body_simple(&rest[w.len()..]).is_some())
    };
    let pick = ends
        .iter()
        .copied()
        .find(|&e| followed_well(e))
        .or_else(|| {
            ends.last()
                .copied()
                .filter(|&e| !s[e..].starts_with(['员', '公']))
        })?;
    Some((s[..pick].to_owned(), pick))
}

/// Like [`leading_body`] but only accepting a name followed by a verb or punctuation.
fn leading_body_simple(s: &str) -> Option<usize> {
    s.char_indices()
        .take(24)
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| body_like(&s[..e]))
        .find(|&e| {
            let rest = &s[e..];
            rest.is_empty()
                || rest.starts_with(|c: char| !is_cjk(c))
                || starts_with_any(rest, &SUBJECT_STOPS).is_some()
        })
}

/// Who a sentence says will act.
#[derive(Debug, Default, Clone, PartialEq)]
struct Subject {
    bodies: Vec<String>,
    co: Vec<String>,
    /// "我厅", "我们"…: the replying unit speaking of itself.
    self_ref: Option<String>,
    /// Byte offset just past the subject.
    end: usize,
}

const CONNECTORS: [&str; 8] = [
    "同时，",
    "与此同时，",
    "此外，",
    "另外，",
    "其次，",
    "最后，",
    "首先，",
    "此外",
];

fn skip_connectors(s: &str) -> usize {
    starts_with_any(s, &CONNECTORS).map_or(0, str::len)
}

/// Parses "省发改委、省卫健委将…", "省科技厅会同省财政厅…", "我厅将…".
fn parse_subject(s: &str) -> Option<Subject> {
    let start = skip_connectors(s);
    let s = &s[start..];
    let mut subject = Subject::default();
    let mut pos;
    if let Some(w) = starts_with_any(s, &SELF_REFS) {
        subject.self_ref = Some(w.to_owned());
        pos = w.len();
    } else {
        let (name, len) = leading_body(s)?;
        subject.bodies.push(name);
        pos = len;
        while let Some(sep) = starts_with_any(&s[pos..], &["、", "和", "及", "以及", "与"]) {
            match leading_body(&s[pos + sep.len()..]) {
                Some((name, len)) => {
                    subject.bodies.push(name);
                    pos += sep.len() + len;
                }
                None => break,
            }
        }
    }
    // "我厅将会同省财政厅…": the joint bodies are co-owners.
    let modal = starts_with_any(&s[pos..], &["还将", "将", "要"]).map_or(0, str::len);
    if let Some(w) = starts_with_any(&s[pos + modal..], &["会同", "联合", "协同"]) {
        let mut p = pos + modal + w.len();
        while let Some((name, len)) = leading_body(&s[p..]) {
            subject.co.push(name);
            p += len;
            match starts_with_any(&s[p..], &["、", "和", "及"]) {
                Some(sep) => p += sep.len(),
                None => break,
            }
        }
    }
    subject.end = start + pos;
    Some(subject)
}

/// Strips the place from a department name so that 内蒙古自治区卫生健康委员会 and
/// 自治区卫生健康委 compare equal.
fn core_name(name: &str) -> String {
    let mut core = name;
    for level in ["自治区", "省", "市", "县", "州", "盟", "旗"] {
        if let Some(i) = core.find(level)
            && core[..i].chars().count() <= 6
        {
            core = &core[i + level.len()..];
            break;
        }
    }
    let core = core
        .strip_suffix("委员会")
        .map_or(core.to_owned(), |c| format!("{c}委"));
    core.replace("人民政府", "政府")
}

fn resolve(name: &str, options: &Options) -> (String, bool) {
    match options.resolve.and_then(|f| f(name)) {
        Some(key) => (key, true),
        None => (name.to_owned(), false),
    }
}

fn same_body(a: &str, b: &str, options: &Options) -> bool {
    if a == b || core_name(a) == core_name(b) {
        return true;
    }
    let (ra, ka) = resolve(a, options);
    let (rb, kb) = resolve(b, options);
    ka && kb && ra == rb
}

// ───────────────────────────── letter fields ─────────────────────────────

/// Where things are in the letter's paragraph list.
struct Layout {
    salutation: Option<usize>,
    /// First paragraph of the reply proper (after "…现答复如下：").
    body_start: usize,
    /// Index of the signature (or date line); the reply proper ends before it.
    body_end: usize,
    date_line: Option<usize>,
    signature: Option<usize>,
    /// Text after "现答复如下：" on the intro line itself.
    intro_rest: Option<String>,
}

fn is_org_line(block: &str) -> bool {
    let b = block.trim_end_matches(['（', '）', '盖', '章']);
    b.chars().count() <= 30 && b.chars().all(is_cjk) && BODY_SUFFIXES.iter().any(|s| b.ends_with(s))
}

fn is_salutation(block: &str) -> bool {
    let Some(name) = block.strip_suffix('：') else {
        return false;
    };
    let n = name.chars().count();
    (1..=30).contains(&n)
        && !name.contains(['：', '《', '，', '。'])
        && !name.chars().any(|c| c.is_ascii_digit())
        && ["日期", "时间", "字号", "来源", "发布", "标题", "索引"]
            .iter()
            .all(|w| !name.contains(w))
}

impl Layout {
    fn of(blocks: &[String]) -> Layout {
        let head = blocks.len().min(8);
        let salutation = (0..head).find(|&i| is_salutation(&blocks[i]));
        let intro = (0..head).find(|&i| {
            let b = &blocks[i];
            ["答复如下", "现答复", "收悉", "答复如下"]
                .iter()
                .any(|w| b.contains(w))
        });
        let date_line = (0..blocks.len())
            .rev()
            .find(|&i| parse_date_line(&blocks[i]).is_some() && intro.is_none_or(|s| i > s));
        let signature = date_line
            .and_then(|d| d.checked_sub(1))
            .filter(|&s| is_org_line(&blocks[s]) && intro.is_none_or(|i| s > i))
            .map(|mut s| {
                // A joint reply signs with several organisations: the first one leads.
                while s > 0 && is_org_line(&blocks[s - 1]) {
                    s -= 1;
                }
                s
            });
        let body_end = signature.or(date_line).unwrap_or(blocks.len());
        let body_start = match (intro, salutation) {
            (Some(i), _) => i + 1,
            (None, Some(s)) => s + 1,
            (None, None) => 0,
        };
        let intro_rest = intro.and_then(|i| {
            let b = &blocks[i];
            let at = b.find("如下：").map(|p| p + "如下：".len())?;
            let rest = b[at..].trim();
            (!rest.is_empty()).then(|| rest.to_owned())
        });
        Layout {
            salutation,
            body_start,
            body_end,
            date_line,
            signature,
            intro_rest,
        }
    }
}

/// The first 《…》 that names a proposal.
fn find_title(blocks: &[String]) -> Option<String> {
    blocks.iter().find_map(|b| {
        b.split('《').skip(1).find_map(|part| {
            let inner = &part[..part.find('》')?];
            let proposal = inner.starts_with("关于")
                && ["建议", "提案", "议案"].iter().any(|w| inner.ends_with(w));
            proposal.then(|| inner.to_owned())
        })
    })
}

/// "省政协第十三届三次会议", "省十四届人大一次会议": walk back from 会议 to a boundary.
fn find_session(blocks: &[String]) -> Option<String> {
    blocks.iter().take(12).find_map(|b| {
        b.match_indices("会议").find_map(|(at, _)| {
            let before = &b[..at];
            let start = before
                .char_indices()
                .rev()
                .find(|(_, c)| !is_cjk(*c) || "在于的是与和及".contains(*c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let session = &b[start..at + "会议".len()];
            let n = session.chars().count();
            (session.contains('届') && (6..=40).contains(&n)).then(|| session.to_owned())
        })
    })
}

/// "第20230697号" → "20230697".
fn find_number(blocks: &[String]) -> Option<String> {
    blocks.iter().take(12).find_map(|b| {
        b.match_indices('第').find_map(|(at, _)| {
            let rest = &b[at + '第'.len_utf8()..];
            let n = run_len(rest, |c| c.is_ascii_alphanumeric() || c == '-', 20);
            let num = &rest[..n];
            (num.chars().any(|c| c.is_ascii_digit()) && rest[n..].starts_with('号'))
                .then(|| num.to_owned())
        })
    })
}

/// "日期：2023-08-02" in a web page's header, when the letter has no date line.
fn header_date(blocks: &[String]) -> Option<(i32, u32, u32)> {
    blocks.iter().take(8).find_map(|b| {
        ["日期：", "发布时间：", "发布日期：", "时间："]
            .iter()
            .find_map(|label| {
                let at = b.find(label)? + label.len();
                let rest = &b[at..];
                parse_iso_date(rest).or_else(|| parse_cn_date(rest).map(|(d, _)| d))
            })
    })
}

/// The replying unit from the letter head: "吉林省科学技术厅关于…的答复" or a lone name.
fn header_org(blocks: &[String], layout: &Layout) -> Option<String> {
    let end = layout
        .salutation
        .or(layout.body_start.checked_sub(1))
        .unwrap_or(0);
    blocks[..end.min(blocks.len())].iter().find_map(|b| {
        if is_org_line(b) {
            return Some(b.clone());
        }
        let at = b.find("关于")?;
        let name = &b[..at];
        body_like(name).then(|| name.to_owned())
    })
}

fn read_letter(blocks: &[String], layout: &Layout, warnings: &mut Vec<String>) -> LetterDraft {
    let proposer = layout.salutation.map(|i| {
        let name = blocks[i].trim_end_matches('：');
        name.strip_prefix("尊敬的").unwrap_or(name).to_owned()
    });
    let replied_by = layout
        .signature
        .map(|i| {
            blocks[i]
                .trim_end_matches(['（', '）', '盖', '章'])
                .to_owned()
        })
        .or_else(|| header_org(blocks, layout));
    if replied_by.is_none() {
        warnings.push(
            "no signature naming the replying unit was found; promises without a subject need an owner"
                .to_owned(),
        );
    }
    let replied_on = layout
        .date_line
        .and_then(|i| parse_date_line(&blocks[i]))
        .or_else(|| header_date(blocks));
    if replied_on.is_none() {
        warnings
            .push("no reply date was found; relative deadlines (年内) are not dated".to_owned());
    }
    LetterDraft {
        title: find_title(blocks),
        proposer,
        session: find_session(blocks),
        number: find_number(blocks),
        replied_by,
        replied_on,
    }
}

// ───────────────────────────── tense ─────────────────────────────

/// Words that put an action in the future (or make it a standing duty).
const FUTURE_WORDS: [&str; 15] = [
    "将",
    "要",
    "继续",
    "持续",
    "进一步",
    "加快",
    "着力",
    "力争",
    "争取",
    "拟",
    "计划",
    "下一步",
    "今后",
    "逐步",
    "确保",
];

/// What may follow 将 when it means "will" rather than marking an object ("将咸宁市作为…").
const AFTER_JIANG: [&str; 72] = [
    "继续",
    "持续",
    "进一步",
    "加快",
    "加大",
    "加强",
    "积极",
    "认真",
    "切实",
    "全力",
    "大力",
    "着力",
    "重点",
    "不断",
    "逐步",
    "适时",
    "及时",
    "尽快",
    "抓紧",
    "深入",
    "统筹",
    "会同",
    "联合",
    "协调",
    "配合",
    "指导",
    "督促",
    "推动",
    "推进",
    "组织",
    "开展",
    "研究",
    "回顾",
    "总结",
    "做好",
    "抓好",
    "落实",
    "完善",
    "建立",
    "健全",
    "制定",
    "出台",
    "修订",
    "启动",
    "实施",
    "争取",
    "支持",
    "鼓励",
    "引导",
    "探索",
    "优化",
    "提升",
    "强化",
    "深化",
    "扩大",
    "围绕",
    "按照",
    "结合",
    "根据",
    "以",
    "在",
    "把",
    "对",
    "进行",
    "予以",
    "主动",
    "努力",
    "力争",
    "密切",
    "充分",
    "坚持",
    "严格",
];

fn has_future(s: &str) -> bool {
    FUTURE_WORDS.iter().any(|w| s.contains(w))
}

/// 了 as a completed-action marker, not inside 了解/为了/除了.
fn has_perfective_le(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        c == '了'
            && i > 0
            && !"为除罢不得".contains(chars[i - 1])
            && chars.get(i + 1).is_none_or(|n| *n != '解')
    })
}

/// Statements of what has been or is being done: "已完成", "正抓紧实施", "启动了", "2022年".
fn has_past(s: &str, reply_year: Option<i32>) -> bool {
    let progress = [
        "已",
        "正在",
        "正抓紧",
        "正积极",
        "目前正",
        "截至",
        "先后",
        "业已",
        "累计",
    ];
    let done =
        progress.iter().any(|w| s.contains(w)) && !s.contains("已有基础") && !s.contains("而已");
    done || has_perfective_le(s) || mentions_past_year(s, reply_year)
}

fn mentions_past_year(s: &str, reply_year: Option<i32>) -> bool {
    let Some(reply) = reply_year else {
        return false;
    };
    s.match_indices('年').any(|(at, _)| {
        let before = &s[..at];
        let digits = before
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count();
        digits == 4
            && before[before.len() - 4..]
                .parse::<i32>()
                .is_ok_and(|y| y < reply)
            && !s[at..].starts_with("年以来")
    })
}

const CLOSINGS: [&str; 16] = [
    "感谢",
    "衷心感谢",
    "再次感谢",
    "非常感谢",
    "欢迎",
    "此复",
    "特此",
    "以上答复",
    "如有",
    "如对",
    "联系人",
    "联系电话",
    "恳请",
    "希望您",
    "敬请",
    "请继续",
];

fn is_closing(s: &str) -> bool {
    starts_with_any(s, &CLOSINGS).is_some()
}

/// "下一步，", "今后一个时期，", "下一步工作中，" at the start; returns its byte length.
fn next_steps_marker(s: &str) -> Option<usize> {
    let m = starts_with_any(s, &MARKERS)?;
    let rest = &s[m.len()..];
    let comma = rest
        .char_indices()
        .take(10)
        .find(|(_, c)| *c == '，')
        .map(|(i, _)| i + '，'.len_utf8());
    // Only eat up to the comma when what lies between is a time phrase, not the promise.
    let phrase_ok = |end: usize| !rest[..end].contains(['将', '要']);
    Some(m.len() + comma.filter(|&e| phrase_ok(e)).unwrap_or(0))
}

/// "在加强国际合作与交流方面，" at the start; returns its byte length.
fn aspect_prefix(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('在')?;
    let at = rest.find("方面，")?;
    (rest[..at].chars().count() <= 30 && !rest[..at].contains('。'))
        .then(|| '在'.len_utf8() + at + "方面，".len())
}

// ───────────────────────────── due dates ─────────────────────────────

/// The deadline a promise states, if any: "2025年底前", "年内", "2026年6月底前", "9月底前".
fn find_due(text: &str, reply_year: Option<i32>) -> Option<(i32, u32, u32)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(at, _)) in chars.iter().enumerate() {
        let rest = &text[at..];
        let prev_digit = k > 0 && chars[k - 1].1.is_ascii_digit();
        if prev_digit {
            continue;
        }
        if let Some(due) = due_at(rest, reply_year, k > 0 && is_cn_count(chars[k - 1].1)) {
            return Some(due);
        }
    }
    None
}

fn is_cn_count(c: char) -> bool {
    "一二三四五六七八九十两几多".contains(c)
}

fn due_at(rest: &str, reply_year: Option<i32>, after_count: bool) -> Option<(i32, u32, u32)> {
    let year_digits = run_len(rest, |c| c.is_ascii_digit(), 4);
    if year_digits == 4 {
        let year: i32 = rest[..4].parse().ok()?;
        let after = rest[4..].strip_prefix('年')?;
        return due_in_year(after, year);
    }
    // "年内", "今年内", "今年底", "年底前" — but not "五年内" (a span, not this year).
    let this_year = ["今年", "本年度", "年内", "年底", "年末"]
        .iter()
        .any(|w| rest.starts_with(w));
    if this_year && !after_count {
        let after = rest.strip_prefix("今年").unwrap_or(rest);
        let after = after.strip_prefix("本年度").unwrap_or(after);
        if ["内", "底", "末", "年内", "年底", "年末"]
            .iter()
            .any(|w| after.starts_with(w))
        {
            return reply_year.and_then(|y| valid_date(y, 12, 31));
        }
        return None;
    }
    let month_digits = run_len(rest, |c| c.is_ascii_digit(), 2);
    if month_digits > 0 && rest[month_digits..].starts_with("月底") {
        let m: u32 = rest[..month_digits].parse().ok()?;
        let y = reply_year?;
        return valid_date(y, m, days_in_month(y, m));
    }
    None
}

/// After "2025年": "底前", "年底", "内", "6月底前", "6月30日前", "上半年".
fn due_in_year(after: &str, year: i32) -> Option<(i32, u32, u32)> {
    if ["底", "末", "内", "前", "年底"]
        .iter()
        .any(|w| after.starts_with(w))
    {
        return valid_date(year, 12, 31);
    }
    if after.starts_with("上半年") {
        return valid_date(year, 6, 30);
    }
    if after.starts_with("下半年") {
        return valid_date(year, 12, 31);
    }
    let m_len = run_len(after, |c| c.is_ascii_digit(), 2);
    let month: u32 = after.get(..m_len)?.parse().ok()?;
    let rest = after[m_len..].strip_prefix('月')?;
    if rest.starts_with("底") || rest.starts_with("末") || rest.starts_with("前") {
        return valid_date(year, month, days_in_month(year, month));
    }
    let d_len = run_len(rest, |c| c.is_ascii_digit(), 2);
    let day: u32 = rest.get(..d_len)?.parse().ok()?;
    let tail = rest[d_len..].strip_prefix('日')?;
    (tail.starts_with('前') || tail.starts_with("之前")).then_some(())?;
    valid_date(year, month, day)
}

// ───────────────────────────── finding promises ─────────────────────────────

/// Splits a paragraph into sentences (at 。！？；：) and before inline enumerations that
/// follow a comma ("…，二是…").
fn segments(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut cuts = vec![0];
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        if TERMINAL.contains(c) {
            let mut end = i + c.len_utf8();
            while k + 1 < chars.len() && "”’）".contains(chars[k + 1].1) {
                k += 1;
                end = chars[k].0 + chars[k].1.len_utf8();
            }
            cuts.push(end);
        } else if c == '，' {
            let after = &text[i + c.len_utf8()..];
            let inline_enum = after.starts_with(|c: char| CN_DIGITS.contains(c) || c == '第')
                && ordinal(after).is_some_and(|o| o.level == 6);
            if inline_enum {
                cuts.push(i + c.len_utf8());
            }
        }
        k += 1;
    }
    cuts.push(text.len());
    cuts.windows(2)
        .map(|w| text[w[0]..w[1]].trim())
        .filter(|s| !s.is_empty())
        .collect()
}

struct Frame {
    level: u8,
    kind: HeadKind,
    text: String,
}

/// A promise being assembled from one or more sentences.
struct Item {
    topic: Option<String>,
    owner: String,
    owner_resolved: bool,
    co_owners: Vec<String>,
    text: String,
    source: String,
    low_confidence: Vec<String>,
}

impl Item {
    fn finish(self, reply_year: Option<i32>, warnings: &mut Vec<String>) -> CommitmentDraft {
        let mut text = self.text.trim().to_owned();
        if text.ends_with(['；', '，', '、']) {
            text.pop();
            text.push('。');
        }
        let mut low = self.low_confidence;
        if text.chars().count() > 300 {
            low.push("long item; it may hold several promises".to_owned());
        }
        let relative = ["年内", "年底", "月底"].iter().any(|w| text.contains(w));
        let due = find_due(&text, reply_year);
        if due.is_none() && relative && reply_year.is_none() {
            warnings.push(format!(
                "a deadline relative to the reply year was not dated: {}",
                clip(&text, 30)
            ));
        }
        CommitmentDraft {
            topic: self.topic,
            owner: self.owner,
            owner_resolved: self.owner_resolved,
            co_owners: self.co_owners,
            text,
            due,
            source: self.source,
            low_confidence: (!low.is_empty()).then(|| low.join("; ")),
        }
    }
}

fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Whom a promise belongs to, after resolution.
struct Owner {
    name: String,
    resolved: bool,
    co: Vec<String>,
    low: Option<String>,
}

struct Walker<'o, 'a> {
    options: &'o Options<'a>,
    /// The replying unit as written in the letter.
    replying: Option<String>,
    reply_year: Option<i32>,
    stack: Vec<Frame>,
    /// An inline "下一步，…" region ends at a heading of this level or higher (-1: never).
    inline_until: Option<i16>,
    region_seen: bool,
    /// The subject of an intro such as "下一步，省卫健委将重点做好以下工作：".
    default_owner: Option<Subject>,
    /// The item that a sentence without its own ordinal or subject continues.
    current: Option<usize>,
    items: Vec<Item>,
}

impl<'o, 'a> Walker<'o, 'a> {
    fn new(letter: &LetterDraft, options: &'o Options<'a>) -> Self {
        Walker {
            options,
            replying: letter.replied_by.clone(),
            reply_year: letter.replied_on.map(|d| d.0),
            stack: Vec::new(),
            inline_until: None,
            region_seen: false,
            default_owner: None,
            current: None,
            items: Vec::new(),
        }
    }

    fn in_region(&self) -> bool {
        self.inline_until.is_some() || self.stack.iter().any(|f| f.kind == HeadKind::NextSteps)
    }

    fn in_progress(&self) -> bool {
        self.stack.iter().any(|f| f.kind == HeadKind::Progress)
    }

    fn topic(&self) -> Option<String> {
        self.stack
            .iter()
            .rev()
            .find(|f| f.kind == HeadKind::Topic)
            .map(|f| topic_of(&f.text))
    }

    fn block(&mut self, block: &str) {
        self.current = None;
        match as_heading(block) {
            Some(h) => {
                self.heading(h.level, h.kind, h.text);
                if let Some(rest) = h.rest {
                    self.content(&rest);
                }
            }
            None => self.content(block),
        }
    }

    fn heading(&mut self, level: u8, kind: HeadKind, text: String) {
        self.stack.retain(|f| f.level < level);
        if self.inline_until.is_some_and(|lim| i16::from(level) <= lim) {
            self.inline_until = None;
        }
        if kind == HeadKind::NextSteps {
            self.region_seen = true;
        }
        self.stack.push(Frame { level, kind, text });
        self.default_owner = None;
        self.current = None;
    }

    fn content(&mut self, text: &str) {
        for seg in segments(text) {
            self.segment(seg);
        }
    }

    fn segment(&mut self, seg: &str) {
        let ord = ordinal(seg);
        let body = &seg[ord.map_or(0, |o| o.len)..];
        if is_closing(body) {
            return;
        }
        let lead = skip_connectors(body);
        let probe = &body[lead..];
        let stripped = next_steps_marker(probe).map(|len| lead + len);
        let after_subject_marker =
            parse_subject(probe).is_some_and(|s| next_steps_marker(&probe[s.end..]).is_some());
        if (stripped.is_some() || after_subject_marker) && !self.in_region() {
            self.region_seen = true;
            let deepest = self.stack.last().map_or(-1, |f| i16::from(f.level));
            self.inline_until = Some(deepest);
            self.current = None;
        }
        if self.in_region() {
            let text = &body[stripped.unwrap_or(0)..];
            self.region_segment(seg, ord.is_some(), text);
        } else if !self.in_progress() {
            self.outside_segment(seg);
        }
    }

    fn region_segment(&mut self, seg: &str, numbered: bool, text: &str) {
        let text = text.trim();
        if text.is_empty() || text.chars().all(|c| is_cjk_punct(c) || c.is_whitespace()) {
            return;
        }
        if is_intro(text) {
            self.default_owner = parse_subject(text);
            self.current = None;
            return;
        }
        if has_past(text, self.reply_year) && !has_future(text) {
            return;
        }
        let aspect = aspect_prefix(text);
        let after_aspect = &text[aspect.unwrap_or(0)..];
        let subject = parse_subject(after_aspect).or_else(|| later_subject(after_aspect));
        let owner = self.owner_of(subject.as_ref());
        let explicit = subject.as_ref().is_some_and(|s| !s.bodies.is_empty());
        let continues = self.current.and_then(|i| self.items.get(i)).filter(|item| {
            !numbered && aspect.is_none() && !(explicit && item.owner != owner.name)
        });
        if continues.is_some() {
            if let Some(item) = self.current.and_then(|i| self.items.get_mut(i)) {
                item.text.push_str(text);
                item.source.push_str(seg);
            }
            return;
        }
        self.push(owner, text, seg, None);
    }

    fn outside_segment(&mut self, seg: &str) {
        let Some(start) = future_clause(seg, self.reply_year) else {
            return;
        };
        let span = seg[start..].trim_start_matches(['，', '；']);
        let subject = parse_subject(span).or_else(|| parse_subject(seg));
        let ours = match subject.as_ref().and_then(|s| s.bodies.first()) {
            None => true,
            Some(body) => {
                self.replying
                    .as_deref()
                    .is_some_and(|r| same_body(body, r, self.options))
                    || resolve(body, self.options).1
            }
        };
        if !ours {
            return;
        }
        let owner = self.owner_of(subject.as_ref());
        let why = "found outside the next-steps section; confirm it is a promise".to_owned();
        self.push(owner, span, seg, Some(why));
        self.current = None;
    }

    fn push(&mut self, owner: Owner, text: &str, seg: &str, why: Option<String>) {
        let low_confidence = owner.low.into_iter().chain(why).collect();
        self.items.push(Item {
            topic: self.topic(),
            owner: owner.name,
            owner_resolved: owner.resolved,
            co_owners: owner.co,
            text: text.to_owned(),
            source: seg.to_owned(),
            low_confidence,
        });
        self.current = Some(self.items.len() - 1);
    }

    /// The owner named by a sentence's subject, else the intro's, else the replying unit.
    fn owner_of(&self, subject: Option<&Subject>) -> Owner {
        let named = |s: &&Subject| !s.bodies.is_empty();
        let chosen = subject.filter(named).or_else(|| {
            subject
                .is_none_or(|s| s.self_ref.is_none())
                .then_some(self.default_owner.as_ref())
                .flatten()
                .filter(named)
        });
        let co_written: Vec<&String> = subject.map(|s| s.co.iter().collect()).unwrap_or_default();
        let (name, resolved, low, rest) = match chosen {
            Some(s) => {
                let (n, r) = resolve(&s.bodies[0], self.options);
                (n, r, None, s.bodies[1..].iter().chain(co_written).collect())
            }
            None => {
                let (n, r, low) = self.replying_owner(subject);
                (n, r, low, co_written)
            }
        };
        let mut co: Vec<String> = Vec::new();
        for c in rest {
            let (c, _) = resolve(c, self.options);
            if c != name && !co.contains(&c) {
                co.push(c);
            }
        }
        Owner {
            name,
            resolved,
            co,
            low,
        }
    }

    fn replying_owner(&self, subject: Option<&Subject>) -> (String, bool, Option<String>) {
        match &self.replying {
            Some(r) => {
                let (n, resolved) = resolve(r, self.options);
                (n, resolved, None)
            }
            None => {
                let word = subject
                    .and_then(|s| s.self_ref.clone())
                    .unwrap_or_else(|| "答复单位".to_owned());
                let why = "the letter does not name the replying unit; set the owner".to_owned();
                (word, false, Some(why))
            }
        }
    }
}

/// "…，省科技厅将…": a subject that starts a later clause and is followed by a future word.
fn later_subject(s: &str) -> Option<Subject> {
    s.split('，').skip(1).take(3).find_map(|clause| {
        let subject = parse_subject(clause)?;
        let rest = &clause[subject.end..];
        starts_with_any(
            rest,
            &["将", "要", "继续", "持续", "进一步", "加快", "着力"],
        )?;
        Some(subject)
    })
}

/// "下一步，我厅将重点做好以下工作：": announces items, is not one.
fn is_intro(text: &str) -> bool {
    text.ends_with('：') || (text.contains("以下") && text.chars().count() <= 40)
}

/// The start of the clause holding a future-tense 将 with no past marker, if any.
fn future_clause(seg: &str, reply_year: Option<i32>) -> Option<usize> {
    seg.match_indices('将').find_map(|(p, w)| {
        starts_with_any(&seg[p + w.len()..], &AFTER_JIANG)?;
        let start = seg[..p]
            .char_indices()
            .rev()
            .find(|(_, c)| "，；：".contains(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        (!has_past(&seg[start..], reply_year)).then_some(start)
    })
}

// ───────────────────────────── output ─────────────────────────────

/// A TOML basic string, quotes included.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON string, quotes included.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// Comments must stay on one line and hold no control characters.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn date_string(d: (i32, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// A date only when it is a real calendar date TOML accepts.
fn checked_date(d: Option<(i32, u32, u32)>) -> Option<String> {
    d.and_then(|(y, m, dd)| valid_date(y, m, dd))
        .map(date_string)
}

impl Draft {
    /// The commitments file, ready for review.
    pub fn to_toml(&self, options: &Options) -> String {
        let mut out = String::from(
            "# Drafted by `followup import` from a reply letter; review every commitment before use.\n[letter]\n",
        );
        let l = &self.letter;
        let _ = writeln!(out, "id = {}", toml_string(options.prefix));
        let fields = [
            ("title", &l.title),
            ("session", &l.session),
            ("number", &l.number),
            ("proposer", &l.proposer),
            ("replied_by", &l.replied_by),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {}", toml_string(v));
            }
        }
        if let Some(d) = checked_date(l.replied_on) {
            let _ = writeln!(out, "replied_on = {d}");
        }
        for (i, c) in self.commitments.iter().enumerate() {
            out.push('\n');
            let _ = writeln!(out, "# 原文: {}", comment_text(&c.source));
            if options.resolve.is_some() && !c.owner_resolved {
                out.push_str("# check: owner not among configured departments\n");
            }
            if let Some(why) = &c.low_confidence {
                let _ = writeln!(out, "# check: {}", comment_text(why));
            }
            out.push_str("[[commitment]]\n");
            let _ = writeln!(
                out,
                "id = {}",
                toml_string(&format!("{}-{}", options.prefix, i + 1))
            );
            if let Some(t) = &c.topic {
                let _ = writeln!(out, "topic = {}", toml_string(t));
            }
            let _ = writeln!(out, "owner = {}", toml_string(&c.owner));
            let co: Vec<String> = c.co_owners.iter().map(|o| toml_string(o)).collect();
            let _ = writeln!(out, "co_owners = [{}]", co.join(", "));
            let _ = writeln!(out, "text = {}", toml_string(&c.text));
            if let Some(d) = checked_date(c.due) {
                let _ = writeln!(out, "due = {d}");
            }
            out.push_str("status = \"open\"\n");
        }
        out
    }

    /// The draft as JSON, for tools.
    pub fn to_json(&self) -> String {
        let opt = |v: &Option<String>| v.as_deref().map_or("null".to_owned(), json_string);
        let date = |d: Option<(i32, u32, u32)>| {
            checked_date(d).map_or("null".to_owned(), |s| json_string(&s))
        };
        let l = &self.letter;
        let mut out = String::from("{\"letter\":{");
        let _ = write!(
            out,
            "\"title\":{},\"proposer\":{},\"session\":{},\"number\":{},\"replied_by\":{},\"replied_on\":{}",
            opt(&l.title),
            opt(&l.proposer),
            opt(&l.session),
            opt(&l.number),
            opt(&l.replied_by),
            date(l.replied_on)
        );
        out.push_str("},\"commitments\":[");
        for (i, c) in self.commitments.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let co: Vec<String> = c.co_owners.iter().map(|o| json_string(o)).collect();
            let _ = write!(
                out,
                "{{\"topic\":{},\"owner\":{},\"owner_resolved\":{},\"co_owners\":[{}],\"text\":{},\"due\":{},\"source\":{},\"low_confidence\":{}}}",
                opt(&c.topic),
                json_string(&c.owner),
                c.owner_resolved,
                co.join(","),
                json_string(&c.text),
                date(c.due),
                json_string(&c.source),
                opt(&c.low_confidence)
            );
        }
        out.push_str("],\"warnings\":[");
        let warnings: Vec<String> = self.warnings.iter().map(|w| json_string(w)).collect();
        out.push_str(&warnings.join(","));
        out.push_str("]}");
        out
    }

    /// For stderr: "6 commitments: 省科技厅 ×4, 省财政厅, 省人社厅", then one line per
    /// commitment to check.
    pub fn summary(&self) -> String {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for c in &self.commitments {
            match counts.iter_mut().find(|(o, _)| *o == c.owner) {
                Some((_, n)) => *n += 1,
                None => counts.push((&c.owner, 1)),
            }
        }
        let n = self.commitments.len();
        let owners: Vec<String> = counts
            .iter()
            .map(|(o, k)| {
                if *k > 1 {
                    format!("{o} ×{k}")
                } else {
                    (*o).to_owned()
                }
            })
            .collect();
        let mut out = format!("{n} commitment{}", if n == 1 { "" } else { "s" });
        if !owners.is_empty() {
            let _ = write!(out, ": {}", owners.join(", "));
        }
        for (i, c) in self.commitments.iter().enumerate() {
            if let Some(why) = &c.low_confidence {
                let _ = write!(out, "\n  check #{} ({}): {}", i + 1, c.owner, why);
            }
        }
        for w in &self.warnings {
            let _ = write!(out, "\n  warning: {w}");
        }
        out
    }
}

// ───────────────────────────── tables ─────────────────────────────

/// Traditional→simplified pairs (traditional first) for characters common in government letters.
const TRAD_SIMP: &str = "\
關关於于議议將将發发衛卫廳厅會会屆届號号復复複复劉刘興兴對对產产業业寧宁爭争國国區区醫医療疗戶户\
預预資资項项實实溝沟匯汇報报補补華华濟济學学屬属選选組组織织專专調调現现場场導导創创給给門门藥药\
單单傳传統统體体係系簽签據据務务與与歡欢這这個个們们為为來来時时間间動动勢势後后經经開开續续進进\
過过還还邊边運运達达遠远適适連连遞递遲迟總总計计劃划畫画書书寫写記记設设許许評评認认訂订討讨論论\
謀谋證证識识譽誉護护讓让變变談谈請请諮咨詢询説说說说語语誤误課课諾诺謝谢讀读讚赞貫贯負负責责財财\
貨货販贩貧贫購购費费貿贸賬账質质贊赞賣卖買买貸贷賦赋賽赛趨趋車车軍军輔辅輪轮較较載载轉转輸输辦办\
農农釋释鐵铁銀银鋼钢錄录鎮镇鄉乡長长閉闭問问閒闲閱阅闡阐陸陆陳陈陽阳際际隊队階阶隨随險险隱隐難难\
雙双雜杂雞鸡電电靈灵須须頁页順顺領领頻频題题額额顏颜風风飛飞飲饮館馆養养饋馈馬马驗验驅驱鬥斗魚鱼\
鳥鸟麥麦黃黄齊齐齡龄龍龙園园圓圆圍围圖图團团壓压壇坛墾垦壞坏壯壮聲声處处備备夢梦奮奋婦妇媽妈孫孙\
審审寬宽尋寻層层歲岁島岛峽峡崗岗幣币師师帶带幫帮廣广廠厂廢废應应張张強强彈弹彙汇徵征從从徹彻愛爱\
態态慣惯慶庆憂忧憑凭懷怀戰战戲戏擁拥擇择擔担擴扩擺摆攜携擊击撥拨換换揮挥損损搶抢採采掃扫掛挂擬拟\
攝摄敗败敘叙數数斷断東东條条極极構构標标樣样樹树橋桥機机檢检權权歐欧歸归殘残殺杀氣气決决沒没況况\
溫温測测準准滿满漁渔滬沪潔洁濱滨灣湾災灾烏乌無无煙烟熱热燈灯營营爾尔牆墙狀状獨独獲获獎奖環环畢毕\
當当疊叠盡尽監监盤盘礎础確确礦矿種种稅税穩稳穀谷窮穷競竞筆笔節节範范築筑簡简糧粮紀纪約约紅红純纯\
紙纸級级紛纷細细終终結结絡络絕绝綠绿維维綜综網网緊紧線线編编練练縣县縮缩績绩繼继罰罚聯联聰聪聽听\
職职脫脱腦脑臺台舉举舊旧艱艰藝艺蘇苏蘭兰虧亏衆众裝装製制規规視视覺觉覽览觀观親亲訊讯訓训訪访試试\
詳详該该誌志誠诚講讲豐丰貝贝貢贡賓宾賠赔賞赏賢贤贏赢趕赶躍跃軌轨軟软輕轻輛辆輯辑遊游違违遺遗鄭郑\
鄰邻鍵键鎖锁鏈链閃闪閣阁陣阵陰阴雖虽雲云靜静響响頂顶頒颁頭头顧顾類类顯显飯饭飾饰馳驰髮发鬧闹點点\
黨党龐庞壽寿歷历曆历沖冲濕湿緣缘綫线勵励勞劳勝胜協协參参員员啟启喪丧嚴严執执夥伙夠够奪夺奧奥奬奖\
寶宝岡冈嶺岭幹干彌弥徑径價价億亿僅仅優优儲储兒儿內内兩两冊册凈净凍冻則则剛刚劇剧劑剂勁劲勸劝勻匀\
卻却厲厉叢丛吳吴呂吕啓启嘗尝堅坚塊块塗涂墊垫壩坝壟垄壺壶夾夹妝妆婁娄孿孪寢寝尷尴屢屡嶄崭巖岩帥帅\
幾几庫库廁厕廂厢廈厦廚厨廟庙彎弯彥彦徠徕憲宪懇恳懲惩懸悬戀恋掙挣揚扬擾扰攤摊敵敌斂敛斬斩暢畅暫暂\
棄弃棟栋楊杨槍枪樂乐樓楼樞枢橫横檔档櫃柜殲歼毆殴漢汉湯汤滅灭滯滞漲涨潛潜澤泽濃浓濤涛濫滥瀏浏灘滩\
爐炉爺爷牽牵犧牺狹狭猶犹獻献瑣琐璽玺畝亩異异疇畴癥症皺皱盞盏盧卢眾众睜睁矯矫碼码磚砖礙碍禍祸禮礼\
禪禅離离稱称窩窝竅窍竊窃筍笋箏筝籃篮籌筹籠笼糾纠紡纺紮扎絲丝綁绑綱纲緒绪緩缓締缔縱纵繞绕繡绣纖纤\
罷罢羅罗義义習习聖圣聞闻肅肃脅胁脈脉腳脚膽胆臉脸臨临艙舱艦舰莊庄萬万葉叶蔣蒋蓋盖蘆芦虛虚蝦虾蠶蚕\
術术衝冲裏里裡里褲裤襲袭覈核見见觸触譯译貓猫賀贺貴贵賺赚贈赠趙赵跡迹蹤踪輝辉轄辖辭辞辯辩遷迁邁迈\
郵邮鄧邓醜丑醬酱釀酿針针鈔钞鋪铺錢钱錯错鍋锅鍛锻鏡镜鐘钟鑒鉴鑑鉴閘闸闊阔闖闯隸隶霧雾靂雳韓韩頓顿\
頗颇頰颊頸颈顆颗願愿顛颠颱台飄飘飢饥飽饱餘余饑饥馮冯駐驻騰腾驚惊驟骤骯肮髒脏鬆松魯鲁鮮鲜鳳凤鴻鸿\
鶴鹤鹽盐麗丽黴霉齒齿龜龟亞亚侖仑倉仓倫伦偉伟側侧偵侦傑杰傘伞傷伤僑侨儀仪儘尽償偿兌兑佈布併并俠侠\
倆俩債债傾倾僱雇儉俭兇凶凱凯別别剎刹劍剑勳勋匱匮卹恤厭厌嗎吗嘆叹噴喷嚇吓囑嘱堊垩塵尘墜坠墳坟壘垒\
奐奂姦奸婭娅孃娘寵宠屍尸峯峰崑昆嵐岚巔巅巒峦幟帜廬庐恆恒悅悦惡恶惱恼惻恻愜惬慘惨慚惭慮虑憐怜憶忆\
懶懒懼惧擄掳掄抡揀拣搖摇搗捣摟搂摯挚撈捞撐撑撓挠撲扑撻挞擋挡擠挤擱搁擲掷攏拢攔拦攙搀攬揽攪搅斃毙\
昇升晉晋晝昼暈晕曉晓曠旷朧胧桿杆棲栖棧栈楓枫榮荣槓杠槳桨樁桩樸朴檯台檸柠櫥橱欄栏欽钦歎叹殼壳毀毁\
氈毡氫氢氾泛洩泄淚泪淨净淪沦淵渊淺浅渙涣減减渦涡湊凑湧涌溼湿滄沧滲渗滷卤滾滚漚沤漣涟漬渍漿浆潑泼\
潤润潰溃澀涩澆浇澇涝濁浊濾滤瀉泻瀝沥瀟潇瀾澜灑洒爛烂爲为牘牍犢犊獄狱獅狮獵猎獸兽瓊琼甌瓯甦苏痠酸\
瘋疯瘡疮癆痨癒愈癡痴癢痒癬癣癮瘾皚皑盜盗睏困瞞瞒矚瞩禦御禱祷禿秃稈秆積积穎颖窪洼竄窜篤笃篩筛簍篓\
簾帘籤签籬篱粵粤糞粪糰团紋纹納纳紐纽紓纾紗纱紳绅絆绊絃弦絹绢綏绥綬绶綸纶綺绮綻绽綽绰緋绯緝缉緞缎\
緬缅緯纬縛缚縝缜縫缝縷缕繃绷繆缪繪绘繫系繭茧繳缴繹绎纏缠纜缆罈坛罵骂羈羁翹翘聳耸聶聂脹胀腎肾腸肠\
膚肤膠胶膩腻臟脏艷艳莖茎莢荚萊莱萵莴葦苇葷荤蒐搜蒞莅蒼苍蓮莲蔔卜蔥葱蕭萧薈荟薊蓟薑姜薦荐薩萨藍蓝\
蘊蕴蘋苹蘚藓虜虏蟲虫蠅蝇蠟蜡衊蔑袞衮裊袅襖袄襪袜覓觅覲觐訃讣訌讧訐讦託托訕讪訖讫訝讶訟讼訣诀訥讷\
訴诉註注証证詐诈詔诏詛诅詞词詠咏詣诣詩诗詫诧詬诟詭诡詮诠話话誅诛誇夸誕诞誘诱誣诬誦诵誨诲誰谁誼谊\
諂谄諒谅諄谆諉诿諍诤諗谂諛谀諜谍諦谛諧谐諫谏諭谕諱讳諷讽諸诸諺谚謁谒謂谓謄誊謊谎謎谜謗谤謙谦謠谣\
謫谪謬谬謹谨譁哗譎谲譏讥譙谯譚谭譜谱譴谴讒谗豈岂豎竖豬猪貞贞貪贪貶贬貼贴貽贻賃赁賄贿賈贾賊贼賑赈\
賒赊賜赐賤贱賭赌賴赖賻赙贅赘贍赡贓赃贖赎贛赣踐践蹌跄躊踌躋跻躪躏軀躯軋轧軒轩軔轫軸轴軼轶輒辄輓挽\
輜辎輟辍輦辇輩辈輻辐輾辗輿舆轂毂轅辕轆辘轍辙轎轿轟轰辮辫迴回週周遙遥遜逊遼辽邏逻鄒邹醞酝釐厘鈍钝\
鈞钧鈣钙鈴铃鉀钾鉛铅鉤钩鉸铰銅铜銘铭銜衔銳锐銷销鋁铝鋒锋鋤锄錐锥錘锤錦锦錫锡鍊炼鍍镀鎊镑鎔镕鏟铲\
鏽锈鐮镰鐲镯鑄铸鑰钥鑲镶鑼锣鑽钻鑿凿閂闩閏闰閑闲閡阂閥阀閨闺閩闽闆板闈闱闌阑闔阖闕阙闢辟陝陕隕陨\
隴陇雋隽雛雏霽霁靚靓靦腼鞏巩韃鞑韌韧韻韵頃顷頌颂頑顽頜颌頡颉頤颐頹颓顎颚顫颤顱颅颯飒颳刮颶飓颺飏\
颼飕飆飙飩饨飪饪飴饴飼饲餃饺餅饼餉饷餌饵餒馁餓饿餚肴餵喂饅馒饌馔饒饶饗飨馭驭馱驮馴驯駁驳駒驹駕驾\
駛驶駝驼駟驷駭骇駱骆駿骏騎骑騙骗騫骞騷骚驀蓦驕骄驛驿驢驴驥骥髏髅鬱郁魎魉魘魇鮑鲍鯉鲤鯨鲸鰭鳍鱷鳄\
鳴鸣鴉鸦鴨鸭鴿鸽鵝鹅鵬鹏鶯莺鷗鸥鷹鹰鸚鹦鹵卤鹹咸鹼碱麩麸麼么黷黩齋斋齣出龔龚龕龛貳贰産产滙汇纍累\
閲阅紹绍";

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    const SEED: &str = include_str!("../tests/letters/000_0793bff3c028bd39.txt");
    const HUBEI: &str = include_str!("../tests/letters/01-hubei-wjw-xianning-health.txt");
    const NEIMENGGU: &str =
        include_str!("../tests/letters/03-neimenggu-wjw-mongolian-medicine.txt");

    fn jilin(name: &str) -> Option<String> {
        match name {
            "吉林省科学技术厅" | "科技厅" | "省科技厅" => {
                Some("省科技厅".to_owned())
            }
            "省财政厅" => Some("省财政厅".to_owned()),
            "省人社厅" => Some("省人社厅".to_owned()),
            _ => None,
        }
    }

    fn plain() -> Options<'static> {
        Options {
            prefix: "t",
            resolve: None,
        }
    }

    fn draft(text: &str) -> Draft {
        match import(text, &plain()) {
            Ok(d) => d,
            Err(e) => panic!("import failed: {e}"),
        }
    }

    fn owners(d: &Draft) -> Vec<&str> {
        d.commitments.iter().map(|c| c.owner.as_str()).collect()
    }

    fn assert_valid_toml(toml_text: &str) {
        if let Err(e) = toml_text.parse::<toml::Table>() {
            panic!("invalid TOML: {e}\n{toml_text}");
        }
    }

    fn no_space_between_cjk(s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        chars
            .windows(3)
            .all(|w| !(w[1] == ' ' && is_wide(w[0]) && is_wide(w[2])))
    }

    // ── the real letters ──

    #[test]
    fn seed_letter_yields_six_commitments() {
        let resolver = jilin;
        let options = Options {
            prefix: "jl-2025-ai",
            resolve: Some(&resolver),
        };
        let d = import(SEED, &options).expect("seed imports");
        assert_eq!(
            owners(&d),
            [
                "省科技厅",
                "省科技厅",
                "省财政厅",
                "省科技厅",
                "省科技厅",
                "省人社厅"
            ]
        );
        assert!(d.commitments.iter().all(|c| c.owner_resolved));
        assert!(
            d.commitments[0]
                .text
                .contains("持续组织实施人工智能领域科技攻关")
        );
        assert!(d.commitments.iter().all(|c| no_space_between_cjk(&c.text)));
        assert!(d.commitments.iter().all(|c| c.due.is_none()));
        let l = &d.letter;
        assert_eq!(
            l.title.as_deref(),
            Some("关于推动我省通用人工智能产业发展的建议")
        );
        assert_eq!(l.proposer.as_deref(), Some("民革省委会"));
        assert_eq!(l.session.as_deref(), Some("省政协第十三届三次会议"));
        assert_eq!(l.replied_by.as_deref(), Some("省科技厅"));
        assert_eq!(l.replied_on, Some((2025, 5, 23)));
        let toml_text = d.to_toml(&options);
        assert_valid_toml(&toml_text);
        expect![[r##"
            # Drafted by `followup import` from a reply letter; review every commitment before use.
            [letter]
            id = "jl-2025-ai"
            title = "关于推动我省通用人工智能产业发展的建议"
            session = "省政协第十三届三次会议"
            proposer = "民革省委会"
            replied_by = "省科技厅"
            replied_on = 2025-05-23

            # 原文: 一是持续组织实施人工智能领域科技攻关，推进第二批聚力攻坚专项取得技术突破，将人工智能领域关键技术列入省科技发展计划予以重点支持，布局一批重点研发项目。
            [[commitment]]
            id = "jl-2025-ai-1"
            topic = "强化通用人工智能技术的创新能力，锻造技术长板"
            owner = "省科技厅"
            co_owners = []
            text = "持续组织实施人工智能领域科技攻关，推进第二批聚力攻坚专项取得技术突破，将人工智能领域关键技术列入省科技发展计划予以重点支持，布局一批重点研发项目。"
            status = "open"

            # 原文: 二是优化布局人工智能科技创新平台，鼓励高校院所和企业积极申报省重点实验室和省科技创新中心，梳理研究内容，整合创新资源，与时俱进、因地制宜开展科技攻关。
            [[commitment]]
            id = "jl-2025-ai-2"
            topic = "强化通用人工智能技术的创新能力，锻造技术长板"
            owner = "省科技厅"
            co_owners = []
            text = "优化布局人工智能科技创新平台，鼓励高校院所和企业积极申报省重点实验室和省科技创新中心，梳理研究内容，整合创新资源，与时俱进、因地制宜开展科技攻关。"
            status = "open"

            # 原文: 省财政厅将持续安排出资扩大基金规模，指导基金管理机构提升管理效能，聚焦七大领域开展投资，积极配合行业部门，支持人工智能项目（子基金）的挖掘，进行市场化论证，提供股权投资服务。
            [[commitment]]
            id = "jl-2025-ai-3"
            topic = "充分发挥创新创业基金等政策性基金的引导作用"
            owner = "省财政厅"
            co_owners = []
            text = "省财政厅将持续安排出资扩大基金规模，指导基金管理机构提升管理效能，聚焦七大领域开展投资，积极配合行业部门，支持人工智能项目（子基金）的挖掘，进行市场化论证，提供股权投资服务。"
            status = "open"

            # 原文: 在加强国际合作与交流方面，省科技厅将深化与“一带一路”沿线国家以及欧美等发达国家在人工智能领域关键技术上的合作，积极争取科技部国家重点研发计划专项支持，通过省科技发展计划择优支持一批人工智能领域的国际科技合作项目。
            [[commitment]]
            id = "jl-2025-ai-4"
            topic = "加强国际合作与交流，引进和培养高水平人才"
            owner = "省科技厅"
            co_owners = []
            text = "在加强国际合作与交流方面，省科技厅将深化与“一带一路”沿线国家以及欧美等发达国家在人工智能领域关键技术上的合作，积极争取科技部国家重点研发计划专项支持，通过省科技发展计划择优支持一批人工智能领域的国际科技合作项目。"
            status = "open"

            # 原文: 在引进和培养高水平人才方面，省科技厅将加快健全有利于科技人才脱颖而出的选拔培养机制，打造高端科技人才储备新路径，打好科技人才抢战，造就规模宏大的青年科技人才队伍。
            [[commitment]]
            id = "jl-2025-ai-5"
            topic = "加强国际合作与交流，引进和培养高水平人才"
            owner = "省科技厅"
            co_owners = []
            text = "在引进和培养高水平人才方面，省科技厅将加快健全有利于科技人才脱颖而出的选拔培养机制，打造高端科技人才储备新路径，打好科技人才抢战，造就规模宏大的青年科技人才队伍。"
            status = "open"

            # 原文: 省人社厅将重点深化人才发展体制机制改革，强化部门协同联动，依托“吉聚人才”等品牌活动，加大人工智能领域招才引智力度，鼓励支持人工智能企业建设博士后工作站等产学研平台，促进人才链与创新链深度融合。
            [[commitment]]
            id = "jl-2025-ai-6"
            topic = "加强国际合作与交流，引进和培养高水平人才"
            owner = "省人社厅"
            co_owners = []
            text = "省人社厅将重点深化人才发展体制机制改革，强化部门协同联动，依托“吉聚人才”等品牌活动，加大人工智能领域招才引智力度，鼓励支持人工智能企业建设博士后工作站等产学研平台，促进人才链与创新链深度融合。"
            status = "open"
        "##]].assert_eq(&toml_text);
        expect!["6 commitments: 省科技厅 ×4, 省财政厅, 省人社厅"].assert_eq(&d.summary());
    }

    #[test]
    fn seed_letter_without_resolver_keeps_names_as_written() {
        let d = draft(SEED);
        assert_eq!(d.letter.replied_by.as_deref(), Some("吉林省科学技术厅"));
        assert_eq!(
            owners(&d),
            [
                "吉林省科学技术厅",
                "吉林省科学技术厅",
                "省财政厅",
                "省科技厅",
                "省科技厅",
                "省人社厅"
            ]
        );
        let toml_text = d.to_toml(&plain());
        assert!(!toml_text.contains("# check"));
        assert_valid_toml(&toml_text);
    }

    #[test]
    fn seed_letter_with_partial_resolver_flags_unknown_owners() {
        let resolver = |n: &str| (n == "省财政厅").then(|| "省财政厅".to_owned());
        let options = Options {
            prefix: "p",
            resolve: Some(&resolver),
        };
        let d = import(SEED, &options).expect("seed imports");
        assert_eq!(d.letter.replied_by.as_deref(), Some("吉林省科学技术厅"));
        let toml_text = d.to_toml(&options);
        let checks = toml_text
            .matches("# check: owner not among configured departments")
            .count();
        assert_eq!(checks, 5);
    }

    #[test]
    fn hubei_letter_yields_one_joint_commitment_in_simplified_chinese() {
        let d = draft(HUBEI);
        assert_eq!(d.commitments.len(), 1, "{:#?}", d.commitments);
        let c = &d.commitments[0];
        assert_eq!(c.owner, "省发改委");
        assert_eq!(c.co_owners, ["省卫健委"]);
        assert_eq!(
            c.text,
            "省发改委、省卫健委将积极与国家相关部委沟通汇报中央预算内投资补助等相关事项，保障该项目顺利实施。"
        );
        assert_eq!(c.topic.as_deref(), Some("成功争取国家区域医疗中心落户咸宁"));
        let l = &d.letter;
        assert_eq!(
            l.title.as_deref(),
            Some("关于支持咸宁加快大健康产业发展的建议")
        );
        assert_eq!(l.proposer.as_deref(), Some("刘复兴代表"));
        assert_eq!(l.session.as_deref(), Some("省十四届人大一次会议"));
        assert_eq!(l.number.as_deref(), Some("20230697"));
        assert_eq!(l.replied_on, Some((2023, 8, 2)));
        let toml_text = d.to_toml(&plain());
        for trad in ["發", "衛", "將", "關", "會", "屆", "號", "復"] {
            assert!(!toml_text.contains(trad), "{trad} left in\n{toml_text}");
        }
        assert_valid_toml(&toml_text);
    }

    #[test]
    fn neimenggu_letter_yields_the_two_expected_commitments() {
        let d = draft(NEIMENGGU);
        assert_eq!(owners(&d), ["自治区卫生健康委", "自治区卫生健康委"]);
        assert!(
            d.commitments[0]
                .text
                .starts_with("将回顾总结《内蒙古自治区蒙医药振兴行动计划》")
        );
        assert!(d.commitments[0].low_confidence.is_some());
        assert!(
            d.commitments[1]
                .text
                .contains("将继续以《内蒙古自治区蒙医药振兴行动计划》为依据")
        );
        assert!(d.commitments[1].low_confidence.is_none());
        let l = &d.letter;
        assert_eq!(l.replied_by.as_deref(), Some("内蒙古自治区卫生健康委员会"));
        assert_eq!(l.replied_on, Some((2020, 9, 27)));
        assert_eq!(
            l.session.as_deref(),
            Some("政协内蒙古自治区第十二届委员会第三次会议")
        );
        assert_eq!(l.proposer, None);
        let resolver = |n: &str| n.contains("卫生健康委").then(|| "自治区卫健委".to_owned());
        let options = Options {
            prefix: "nm",
            resolve: Some(&resolver),
        };
        let d = import(NEIMENGGU, &options).expect("imports");
        assert_eq!(owners(&d), ["自治区卫健委", "自治区卫健委"]);
        assert_eq!(d.letter.replied_by.as_deref(), Some("自治区卫健委"));
        assert_valid_toml(&d.to_toml(&options));
        expect![[r#"
            2 commitments: 自治区卫健委 ×2
              check #1 (自治区卫健委): found outside the next-steps section; confirm it is a promise"#]].assert_eq(&d.summary());
    }

    // ── synthetic letters ──

    #[test]
    fn heading_next_steps_with_yishi_ershi_and_a_year_end_deadline() {
        let d = draft(
            "省政协：\n你单位提出的《关于加快数字乡村建设的提案》收悉，现答复如下：\n\
             一、工作进展\n我厅已完成全省数字乡村试点评估。目前，二期工程正抓紧实施。\n\
             二、下一步工作\n一是加快建设农村宽带网络，2025年底前实现行政村全覆盖；二是持续推进数字乡村试点。\n\
             吉林省农业农村厅\n2025年3月1日\n",
        );
        assert_eq!(owners(&d), ["吉林省农业农村厅", "吉林省农业农村厅"]);
        let c = &d.commitments;
        assert_eq!(
            c[0].text,
            "加快建设农村宽带网络，2025年底前实现行政村全覆盖。"
        );
        assert_eq!(c[0].due, Some((2025, 12, 31)));
        assert_eq!(c[1].text, "持续推进数字乡村试点。");
        assert_eq!(c[1].due, None);
        assert_eq!(d.letter.proposer.as_deref(), Some("省政协"));
        assert!(d.commitments.iter().all(|c| !c.text.contains("正抓紧")));
    }

    #[test]
    fn inline_next_steps_half_width_traditional_and_this_year() {
        let d = draft(
            "張三委員:\n您提出的《關于加強養老服務的建議》收悉,現答復如下:\n\
             我廳高度重視養老服務工作。下一步,我廳將會同省財政廳加快建設社區養老服務中心,年內完成選址。\n\
             湖北省民政廳\n2024年6月5日\n",
        );
        assert_eq!(d.letter.proposer.as_deref(), Some("张三委员"));
        assert_eq!(d.letter.title.as_deref(), Some("关于加强养老服务的建议"));
        assert_eq!(d.letter.replied_by.as_deref(), Some("湖北省民政厅"));
        assert_eq!(d.commitments.len(), 1);
        let c = &d.commitments[0];
        assert_eq!(c.owner, "湖北省民政厅");
        assert_eq!(c.co_owners, ["省财政厅"]);
        assert_eq!(
            c.text,
            "我厅将会同省财政厅加快建设社区养老服务中心，年内完成选址。"
        );
        assert_eq!(c.due, Some((2024, 12, 31)));
    }

    #[test]
    fn xiabu_heading_with_both_paren_widths_and_month_end() {
        let d = draft(
            "李四代表：\n您提出的建议收悉，现答复如下：\n下步工作打算\n\
             (一)加强人才培养。省教育厅将扩大招生规模。\n\
             （二）完善政策。省人社厅将出台配套政策，6月底前印发。\n\
             吉林省人民政府办公厅\n2024年3月8日\n",
        );
        assert_eq!(owners(&d), ["省教育厅", "省人社厅"]);
        assert_eq!(d.commitments[0].topic.as_deref(), Some("加强人才培养"));
        assert_eq!(d.commitments[1].topic.as_deref(), Some("完善政策"));
        assert_eq!(d.commitments[1].due, Some((2024, 6, 30)));
    }

    #[test]
    fn xia_yi_jieduan_with_arabic_items_and_an_intro() {
        let d = draft(
            "王五委员：\n您提出的提案收悉，现答复如下：\n\
             下一阶段，我局将重点做好以下工作：\n1、推进智慧交通建设。\n2、县交通运输委员会将加快改革，2026年6月底前完成。\n\
             长春市交通运输局\n2025年7月1日\n",
        );
        assert_eq!(owners(&d), ["长春市交通运输局", "县交通运输委员会"]);
        assert_eq!(d.commitments[0].text, "推进智慧交通建设。");
        assert_eq!(d.commitments[1].due, Some((2026, 6, 30)));
    }

    #[test]
    fn jinhou_with_aspect_items_and_owner_changes() {
        let d = draft(
            "赵六委员：\n您提出的提案收悉，现答复如下：\n\
             今后，我委将在以下方面加强工作。在医疗服务方面，提升基层服务能力。\
             在公共卫生方面，市卫健委将完善疾控体系。市财政局将保障经费。\n\
             长春市卫生健康委员会\n2025年7月1日\n",
        );
        assert_eq!(owners(&d), ["长春市卫生健康委员会", "市卫健委", "市财政局"]);
        assert_eq!(d.commitments[0].text, "在医疗服务方面，提升基层服务能力。");
    }

    #[test]
    fn owner_change_within_a_paragraph_splits_commitments() {
        let d = draft(
            "(二)下一步工作\n省科技厅将加强科研攻关。省人社厅将引进高端人才，继续完善政策。同时，省科技厅还将建设平台。\n",
        );
        assert_eq!(owners(&d), ["省科技厅", "省人社厅", "省科技厅"]);
        assert_eq!(
            d.commitments[1].text,
            "省人社厅将引进高端人才，继续完善政策。"
        );
    }

    #[test]
    fn pdf_spacing_broken_lines_and_page_numbers_are_cleaned() {
        let d = draft(
            " 孙七委员： \n\n  您提出的《关于推动 新能源汽车产业 发展的建议》收悉，经认真研究办\n\n\
             理，现答复如下： \n\n  (二)下一步工作 \n\n\
             一是加快充电基础设施建设，推动新能源汽 车下乡，进一步扩大省内\n\n  - 2 -\n\n\
             市场规模，培育一批龙头企业和配套企业。二是持续开展 推广应用。\n\n\
             吉林省工业和信息化厅 \n\n 2025 年 5 月 23 日 \n",
        );
        assert_eq!(
            d.letter.title.as_deref(),
            Some("关于推动新能源汽车产业发展的建议")
        );
        assert_eq!(d.letter.replied_on, Some((2025, 5, 23)));
        assert_eq!(d.commitments.len(), 2, "{:#?}", d.commitments);
        assert_eq!(
            d.commitments[0].text,
            "加快充电基础设施建设，推动新能源汽车下乡，进一步扩大省内市场规模，培育一批龙头企业和配套企业。"
        );
        assert_eq!(d.commitments[1].text, "持续开展推广应用。");
    }

    #[test]
    fn progress_statements_are_not_promises() {
        let err = import(
            "周八委员：\n您提出的《关于加强河湖治理的建议》收悉，现答复如下：\n\
             我厅已完成河湖治理专项行动，二期工程正抓紧实施。2024年启动了三期规划。\n\
             吉林省水利厅\n2025年4月1日\n",
            &plain(),
        );
        assert_eq!(err, Err(ImportError::NoNextSteps));
    }

    #[test]
    fn no_next_steps_is_an_error_with_a_helpful_message() {
        let err = import("感谢您的关心。\n此复。\n", &plain()).unwrap_err();
        assert_eq!(err, ImportError::NoNextSteps);
        assert!(err.to_string().contains("下一步工作"));
    }

    #[test]
    fn a_third_partys_plan_is_not_ours() {
        let d = draft(
            "一、基本情况\n论坛发布了倡议，计划在传染病防控等领域开展合作。\n\
             二、下一步工作\n我委将积极对接论坛各方。\n湖北省卫生健康委员会\n2023年8月2日\n",
        );
        assert_eq!(owners(&d), ["湖北省卫生健康委员会"]);
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        let d = Draft {
            letter: LetterDraft {
                title: Some("关于\"引号\"\\的建议\t".to_owned()),
                proposer: None,
                session: None,
                number: None,
                replied_by: None,
                replied_on: Some((2025, 2, 30)),
            },
            commitments: vec![CommitmentDraft {
                topic: None,
                owner: "省\u{7f}厅".to_owned(),
                owner_resolved: false,
                co_owners: vec!["a\"b".to_owned()],
                text: "x\ny".to_owned(),
                due: Some((2025, 12, 31)),
                source: "line\nbreak\u{0}".to_owned(),
                low_confidence: Some("why\r".to_owned()),
            }],
            warnings: vec!["w\"".to_owned()],
        };
        let options = Options {
            prefix: "p\"x",
            resolve: None,
        };
        let t = d.to_toml(&options);
        assert_valid_toml(&t);
        assert!(!t.contains("replied_on"), "an impossible date is dropped");
        assert!(t.contains("due = 2025-12-31"));
        let j = d.to_json();
        assert!(j.contains("\"line\\nbreak\\u0000\""), "{j}");
        assert!(j.starts_with('{') && j.ends_with('}'));
    }

    #[test]
    fn summary_counts_owners_in_order() {
        let d = draft(SEED);
        assert!(
            d.summary()
                .starts_with("6 commitments: 吉林省科学技术厅 ×2, 省财政厅, 省科技厅 ×2, 省人社厅")
        );
    }

    // ── decode ──

    #[test]
    fn decode_accepts_utf8_and_strips_a_bom() {
        assert_eq!(decode("\u{feff}你好".as_bytes()), Ok("你好".to_owned()));
        assert_eq!(decode(b"hello\n"), Ok("hello\n".to_owned()));
    }

    #[test]
    fn decode_rejects_empty_binary_and_gbk() {
        assert_eq!(decode(b""), Err(ImportError::Empty));
        assert_eq!(decode(b" \n\t"), Err(ImportError::Empty));
        assert_eq!(decode(b"%PDF\x00\x01"), Err(ImportError::Binary));
        assert_eq!(decode(&[0xC4, 0xE3, 0xBA, 0xC3]), Err(ImportError::NotUtf8));
        assert!(
            ImportError::NotUtf8
                .to_string()
                .contains("iconv -f GBK -t UTF-8")
        );
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0]), Err(ImportError::NotUtf8));
        assert_eq!(decode(&[1, 2, 3, 4, 5, 6]), Err(ImportError::Binary));
    }

    // ── never panics ──

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: [&str; 40] = [
        "下一步",
        "下步",
        "今后",
        "下一阶段",
        "工作",
        "，",
        "。",
        "：",
        "；",
        ",",
        ":",
        "(",
        ")",
        "（一）",
        "一是",
        "二、",
        "1、",
        "1.",
        "在",
        "方面，",
        "省财政厅",
        "我厅",
        "将",
        "继续",
        "已",
        "了",
        "年内",
        "2025年",
        "12月底前",
        "年",
        "月",
        "日",
        "\n",
        " ",
        "《关于",
        "的建议》",
        "“",
        "”",
        "會議",
        "é",
    ];

    fn exercise(text: &str) {
        let resolver = jilin;
        for options in [
            plain(),
            Options {
                prefix: "f",
                resolve: Some(&resolver),
            },
        ] {
            if let Ok(d) = import(text, &options) {
                assert_valid_toml(&d.to_toml(&options));
                let _ = d.to_json();
                let _ = d.summary();
            }
        }
    }

    #[test]
    fn arbitrary_inputs_never_panic() {
        let mut rng = Lcg(42);
        for _ in 0..1000 {
            let len = rng.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if let Ok(text) = decode(&bytes) {
                exercise(&text);
            }
        }
        for _ in 0..1000 {
            let n = rng.below(40);
            let text: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            exercise(&text);
        }
        for cut in (0..SEED.len()).step_by(97) {
            if let Some(prefix) = SEED.get(..cut) {
                exercise(prefix);
            }
        }
    }
}
