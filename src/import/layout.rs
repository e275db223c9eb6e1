//! Stage 3: layout — where things are in a letter: enumeration marks, headings (next steps,
//! progress, topics), salutation, intro, signature, date line, and the letter's own fields
//! (title, session, number, replying unit, reply date). Pure.

use super::*;

// ───────────────────────────── ordinals and headings ─────────────────────────────

pub(super) const CN_DIGITS: &str = "一二三四五六七八九十";

/// An enumeration mark at the start of a text: `一、` (1), `（一）` (2), `1、`/`1.` (3),
/// `（1）`/`1）` (4), `①` (5), inline `一是`/`第一，`/`首先，` (6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ordinal {
    pub(super) level: u8,
    pub(super) len: usize,
}

pub(super) fn run_len(s: &str, pred: impl Fn(char) -> bool, max_chars: usize) -> usize {
    s.char_indices()
        .take(max_chars + 1)
        .find(|(_, c)| !pred(*c))
        .map_or_else(
            || s.chars().take(max_chars).map(char::len_utf8).sum(),
            |(i, _)| i,
        )
}

pub(super) fn ordinal(s: &str) -> Option<Ordinal> {
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
        // "第一步首先对…安装空调。第二步对…": the steps of a plan.
        if n > 0 && inner[n..].starts_with('步') {
            let comma = if inner[n + 3..].starts_with('，') {
                3
            } else {
                0
            };
            return found(6, '第'.len_utf8() + n + 3 + comma);
        }
    }
    for word in [
        "首先，",
        "其次，",
        "再次，",
        "最后，",
        "此外，",
        "另外，",
        "另一方面，",
        "一方面，",
        "另一方面",
        "一方面",
    ] {
        if s.starts_with(word) {
            return found(6, word.len());
        }
    }
    None
}

/// What a heading announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeadKind {
    /// 下一步工作 and friends: promises follow.
    NextSteps,
    /// 举措及成效, 办理情况…: past work follows, never promises.
    Progress,
    /// A suggestion's subject: becomes the topic of promises under it.
    Topic,
}

pub(super) struct Heading {
    pub(super) level: u8,
    pub(super) kind: HeadKind,
    pub(super) text: String,
    /// Content that shared the heading's paragraph ("（一）加强领导。省卫健委将…").
    pub(super) rest: Option<String>,
}

