//! Stage 6: dates — calendar dates in a letter (2025年5月23日, 2023-08-02) and the deadlines a
//! promise states (年底前, 6月底前, 2026年6月前, 明年, 三年内…). Pure; the reply date is the only "now".

use super::*;

// ───────────────────────────── dates ─────────────────────────────

pub(super) fn cn_number(s: &str) -> Option<(u32, usize)> {
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
pub(super) fn leading_number(s: &str) -> Option<(u32, usize)> {
    let n = run_len(s, |c| c.is_ascii_digit(), 4);
    if n > 0 {
        return s[..n].parse().ok().map(|v| (v, n));
    }
    cn_number(s)
}

pub(super) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

pub(super) fn valid_date(y: i32, m: u32, d: u32) -> Option<(i32, u32, u32)> {
    ((1000..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m))
        .then_some((y, m, d))
}

/// "2025年5月23日" / "二〇二五年五月二十三日" at the start; returns the date and byte length.
pub(super) fn parse_cn_date(s: &str) -> Option<((i32, u32, u32), usize)> {
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
pub(super) fn parse_iso_date(s: &str) -> Option<(i32, u32, u32)> {
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
pub(super) fn parse_date_line(block: &str) -> Option<(i32, u32, u32)> {
    let b = block.trim_end_matches(['。', ' ']);
    if let Some((date, len)) = parse_cn_date(b) {
        return (len == b.len()).then_some(date);
    }
    (b.len() <= 10)
        .then(|| parse_iso_date(b).or_else(|| bare_digits_date(b)))
        .flatten()
}

/// "202293", "2022714", "20231122": a date line whose 年/月/日 the page lost (drawn as
/// images, or a font the text layer cannot map), the digits run together. Read only when the
/// digits after the year split into a month and a day in exactly one way ("2022112" could be
/// 1 December or 12 January: no date).
pub(super) fn bare_digits_date(b: &str) -> Option<(i32, u32, u32)> {
    if !(6..=8).contains(&b.len()) || !b.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = b[..4].parse().ok()?;
    if !(1990..=2100).contains(&year) {
        return None;
    }
    let rest = &b[4..];
    let splits: Vec<(i32, u32, u32)> = (1..rest.len())
        .filter_map(|k| valid_date(year, rest[..k].parse().ok()?, rest[k..].parse().ok()?))
        .collect();
    match splits[..] {
        [only] => Some(only),
        _ => None,
    }
}

// ───────────────────────────── due dates ─────────────────────────────

/// The deadline a promise states, if any: "2025年底前", "年内", "2026年6月底前", "9月底前".
pub(super) fn find_due(text: &str, reply: Option<(i32, u32, u32)>) -> Option<(i32, u32, u32)> {
    let reply_year = reply.map(|d| d.0);
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
        if let Some(due) = relative_due(rest, reply) {
            return Some(due);
        }
    }
    // "预计2023年…改造159公里", "力争在2019年、2020年进行硬化": a year of the future, by its end.
    let reply_year = reply_year?;
    let titles = super::promises::quoted_spans(text);
    let year_due = text
        .match_indices('年')
        .filter_map(|(at, w)| {
            let before = &text[..at];
            // "将在2023年开始实施": a start, not a deadline.
            let after = &text[at + w.len()..];
            if starts_with_any(after, &["开始", "启动", "起"]).is_some() {
                return None;
            }
            // "待2019年度指标下达后", "拟使用2025年省级资金", "《…三年行动方案（2017—2019
            // 年）》": a year naming the year's quota or funds, or part of a document's title,
            // is no deadline.
            let year_of_thing = after
                .strip_prefix('度')
                .is_some_and(|d| starts_with_any(d, &["内", "底", "末", "前"]).is_none())
                || starts_with_any(after, &["省级", "市级", "县级", "中央", "国家"]).is_some();
            if year_of_thing || titles.iter().any(|&(a, b)| a <= at && at < b) {
                return None;
            }
            let digits = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .count();
            // "纳入2026年财政预算", "列入2020年规划": the year names the plan put into.
            let names_plan = before[..before.len() - digits].ends_with("纳入")
                || before[..before.len() - digits].ends_with("列入");
            (digits == 4 && !names_plan)
                .then(|| before[before.len() - 4..].parse::<i32>().ok())
                .flatten()
        })
        .filter(|y| *y >= reply_year && *y <= reply_year + 10)
        .max()
        .and_then(|y| valid_date(y, 12, 31));
    // Else a month of the reply's year named with work to do ("计划7月全面开工").
    year_due.or_else(|| {
        chars.iter().enumerate().find_map(|(k, &(at, _))| {
            let after_number = k > 0 && (chars[k - 1].1.is_ascii_digit() || chars[k - 1].1 == '年');
            (!after_number)
                .then(|| month_due(&text[at..], reply))
                .flatten()
        })
    })
}

/// "明年", "明年底前", "明年上半年", "后年", "三年内", "两年内": counted from the reply date.
pub(super) fn relative_due(rest: &str, reply: Option<(i32, u32, u32)>) -> Option<(i32, u32, u32)> {
    let (y, m, d) = reply?;
    for (word, years) in [("明年", 1), ("后年", 2)] {
        if let Some(after) = rest.strip_prefix(word) {
            if after.starts_with("上半年") {
                return valid_date(y + years, 6, 30);
            }
            return valid_date(y + years, 12, 31);
        }
    }
    // "三年内", "2年内", "两年之内": a span from the reply date.
    let (n, len) = match cn_number(rest).or_else(|| leading_number(rest)) {
        Some(found) => found,
        None if rest.starts_with('两') => (2, '两'.len_utf8()),
        None => return None,
    };
    let after = &rest[len..];
    let within = ["年内", "年之内"].iter().any(|w| after.starts_with(w));
    if within && (1..=10).contains(&n) {
        let year = y + n as i32;
        return valid_date(year, m, d.min(days_in_month(year, m)));
    }
    None
}

pub(super) fn is_cn_count(c: char) -> bool {
    "一二三四五六七八九十两几多".contains(c)
}

pub(super) fn due_at(
    rest: &str,
    reply_year: Option<i32>,
    after_count: bool,
) -> Option<(i32, u32, u32)> {
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
        // "今年我局将实施…", "将于今年完工": this year, by its end; "今年6月底前", "今年第三
        // 季度": the month or quarter named next; "今年以来": a report, no deadline.
        if rest.starts_with("今年") {
            let y = reply_year?;
            if let Some(due) = due_in_year(after, y) {
                return Some(due);
            }
            if after.starts_with(|c: char| c.is_ascii_digit())
                || starts_with_any(after, &["以来", "上半年", "初", "年初"]).is_some()
            {
                return None;
            }
            return valid_date(y, 12, 31);
        }
        return None;
    }
    if let Some(due) = quarter_end(rest, reply_year?) {
        return Some(due);
    }
    // "9月底前", "9月份前", "9月前": the month's last day in the reply's year.
    let month_digits = run_len(rest, |c| c.is_ascii_digit(), 2);
    if month_digits > 0 {
        let after = &rest[month_digits..];
        if ["月底", "月末", "月前", "月份前", "月份底"]
            .iter()
            .any(|w| after.starts_with(w))
        {
            let m: u32 = rest[..month_digits].parse().ok()?;
            let y = reply_year?;
            return valid_date(y, m, days_in_month(y, m));
        }
    }
    None
}

/// "计划7月全面开工", "9月份计划实施", "7月中旬完成": a month of the reply's year, not before
/// the reply's month, with a part of it (上旬/中旬/下旬) or the start or finish of work in the
/// same clause: that part's or that month's last day.
pub(super) fn month_due(rest: &str, reply: Option<(i32, u32, u32)>) -> Option<(i32, u32, u32)> {
    let (y, reply_month, _) = reply?;
    let digits = run_len(rest, |c| c.is_ascii_digit(), 2);
    let m: u32 = rest.get(..digits)?.parse().ok()?;
    let after = rest[digits..].strip_prefix('月')?;
    let after = after.strip_prefix('份').unwrap_or(after);
    if m < reply_month {
        return None;
    }
    for (part, day) in [("上旬", 10), ("中旬", 20)] {
        if after.starts_with(part) {
            return valid_date(y, m, day);
        }
    }
    let clause: String = after
        .chars()
        .take_while(|c| !"，。；：".contains(*c))
        .take(12)
        .collect();
    let work = [
        "下旬",
        "完成",
        "建成",
        "完工",
        "竣工",
        "开工",
        "投入使用",
        "投用",
        "实施",
    ];
    // "10月下旬开始拓宽": a start, not a deadline.
    let start = ["开始", "启动", "起"].iter().any(|w| clause.contains(w));
    (!start && work.iter().any(|w| clause.contains(w)))
        .then(|| valid_date(y, m, days_in_month(y, m)))
        .flatten()
}

/// "第三季度", "三季度", "4季度": the quarter's last day in `year`.
pub(super) fn quarter_end(rest: &str, year: i32) -> Option<(i32, u32, u32)> {
    let q = rest.strip_prefix('第').unwrap_or(rest);
    let (n, len) = leading_number(q)?;
    if !q[len..].starts_with("季度") || !(1..=4).contains(&n) {
        return None;
    }
    let month = n * 3;
    valid_date(year, month, days_in_month(year, month))
}

/// After "2025年": "底前", "年底", "内", "6月底前", "6月30日前", "上半年".
pub(super) fn due_in_year(after: &str, year: i32) -> Option<(i32, u32, u32)> {
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
    if let Some(due) = quarter_end(after, year) {
        return Some(due);
    }
    let m_len = run_len(after, |c| c.is_ascii_digit(), 2);
    let month: u32 = after.get(..m_len)?.parse().ok()?;
    let rest = after[m_len..].strip_prefix('月')?;
    // "2020年9月底", "2020年9月份前", "于2020年9月完成": the month's last day.
    let rest_m = rest.strip_prefix('份').unwrap_or(rest);
    if ["底", "末", "前", "完成", "建成", "完工", "竣工", "全部完成"]
        .iter()
        .any(|w| rest_m.starts_with(w))
    {
        return valid_date(year, month, days_in_month(year, month));
    }
    let d_len = run_len(rest, |c| c.is_ascii_digit(), 2);
    let day: u32 = rest.get(..d_len)?.parse().ok()?;
    let tail = rest[d_len..].strip_prefix('日')?;
    (tail.starts_with('前') || tail.starts_with("之前")).then_some(())?;
    valid_date(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_in_the_common_forms() {
        let reply = Some((2025, 5, 23));
        for (text, due) in [
            ("力争2025年底前完成", Some((2025, 12, 31))),
            ("年内完成选址", Some((2025, 12, 31))),
            ("9月底前印发", Some((2025, 9, 30))),
            ("2026年6月底前完成", Some((2026, 6, 30))),
            ("2026年6月30日前完成", Some((2026, 6, 30))),
            ("2026年上半年开工", Some((2026, 6, 30))),
            ("明年建成", Some((2026, 12, 31))),
            ("明年上半年开工", Some((2026, 6, 30))),
            ("三年内全面完成", Some((2028, 5, 23))),
            ("两年内实施", Some((2027, 5, 23))),
            ("五年内的规划", Some((2030, 5, 23))),
            ("持续推进", None),
            ("预计2026年改造159公里", Some((2026, 12, 31))),
            ("力争在2025年、2026年进行硬化", Some((2026, 12, 31))),
            ("2024年12月已完成", None),
            // Quarters, this year alone, months with 份/前, a month of completion.
            ("预计第三季度全部完成", Some((2025, 9, 30))),
            ("计划三季度实施", Some((2025, 9, 30))),
            ("列入今年第四季度工作计划", Some((2025, 12, 31))),
            ("今年我局将实施改造", Some((2025, 12, 31))),
            ("将于今年6月底前完工", Some((2025, 6, 30))),
            ("今年以来持续推进", None),
            ("有望于9月份前完成", Some((2025, 9, 30))),
            ("委托专业机构于2025年9月完成", Some((2025, 9, 30))),
            // A month alone with the start or finish of work, or a part of the month; not a
            // month already past in the reply's year (made-up examples).
            ("计划7月全面组织开工建设", Some((2025, 7, 31))),
            ("9月份计划实施管渠改造", Some((2025, 9, 30))),
            ("计划7月中旬完成管网改造", Some((2025, 7, 20))),
            ("3月份完成了设计", None),
            ("7月份召开协调会", None),
            ("10月下旬开始拓宽", None),
            // A year naming a quota, funds or a document's title sets no deadline.
            ("待2025年度指标下达后我局将优先安排", None),
            ("拟使用2026年省级水利发展资金", None),
            ("根据《三年行动方案（2024—2026年）》支持基地建设", None),
            ("力争2025年度内完成", Some((2025, 12, 31))),
            ("9月份完成设计，计划于2026年全面解决", Some((2026, 12, 31))),
            // A start, and a year that names the plan put into, set no deadline.
            ("将在2026年开始实施", None),
            ("列入2026年农村安全饮水规划", None),
            (
                "力争2025年将管道铺设纳入2026年财政预算",
                Some((2025, 12, 31)),
            ),
        ] {
            assert_eq!(find_due(text, reply), due, "{text}");
        }
        assert_eq!(find_due("年内完成", None), None);
    }

    #[test]
    fn dates_on_a_line_of_their_own() {
        assert_eq!(parse_date_line("2025年5月23日"), Some((2025, 5, 23)));
        assert_eq!(
            parse_date_line("二〇二五年五月二十三日"),
            Some((2025, 5, 23))
        );
        assert_eq!(parse_date_line("2023-08-02"), Some((2023, 8, 2)));
        assert_eq!(parse_date_line("2025年2月30日"), None);
    }

    #[test]
    fn a_date_line_whose_characters_were_lost_is_read_when_it_splits_one_way() {
        assert_eq!(parse_date_line("202293"), Some((2022, 9, 3)));
        assert_eq!(parse_date_line("2022714"), Some((2022, 7, 14)));
        assert_eq!(parse_date_line("20231122"), Some((2023, 11, 22)));
        assert_eq!(parse_date_line("20220903"), Some((2022, 9, 3)));
        // 1 December or 12 January: no date.
        assert_eq!(parse_date_line("2022112"), None);
        // A number that is no date: no year, no month and day, or too long.
        assert_eq!(parse_date_line("123456"), None);
        assert_eq!(parse_date_line("20123456"), None);
        assert_eq!(parse_date_line("2022123456"), None);
    }
}
