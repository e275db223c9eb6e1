//! Keeping only what the department wrote: the quoted original below (or interleaved with)
//! a reply is cut in the forms mail clients write it. Chinese clients: Foxmail, Coremail
//! (163/126/政务邮箱) and Outlook-zh separators (`------------------ 原始邮件 ------------------`,
//! `-----原始邮件-----`), header blocks (`发件人：` followed by `发送时间：`/`日期：`,
//! `收件人：`, `主题：`), `在 2025年12月3日 …，… 写道：`; English ones: `-----Original
//! Message-----`, `From:` + `Sent:` blocks, `On … wrote:`; and `>` lines everywhere. Pure.

/// The new text of a reply: everything above the first quote marker, without `>` lines,
/// trailing blank lines trimmed. A reply that is only a quote yields an empty string.
pub fn strip(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim().trim_start_matches('\u{3000}').trim();
        if is_separator(trimmed) || opens_header_block(&lines, index) || is_attribution(trimmed) {
            break;
        }
        if trimmed.starts_with('>') || trimmed.starts_with('＞') {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|line| line.trim().is_empty()) {
        kept.pop();
    }
    while kept.first().is_some_and(|line| line.trim().is_empty()) {
        kept.remove(0);
    }
    kept.join("\n")
}

/// `----- 原始邮件 -----`, `-----Original Message-----`, `---- Replied Message ----`,
/// Foxmail's `------------------&nbsp;Original&nbsp;------------------`, and a long rule
/// of underscores (Outlook's HTML body as text).
fn is_separator(line: &str) -> bool {
    let line = line.replace("&nbsp;", " ");
    let line = line.as_str();
    let words: String = line
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '=' | ' ' | '\u{a0}' | '—'))
        .collect::<String>()
        .to_lowercase();
    let ruled = line.starts_with("--") || line.starts_with("——") || line.starts_with("__");
    if ruled
        && matches!(
            words.as_str(),
            "原始邮件"
                | "原邮件"
                | "回复的原邮件"
                | "originalmessage"
                | "original"
                | "repliedmessage"
                | "forwardedmessage"
                | "转发邮件"
                | "转发的邮件"
        )
    {
        return true;
    }
    line.len() >= 20 && line.chars().all(|c| c == '_')
}

/// A quoted header block: a `发件人：`/`From:` line followed within three lines by a
/// `发送时间：`/`时间：`/`日期：`/`Sent:`/`Date:` line (so "发件人：" in the new text alone does
/// not cut it).
fn opens_header_block(lines: &[&str], index: usize) -> bool {
    let field = |line: &str, names: &[&str]| {
        let line = line.trim().trim_start_matches(['*', '>', ' ']);
        names.iter().any(|name| {
            line.strip_prefix(name).is_some_and(|rest| {
                rest.starts_with(':') || rest.starts_with('：') || rest.starts_with(" :")
            })
        })
    };
    if !field(lines[index], &["发件人", "From", "from"]) {
        return false;
    }
    lines[index + 1..].iter().take(3).any(|line| {
        field(
            line,
            &["发送时间", "时间", "日期", "Sent", "Date", "收件人", "To"],
        )
    })
}

/// `在 2025年12月3日 10:15，"督办室"<duban@…> 写道：`, `2025-12-03 10:15 GMT+08:00 … 写道：`,
/// `On Wed, Dec 3, 2025 at 10:15 AM 督办室 <…> wrote:`.
fn is_attribution(line: &str) -> bool {
    let chinese = (line.ends_with("写道：") || line.ends_with("写道:"))
        && (line.starts_with('在') || line.chars().next().is_some_and(|c| c.is_ascii_digit()));
    let english =
        line.starts_with("On ") && (line.ends_with("wrote:") || line.ends_with("wrote："));
    chinese || english
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn chinese_and_english_quotes_are_cut() {
        let foxmail = "jl-2025-ai-3 已办结，报告见附件。\n\n\n------------------ 原始邮件 ------------------\n发件人: \"督办室\"<duban@example.gov.cn>;\n发送时间: 2025年12月1日(星期一) 上午9:00\n收件人: \"科技厅\";\n主题: 【督办提醒】";
        assert_eq!(strip(foxmail), "jl-2025-ai-3 已办结，报告见附件。");
        let outlook = "已完成。\r\n\r\n发件人: 督办室 <duban@example.gov.cn>\r\n发送时间: 2025年12月1日 9:00\r\n收件人: office\r\n主题: 提醒\r\n";
        assert_eq!(strip(outlook), "已完成。");
        let apple =
            "Done.\n\nOn Dec 1, 2025, at 09:00, 督办室 <duban@example.gov.cn> wrote:\n\n> old";
        assert_eq!(strip(apple), "Done.");
        let coremail =
            "正在推进。\n在 2025-12-01 09:00:00，\"督办室\" <duban@example.gov.cn> 写道：\n> 原文";
        assert_eq!(strip(coremail), "正在推进。");
        let interleaved = "> 问题一\n第一项已落实\n> 问题二\n第二项推进中";
        assert_eq!(strip(interleaved), "第一项已落实\n第二项推进中");
        let english = "Progress made.\n-----Original Message-----\nFrom: x";
        assert_eq!(strip(english), "Progress made.");
    }

    #[test]
    fn a_sender_line_alone_is_not_a_quote() {
        assert_eq!(strip("发件人：张三\n已办结"), "发件人：张三\n已办结");
    }
}