pub(super) const MARKERS: [&str; 8] = [
    "下一步",
    "下步",
    "下一阶段",
    "今后",
    "下阶段",
    "接下来",
    "后续",
    "下一年",
];
pub(super) const PROGRESS_WORDS: [&str; 10] = [
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

pub(super) fn heading_kind(text: &str) -> HeadKind {
    let next_steps = MARKERS.iter().any(|m| text.starts_with(m))
        || [
            "工作打算",
            "工作计划",
            "工作安排",
            "下一步",
            "下步工作",
            "工作方向",
            "解决措施",
            "办理措施",
            "整改措施",
            "工作思路",
            "努力方向",
            "今后工作",
            "下步打算",
            "拟采取",
            "工作举措",
        ]
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

pub(super) fn first_sentence_end(s: &str) -> Option<usize> {
    s.char_indices()
        .find(|(_, c)| "。！？；".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
}

/// Recognises a heading paragraph. A numbered paragraph that is one full sentence is an
/// item, not a heading: "（一）持续推进…，力争…。" is a promise.
pub(super) fn as_heading(block: &str) -> Option<Heading> {
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
        // "三、我局将加强水厂运行管理，开展好…，" (a page cut mid-sentence): a unit saying
        // it will act is a promise, not a section's title.
        None if body.contains('，') && super::promises::self_will(body) => None,
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
pub(super) fn unnumbered_heading(block: &str) -> Option<Heading> {
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
pub(super) fn topic_of(heading: &str) -> String {
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

// ───────────────────────────── letter fields ─────────────────────────────

/// Where things are in the letter's paragraph list.
pub(super) struct Layout {
    pub(super) salutation: Option<usize>,
    /// First paragraph of the reply proper (after "…现答复如下：").
    pub(super) body_start: usize,
    /// Index of the signature (or date line); the reply proper ends before it.
    pub(super) body_end: usize,
    pub(super) date_line: Option<usize>,
    pub(super) signature: Option<usize>,
    /// Text after "现答复如下：" on the intro line itself.
    pub(super) intro_rest: Option<String>,
}

/// A signature line as the unit's name: the seal mark "（盖章）" dropped, and the second
/// nameplate of a unit that has two ("市住房和城乡建设局（市人民防空办公室）", one office under
/// two names) dropped too — the first name is the one it signs as.
pub(super) fn signed_name(block: &str) -> &str {
    let b = block.trim_end_matches(['（', '）', '盖', '章']);
    if let Some(inner) = block.strip_suffix('）')
        && let Some(open) = inner.rfind('（')
        && open > 0
    {
        let second = &inner[open + '（'.len_utf8()..];
        if second.chars().all(is_cjk) && BODY_SUFFIXES.iter().any(|s| second.ends_with(s)) {
            return &block[..open];
        }
    }
    b
}

pub(super) fn is_org_line(block: &str) -> bool {
    let b = signed_name(block);
    // "关于对周村区第十八届人民代表大会": a title broken across lines, not a signature.
    if ["关于", "届", "代表大会", "会议", "委员会第"]
        .iter()
        .any(|w| b.contains(w))
    {
        return false;
    }
    b.chars().count() <= 30
        && b.chars().all(is_cjk)
        && (BODY_SUFFIXES.iter().any(|s| b.ends_with(s))
            || super::owners::parent_of_office(b).is_some())
}

pub(super) fn is_salutation(block: &str) -> bool {
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
    pub(super) fn of(blocks: &[String]) -> Layout {
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
        // "主动公开 / 2024.11.29 / 金红代表提出的…": a date over the letter's paragraphs is the
        // page's metadata, not the closing date line; the body runs on past it.
        let closing_date =
            date_line.filter(|&d| blocks[d + 1..].iter().all(|b| b.chars().count() <= 60));
        let signature = closing_date
            .and_then(|d| d.checked_sub(1))
            .filter(|&s| is_org_line(&blocks[s]) && intro.is_none_or(|i| s > i))
            .map(|mut s| {
                // A joint reply signs with several organisations: the first one leads.
                while s > 0 && is_org_line(&blocks[s - 1]) {
                    s -= 1;
                }
                s
            });
        let body_end = signature.or(closing_date).unwrap_or(blocks.len());
        let body_start = match (intro, salutation) {
            (Some(i), _) => i + 1,
            (None, Some(s)) => s + 1,
            (None, None) => 0,
        };
        let intro_rest = intro.and_then(|i| {
            let b = &blocks[i];
            // After "现答复如下：", or after the sentence that acknowledges the proposal
            // ("…收悉。") when the whole letter was published as one paragraph.
            let at = b.find("如下：").map(|p| p + "如下：".len()).or_else(|| {
                let seen = b.find("收悉")?;
                b[seen..].find('。').map(|p| seen + p + '。'.len_utf8())
            })?;
            let rest = b[at..].trim();
            (rest.chars().count() > 10).then(|| rest.to_owned())
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
pub(super) fn find_title(blocks: &[String]) -> Option<String> {
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
pub(super) fn find_session(blocks: &[String]) -> Option<String> {
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
pub(super) fn find_number(blocks: &[String]) -> Option<String> {
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
pub(super) fn header_date(blocks: &[String]) -> Option<(i32, u32, u32)> {
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

/// "联系人：李某2022年6月29日": the closing date at the end of a contact or signature line
/// below the body, where the space that set it apart is gone. A sentence (with 。) is not
/// such a line.
fn tail_date(blocks: &[String], layout: &Layout) -> Option<(i32, u32, u32)> {
    let from = blocks.len().saturating_sub(6).max(layout.body_start);
    blocks[from..].iter().rev().find_map(|b| {
        let b = b.trim_end();
        if b.contains('。') {
            return None;
        }
        b.char_indices()
            .filter(|&(at, c)| {
                c.is_ascii_digit() && (at == 0 || !b[..at].ends_with(|p: char| p.is_ascii_digit()))
            })
            .find_map(|(at, _)| parse_cn_date(&b[at..]).filter(|&(_, len)| at + len == b.len()))
            .map(|(date, _)| date)
    })
}

/// The replying unit from the letter head: a lone name (letterhead), a title that starts with
/// it ("吉林省科学技术厅关于…的答复", "西街口镇人民政府对…建议的答复"), a title that ends
/// with it in brackets ("…的答复（水利局）"), or a web page's "来源：市教体局".
pub(super) fn header_org(blocks: &[String], layout: &Layout) -> Option<String> {
    let end = layout
        .salutation
        .or(layout.body_start.checked_sub(1))
        .unwrap_or(0)
        .max(1);
    let head = &blocks[..end.min(blocks.len())];
    head.iter().find_map(|b| {
        // "发文机关：…": a metadata label, read by [`label_org`].
        if UNIT_LABELS.iter().any(|l| b.contains(l)) {
            return None;
        }
        // "复文标题：省交通运输厅关于…": a label before the title.
        let b = match b.find('：') {
            Some(at)
                if b[..at].chars().count() <= 6 && !b[at..].trim_start_matches('：').is_empty() =>
            {
                &b[at + '：'.len_utf8()..]
            }
            _ => b.as_str(),
        };
        if is_org_line(b) && !is_salutation(b) {
            return Some(b.to_owned());
        }
        for word in ["关于", "对", "就"] {
            if let Some(at) = b.find(word) {
                let name = &b[..at];
                // "…区第十八届人民代表大会…关于": the session, not a unit.
                let session = ["届", "代表", "会议", "人大", "政协"]
                    .iter()
                    .any(|w| name.contains(w));
                if body_like(name) && !session {
                    return Some(name.to_owned());
                }
            }
        }
        if b.contains("答复")
            && let Some(inner) = b.strip_suffix('）').and_then(|t| t.rsplit('（').next())
            && body_like(inner)
        {
            return Some(inner.to_owned());
        }
        source_org(b).filter(|n| !n.contains("政府"))
    })
}

/// "来源：市教体局", "信息来源：舒城县人民政府": the unit a web page says it comes from. The
/// next line may be glued to it ("来源：石楼县人民政府办公室杨凯云代表："): the name is the
/// unit at the start of what follows the label.
fn source_org(block: &str) -> Option<String> {
    let at = block.find("来源：")? + "来源：".len();
    let name: String = block[at..].chars().take_while(|c| is_cjk(*c)).collect();
    if body_like(&name) {
        return Some(name);
    }
    // The longest unit name at its start that a person's title does not run on from
    // ("淮南高新区管委会程晋仓委员": not …程晋仓委).
    name.char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .rfind(|&e| body_like(&name[..e]) && !name[e..].starts_with(['员', '长']))
        .map(|e| name[..e].to_owned())
}

/// Labels a published letter's metadata puts before the replying unit.
const UNIT_LABELS: [&str; 6] = [
    "发布机构：",
    "发文机关：",
    "发文单位：",
    "主办单位：",
    "承办单位：",
    "答复单位：",
];

/// The replying unit a label names anywhere in the letter: "发布机构：魏县农业农村局",
/// "主办单位：县教育局", "承办单位：清原满族自治县住房和城乡建设局". A township named by its
/// place alone ("发布机构：微山县鲁桥镇") stands for its government.
pub(super) fn label_org(blocks: &[String]) -> Option<String> {
    colon_label_org(blocks).or_else(|| {
        // "发布机构 临沂市住房和城乡建设局 公开日期 …" (its spaces squeezed out by
        // normalising): a page's metadata line with no colon; a full unit name must follow.
        blocks.iter().find_map(|b| {
            UNIT_LABELS.iter().find_map(|label| {
                let base = label.trim_end_matches('：');
                b.match_indices(base).find_map(|(p, _)| {
                    let name: String = b[p + base.len()..]
                        .chars()
                        .take_while(|c| is_cjk(*c))
                        .collect();
                    // The shortest name: the next label ("公开目录人大建议办理结果") follows
                    // with no break and may itself end like a unit.
                    name.char_indices()
                        .map(|(i, c)| &name[..i + c.len_utf8()])
                        .find(|n| super::owners::body_like(n))
                        .map(str::to_owned)
                })
            })
        })
    })
}

fn colon_label_org(blocks: &[String]) -> Option<String> {
    blocks.iter().find_map(|b| {
        UNIT_LABELS.iter().find_map(|label| {
            let at = label_value(b, label)?;
            let name: String = b[at..]
                .trim_start_matches([' ', '|', '｜'])
                .chars()
                .take_while(|c| is_cjk(*c))
                .collect();
            // "发布机构： | 厅办公室 |": the writer's own office, not a unit to name.
            if ["厅办", "局办", "委办", "厅机关", "局机关"]
                .iter()
                .any(|w| name.starts_with(w))
            {
                return None;
            }
            if let Some((unit, _)) = super::owners::leading_body(&name) {
                return Some(unit);
            }
            // "承办单位：清原满族自治县住房和城乡建设": a department's name cut before its 局.
            if DOMAINS
                .iter()
                .chain(&["城乡建设"])
                .any(|d| name.ends_with(d))
                && super::owners::body_like(&format!("{name}局"))
            {
                return Some(format!("{name}局"));
            }
            // The next label may follow with its spaces taken out: "微山县鲁桥镇组配分类：".
            let end = name
                .char_indices()
                .skip(1)
                .find(|(i, c)| matches!(c, '镇' | '乡') && !name[..*i].ends_with('城'))
                .map(|(i, c)| i + c.len_utf8())?;
            (name[..end].chars().count() <= 12).then(|| format!("{}人民政府", &name[..end]))
        })
    })
}

/// Where a label's value starts: "主办单位：X", also in a page's metadata table with a
/// parenthetical before the colon ("主办单位（分办单位）： | 科技厅 |").
fn label_value(block: &str, label: &str) -> Option<usize> {
    let base = label.trim_end_matches('：');
    block.match_indices(base).find_map(|(p, _)| {
        let mut rest = &block[p + base.len()..];
        if let Some(inner) = rest.strip_prefix('（').or_else(|| rest.strip_prefix('(')) {
            let close = inner.find(['）', ')'])?;
            if close > 18 {
                return None;
            }
            let c = inner[close..].chars().next()?;
            rest = &inner[close + c.len_utf8()..];
        }
        let after = rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))?;
        Some(block.len() - after.len())
    })
}

/// Abbreviations in document numbers (个住建函〔2021〕25号) and the units they stand for.
const NUMBER_UNITS: [(&str, &str); 20] = [
    ("住建", "住建局"),
    ("建", "住建局"),
    ("交运", "交通运输局"),
    ("交通", "交通运输局"),
    ("交", "交通运输局"),
    ("教体", "教体局"),
    ("教", "教育局"),
    ("卫健", "卫健局"),
    ("水利", "水利局"),
    ("水务", "水务局"),
    ("水", "水利局"),
    ("财", "财政局"),
    ("农", "农业农村局"),
    ("民", "民政局"),
    ("自然", "自然资源局"),
    ("城管", "城管局"),
    ("环", "生态环境局"),
    ("人社", "人社局"),
    ("发改", "发改委"),
    ("自规", "自规局"),
];

/// The unit a document number names: "个住建函〔2021〕25号" → "住建局" (the place initial dropped).
fn number_unit(blocks: &[String]) -> Option<String> {
    blocks.iter().take(8).find_map(|b| {
        let open = b.find(['〔', '[', '（'])?;
        let head = &b[..open];
        let kind = ["函", "复", "发", "字", "办"]
            .iter()
            .find_map(|k| head.strip_suffix(k))?;
        let letters: Vec<char> = kind.chars().rev().take_while(|c| is_cjk(*c)).collect();
        let abbrev: String = letters.iter().rev().skip(1).collect();
        NUMBER_UNITS
            .iter()
            .find(|(a, _)| abbrev == *a)
            .map(|(_, unit)| (*unit).to_owned())
    })
}

/// Department domains, as a letter names the work it thanks the proposer for caring about
/// ("感谢您对我县水务事业的关心"): the domain plus the kind of unit the writer calls itself
/// (我局 → 局, 我厅 → 厅) names the writer when nothing else does.
const DOMAINS: [&str; 28] = [
    "规划和自然资源",
    "自然资源和规划",
    "交通运输",
    "交通",
    "教育",
    "卫生健康",
    "水务",
    "水利",
    "城市管理",
    "文化和旅游",
    "文化旅游",
    "林业",
    "林草",
    "公安",
    "财政",
    "民政",
    "农业农村",
    "自然资源",
    "生态环境",
    "住房和城乡建设",
    "市场监管",
    "应急管理",
    "商务",
    "司法行政",
    "人力资源和社会保障",
    "退役军人事务",
    "医疗保障",
    "体育",
];

/// Words that make the unit named after them a partner of the writer, not the writer.
const PARTNER_WORDS: [&str; 10] = [
    "配合", "会同", "协调", "协助", "联合", "与", "向", "和", "及", "、",
];

/// Whether a partner word ends right before byte `i` of `all`, or runs across it (the scan
/// reached `i` in the middle of the word: "联合市…" at its 合).
fn partner_word_before(all: &str, i: usize) -> bool {
    PARTNER_WORDS.iter().any(|w| {
        all[..i].ends_with(w)
            || w.char_indices()
                .skip(1)
                .any(|(k, _)| all[..i].ends_with(&w[..k]) && all[i..].starts_with(&w[k..]))
    })
}

/// "感谢您对我县卫生健康事业发展的关心" → 卫生健康 + `kind` (局, 厅, 委).
fn domain_unit(all: &str, kind: &str) -> Option<String> {
    all.match_indices('对').find_map(|(at, _)| {
        let span: String = all[at + '对'.len_utf8()..].chars().take(24).collect();
        let thanks = ["的关心", "的关注", "的支持", "的理解", "的重视"]
            .iter()
            .filter_map(|w| span.find(w))
            .min()?;
        let head = &span[..thanks];
        if head.contains(['，', '。', '、', '；']) {
            return None;
        }
        let work = ["工作", "事业"].iter().filter_map(|w| head.find(w)).min()?;
        // "对天津市规划和自然资源管理工作": the domain's 管理 work is the domain's.
        fn domain_before(b: &str) -> Option<(&str, &'static str)> {
            DOMAINS.iter().find(|d| b.ends_with(**d)).map(|d| (b, *d))
        }
        let (before, domain) = domain_before(&head[..work])
            .or_else(|| head[..work].strip_suffix("管理").and_then(domain_before))?;
        // "对新平县文化旅游工作", "对我县水务事业": the place's level comes with it.
        let level = before[..before.len() - domain.len()]
            .chars()
            .last()
            .filter(|c| "省市县区州旗".contains(*c))
            .map(String::from)
            .unwrap_or_default();
        Some(format!("{level}{domain}{kind}"))
    })
}

/// "交由县农业农村局办理", "已转交县水务局研究办理": the unit the proposal was handed to
/// answers it. A department's name cut before its 局 ("交由县农业农村办理") is completed.
fn handed_to(all: &str) -> Option<String> {
    ["交由", "转交", "转由"].iter().find_map(|w| {
        let at = all.find(w)? + w.len();
        let span: String = all[at..].chars().take(24).collect();
        let end = ["研究办理", "负责办理", "办理", "答复"]
            .iter()
            .filter_map(|v| span.find(v))
            .min()?;
        let name = &span[..end];
        if name.starts_with(['我', '本', '你', '您']) {
            return None;
        }
        if body_like(name) {
            return Some(name.to_owned());
        }
        let completed = format!("{name}局");
        (DOMAINS.iter().any(|d| name.ends_with(d)) && body_like(&completed)).then_some(completed)
    })
}

/// When nothing else names the replying unit: the unit the letter's self-references point
/// at. "我局" → the 局 the letter names most often ("盘山县水利局对…"); "我镇"/"我乡" with
/// no name → 镇政府 / 乡政府. A writer that calls itself only 我们 (or nothing) is the
/// department the letter names with its place ("县水务局已多次…"), else the department of
/// the work it thanks the proposer for caring about ([`domain_unit`]).
fn self_named(blocks: &[String]) -> Option<String> {
    let all: String = blocks
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n");
    let word = [
        ("我局", "局"),
        ("我厅", "厅"),
        ("我委", "委"),
        ("我办", "办"),
        ("我中心", "中心"),
        ("我大队", "大队"),
        ("我镇", "镇"),
        ("我乡", "乡"),
    ]
    .into_iter()
    .filter(|(w, _)| all.contains(w))
    .max_by_key(|(w, _)| all.matches(w).count());
    if let Some(unit) = handed_to(&all) {
        return Some(unit);
    }
    let suffixes: Vec<&str> = match word {
        Some((_, suffix)) => vec![suffix],
        None => vec!["局", "委", "厅", "大队"],
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    // A name is counted once, not again as each of its tails ("区发展改革委").
    let mut past_name = 0;
    for (i, _) in all.char_indices() {
        if i < past_name {
            continue;
        }
        let found = super::owners::leading_body(&all[i..]);
        if let Some((_, len)) = &found {
            past_name = i + len;
        }
        if let Some((name, _)) = found
            && suffixes.iter().any(|s| name.ends_with(s))
            && word.is_none_or(|(w, _)| !name.starts_with(w))
            && name.chars().count() <= 12
            && super::owners::split_place(&name).0.is_some()
            // "积极配合自治区发展改革委…": a partner, not the writer; also when the scan
            // starts inside the word ("联合市生态环境局" read from its 合 as "合市…").
            && !partner_word_before(&all, i)
            && !["问题", "转发", "代表", "届", "会议", "我", "政府"]
                .iter()
                .any(|w| name.contains(w))
        {
            match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, k)) => *k += 1,
                None => counts.push((name, 1)),
            }
        }
    }
    // Longest name among the most frequent: "盘山县水利局" over "水利局".
    let best = counts.iter().map(|(_, k)| *k).max();
    let named = || {
        counts
            .iter()
            .filter(|(_, k)| Some(*k) == best)
            .max_by_key(|(n, _)| n.chars().count())
            .map(|(n, _)| n.clone())
    };
    let kind = match word {
        Some((_, s)) if ["局", "厅", "委"].contains(&s) => s,
        Some(_) => "",
        None if matches!(letter_level(blocks), Some("省" | "自治区")) => "厅",
        None => "局",
    };
    let by_domain = || {
        (!kind.is_empty())
            .then(|| domain_unit(&all, kind))
            .flatten()
    };
    let guess = if word.is_some() {
        named().or_else(by_domain)
    } else {
        by_domain().or_else(named)
    };
    guess.or_else(|| match word.map(|(_, s)| s) {
        Some("镇") => Some("镇政府".to_owned()),
        Some("乡") => Some("乡政府".to_owned()),
        Some(_) => None,
        // "我区正在进行街道社区体制改革…感谢您对我们工作的关心": a writer that speaks only as
        // its place and as 我们, naming no department, is the place's government.
        None => [
            ("我区", "区"),
            ("我县", "县"),
            ("我市", "市"),
            ("我州", "州"),
            ("我旗", "旗"),
        ]
        .into_iter()
        .filter(|(w, _)| all.contains(w))
        .max_by_key(|(w, _)| all.matches(w).count())
        .map(|(_, level)| format!("{level}政府")),
    })
}

/// The last organisation line in the letter's tail (a signature not followed by a date line,
/// or followed by contact lines).
fn tail_org(blocks: &[String], layout: &Layout) -> Option<String> {
    let from = blocks.len().saturating_sub(8).max(layout.body_start);
    blocks[from..].iter().rev().find_map(|b| {
        // "舞钢市教育体育局联系电话：…", "…街道办事处2020年12月17日来源：…": the signature
        // with the date or a contact on its line (spaces next to Chinese are gone by now).
        let cut = ["联系", "来源", "电话"]
            .iter()
            .filter_map(|w| b.find(w))
            .chain(b.find(|c: char| c.is_ascii_digit()))
            .min()
            .unwrap_or(b.len());
        let name = b[..cut].trim_end();
        if let Some(unit) = signed_unit(name) {
            return Some(unit);
        }
        let rest = &b[cut..];
        let furniture = rest.is_empty()
            || (!rest.contains('。')
                && (parse_cn_date(rest).is_some()
                    || parse_iso_date(rest).is_some()
                    || !rest.starts_with(|c: char| c.is_ascii_digit())));
        if furniture && is_org_line(name) && !is_salutation(name) {
            return Some(signed_name(name).to_owned());
        }
        // "联系单位：交通运输部水运局，电话：010-65292650.交通运输部": the signature glued
        // after the contact line's number.
        let glued: String = {
            let mut run: Vec<char> = b.chars().rev().take_while(|c| is_cjk(*c)).collect();
            run.reverse();
            run.into_iter().collect()
        };
        let before = b[..b.len() - glued.len()].chars().next_back();
        (cut < b.len()
            && ["联系", "电话"].iter().any(|w| b.contains(w))
            && before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && is_org_line(&glued))
        .then_some(glued)
    })
}

/// "领导签名：刘某某永春县文化体育和旅游局", "签发人：王强市交通运输局": a signer's label,
/// the signer's name and the unit, with the space between them gone. The unit starts with
/// a place or a level; the name is taken as three characters, else two ("王强市交通运输局").
/// A place cut short by a two-character name loses nothing the short form keeps
/// ("…县文化体育和旅游局" → 县文体旅局).
fn signed_unit(line: &str) -> Option<String> {
    let (label, signed) = line.split_once('：')?;
    if !["签名", "签发", "签字", "签批", "负责人"]
        .iter()
        .any(|w| label.contains(w))
        || label.chars().count() > 6
    {
        return None;
    }
    [3, 2].into_iter().find_map(|skip| {
        let (at, _) = signed.char_indices().nth(skip)?;
        let unit = &signed[at..];
        (is_org_line(unit)
            && super::owners::body_like(unit)
            && super::owners::split_place(unit).0.is_some())
        .then(|| unit.to_owned())
    })
}

/// The level a letter's units work at when a name lacks it ("水利局" in a county letter):
/// from the session (县十六届人大…) or from self-references (我县, 我市…).
pub(super) fn letter_level(blocks: &[String]) -> Option<&'static str> {
    let head: String = blocks.iter().take(6).map(String::as_str).collect();
    for (word, level) in [
        ("自治区", "自治区"),
        ("省", "省"),
        ("州", "州"),
        ("市", "市"),
        ("区", "区"),
        ("县", "县"),
    ] {
        for tail in ["人大", "政协", "十", "第"] {
            if head.contains(&format!("{word}{tail}")) {
                return Some(level);
            }
        }
    }
    let all: String = blocks.iter().map(String::as_str).collect();
    [
        ("我县", "县"),
        ("我区", "区"),
        ("我市", "市"),
        ("我州", "州"),
        ("我省", "省"),
        ("我镇", "镇"),
        ("我乡", "乡"),
    ]
    .into_iter()
    .max_by_key(|(w, _)| all.matches(w).count())
    .filter(|(w, _)| all.contains(w))
    .map(|(_, l)| l)
    // "根据县政府工作部署": with no self-reference by place, the government the letter
    // names most often is the writer's level.
    .or_else(|| {
        [
            ("县政府", "县"),
            ("区政府", "区"),
            ("市政府", "市"),
            ("省政府", "省"),
        ]
        .into_iter()
        .map(|(w, l)| {
            // "省市政府", "市县政府": a list of levels is none of them alone.
            let n = all.matches(w).count().saturating_sub(
                ["省", "市", "县", "区"]
                    .iter()
                    .map(|x| all.matches(&format!("{x}{w}")).count())
                    .sum::<usize>(),
            );
            (n, l)
        })
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map(|(_, l)| l)
    })
}

pub(super) fn read_letter(
    blocks: &[String],
    layout: &Layout,
    warnings: &mut Vec<String>,
) -> LetterDraft {
    let proposer = layout.salutation.map(|i| {
        let name = blocks[i].trim_end_matches('：');
        name.strip_prefix("尊敬的").unwrap_or(name).to_owned()
    });
    let replied_by = layout
        .signature
        .map(|i| signed_name(&blocks[i]).to_owned())
        // A government's portal publishes its departments' letters ("发文机关：天水市人民政府
        // 办公室", "信息来源：舒城县人民政府"): a government named by a page's label or source
        // is the writer only when the letter itself names no other unit.
        .or_else(|| label_org(blocks).filter(|n| !n.contains("政府")))
        .or_else(|| header_org(blocks, layout))
        .or_else(|| tail_org(blocks, layout))
        .or_else(|| number_unit(blocks))
        .or_else(|| label_org(blocks));
    // "中国民用航空局综合司": a ministry's internal office signs for the ministry.
    let replied_by = replied_by.map(|n| {
        super::owners::parent_of_office(&n)
            .map(str::to_owned)
            .unwrap_or(n)
    });
    // What the letter's wording suggests when nothing names the unit: a guess, said so.
    let guessed = replied_by.is_none();
    let replied_by = replied_by
        .or_else(|| self_named(blocks))
        .or_else(|| blocks.iter().take(8).find_map(|b| source_org(b)))
        .inspect(|name| {
            if guessed {
                warnings.push(format!(
                    "the replying unit `{name}` was inferred from the letter's wording (self-references, thanks, units it names), not read from a signature or heading; check the owners"
                ));
            }
        })
        .map(|name| {
            // "水利局" in a county letter is the county's.
            match letter_level(blocks) {
                Some(level)
                    if super::owners::split_place(&name).0.is_none()
                        && !name.contains("政府")
                        && super::owners::zone_of_committee(&name).is_none() =>
                {
                    format!("{level}{name}")
                }
                _ => name,
            }
        });
    if replied_by.is_none() {
        warnings.push(
            "no signature naming the replying unit was found; promises without a subject need an owner"
                .to_owned(),
        );
    }
    let replied_on = layout
        .date_line
        .and_then(|i| parse_date_line(&blocks[i]))
        .or_else(|| header_date(blocks))
        .or_else(|| tail_date(blocks, layout));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The replying unit `read_letter` finds in a letter of these lines.
    fn read(lines: &[&str]) -> Option<String> {
        let blocks: Vec<String> = lines.iter().map(|line| (*line).to_owned()).collect();
        let layout = Layout::of(&blocks);
        read_letter(&blocks, &layout, &mut Vec::new()).replied_by
    }

    #[test]
    fn a_date_at_the_end_of_the_contact_line_is_the_reply_date() {
        let lines = [
            "张代表：",
            "您提出的关于修缮古街的建议收悉，现答复如下：",
            "我局将配合建设单位做好文物修缮工作。",
            "专此答复",
            "永春县文化体育和旅游局",
            "联系人：李某2022年6月29日",
            "联系电话：12345678",
        ];
        let blocks: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let layout = Layout::of(&blocks);
        let letter = read_letter(&blocks, &layout, &mut Vec::new());
        assert_eq!(letter.replied_on, Some((2022, 6, 29)));
        // A date inside a sentence of the body is not the letter's.
        let body: Vec<String> = [
            "张代表：",
            "您的建议收悉，现答复如下：",
            "我局将于2023年6月30日前完成修缮。",
        ]
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
        let layout = Layout::of(&body);
        assert_eq!(
            read_letter(&body, &layout, &mut Vec::new()).replied_on,
            None
        );
    }

    #[test]
    fn a_signers_line_names_the_unit_after_the_signer() {
        let letter = |signature: &str| {
            read(&[
                "张代表：",
                "您提出的关于修缮古街的建议收悉，现答复如下：",
                "我局将配合建设单位做好文物修缮工作。",
                "专此答复",
                signature,
                "联系人：李某2022年6月29日",
            ])
        };
        assert_eq!(
            letter("领导签名：刘德华永春县文化体育和旅游局").as_deref(),
            Some("永春县文化体育和旅游局")
        );
        assert_eq!(
            letter("签发人：王强市交通运输局").as_deref(),
            Some("市交通运输局")
        );
        // A signer's line with no unit after the name names none.
        assert_eq!(letter("领导签名：刘德华"), None);
    }

    #[test]
    fn a_ministrys_office_or_a_signature_glued_to_the_contact_line_names_the_writer() {
        let letter = |tail: &[&str]| {
            let mut lines = vec![
                "国家发展改革委办公厅：",
                "经研究，提出如下协办意见：",
                "下一步，我局将积极配合贵委，加快推进项目前期工作。",
            ];
            lines.extend_from_slice(tail);
            read(&lines)
        };
        assert_eq!(
            letter(&["中国民用航空局综合司", "2023年5月26日"]).as_deref(),
            Some("中国民用航空局")
        );
        assert_eq!(
            letter(&[
                "联系单位：交通运输部水运局，电话：010-65292650.交通运输部",
                "2021年5月20日"
            ])
            .as_deref(),
            Some("交通运输部")
        );
    }

    #[test]
    fn a_zones_committee_takes_no_level_from_the_letter() {
        let lines = [
            "对安宁市政协六届五次会议第190号提案的答复",
            "保卫宏委员：",
            "您提出的提案收悉，现答复如下：",
            "我委将加大与供电部门的对接协调力度。",
            "感谢您对我市工作的支持。",
        ];
        let mut with_tail = lines.to_vec();
        with_tail.extend(["安宁工业园区管理委员会", "2021年7月13日"]);
        assert_eq!(read(&with_tail).as_deref(), Some("安宁工业园区管理委员会"));
    }

    #[test]
    fn a_pages_source_label_glued_to_the_salutation_names_the_writer() {
        let lines = [
            "关于对县人大第十七届五次会议第18号议案的答复",
            "石楼县政府www.sxshilou.gov.cn 2025-02-06 12:23来源：石楼县人民政府办公室杨凯云代表：",
            "您提出的建议已收悉，经研究，现答复如下：",
            "我们将持续优化施工方案。",
        ];
        assert_eq!(read(&lines).as_deref(), Some("石楼县人民政府办公室"));
        assert_eq!(
            source_org("发布日期：2023-05-31 18:19来源：淮南高新区管委会程晋仓委员：").as_deref(),
            Some("淮南高新区管委会")
        );
    }

    #[test]
    fn enumeration_marks_and_their_levels() {
        let level = |s: &str| ordinal(s).map(|o| o.level);
        assert_eq!(level("一、基本情况"), Some(1));
        assert_eq!(level("（二）下一步工作"), Some(2));
        assert_eq!(level("3、推进建设"), Some(3));
        assert_eq!(level("（4）完善政策"), Some(4));
        assert_eq!(level("第二步对城区学校补充安装空调。"), Some(6));
        assert_eq!(level("①加强领导"), Some(5));
        assert_eq!(level("二是优化布局"), Some(6));
        assert_eq!(level("1.3亿元"), None);
        assert_eq!(level("省财政厅将"), None);
    }

    #[test]
    fn a_date_over_the_letters_paragraphs_is_the_pages_metadata() {
        let blocks: Vec<String> = [
            "六届四次第109号代表建议的答复",
            "主动公开",
            "2024.11.29",
            "金红代表提出的关于协同推进违法用地处置工作的建议。经多次对接，相关问题已得到解决，下一步，区局将对接区绿容局逐步解决存量问题。",
        ]
        .map(str::to_owned)
        .to_vec();
        let layout = Layout::of(&blocks);
        assert_eq!(layout.body_end, 4);
        assert_eq!(layout.date_line, Some(2));
        assert_eq!(layout.signature, None);
    }

    #[test]
    fn headings_say_what_follows() {
        let kind = |s: &str| as_heading(s).map(|h| h.kind);
        assert_eq!(kind("（二）下一步工作"), Some(HeadKind::NextSteps));
        assert_eq!(kind("三、下步工作方向"), Some(HeadKind::NextSteps));
        assert_eq!(kind("二、解决措施"), Some(HeadKind::NextSteps));
        assert_eq!(kind("（一）举措及成效"), Some(HeadKind::Progress));
        assert_eq!(kind("一、关于“强化创新能力”的建议"), Some(HeadKind::Topic));
        assert_eq!(kind("1、推进智慧交通建设，力争年内完成。"), None);
        assert_eq!(kind("三、我局将加强水厂运行管理，开展好管水员培训，"), None);
        assert_eq!(kind("三、关于供水问题"), Some(HeadKind::Topic));
        assert_eq!(
            topic_of("一、关于“强化创新能力”的建议"),
            "一、关于“强化创新能力”的建议"
        );
        assert_eq!(topic_of("关于“强化创新能力”的建议"), "强化创新能力");
    }

    #[test]
    fn the_level_from_the_government_a_letter_names_most() {
        let level = |s: &str| letter_level(&[s.to_owned()]);
        assert_eq!(
            level("同时根据县政府工作部署，拟在园区建设污水处理厂。"),
            Some("县")
        );
        // A self-reference by place wins; a list of levels counts for none.
        assert_eq!(level("我市将报请省市政府支持。"), Some("市"));
        assert_eq!(level("争取省市政府支持。"), None);
    }

    #[test]
    fn the_replying_unit_from_a_metadata_label() {
        let org = |s: &str| label_org(&[s.to_owned()]);
        assert_eq!(
            org("发布机构：魏县农业农村局").as_deref(),
            Some("魏县农业农村局")
        );
        assert_eq!(org("主办单位：县教育局").as_deref(), Some("县教育局"));
        // A page's metadata table, with a parenthetical before the colon.
        assert_eq!(
            org("建议公开范围： | 仅公开标题 | 主办单位（分办单位）： | 科技厅 | 协办单位：")
                .as_deref(),
            Some("科技厅")
        );
        assert_eq!(
            org("文号： | 甘交办案〔2014〕5号 | 发布机构： | 厅办公室 |"),
            None
        );
        assert_eq!(
            org("发布机构：微山县鲁桥镇组配分类：政协提案").as_deref(),
            Some("微山县鲁桥镇人民政府")
        );
        assert_eq!(org("发布机构：").as_deref(), None);
        // Labels separated from their values by spaces.
        assert_eq!(
            org("发布机构临沂市住房和城乡建设局公开日期2025-09-15").as_deref(),
            Some("临沂市住房和城乡建设局")
        );
        assert_eq!(
            org("发布机构龙陵县文化和旅游局公开目录人大建议办理结果").as_deref(),
            Some("龙陵县文化和旅游局")
        );
        // The words inside prose are no label.
        assert_eq!(org("本网发布机构调整").as_deref(), None);
    }

    #[test]
    fn the_replying_unit_from_the_letter_head() {
        assert_eq!(
            read(&[
                "复文标题：省交通运输厅关于省十三届人大四次会议第258号建议的答复",
                "谢咏梅代表：",
                "您提出的建议收悉，现答复如下：",
                "下一步，我厅将加快建设。"
            ])
            .as_deref(),
            Some("省交通运输厅")
        );
        assert_eq!(
            read(&[
                "对县十六届人大一次会议第3号建议的答复（水利局）",
                "王孝友代表：",
                "你提出的建议收悉。",
                "我局将适时组织实施。"
            ])
            .as_deref(),
            Some("县水利局")
        );
        assert_eq!(
            read(&[
                "个住建函〔2021〕25号",
                "张三代表：",
                "您提出的建议收悉。",
                "我局将积极推进。",
                "2021年6月1日"
            ])
            .as_deref(),
            Some("住建局")
        );
    }

    #[test]
    fn a_unit_with_two_nameplates_signs_with_the_first() {
        assert_eq!(
            signed_name("安康市住房和城乡建设局（市人民防空办公室）"),
            "安康市住房和城乡建设局"
        );
        assert_eq!(signed_name("某县交通运输局（盖章）"), "某县交通运输局");
        assert_eq!(
            read(&[
                "张三代表：",
                "您提出的建议收悉，现答复如下：",
                "下一步我局将督促有关部门做好街区保护工作。",
                "感谢您对城市建设工作的关心和支持。",
                "安康市住房和城乡建设局（市人民防空办公室）",
                "202293",
                "联系单位及电话：市住建局（市人防办）0915-1234567"
            ])
            .as_deref(),
            Some("安康市住房和城乡建设局")
        );
    }

    #[test]
    fn a_unit_the_writer_works_with_is_not_the_writer() {
        // The scan meets "联合市生态环境局" at its 合 too ("合市…" looks like a place): the
        // unit after 联合 is a partner however the scan reaches it.
        assert!(partner_word_before(
            "我局将联合市生态环境局",
            "我局将联".len()
        ));
        assert!(partner_word_before(
            "我局将联合市生态环境局",
            "我局将联合".len()
        ));
        assert!(!partner_word_before(
            "我局将联合市生态环境局",
            "我局将".len()
        ));
        assert_eq!(
            read(&[
                "关于市政协第0432号提案的答复",
                "郭建华委员：",
                "您提出的建议收悉，现答复如下：",
                "对于近期村庄急需建设的项目，可组织编制村庄规划。我局将联合市生态环境局等单位做好相关服务工作。",
                "再次感谢您对天津市规划和自然资源管理工作的关心和指导。"
            ])
            .as_deref(),
            Some("市规划和自然资源局")
        );
    }

    #[test]
    fn the_replying_unit_when_the_letter_never_names_itself() {
        // The department of the work the writer thanks the proposer for caring about, with
        // the kind of unit it calls itself (我厅) and the letter's level.
        assert_eq!(
            read(&[
                "对政协甘肃省十一届四次会议第181号提案的答复",
                "你们提出的提案收悉，现答复如下：",
                "我厅将在规划调整时对该项目予以重点考虑。",
                "感谢你们对交通工作的关心与支持！"
            ])
            .as_deref(),
            Some("省交通厅")
        );
        assert_eq!(
            domain_unit("再次感谢你们对新平县文化旅游工作的关注与支持", "局").as_deref(),
            Some("县文化旅游局")
        );
        // "对公安工作的重视和关心": regard is thanked for like care.
        assert_eq!(
            domain_unit("感谢您对公安工作的重视和关心。", "局").as_deref(),
            Some("公安局")
        );
        // Work that is no department's domain names nobody.
        assert_eq!(domain_unit("感谢您对政府工作的关心和支持。", "局"), None);
        // The domain's 管理 work names the domain's unit.
        assert_eq!(
            domain_unit(
                "再次感谢您对天津市规划和自然资源管理工作的关心和指导。",
                "局"
            )
            .as_deref(),
            Some("市规划和自然资源局")
        );
        assert_eq!(
            domain_unit("感谢您对城市管理工作的支持。", "局").as_deref(),
            Some("城市管理局")
        );
        // A writer that says only 我们: the department the letter names with its place.
        assert_eq!(
            read(&[
                "李家彪代表：",
                "您提出的建议收悉，现答复如下：",
                "县水务局已多次向省、州水务部门汇报，我们将继续争取资金。"
            ])
            .as_deref(),
            Some("县水务局")
        );
        // A guess is said so, for the reviewer.
        let b: Vec<String> = [
            "李家彪代表：",
            "您的建议收悉，现答复如下：",
            "县水务局已多次汇报，我们将继续争取资金。",
        ]
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
        let mut warnings = Vec::new();
        read_letter(&b, &Layout::of(&b), &mut warnings);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("`县水务局` was inferred")),
            "{warnings:?}"
        );
        // A writer that speaks only as its place and as 我们 is the place's government.
        assert_eq!(
            read(&[
                "李言璐代表：",
                "您的建议收悉，现答复如下：",
                "目前我区正在进行街道社区体制改革，下一步将对社区办公用房进行整合。",
                "感谢您一直以来对我们工作的关心和支持。"
            ])
            .as_deref(),
            Some("区政府")
        );
        // A signature with its date or contact on the same line.
        assert_eq!(
            read(&[
                "网民：",
                "交办单收悉，现报告如下：",
                "下一步，我街道将继续关注此事。",
                "重庆市开州区人民政府镇东街道办事处2020年12月17日来源：问政专区"
            ])
            .as_deref(),
            Some("重庆市开州区人民政府镇东街道办事处")
        );
        // A unit whose name ends in 大队, on the letterhead.
        assert_eq!(
            read(&[
                "罗甸县消防救援大队",
                "熊灿代表：",
                "你的建议收悉，现答复如下。",
                "下一步，我大队将持续跟踪资金划拨情况。"
            ])
            .as_deref(),
            Some("罗甸县消防救援大队")
        );
    }

    #[test]
    fn a_governments_portal_is_not_the_writer_and_a_handed_proposal_names_it() {
        assert_eq!(
            read(&[
                "发文机关：天水市人民政府办公室",
                "天水市交通运输局关于对市八届人大五次会议第144号建议的答复",
                "马创成代表：",
                "你们提出的建议收悉，现答复如下。",
                "我局将积极争取项目资金。"
            ])
            .as_deref(),
            Some("天水市交通运输局")
        );
        // With no other unit named, the government's label stands.
        assert_eq!(
            read(&[
                "发布机构：盘锦市双台子区人民政府",
                "李言璐代表：",
                "您的建议收悉，现答复如下：",
                "我们将整合社区用房。"
            ])
            .as_deref(),
            Some("盘锦市双台子区人民政府")
        );
        assert_eq!(
            handed_to("你们提出的建议，交由县农业农村办理，现答复如下：").as_deref(),
            Some("县农业农村局")
        );
        assert_eq!(handed_to("您的建议交由我单位办理。"), None);
    }

    #[test]
    fn a_labelled_department_cut_before_its_suffix() {
        let org = |s: &str| label_org(&[s.to_owned()]);
        assert_eq!(
            org("承办单位：清原满族自治县住房和城乡建设").as_deref(),
            Some("清原满族自治县住房和城乡建设局")
        );
    }
}
