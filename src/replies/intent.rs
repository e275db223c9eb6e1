//! What an answer asks for, from its opening lines: 已办结/已完成/已落实 (not preceded by
//! 未/尚未/没有) → a done claim; 申请延期 with a date → an extension request to that date;
//! anything else → a progress report. Pure; the year of a date written without one is the
//! next such date on or after the day the answer arrived.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    Done,
    Progress,
    Extension,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Done => "done",
            Intent::Progress => "progress",
            Intent::Extension => "extension",
        }
    }

    pub fn parse(text: &str) -> Intent {
        match text {
            "done" => Intent::Done,
            "extension" => Intent::Extension,
            _ => Intent::Progress,
        }
    }
}

/// How many of the first non-empty lines decide the intent.
const OPENING_LINES: usize = 3;

/// The intent and, for an extension, the requested date.
pub fn classify(text: &str, subject: &str, today: NaiveDate) -> (Intent, Option<NaiveDate>) {
    let opening: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(OPENING_LINES)
        .collect();
    let opening = opening.join("\n");
    let subject = strip_reply_prefixes(subject);
    for source in [opening.as_str(), subject] {
        let asks = source.contains("申请延期")
            || source.contains("延期申请")
            || source.contains("申请延长");
        if asks && let Some(date) = find_date(source, today) {
            return (Intent::Extension, Some(date));
        }
    }
    for source in [opening.as_str(), subject] {
        if claims_done(source) {
            return (Intent::Done, None);
        }
    }
    (Intent::Progress, None)
}

/// `回复：`, `答复:`, `Re:`, `RE：`, `回覆:` at the start, repeated.
fn strip_reply_prefixes(subject: &str) -> &str {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_lowercase();
        let Some(prefix) = [
            "re:",
            "re：",
            "回复:",
            "回复：",
            "答复:",
            "答复：",
            "回覆:",
            "回覆：",
            "aw:",
        ]
        .iter()
        .find(|prefix| lower.starts_with(*prefix)) else {
            return rest;
        };
        rest = rest[prefix.len()..].trim_start();
    }
}

fn claims_done(text: &str) -> bool {
    for word in [
        "已办结",
        "已完成",
        "已落实",
        "已全部完成",
        "已全面完成",
        "办结",
    ] {
        let mut from = 0;
        while let Some(found) = text[from..].find(word) {
            let at = from + found;
            let before: String = text[..at].chars().rev().take(2).collect();
            // 未办结, 尚未完成, 没有落实, 暂未办结.
            let negated =
                before.starts_with('未') || before.starts_with('没') || before.contains("没有");
            // A claim ends there: 已完成。/已办结，报告见附件; 已完成方案起草 is a step done.
            let after = text[at + word.len()..].chars().next();
            let ends = after.is_none_or(|c| c.is_whitespace() || "，。！；,.;!、）)了".contains(c));
            if !negated && ends && !(word == "办结" && before.starts_with('已')) {
                return true;
            }
            from = at + word.len();
        }
    }
    false
}

/// The first date in the text: `2026年3月31日`, `2026-03-31`, `2026/3/31`, `2026.3.31`,
/// `3月31日` (year from `today`), `2026年3月底` / `3月底` (the month's last day).
pub fn find_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        if chars[index].is_ascii_digit() {
            let (numbers, separators, end) = read_numbers(&chars, index);
            if let Some(date) = to_date(&numbers, &separators, today) {
                return Some(date);
            }
            index = end.max(index + 1);
        } else {
            index += 1;
        }
    }
    None
}

/// Up to three numbers from `start` with the separators after each.
fn read_numbers(chars: &[char], start: usize) -> (Vec<u32>, Vec<char>, usize) {
    let mut numbers = Vec::new();
    let mut separators = Vec::new();
    let mut index = start;
    while numbers.len() < 3 && index < chars.len() && chars[index].is_ascii_digit() {
        let mut value: u32 = 0;
        while index < chars.len() && chars[index].is_ascii_digit() {
            value = value
                .saturating_mul(10)
                .saturating_add(chars[index].to_digit(10).unwrap_or(0));
            index += 1;
        }
        numbers.push(value);
        let separator = chars.get(index).copied().unwrap_or(' ');
        separators.push(separator);
        if matches!(separator, '年' | '月' | '-' | '/' | '.') {
            index += 1;
        } else {
            break;
        }
    }
    // 3月底 / 2026年3月底: the month's end.
    if separators.last() == Some(&'月') && chars.get(index) == Some(&'底') {
        separators.push('底');
    }
    (numbers, separators, index)
}

fn to_date(numbers: &[u32], separators: &[char], today: NaiveDate) -> Option<NaiveDate> {
    let month_end = |year: i32, month: u32| {
        NaiveDate::from_ymd_opt(year, month, 1)?
            .checked_add_months(chrono::Months::new(1))?
            .pred_opt()
    };
    let next_year_if_past = |date: NaiveDate| {
        if date < today {
            date.with_year(date.year() + 1)
        } else {
            Some(date)
        }
    };
    match (numbers, separators) {
        ([year, month, day], [first, second, ..])
            if *year >= 2000
                && matches!(
                    (first, second),
                    ('年', '月') | ('-', '-') | ('/', '/') | ('.', '.')
                ) =>
        {
            NaiveDate::from_ymd_opt(i32::try_from(*year).ok()?, *month, *day)
        }
        ([year, month], ['年', '月', '底']) if *year >= 2000 => {
            month_end(i32::try_from(*year).ok()?, *month)
        }
        ([month, day], ['月', ..]) if *day >= 1 => {
            next_year_if_past(NaiveDate::from_ymd_opt(today.year(), *month, *day)?)
        }
        ([month], ['月', '底']) => next_year_if_past(month_end(today.year(), *month)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 12, 3).expect("a date")
    }

    #[test]
    fn intents_from_the_opening_lines() {
        assert_eq!(
            classify("jl-2025-ai-3 已办结，报告见附件", "", today()),
            (Intent::Done, None)
        );
        assert_eq!(
            classify("该项工作已全部完成。", "", today()).0,
            Intent::Done
        );
        assert_eq!(
            classify("目前尚未完成，正在推进。", "", today()).0,
            Intent::Progress
        );
        assert_eq!(
            classify("正在推进，已完成方案起草", "", today()).0,
            Intent::Progress
        );
        assert_eq!(classify("暂未办结", "", today()).0, Intent::Progress);
        assert_eq!(
            classify("因故申请延期至2026年3月31日。", "", today()),
            (Intent::Extension, NaiveDate::from_ymd_opt(2026, 3, 31))
        );
        assert_eq!(
            classify("申请延期到6月底", "", today()),
            (Intent::Extension, NaiveDate::from_ymd_opt(2026, 6, 30))
        );
        assert_eq!(
            classify("申请延期，时间另报", "", today()).0,
            Intent::Progress
        );
        assert_eq!(
            classify("进展如下", "回复：已办结", today()).0,
            Intent::Done
        );
        let late = "第一行\n第二行\n第三行\n第四行已办结";
        assert_eq!(classify(late, "", today()).0, Intent::Progress);
    }
}
