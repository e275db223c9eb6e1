//! Stage 4: promises — walks the paragraphs, tracks next-steps regions and enumerations, and
//! decides which sentences are future work promised by a named or implied body. Pure.

use super::*;

// ───────────────────────────── tense ─────────────────────────────

/// Words that put an action in the future (or make it a standing duty).
pub(super) const FUTURE_WORDS: [&str; 15] = [
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
pub(super) const AFTER_JIANG: [&str; 93] = [
    // "我们将一如既往地争取…", "我们将针对您的建议，…".
    "一如既往",
    "针对",
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
    // "将于2022年…", "将与县财政局…", "将向上级…", "将按程序…", "将通过…".
    "于",
    "与",
    "向",
    "按",
    "通过",
    // "将逐年逐批次实施改造", "将陆续开工": adverbs of manner and time only go before a verb.
    "逐年",
    "逐批",
    "分批",
    "分期",
    "陆续",
    "全面",
    "优先",
    "尽早",
    "按期",
    "如期",
    // "将考虑合理的方式…", "将安排资金": verbs that never begin an object.
    "考虑",
    "安排",
    "采取",
    "着手",
];

pub(super) fn has_future(s: &str) -> bool {
    let s = unquoted(s);
    FUTURE_WORDS.iter().any(|w| match *w {
        "要" => modal_yao(&s),
        "将" => will_jiang(&s),
        _ => s.contains(w),
    })
}

/// 将 as "will" ("我局将加快…", "将于年底…", "市政府将…"), not 将 marking an object
/// ("均已将直行改为…", "将全市信号灯电费问题报市政府").
fn will_jiang(s: &str) -> bool {
    s.match_indices('将').any(|(p, w)| {
        let after = &s[p + w.len()..];
        let before = &s[..p];
        !before.ends_with('已')
            // "二是将监测结果及时通报": 将 opening the measure, its actor implied.
            && (p == 0
                || starts_with_any(after, &AFTER_JIANG).is_some()
                || after.starts_with('会')
                || puts_into(after)
                || starts_with_any(after, &JIANG_OBJECTS).is_none() && before.ends_with(['局', '厅', '委', '府', '们', '道', '市', '县', '区', '镇', '乡', '州', '省', '司', '部', '办', '处', '院', '队', '室', '站', '也', '还', '即', '并', '又', '亦', '均', '都', '必', '仍']))
    })
}

/// What follows 将 when it marks an object (= 把) rather than "will": "我们将我市3个律师
/// 事务所…配备到…", "将该项目列入…".
pub(super) const JIANG_OBJECTS: [&str; 16] = [
    "您", "你", "其", "此", "这", "我", "该", "各", "本", "全市", "全县", "全区", "全省", "上述",
    "相关", "原",
];

/// 要 as "must / will" ("我们要加大…"), not inside 重要, 主要, 需要, 要求, 纲要….
fn modal_yao(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        c == '要'
            && !(i > 0 && "重主需必只纲摘首紧概提".contains(chars[i - 1]))
            && chars.get(i + 1).is_none_or(|n| !"求点素件闻".contains(*n))
    })
}

/// Byte ranges of what a sentence quotes: document titles (《…》) and quoted words (“…”).
/// The words of a title or a quotation are not the writer's tense ("印发《关于加快建设…的
/// 意见》", "提出“…加快建设市级高新区”").
pub(super) fn quoted_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (open, close) in [('《', '》'), ('“', '”')] {
        let mut from = 0;
        while let Some(a) = s[from..].find(open).map(|a| a + from) {
            let body = a + open.len_utf8();
            let Some(b) = s[body..].find(close).map(|b| b + body) else {
                break;
            };
            spans.push((body, b));
            from = b + close.len_utf8();
        }
    }
    spans
}

/// The sentence with what it quotes left out ([`quoted_spans`]).
pub(super) fn unquoted(s: &str) -> String {
    let spans = quoted_spans(s);
    if spans.is_empty() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    let mut spans = spans;
    spans.sort_unstable();
    for (a, b) in spans {
        if a < at {
            continue;
        }
        out.push_str(&s[at..a]);
        at = b;
    }
    out.push_str(&s[at..]);
    out
}

/// 了 as a completed-action marker, not inside 了解/为了/除了.
pub(super) fn has_perfective_le(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        c == '了'
            && i > 0
            && !"为除罢不得".contains(chars[i - 1])
            && chars.get(i + 1).is_none_or(|n| *n != '解')
    })
}

/// Statements of what has been or is being done: "已完成", "正抓紧实施", "启动了", "2022年".
pub(super) fn has_past(s: &str, reply_year: Option<i32>) -> bool {
    let progress = [
        "已",
        "正在",
        "正抓紧",
        "正积极",
        // "并正与财政、电业部门协调解决": already under way with them.
        "正与",
        "目前正",
        "截至",
        "先后",
        "业已",
        "累计",
        "近年来",
        "近几年",
        "后来",
        "最终",
        "未能",
        "此前",
        "去年",
        "曾经",
        "高度重视",
        // "乡、村一直计划采取…": a plan held all along, not a new one.
        "一直",
        // "当时领导答复2年内进行安装": what was said or done at that time.
        "当时",
    ];
    // "已建、新建物流园区", "已有基础": 已 describing a thing, not reporting an act.
    let mut s_acts = s
        .replace("已经准备", "准备")
        .replace("已准备", "准备")
        .replace("已建、", "")
        .replace("已有", "")
        .replace("而已", "");
    // "纳入正在编制的规划", "纳入我县正在实施的计划": 正在 describes the plan.
    for w in ["纳入", "列入"] {
        while let Some(p) = s_acts.find(w) {
            let after = &s_acts[p + w.len()..];
            let cut: String = after.chars().take(4).collect();
            let tail = match cut.find("正在") {
                Some(q) => format!("{}{}", &after[..q], &after[q + "正在".len()..]),
                None => after.to_owned(),
            };
            s_acts = format!("{}{}", &s_acts[..p], tail);
        }
    }
    let done = progress.iter().any(|w| s_acts.contains(w));
    done || has_perfective_le(s) || mentions_past_year(s, reply_year)
}

pub(super) fn mentions_past_year(s: &str, reply_year: Option<i32>) -> bool {
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
            && !dates_a_thing(&s[at + '年'.len_utf8()..])
    })
}

/// "2000年以前建成的小区", "2015年修建的道路": the year dates the thing the clause is about
/// (a relative clause ending in 的), not the act the clause reports. `after` follows 年.
pub(super) fn dates_a_thing(after: &str) -> bool {
    let span: String = after
        .chars()
        .take(8)
        .take_while(|c| !"，。；：、".contains(*c))
        .collect();
    span.find('的').is_some_and(|p| {
        ["建成", "修建", "建设", "以前", "前", "出台", "颁布", "成立"]
            .iter()
            .any(|w| span[..p].contains(w))
    })
}

pub(super) const CLOSINGS: [&str; 17] = [
    // "以上是我中心对您提出建议的落实情况，…": the summary that closes the reply.
    "以上是",
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

/// Phrases that mark the letter's courtesies and contact details wherever they stand.
const BOILERPLATE: [&str; 24] = [
    "以上意见供",
    "基本满意",
    "是否满意",
    "反馈表",
    "征询意见",
    "对以上答复",
    "对本答复",
    "有什么意见",
    "如有意见",
    "如有疑问",
    "表示感谢",
    "表示衷心感谢",
    "感谢您",
    "感谢你",
    "宝贵意见",
    "宝贵建议",
    "理解与支持",
    "理解和支持",
    "监督与建议",
    "联系人",
    "联系电话",
    "联系方式",
    "邮政编码",
    "电子邮箱",
];

/// Thanks, feedback invitations, contact lines, bare names and numbers: never a promise.
pub(super) fn is_closing(s: &str) -> bool {
    if starts_with_any(s, &CLOSINGS).is_some() || BOILERPLATE.iter().any(|w| s.contains(w)) {
        return true;
    }
    // "同时，也希望您一如既往地…", "希望你们多提建议意见": what the writer asks of the
    // proposer is courtesy, never a promise.
    let mut head = s;
    while let Some(w) = starts_with_any(
        head,
        &["同时，", "同时", "最后，", "也", "还", "真诚地", "真诚"],
    ) {
        head = &head[w.len()..];
    }
    if head.starts_with("希望") || s.contains("多提") {
        return true;
    }
    // "以上意见，供贵委答复时参考。": a co-handling unit's opinion handed to the main
    // handler for reference closes with this; it promises nothing itself.
    if clauses(s).iter().any(|c| {
        c.starts_with('供') && (c.ends_with("参考") || c.ends_with("参阅") || c.ends_with("研究"))
    }) && s.chars().count() <= 40
    {
        return true;
    }
    // "我们相信…会越来越好", "期待…": a belief or an expectation is not a promise, unless
    // a clause in it says someone will act ("相信，…，区委、区政府将…").
    let bare = starts_with_any(head, &SELF_REFS).map_or(head, |w| &head[w.len()..]);
    if starts_with_any(bare, &["相信", "坚信", "深信", "期待", "期盼", "期望"]).is_some()
        && !bare.contains('将')
    {
        return true;
    }
    // "我们将以这次建议为契机，…": the proposal taken as an occasion, a courtesy pledge.
    if let Some(p) = s.find("为契机")
        && ["建议", "提案", "议案"].iter().any(|w| s[..p].contains(w))
    {
        return true;
    }
    // "我们将积极采纳、认真研究。": a pledge to consider the proposal and nothing else.
    let pledge = bare
        .trim_start_matches(['将', '会'])
        .trim_end_matches(['。', '；', '！']);
    if !pledge.is_empty()
        && pledge.len() < bare.len()
        && pledge.split('、').all(|w| {
            [
                "积极采纳",
                "认真研究",
                "采纳",
                "研究",
                "认真吸纳",
                "吸纳",
                "参考",
                "积极研究",
            ]
            .contains(&w)
        })
    {
        return true;
    }
    // "请市政府…", "建议县政府…": a request to another body, not the writer's promise.
    if let Some(w) = starts_with_any(head, &["请", "恳请", "建议", "提请"])
        && leading_body(&head[w.len()..]).is_some()
    {
        return true;
    }
    // "浙江省公路管理局计划财务处姚康": a unit and a person's name is a contact line.
    if !s.contains(['，', '。', '；']) {
        let n = s.chars().count();
        let contact = s
            .char_indices()
            .skip(n.saturating_sub(3))
            .take(2)
            .any(|(i, _)| body_like(&s[..i]));
        if contact {
            return true;
        }
    }
    // "…，现就您所提建议的办理情况答复如下：": the reply's opening, wherever it stands.
    if ["答复如下", "回复如下", "函复如下"]
        .iter()
        .any(|w| s.contains(w))
        && s.ends_with('：')
    {
        return true;
    }
    // "王忠伟212542", "0871-67796549）", "西街口镇人民政": too short to promise anything.
    let cjk = s.chars().filter(|c| is_cjk(*c)).count();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    cjk < 8 || digits * 2 > cjk
}

/// "下一步，", "今后一个时期，", "下一步工作中，" at the start; returns its byte length.
pub(super) fn next_steps_marker(s: &str) -> Option<usize> {
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

/// "针对你们提出的建议，我局积极采纳意见，" cut before "一是…": a lead-in (ending in a comma)
/// one of whose clauses opens with the writer, reporting nothing done; not a purpose clause
/// ("为持续推进…，我局落实…，一是…" reports current work).
pub(super) fn writer_lead_in(seg: &str, reply_year: Option<i32>) -> bool {
    seg.ends_with('，')
        && !seg.starts_with('为')
        && !has_past(seg, reply_year)
        && !has_perfective_le(seg)
        && !seg.contains('已')
        && seg
            .split('，')
            .any(|c| starts_with_any(skip_heads(c), &SELF_REFS).is_some())
}

/// "下一步计划，", "在接下来的工作中，": a next-steps marker and its time phrase, nothing else.
pub(super) fn marker_alone(s: &str) -> bool {
    let b = s.strip_prefix('在').unwrap_or(s);
    next_steps_marker(b).is_some_and(|m| b[m..].trim_matches(['，', '：', ' ']).is_empty())
}

/// "在加强国际合作与交流方面，" at the start; returns its byte length.
pub(super) fn aspect_prefix(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('在')?;
    let at = rest.find("方面，")?;
    (rest[..at].chars().count() <= 30 && !rest[..at].contains('。'))
        .then(|| '在'.len_utf8() + at + "方面，".len())
}

// ───────────────────────────── finding promises ─────────────────────────────

/// Splits a paragraph into sentences (at 。！？；：) and before inline enumerations that
/// follow a comma ("…，二是…").
pub(super) fn segments(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut cuts = vec![0];
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        // "1.积极协调配套公厕建设方案：密切跟踪…": an item's own title, not an intro.
        let item_title = c == '：' && {
            let last = cuts.last().copied().unwrap_or(0);
            let before = &text[last..i];
            let rest = &text[i + c.len_utf8()..];
            ordinal(before.trim_start()).is_some()
                && before.chars().count() <= 24
                && !rest.trim().is_empty()
                && !["以下", "如下", "下列", "方面"]
                    .iter()
                    .any(|w| before.contains(w))
        };
        if TERMINAL.contains(c) && !item_title {
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

pub(super) struct Frame {
    pub(super) level: u8,
    pub(super) kind: HeadKind,
    pub(super) text: String,
}

/// A promise being assembled from one or more sentences.
pub(super) struct Item {
    pub(super) topic: Option<String>,
    pub(super) owner: String,
    pub(super) owner_resolved: bool,
    pub(super) co_owners: Vec<String>,
    pub(super) text: String,
    pub(super) source: String,
    pub(super) low_confidence: Vec<String>,
}

impl Item {
    pub(super) fn finish(
        self,
        reply: Option<(i32, u32, u32)>,
        warnings: &mut Vec<String>,
    ) -> CommitmentDraft {
        let reply_year = reply.map(|d| d.0);
        let mut text = self.text.trim().to_owned();
        if text.ends_with(['；', '，', '、']) {
            text.pop();
            text.push('。');
        }
        let mut low = self.low_confidence;
        if text.chars().count() > 300 {
            low.push("long item; it may hold several promises".to_owned());
        }
        let relative = ["年内", "年底", "月底", "明年", "后年", "年之内"]
            .iter()
            .any(|w| text.contains(w));
        let due = find_due(&text, reply);
        // A deadline written without its year was counted from the reply date: say so.
        let written_year = due.is_some_and(|(y, _, _)| text.contains(&format!("{y}年")));
        if due.is_some() && !written_year {
            low.push("due date counted from the reply date".to_owned());
        }
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
            checks: low,
        }
    }
}

pub(super) fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Whom a promise belongs to, after resolution.
#[derive(Clone)]
pub(super) struct Owner {
    pub(super) name: String,
    pub(super) resolved: bool,
    pub(super) co: Vec<String>,
    pub(super) low: Option<String>,
}

pub(super) struct Walker<'o, 'a> {
    pub(super) options: &'o Options<'a>,
    /// The replying unit as written in the letter.
    pub(super) replying: Option<String>,
    pub(super) reply_year: Option<i32>,
    pub(super) reply: Option<(i32, u32, u32)>,
    pub(super) stack: Vec<Frame>,
    /// An inline "下一步，…" region ends at a heading of this level or higher (-1: never).
    pub(super) inline_until: Option<i16>,
    pub(super) region_seen: bool,
    /// The last sentence piece was a lead-in in the writer's voice cut before "，一是…"
    /// ("我局积极采纳意见，一是…；二是…"): its items are the writer's measures.
    pub(super) writer_lead: bool,
    /// The subject of an intro such as "下一步，省卫健委将重点做好以下工作：".
    pub(super) default_owner: Option<Subject>,
    /// The item that a sentence without its own ordinal or subject continues.
    pub(super) current: Option<usize>,
    /// Whether `current` was opened by an enumerated item (一是…, 1.…).
    pub(super) current_numbered: bool,
    /// The last unit named as a sentence's subject in this paragraph: a following sentence
    /// with no subject of its own ("在规划中将结合…") continues it.
    pub(super) last_named: Option<Subject>,
    /// Whether a sentence of the reply was read yet: a reply that opens with an enumerated
    /// item (一是…) is a list of measures.
    pub(super) started: bool,
    /// Whether the last sentence read was a promise: items 一是… right after it spell it out.
    pub(super) promised_last: bool,
    /// Whether the last sentence read pledged support in principle ("…我们将积极配合。"):
    /// not a promise itself, but items 一是… right after it spell out what it will do.
    pub(super) pledged_last: bool,
    /// Whether the last sentence was a share of a plan broken down among units and ended
    /// with ；: the next one naming a unit is another share.
    pub(super) breakdown: bool,
    /// Whether the last sentence read ended with ；: the next is part of the same sentence.
    pub(super) after_semicolon: bool,
    /// How many items there were when the current paragraph began.
    pub(super) block_start: usize,
    /// Why the plan whose shares are being read was flagged.
    pub(super) share_why: Option<String>,
    pub(super) items: Vec<Item>,
    /// Every sentence piece read and what the rules made of it, when tracing
    /// ([`super::units`]); `None` on the import path.
    pub(super) trace: Option<Vec<super::units::Unit>>,
    /// Paragraphs read so far (for the trace).
    pub(super) blocks_read: usize,
}

impl<'o, 'a> Walker<'o, 'a> {
    pub(super) fn new(letter: &LetterDraft, options: &'o Options<'a>) -> Self {
        Walker {
            options,
            replying: letter.replied_by.clone(),
            reply_year: letter.replied_on.map(|d| d.0),
            reply: letter.replied_on,
            stack: Vec::new(),
            inline_until: None,
            region_seen: false,
            writer_lead: false,
            default_owner: None,
            current: None,
            current_numbered: false,
            last_named: None,
            started: false,
            promised_last: false,
            pledged_last: false,
            breakdown: false,
            share_why: None,
            block_start: 0,
            after_semicolon: false,
            items: Vec::new(),
            trace: None,
            blocks_read: 0,
        }
    }

    pub(super) fn in_region(&self) -> bool {
        self.inline_until.is_some() || self.stack.iter().any(|f| f.kind == HeadKind::NextSteps)
    }

    pub(super) fn in_progress(&self) -> bool {
        self.stack.iter().any(|f| f.kind == HeadKind::Progress)
    }

    pub(super) fn topic(&self) -> Option<String> {
        self.stack
            .iter()
            .rev()
            .find(|f| f.kind == HeadKind::Topic)
            .map(|f| topic_of(&f.text))
    }

    pub(super) fn block(&mut self, block: &str) {
        self.blocks_read += 1;
        self.block_start = self.items.len();
        self.after_semicolon = false;
        self.breakdown = false;
        self.current = None;
        self.last_named = None;
        match as_heading(block) {
            Some(h) => {
                // "下一步，我们将从以下几个方面重点用力。" then "（一）加快推进…建设。积极配合…":
                // inside next-steps, a numbered line whose title is a measure and whose
                // sentences spell it out is one measure, the title first, not only a section
                // heading. Its sentences naming their own actor ("省教育厅将…") are measures
                // of their own under the heading, as before.
                let measure = self.in_region()
                    && measure_title(&h.text)
                    && h.rest.as_deref().is_some_and(|r| {
                        parse_subject(r).is_none_or(|s| s.bodies.is_empty())
                            && later_subject(r).is_none_or(|s| s.bodies.is_empty())
                    });
                if self.trace.is_some() {
                    self.traced(&h.text, true, |_, _| {});
                }
                self.heading(h.level, h.kind, h.text);
                if measure {
                    self.content(block);
                } else if let Some(rest) = h.rest {
                    self.content(&rest);
                }
            }
            None => self.content(block),
        }
    }

    pub(super) fn heading(&mut self, level: u8, kind: HeadKind, text: String) {
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

    pub(super) fn content(&mut self, text: &str) {
        // "下一步。我局将…": a marker written as a sentence of its own opens what follows.
        let mut text = text.to_owned();
        for m in MARKERS {
            let alone = format!("{m}。");
            let mut from = 0;
            while let Some(p) = text[from..].find(&alone).map(|p| p + from) {
                let opens = p == 0 || text[..p].ends_with(['。', '；', '：', ' ']);
                from = p + alone.len();
                if opens && from < text.len() {
                    text.replace_range(p..from, &format!("{m}，"));
                }
            }
        }
        for seg in segments(&text) {
            if self.trace.is_some() {
                self.traced(seg, false, |w, seg| w.segment(seg));
            } else {
                self.segment(seg);
            }
        }
    }

    pub(super) fn segment(&mut self, seg: &str) {
        let ord = ordinal(seg);
        let body = &seg[ord.map_or(0, |o| o.len)..];
        // The unit acting in this sentence, whichever clause names it ("目前，…，市发展改革委正在…").
        // "县电信公司已新建基站1个。我局将组织…。如若具备条件将尽快…申报": the writer, named
        // by self-reference, is the last actor named too; a body that only regards the matter
        // as important (…非常重视) is background, not an actor.
        let named = body.split('，').take(4).find_map(|clause| {
            parse_subject(clause).filter(|s| {
                (!s.bodies.is_empty() || s.self_ref.is_some()) && !regard_only(&clause[s.end..])
            })
        });
        let was_in_region = self.in_region();
        // "现答复如下。一是增设消火栓…。二是…": a reply whose first sentence is an item 一是…
        // written in the present is a list of measures, as if under a next-steps heading.
        // "…我们将积极配合。一是积极配合市发改部门…": items that spell out a promise just made.
        // "一、…。我局将…。二、积极配合协助…": the next item after a promised one, opening
        // with an action verb, is a measure too.
        // "一是关于建议在老城区增加室外体育设施的建议。": an item that names a part of the
        // proposal is its topic, not a measure, and opens no list of measures.
        if ord.is_some() && proposal_topic(body) {
            self.started = true;
            self.promised_last = false;
            self.current = None;
            return;
        }
        let sibling = self.promised_last && opens_with_action(body);
        // A reply's first 一是 under a section heading ("一、强化供水监督管理") is the section's
        // report, not a list of measures.
        let writer_lead = std::mem::take(&mut self.writer_lead);
        if ((!self.started && self.stack.is_empty())
            || self.promised_last
            || self.pledged_last
            || writer_lead)
            && ord.is_some()
            && (seg.starts_with("一是")
                || (self.promised_last && seg.starts_with("第一步"))
                || sibling)
            && !self.in_region()
            && !self.in_progress()
            && !has_past(body, self.reply_year)
        {
            self.region_seen = true;
            let deepest = self.stack.last().map_or(-1, |f| i16::from(f.level));
            self.inline_until = Some(deepest);
        }
        // "下步，我们将结合…，围绕…融合发展。一方面…；另一方面…": the sentence that a list
        // in the same paragraph opens right after is its lead-in, not a measure of its own;
        // so is a promise found elsewhere that a list opens right after ("决定实施…工程。
        // 第一步…").
        let first_item = starts_with_any(seg, &["一是", "一方面", "首先，", "第一步"]).is_some();
        let lead_in = if was_in_region {
            !self.current_numbered && self.current.is_some_and(|i| i + 1 == self.items.len())
        } else {
            self.in_region()
        };
        if first_item
            && self.in_region()
            && self.promised_last
            && lead_in
            && let Some(lead) = self.items.pop()
        {
            self.default_owner = parse_subject(&lead.text).filter(|s| !s.bodies.is_empty());
            self.current = None;
        }
        // "…，我局积极谋划项目多渠道争取资金…。一是规划新建…，拟通过…" outside a next-steps
        // section: a promise that items promising in their turn open right after is their
        // lead-in too, once the first of them is read as a promise.
        let outside_lead = (first_item
            && !was_in_region
            && !self.in_region()
            && self.promised_last
            && self.items.len() > self.block_start)
            .then(|| self.items.len() - 1);
        if self.share(seg, ord.is_some(), body) {
            self.started = true;
            self.promised_last = true;
            return;
        }
        self.started = true;
        let before = self.items.len();
        self.pledged_last = false;
        self.segment_inner(seg, ord, body);
        let pledged = self.pledged_last;
        if let Some(lead) = outside_lead
            && self.items.len() > before
        {
            self.items.remove(lead);
            self.current = self.current.map(|c| c.saturating_sub(1));
        }
        self.after_semicolon = seg.trim_end().ends_with('；');
        self.writer_lead = ord.is_none() && writer_lead_in(seg, self.reply_year);
        self.promised_last = self.items.len() > before;
        self.pledged_last = pledged;
        if named.is_some() {
            self.last_named = named;
        }
    }

    /// "我市计划2022年建设1000个充电设施。其中市交通局建设150个…；市城管局…；": a plan
    /// broken down among the units that carry it out. Each share is a measure of the unit
    /// it names; the total is their lead-in, not a measure of its own. Returns whether the
    /// sentence was taken as a share.
    fn share(&mut self, seg: &str, numbered: bool, body: &str) -> bool {
        let follows_total = self.promised_last && !numbered && self.items.len() > self.block_start;
        let opening = body
            .strip_prefix("其中，")
            .or_else(|| body.strip_prefix("其中"))
            .filter(|_| follows_total);
        let part = match opening {
            Some(rest) => rest,
            None if self.breakdown && !numbered => body,
            None => {
                self.breakdown = false;
                return false;
            }
        };
        self.breakdown = false;
        let Some(subject) = parse_subject(part).filter(|s| !s.bodies.is_empty()) else {
            return false;
        };
        if has_past(part, self.reply_year) {
            return false;
        }
        let mut why = None;
        if opening.is_some() {
            if let Some(total) = self.items.pop() {
                why = total
                    .low_confidence
                    .iter()
                    .find(|w| w.contains("outside"))
                    .cloned();
                self.share_why = why.clone();
            }
        } else {
            why = self.share_why.clone();
        }
        let owner = self.owner_of(Some(&subject));
        self.push(owner, part.trim_end_matches(['；', '。']), seg, why);
        self.breakdown = seg.trim_end().ends_with('；');
        true
    }

    fn segment_inner(&mut self, seg: &str, ord: Option<Ordinal>, body: &str) {
        // "下一步计划，一是…；二是…": a next-steps marker standing alone before an inline list
        // opens the list, though it is too short to be a sentence of its own.
        if marker_alone(body) && !self.in_region() {
            self.region_seen = true;
            let deepest = self.stack.last().map_or(-1, |f| i16::from(f.level));
            self.inline_until = Some(deepest);
            self.current = None;
            return;
        }
        if is_closing(body) {
            // "感谢…，希望…，我们将把您的意见作为动力，认真做好…": thanks first, then the
            // writer saying what it will do — that clause is still a promise.
            if let Some(at) = writer_will_after_courtesy(body)
                && !framed_improvement(&clauses(body))
            {
                self.outside_segment(&body[at..]);
            } else if let Some(cut) = courtesy_tail(body) {
                // "…，将考虑合理的方式满足资金需求，非常感谢代表提出的…": the promise
                // before the thanks.
                self.outside_segment(&body[..cut]);
            }
            return;
        }
        let lead = skip_connectors(body);
        let probe = &body[lead..];
        // "在下一步的工作中，我们…": the marker framed by 在…中 (not 今后, whose frame is the
        // closing courtesy's) opens the next steps too.
        let framed = probe.strip_prefix('在').and_then(|b| {
            let m = next_steps_marker(b)?;
            let phrase = b[..m].trim_end_matches('，');
            (!b.starts_with("今后") && phrase.ends_with('中') && b[..m].ends_with('，'))
                .then(|| lead + '在'.len_utf8() + m)
        });
        let stripped = next_steps_marker(probe).map(|len| lead + len).or(framed);
        let after_subject_marker =
            parse_subject(probe).is_some_and(|s| next_steps_marker(&probe[s.end..]).is_some());
        if (stripped.is_some() || after_subject_marker) && !self.in_region() {
            self.region_seen = true;
            let deepest = self.stack.last().map_or(-1, |f| i16::from(f.level));
            self.inline_until = Some(deepest);
            self.current = None;
        }
        // "对拟建观音水库我局做了如下工作：": a lead-in that reports work done opens no
        // list of promises, whatever future word (拟建) names its topic.
        let reports_done = || {
            let last = probe
                .trim_end_matches(['：', '。'])
                .rsplit('，')
                .next()
                .unwrap_or(probe);
            ["如下", "以下"].iter().any(|w| last.contains(w)) && has_perfective_le(last)
        };
        if !self.in_region()
            && is_intro(probe)
            && !reports_done()
            && (has_future(&without_restated(probe).replace("现将", ""))
                || announces_measures(probe, self.reply_year))
            && ord.is_none()
        {
            // "我委…将持续开展如下四项工作。": the items that follow are promises; this is not.
            self.region_seen = true;
            let deepest = self.stack.last().map_or(-1, |f| i16::from(f.level));
            self.inline_until = Some(deepest);
        }
        if self.in_region() {
            let text = &body[stripped.unwrap_or(0)..];
            self.region_segment(seg, ord.is_some(), text);
        } else if !self.in_progress() {
            if !self.further_measure(body) {
                self.outside_segment(seg);
            }
        } else if self_will(seg)
            || completion_date(seg).is_some()
            || seg
                .split(['，', '；'])
                .skip(1)
                .any(|clause| next_steps_marker(clause).is_some())
            // "…，计划在2021年底全面建成": a plan dated to its finish.
            || seg.split(['，', '；']).any(|clause| {
                dated_completion(clause)
                    && ["计划", "预计", "力争"].iter().any(|w| clause.contains(w))
            })
            // "…，计划三季度实施…", "力争2025年将…纳入…": an intention with its own time.
            || seg
                .split(['，', '；'])
                .any(|clause| intent_time(clause, self.reply_year))
            // "…，正在报送项目，待审批后，立即开展相关工作": what comes once an awaited step
            // is taken.
            || seg.split(['，', '；']).any(awaits_event)
        {
            // In a report of work done, only "我局将…"/"县卫健局将…", a date set for completion
            // or a clause that turns to what comes next ("…，今后金城林场会加强…") speaks of
            // the future.
            self.outside_segment(seg);
        }
    }

    pub(super) fn region_segment(&mut self, seg: &str, numbered: bool, text: &str) {
        let text = text.trim();
        if text.is_empty() || text.chars().all(|c| is_cjk_punct(c) || c.is_whitespace()) {
            return;
        }
        // "浙江省公路管理局计财处，戴京国": a short line with no action in it is furniture.
        let short = text.chars().filter(|c| is_cjk(*c)).count() <= 16;
        if short && !numbered && !has_future(text) && !text.contains('。') {
            return;
        }
        if is_intro(text) {
            self.default_owner = parse_subject(text);
            self.current = None;
            return;
        }
        if has_past(text, self.reply_year) && !has_future(text) {
            // "二是保障村校延时服务经费。我区…已建立…机制，…": a short item title that its
            // paragraph goes on to report as done heads a report, not a measure.
            if !numbered
                && self.current_numbered
                && let Some(i) = self.current.filter(|&i| i + 1 == self.items.len())
                && i >= self.block_start
                && is_bare_title(&self.items[i].text)
            {
                self.items.pop();
                self.current = None;
            }
            return;
        }
        // "今后我局将继续抓好相关工作，不断优化城市照明管理。": the writer's general stance.
        if framed_improvement(&clauses(seg)) {
            return;
        }
        let aspect = aspect_prefix(text);
        let after_aspect = &text[aspect.unwrap_or(0)..];
        // "四是建议政府及相关部门…": a recommendation to another body, not the writer's promise.
        if strip_joiners(after_aspect).starts_with("建议") {
            // "建议地方政府…，我局将加强行业指导，…": after advice to others, the writer's
            // own clause is its promise.
            if let Some(at) = writer_will_after_courtesy(after_aspect) {
                let own = after_aspect[at..].to_owned();
                self.region_segment(seg, numbered, &own);
            }
            return;
        }
        // "吉林省可根据…按程序申报…": what another body may do is advice.
        if let Some(other) = advised_body(after_aspect)
            && resolve_from(other, self.options, self.replying.as_deref()).0
                != self.replying_owner(None).0
        {
            return;
        }
        // "若…获得通过，建议由贵单位牵头…，我局…将全力配合。": support in principle.
        if generic_pledge(after_aspect) {
            self.pledged_last = true;
            return;
        }
        // "同时要求邱村镇政府会同…": work handed to a unit, which owns it.
        let handed = || {
            let bare = strip_joiners(after_aspect);
            starts_with_any(bare, &DELEGATIONS)
                .and_then(|_| parse_subject(&format!("我们{bare}")))
                .filter(|s| !s.bodies.is_empty())
        };
        let subject = parse_subject(after_aspect)
            .or_else(handed)
            .or_else(|| later_subject(after_aspect));
        let owner = self.owner_of(subject.as_ref());
        let explicit = subject.as_ref().is_some_and(|s| !s.bodies.is_empty());
        // A sentence with a deadline of its own is a milestone to follow up on its own.
        let dated = find_due(text, self.reply);
        let continues = self.current.and_then(|i| self.items.get(i)).filter(|item| {
            !numbered
                && aspect.is_none()
                // "…。由县消防救援大队会同边阳镇人民政府联合编制预算": a sentence that names
                // its own actor is a measure of its own, whether or not it is the item's actor.
                && !explicit
                // "我局将…。同时我局将…。": a sentence that names who acts is a measure of its own.
                && subject.as_ref().is_none_or(|s| s.self_ref.is_none())
                // "下一步，教育部将…。抓紧组建…。加快推进…。": outside an enumerated item, a
                // sentence that opens with its own verb is the next measure.
                // "下一步，我市将加速推进…；加快砖桥水库建设…；": clauses of one sentence
                // joined by ； stay one measure.
                && (self.current_numbered || !opens_with_action(text) || self.after_semicolon)
                // "…指明了方向，下一步，鲁桥镇将持续…": the next steps announced anew.
                && !text.contains("，下一步")
                // "…。同时，充分利用新媒体平台加大宣传…": a further measure of the same actor;
                // so is "同时将根据资金情况…", "此外，…" and "另建立…机制".
                && !text.starts_with("同时，")
                && !further_opening(text)
                && (dated.is_none() || find_due(&item.text, self.reply) == dated)
        });
        if continues.is_some() {
            if let Some(item) = self.current.and_then(|i| self.items.get_mut(i)) {
                item.text.push_str(text);
                item.source.push_str(seg);
                // "…；同时积极配合自治区发展改革委…": a partner named further on.
                for c in owner.co {
                    if c != item.owner && !item.co_owners.contains(&c) {
                        item.co_owners.push(c);
                    }
                }
            }
            return;
        }
        // "下一步，教育部将…。抓紧组建…。": a sentence with no subject of its own is done by
        // the one the previous sentence of the paragraph named.
        let owner = match self.current.and_then(|i| self.items.get(i)) {
            Some(item) if subject.is_none() && !numbered && aspect.is_none() => Owner {
                name: item.owner.clone(),
                resolved: item.owner_resolved,
                co: Vec::new(),
                low: item
                    .low_confidence
                    .iter()
                    .find(|w| w.contains("replying unit"))
                    .cloned(),
            },
            _ => owner,
        };
        self.push_measures(owner, text, seg, None);
        self.current_numbered = numbered;
    }

    /// Pushes a promise, split where the sentence turns to another measure with its own
    /// owner ([`measure_cuts`]): "我局将督促X…，并指导X…，同时…" is three measures.
    pub(super) fn push_measures(
        &mut self,
        owner: Owner,
        text: &str,
        seg: &str,
        why: Option<String>,
    ) {
        let cuts = measure_cuts(text);
        if cuts.is_empty() {
            self.push(owner, text, seg, why);
            return;
        }
        // The writer of the sentence, before any "督促X": it acts in the undelegated clauses.
        let head_end = DELEGATIONS
            .iter()
            .filter_map(|w| text.find(w))
            .min()
            .unwrap_or(text.len());
        let aspect = aspect_prefix(text).unwrap_or(0).min(head_end);
        let main = parse_subject(&text[aspect..head_end]);
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(text.len());
        let mut pieces: Vec<(Owner, &str, bool)> = Vec::new();
        for (i, w) in bounds.windows(2).enumerate() {
            let piece = &text[w[0]..w[1]];
            if i == 0 {
                pieces.push((owner.clone(), piece, true));
                continue;
            }
            let bare = strip_joiners(piece);
            let delegated = starts_with_any(bare, &DELEGATIONS).is_some();
            // "指导X…" with no writer named: the unit told to act owns it.
            let subject = parse_subject(bare)
                .or_else(|| parse_subject(&format!("我们{bare}")))
                .filter(|s| !s.bodies.is_empty());
            let piece_owner = match subject {
                Some(s) => self.owner_of(Some(&s)),
                None => {
                    let mut s = main.clone().unwrap_or_default();
                    if let Some(joint) = parse_subject(&format!("我们{bare}")) {
                        s.co = joint.co;
                    }
                    self.owner_of(Some(&s))
                }
            };
            match pieces.last_mut() {
                // "…督促乡镇…，继续加大…": once work was handed on, the writer's own next
                // clause is a measure of its own even when no unit was named to take it.
                Some(last)
                    if !delegated
                        && !fresh_clause(bare)
                        && last.0.name == piece_owner.name
                        && !DELEGATIONS.iter().any(|w| last.1.contains(w)) =>
                {
                    let start = last.1.as_ptr() as usize - text.as_ptr() as usize;
                    last.1 = &text[start..w[1]];
                    for c in piece_owner.co {
                        if !last.0.co.contains(&c) {
                            last.0.co.push(c);
                        }
                    }
                }
                _ => pieces.push((piece_owner, piece, false)),
            }
        }
        if pieces.len() == 1 {
            let joint = pieces.pop().map(|p| p.0).unwrap_or(owner);
            self.push(joint, text, seg, why);
            return;
        }
        for (k, (piece_owner, piece, _)) in pieces.into_iter().enumerate() {
            let piece = piece.trim_end_matches(['，', '；']);
            // "二是加强监管，要求…；…": the first measure's original text keeps the
            // sentence's head (its number, 下一步), as the letter has it.
            let source = match seg.find(piece) {
                Some(at) if k == 0 => &seg[..at + piece.len()],
                _ => piece,
            };
            self.push(piece_owner, piece, source, why.clone());
        }
    }

    /// "省农业厅将积极支持…。同时，积极探索将…": outside a next-steps section, a sentence
    /// that opens with 同时 and an action of no named actor, right after a promise, is a
    /// further measure of the same actor. Returns whether it was taken.
    fn further_measure(&mut self, body: &str) -> bool {
        let Some(rest) = body.strip_prefix("同时，") else {
            return false;
        };
        if !self.promised_last
            || !opens_with_action(rest)
            || has_past(rest, self.reply_year)
            || parse_subject(rest).is_some_and(|s| !s.bodies.is_empty())
        {
            return false;
        }
        let Some(last) = self.items.last() else {
            return false;
        };
        let owner = Owner {
            name: last.owner.clone(),
            resolved: last.owner_resolved,
            co: Vec::new(),
            low: last
                .low_confidence
                .iter()
                .find(|w| w.contains("replying unit"))
                .cloned(),
        };
        let why = "found outside a next-steps section".to_owned();
        self.push(owner, rest, body, Some(why));
        true
    }

    pub(super) fn outside_segment(&mut self, seg: &str) {
        // An intention stated then ("拟…", "计划…") still stands.
        if dated_before(seg, self.reply) && !["拟", "计划"].iter().any(|w| seg.contains(w)) {
            return;
        }
        let Some(start) = future_clause(seg, self.reply_year) else {
            return;
        };
        let start = writer_intent_before(&seg[..start]).unwrap_or(start);
        let span = seg[start..].trim_start_matches(['，', '；']);
        let subject = parse_subject(span)
            .or_else(|| later_subject(span))
            .or_else(|| named_before_will(span))
            .or_else(|| parse_subject(seg))
            // "近期，陵川县水务局针对…派…调查，…，计划“十四五”期间…实施": the unit a
            // clause before names as its subject acts in the sentence's later clauses.
            // "…，我局充分发挥…作用，…，预计在2022年…后将…": the writer named so counts too.
            .or_else(|| {
                seg[..start].split('，').take(4).find_map(|c| {
                    parse_subject(c).filter(|s| !s.bodies.is_empty() || s.self_ref.is_some())
                })
            })
            .or_else(|| self.last_named.clone());
        // The proposer's own words, restated, are not promises: a clause that opens with them
        // ("关于代表您提出的…建议，…"). "我们会将你提出的建议纳入…" is a promise about them.
        let opening: String = span.chars().take(12).collect();
        let restated = [
            "您提出",
            "你提出",
            "你们提出",
            "建议提出",
            "代表提出",
            "委员提出",
            "您建议",
            "你建议",
            "您反映",
            "你反映",
        ]
        .iter()
        .any(|w| opening.contains(w));
        if restated
            && starts_with_any(
                span,
                &[
                    "关于", "对于", "针对", "对您", "对你", "您", "你", "代表", "委员", "鉴于",
                ],
            )
            .is_some()
        {
            return;
        }
        if generic_pledge(span) {
            self.pledged_last = true;
            return;
        }
        let owner = self.owner_of(subject.as_ref());
        let why = "found outside a next-steps section".to_owned();
        self.push_measures(owner, span, seg, Some(why));
        self.current = None;
    }

    pub(super) fn push(&mut self, owner: Owner, text: &str, seg: &str, why: Option<String>) {
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
    pub(super) fn owner_of(&self, subject: Option<&Subject>) -> Owner {
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
            // "经交运局、公交公司…" in a 交通运输局's letter: the writer under its abbreviation.
            Some(s)
                if self
                    .replying
                    .as_deref()
                    .is_some_and(|r| abbreviates(&s.bodies[0], r)) =>
            {
                let (n, r, low) = self.replying_owner(Some(s));
                (n, r, low, s.bodies[1..].iter().chain(co_written).collect())
            }
            Some(s) => {
                let (n, r) = resolve_from(&s.bodies[0], self.options, self.replying.as_deref());
                (n, r, None, s.bodies[1..].iter().chain(co_written).collect())
            }
            None => {
                let (n, r, low) = self.replying_owner(subject);
                (n, r, low, co_written)
            }
        };
        let mut co: Vec<String> = Vec::new();
        for c in rest {
            let (c, _) = resolve_from(c, self.options, self.replying.as_deref());
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

    pub(super) fn replying_owner(
        &self,
        subject: Option<&Subject>,
    ) -> (String, bool, Option<String>) {
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

/// "我厅将在职权范围内积极给予支持", "我局将继续关注…的现状，积极为…出谋划力": attention
/// or support pledged with no task of its own, every clause of it — a courtesy, not work to
/// follow up.
pub(super) fn generic_pledge(span: &str) -> bool {
    let generic = [
        "关注",
        "给予支持",
        "出谋划",
        "给予帮助",
        "提供帮助",
        "大力支持",
    ];
    let concrete = [
        "推动", "推进", "实施", "争取", "协调", "落实", "开展", "完成", "安排", "解决", "督促",
        "研究", "并",
    ];
    // "我们将继续努力", "积极改进水利工作", "认真倾听、积极采纳": the closing courtesy that
    // the writer will do its work well and listen, with no task named.
    let courtesy = ["继续努力", "改进工作", "倾听", "听取", "采纳"];
    let improves_work = |c: &str| {
        c.find("改进")
            .is_some_and(|p| c.ends_with("工作") && c[p..].chars().count() <= 10)
    };
    // "如果您还有其他建议", "衷心希望你们…": words to the reader; "为市民提供更好的…服务",
    // "保障中小学生健康成长": the aim the courtesy serves.
    let framing = |c: &str| {
        ["如果", "希望", "欢迎", "请随时", "感谢"]
            .iter()
            .any(|w| c.contains(w))
            || ((c.starts_with('为') && (c.contains("更好") || c.contains("贡献")))
                || c.ends_with("健康成长"))
                && !c.chars().any(|ch| ch.is_ascii_digit())
    };
    // "尽全力做好相关工作", "进一步加强各项工作", "认真研究处理您的建议": work named only
    // by a word that stands for any work, or by the proposal itself, is no task of its own.
    // Helping another unit with its work ("积极配合做好相关工作", "支持恩施州做好相关工作")
    // is a task all the same.
    let generic_work = |c: &str| {
        let c = c.trim_end_matches(['。', '；', '！']);
        !["配合", "支持", "协助", "指导", "督促", "帮助"]
            .iter()
            .any(|w| c.contains(w))
            && ["相关工作", "各项工作", "有关工作"]
                .iter()
                .any(|w| c.ends_with(w))
    };
    let the_proposal = |c: &str| {
        let c = c.trim_end_matches(['。', '；', '！']);
        [
            "您的建议",
            "你的建议",
            "您的意见",
            "你们的建议",
            "代表的建议",
            "委员的建议",
        ]
        .iter()
        .any(|w| c.ends_with(w))
    };
    // "我局将以对人民负责…的态度": the spirit of the work; "努力实现…的双赢目标": its aim.
    let spirit = |c: &str| {
        !c.chars().any(|ch| ch.is_ascii_digit())
            && (c.ends_with("态度") || (c.contains("实现") && c.ends_with("目标")))
    };
    let clauses = clauses(span);
    let pledges = |c: &&str| {
        generic.iter().any(|w| c.contains(w))
            || courtesy.iter().any(|w| c.contains(w))
            || improves_work(c)
            || bare_support(c)
            || generic_work(c)
            || the_proposal(c)
    };
    // "故…如有技术上的需求，我局…将积极支持配合": support on the reader's condition.
    // "建议由贵单位牵头…": advice to the reader around the writer's support; "待…后": once.
    let condition = |c: &str| {
        let h = skip_heads(c);
        ["如有", "如果", "如需"].iter().any(|w| c.contains(w))
            || h.starts_with('若')
            || h.starts_with("建议")
            || (h.starts_with('待') && h.ends_with('后'))
    };
    // "由衷地希望您…继续关注和指导…，推动我市住建工作又好又快发展": the clauses after a
    // wish addressed to the reader go on with the wish.
    let wished = clauses
        .iter()
        .position(|c| ["希望", "欢迎", "恳请"].iter().any(|w| c.contains(w)))
        .unwrap_or(clauses.len());
    if !clauses.is_empty()
        && clauses.iter().any(pledges)
        && clauses.iter().enumerate().all(|(i, c)| {
            i > wished
                || (pledges(c) || framing(c) || condition(c) || spirit(c))
                    && (the_proposal(c) || !concrete.iter().any(|w| c.contains(w)))
        })
    {
        return true;
    }
    framed_improvement(&clauses)
}

/// "吉林省可根据…按程序申报…": a place or unit other than the writer, then 可/可以 — what
/// that body may do, advice rather than a promise. Returns the body as written.
pub(super) fn advised_body(s: &str) -> Option<&str> {
    let (p, w) = ["可以", "可"]
        .iter()
        .filter_map(|w| s.find(w).map(|p| (p, *w)))
        .min()?;
    let head = &s[..p];
    let after = &s[p + w.len()..];
    let unit_end = "省市县区镇乡村州局厅委办府司部队";
    (head.chars().count() <= 12
        && !head.contains(['，', '；', '、'])
        && head.ends_with(|c: char| unit_end.contains(c))
        && starts_with_any(head, &SELF_REFS).is_none()
        && !head.starts_with(['我', '本'])
        && starts_with_any(after, &["能", "行", "见", "是", "持续"]).is_none())
    .then_some(head)
}

/// "…，将考虑合理的方式满足资金需求，非常感谢代表…的理解和支持。": where thanks or another
/// courtesy begins in a later clause of a sentence whose earlier clauses promise work.
/// Returns the byte offset of the comma before the courtesy.
pub(super) fn courtesy_tail(seg: &str) -> Option<usize> {
    let (cut, _) = seg.match_indices('，').find(|(p, w)| {
        let rest = &seg[p + w.len()..];
        let clause = &rest[..rest.find(['，', '。', '；']).unwrap_or(rest.len())];
        starts_with_any(clause, &CLOSINGS).is_some()
            || starts_with_any(clause, &["非常感谢", "十分感谢", "诚挚感谢"]).is_some()
            || BOILERPLATE.iter().any(|w| clause.contains(w))
    })?;
    let head = &seg[..cut];
    (starts_with_any(head, &CLOSINGS).is_none()
        && !BOILERPLATE.iter().any(|w| head.contains(w))
        && has_future(head))
    .then_some(cut)
}

/// "保障村校延时服务经费。": an item's title — one short clause, no future word of its own.
pub(super) fn is_bare_title(text: &str) -> bool {
    let t = text.trim_end_matches(['。', '；']);
    !t.contains(['，', '。', '；', '：'])
        && t.chars().filter(|c| is_cjk(*c)).count() <= 16
        && !has_future(t)
}

/// A sentence's clauses, at ，；。, empty ones left out.
pub(super) fn clauses(s: &str) -> Vec<&str> {
    s.split(['，', '；', '。'])
        .filter(|c| !c.trim().is_empty())
        .collect()
}

/// Skips a joining word at a clause's head: "故", "因此", "同时".
fn skip_heads(c: &str) -> &str {
    let mut c = c;
    while let Some(w) = starts_with_any(c, &["故", "因此", "所以", "同时", "另外", "并"])
    {
        c = &c[w.len()..];
    }
    c
}

/// "我厅将积极给予业务指导和支持", "…将积极支持配合": support or co-operation pledged with no
/// object — the clause ends on the verb — is support in principle, not a task.
fn bare_support(clause: &str) -> bool {
    let c = clause.trim_end_matches(['。', '！', '；']);
    ["支持", "配合", "协助", "帮助", "努力", "探索"]
        .iter()
        .any(|w| c.ends_with(w))
        && !["资金支持", "资金帮助", "经费支持"]
            .iter()
            .any(|w| c.ends_with(w))
        && c.chars().count() <= 20
        && !c.chars().any(|ch| ch.is_ascii_digit())
}

/// "今后我局将继续抓好相关工作，不断优化城市照明管理。", "感谢…关心和支持，我局将全面提升
/// …水平，强化…，促进…": a sentence framed as the writer's general stance (今后, 在今后的工作
/// 中, 在…领导下, thanks to the proposer) whose every other clause only improves or keeps up
/// the work (提升/强化/优化/抓好…) with no figure, no time and no project to follow up.
pub(super) fn framed_improvement(clauses: &[&str]) -> bool {
    let Some(first) = clauses.first() else {
        return false;
    };
    fn bare(c: &str) -> &str {
        let c = skip_heads(c);
        starts_with_any(c, &SELF_REFS).map_or(c, |w| &c[w.len()..])
    }
    let frame = |c: &str| {
        let c = skip_heads(c);
        let b = bare(c).trim_start_matches(['将', '会']);
        starts_with_any(c, &["今后", "在今后", "感谢", "衷心感谢"]).is_some()
            || (b.starts_with('在') && b.ends_with("领导下"))
            || (c.starts_with('为') && ["贡献", "基础", "更好"].iter().any(|w| c.contains(w)))
            || starts_with_any(b, &["在今后", "今后"]).is_some()
    };
    // "…，为建设品质之城作出应有贡献": the aim closing the sentence frames it as well.
    let framed = frame(first) || clauses.len() > 1 && clauses.last().is_some_and(|c| frame(c));
    let improve = [
        "提升", "提高", "强化", "促进", "优化", "抓好", "做好", "增强", "履行", "加大", "发挥",
        // "不断改善改进": bettering the work in general.
        "改善", "改进",
    ];
    let improves = |c: &str| {
        const ADVERBS: [&str; 15] = [
            // "我们将一如既往的做好…工作": as before.
            "一如既往地",
            "一如既往的",
            "一如既往",
            "将",
            "会",
            "还将",
            "也将",
            "继续",
            "不断",
            "进一步",
            "全面",
            "切实",
            "积极",
            "持续",
            "努力",
        ];
        let mut b = bare(c);
        while let Some(w) = starts_with_any(b, &ADVERBS) {
            b = &b[w.len()..];
        }
        starts_with_any(b, &improve).is_some()
            && !c.chars().any(|ch| ch.is_ascii_digit())
            && !["项目", "工程", "年底", "年内", "月底"]
                .iter()
                .any(|w| c.contains(w))
    };
    let mut acts = 0;
    let all = clauses.iter().all(|c| {
        // "…，不断改善改进，希望您在今后的工作中继续多提宝贵意见": a wish to the reader.
        if starts_with_any(skip_heads(c), &["希望", "欢迎", "恳请", "请您", "感谢"]).is_some()
        {
            return true;
        }
        if frame(c) {
            // "今后我局将继续抓好相关工作": the frame and the act in one clause.
            let after = ["今后", "在今后的工作中"]
                .iter()
                .find_map(|w| c.find(w).map(|p| &c[p + w.len()..]))
                .map(|r| r.trim_start_matches('，'));
            // "我们将在今后的管理工作中": the frame's own words, whatever work it names.
            let own_words =
                |r: &str| r.starts_with('的') && r.ends_with("工作中") && r.chars().count() <= 10;
            if let Some(rest) = after.filter(|r| !r.is_empty() && !own_words(r)) {
                acts += 1;
                return improves(rest);
            }
            return true;
        }
        acts += 1;
        improves(c)
    });
    framed && all && acts > 0
}

/// The proposal restated in a sentence ("对…代表提出的关于持续推进…的建议提出如下意见")
/// taken out, so that its words are not read as the writer's own.
pub(super) fn without_restated(s: &str) -> String {
    let Some(from) = s.find("关于") else {
        return s.to_owned();
    };
    let to = ["的建议", "的提案", "建议", "提案"]
        .iter()
        .filter_map(|w| s[from..].find(w).map(|p| from + p + w.len()))
        .min();
    match to {
        Some(to) => format!("{}{}", &s[..from], &s[to..]),
        None => s.to_owned(),
    }
}

/// "预计需建设资金15万元", "预计调整后每年投入将突破…": an estimate, not a promise, unless
/// it sets a time ("预计2023年7月底前完工").
pub(super) fn estimate(clause: &str) -> bool {
    let Some(p) = clause.find("预计") else {
        return false;
    };
    // "预计于9月底验收", "预计在2022年…后": the time after a preposition.
    let rest = clause[p + "预计".len()..].trim_start_matches(['于', '在', '到']);
    let timed = rest.starts_with(|c: char| c.is_ascii_digit())
        || rest.contains("季度")
        || [
            "年底",
            "年内",
            "月底",
            "底前",
            "年前",
            "月前",
            "今年",
            "明年",
            "下半年",
            "上半年",
        ]
        .iter()
        .any(|w| rest.contains(w));
    clause[..p].chars().count() <= 12 && !timed
}

/// "争取上级资金支持难度大": a difficulty described, not an effort promised.
pub(super) fn difficulty(clause: &str) -> bool {
    ["难度大", "难度较大", "困难较大", "较为困难", "十分困难"]
        .iter()
        .any(|w| clause.contains(w))
}

/// "2024年4月7日，…会同…联合下发…": a sentence headed by a date before the reply's reports
/// what was done then.
pub(super) fn dated_before(seg: &str, reply: Option<(i32, u32, u32)>) -> bool {
    let Some(reply) = reply else {
        return false;
    };
    let head: String = seg.chars().take(14).collect();
    let Some(at) = head.find('年') else {
        return false;
    };
    // "今年2月，向省文旅厅上报…" in a July letter: this year's earlier month.
    let year = if &head[..at] == "今" {
        reply.0
    } else {
        let Ok(year) = head[..at].parse::<i32>() else {
            return false;
        };
        year
    };
    let rest = &head[at + '年'.len_utf8()..];
    let digits = |s: &str| -> Option<(u32, usize)> {
        let n = s.chars().take_while(char::is_ascii_digit).count();
        s[..n].parse().ok().map(|v| (v, n))
    };
    let Some((month, n)) = digits(rest) else {
        return false;
    };
    let rest = &rest[n..];
    let Some(rest) = rest.strip_prefix('月') else {
        return false;
    };
    let day = digits(rest)
        .filter(|&(_, n)| rest[n..].starts_with('日'))
        .map(|(d, _)| d);
    // A month alone ("2024年6月，") may be the reply's own month: only an earlier one counts.
    (year, month, day.unwrap_or(0)) < reply && (day.is_some() || (year, month) < (reply.0, reply.1))
}

/// Verbs by which the writer hands work to another unit, which then owns it.
const DELEGATIONS: [&str; 4] = ["督促", "责成", "指导", "要求"];

/// "并指导…", "同时加强…": the joining words in front of a clause's verb.
fn strip_joiners(s: &str) -> &str {
    let mut s = s;
    while let Some(w) = starts_with_any(s, &["同时，", "同时", "并且", "并", "还"]) {
        s = &s[w.len()..];
    }
    s
}

/// Offsets where a sentence turns to another measure: a clause (after ，or ；) that opens
/// with 同时, or hands work to a unit ("并指导X…", "会同X…"), or, once work has been handed
/// to a unit, the writer acting again ("…督促X…，继续…", "…，将…").
pub(super) fn measure_cuts(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut delegated = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !matches!(c, '，' | '；') {
            continue;
        }
        let clause = &text[start..i];
        delegated = delegated || DELEGATIONS.iter().any(|w| clause.contains(w));
        let next = &text[i + c.len_utf8()..];
        let bare = strip_joiners(next);
        let joined = bare.len() < next.len();
        let hands_on = starts_with_any(bare, &DELEGATIONS)
            .is_some_and(|w| leading_body(&bare[w.len()..]).is_some())
            || starts_with_any(bare, &["会同", "联合"]).is_some();
        let turns = next.starts_with("同时")
            || (joined && hands_on)
            || (fresh_clause(bare) && promised(&text[..i], clause))
            // "要求施工单位…，将施工垃圾及时清理": 将 (= 把) under the delegation's scope
            // goes on with the order; only 将 as "will" turns to the writer.
            || (delegated
                && (next.starts_with("继续")
                    || next
                        .strip_prefix('将')
                        .is_some_and(|a| starts_with_any(a, &AFTER_JIANG).is_some())));
        if turns && i + c.len_utf8() < text.len() {
            cuts.push(i + c.len_utf8());
            delegated = false;
        }
        start = i + c.len_utf8();
    }
    cuts
}

/// "下一步我局将积极对接…", "我们将立即组织修建": a clause that opens (after an optional
/// next-steps marker) with the writer and a "will" or an intention — a promise of its own.
pub(super) fn fresh_clause(clause: &str) -> bool {
    let c = next_steps_marker(clause).map_or(clause, |m| &clause[m..]);
    starts_with_any(c, &SELF_REFS).is_some_and(|w| {
        let rest = &c[w.len()..];
        let rest = starts_with_any(rest, &["还", "也", "再"]).map_or(rest, |h| &rest[h.len()..]);
        will_head(rest) || starts_with_any(rest, &["计划", "力争", "争取", "承诺", "拟"]).is_some()
    })
}

/// "为此，我局计划将该段道路…建设，目前项目已上报，…，下一步我局将…": a clause before the
/// sentence's last future clause in which the writer states an intention (我局计划/拟/力争)
/// is a promise too, though a report of done work stands between; returns its offset.
pub(super) fn writer_intent_before(head: &str) -> Option<usize> {
    let mut at = 0;
    for clause in head.split('，') {
        let who = starts_with_any(clause, &SELF_REFS);
        let intent = who.is_some_and(|w| {
            starts_with_any(&clause[w.len()..], &["计划", "拟", "力争"]).is_some()
        });
        if intent && !clause.contains('已') {
            return Some(at);
        }
        at += clause.len() + '，'.len_utf8();
    }
    None
}

/// Whether a sentence's opening clauses already promise something ("…计划7月开工建设，")
/// so that a writer's later "will" is a further promise, not the same one: not after thanks
/// or a bare frame ("在今后的工作中，"), nor when the clause just before is a condition or a
/// topic ("一旦发现…，我局将严肃查处", "针对…，我们将…") that the "will" answers.
fn promised(before: &str, last_clause: &str) -> bool {
    let frame = starts_with_any(
        last_clause,
        &["一旦", "如", "若", "针对", "对于", "对", "在", "感谢", "为"],
    )
    .is_some();
    let substantive =
        before.chars().filter(|c| is_cjk(*c)).count() >= 8 && !before.contains("感谢");
    substantive
        && !frame
        && (has_future(before)
            || ["计划", "力争", "争取", "拟"]
                .iter()
                .any(|w| before.contains(w)))
}

/// "…，省科技厅将…": a subject that starts a later clause and is followed by a future word.
pub(super) fn later_subject(s: &str) -> Option<Subject> {
    s.split('，').skip(1).take(3).find_map(|clause| {
        let subject = parse_subject(clause)?;
        // "…，由县水务局指导优化供水压力": 由 names the agent whatever verb follows.
        if clause.starts_with('由') && !subject.bodies.is_empty() {
            return Some(subject);
        }
        let rest = &clause[subject.end..];
        starts_with_any(
            rest,
            &["将", "要", "继续", "持续", "进一步", "加快", "着力"],
        )?;
        Some(subject)
    })
}

/// In a courtesy sentence, where a later clause has the writer say it will act ("…，我们将
/// 把您的意见作为动力，…"); not in a conditional one ("如有意见，我局将…").
pub(super) fn writer_will_after_courtesy(seg: &str) -> Option<usize> {
    // "以上是…的落实情况，…，我们将继续整改落实": the closing summary's pledge is courtesy.
    if starts_with_any(seg, &["如", "若", "联系", "请", "以上是"]).is_some() {
        return None;
    }
    seg.match_indices('，').find_map(|(p, w)| {
        let clause = &seg[p + w.len()..];
        let who = starts_with_any(clause, &SELF_REFS)?;
        will_head(&clause[who.len()..]).then_some(p + w.len())
    })
}

/// 会 as "will", not the first character of 会同/会议/会商/会签 ("我局会同市电视台制作…").
pub(super) fn will_hui(from_hui: &str) -> bool {
    from_hui.starts_with('会')
        && starts_with_any(
            &from_hui['会'.len_utf8()..],
            &["同", "议", "商", "签", "审", "谈"],
        )
        .is_none()
}

/// "将", "还将", "也将" or 会 as "will" at the head of what follows a subject.
fn will_head(rest: &str) -> bool {
    starts_with_any(rest, &["将", "还将", "也将"]).is_some() || will_hui(rest)
}

/// "我局会根据…", "我们将继续…": the writer as the clause's subject, then 会 or 将 as "will"
/// (将 before a verb or an adverb, not 将 = 把 before an object).
pub(super) fn writer_turns_to_will(clause: &str) -> bool {
    let Some(w) = starts_with_any(clause, &SELF_REFS) else {
        return false;
    };
    let rest = &clause[w.len()..];
    let rest = starts_with_any(rest, &["还", "也"]).map_or(rest, |a| &rest[a.len()..]);
    // "我们会将每年的代表建议…作下年度建设计划": 会 then 将 = 把, a standing practice.
    (will_hui(rest) && !rest['会'.len_utf8()..].starts_with('将'))
        || rest
            .strip_prefix('将')
            .is_some_and(|after| starts_with_any(after, &AFTER_JIANG).is_some())
}

/// A clause in which the writer says it will act: "我局将加强行业指导".
pub(super) fn writer_will(clause: &str) -> bool {
    starts_with_any(clause, &SELF_REFS).is_some_and(|w| will_head(&clause[w.len()..]))
}

/// "计划三季度实施…", "力争2025年将…纳入…", "预计在2022年…后": an intention (计划/预计/力争/
/// 争取/拟) followed by its own time — a year not before the reply's, this or next year, a
/// quarter, a half-year — speaks of the future whatever the sentence reported before it.
pub(super) fn intent_time(clause: &str, reply_year: Option<i32>) -> bool {
    let c = skip_heads(clause);
    // "2023年计划下拨…", "2025年拟新建…": the year the plan is for, set before its verb.
    if let Some(year) = year_head(c)
        && starts_with_any(&c[year.1..], &["计划", "拟"]).is_some()
    {
        return reply_year.is_none_or(|r| year.0 >= r);
    }
    let Some(w) = starts_with_any(c, &["计划", "预计", "力争", "争取", "拟"]) else {
        return false;
    };
    let rest = c[w.len()..].trim_start_matches(['于', '在', '到']);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 4 {
        let year: Option<i32> = rest[..4].parse().ok();
        return rest[4..].starts_with('年')
            && year.is_some_and(|y| reply_year.is_none_or(|r| y >= r));
    }
    // "预计于9月底验收": a month of the reply's year.
    if (1..=2).contains(&digits) && rest[digits..].starts_with('月') {
        return true;
    }
    starts_with_any(
        rest,
        &[
            "今年",
            "明年",
            "年内",
            "年底",
            "下半年",
            "上半年",
            "第一季度",
            "第二季度",
            "第三季度",
            "第四季度",
            "一季度",
            "二季度",
            "三季度",
            "四季度",
            "近期",
        ],
    )
    .is_some()
}

/// "待项目批准后，立即组织修建", "待指标下达后我局将优先安排": a clause that opens by awaiting
/// an event (待…后) sets its own time to come: what follows it is next, not done.
pub(super) fn awaits_event(clause: &str) -> bool {
    let Some(rest) = skip_heads(clause).strip_prefix('待') else {
        return false;
    };
    let own = &rest[..rest.find(['，', '；', '。']).unwrap_or(rest.len())];
    starts_with_any(rest, &["遇", "业", "客", "人"]).is_none() && own.contains('后')
}

/// "2023年…" at the head of a clause: the year and the byte length of "2023年".
fn year_head(c: &str) -> Option<(i32, usize)> {
    let digits = c.chars().take_while(char::is_ascii_digit).count();
    (digits == 4 && c[4..].starts_with('年'))
        .then(|| c[..4].parse().ok().map(|y| (y, 4 + '年'.len_utf8())))
        .flatten()
}

/// "计划先利用专项资金启动…", "计划将现有吊桥逐步改建为…", "2023年计划下拨…": 计划 opening its
/// clause (after at most a year) and followed by an act or an adverb of acting is the verb
/// "plan to", not the noun "plan" ("计划总投资", "计划生育", "计划安排是…"). `clause` starts at
/// the clause, `at` is where 计划 stands in it.
pub(super) fn plan_verb_opening(clause: &str, at: usize) -> bool {
    let head = &clause[..at];
    let opens = head.is_empty() || year_head(head).is_some_and(|(_, n)| n == head.len());
    let Some(after) = clause[at..].strip_prefix("计划") else {
        return false;
    };
    // "计划在…领域开展合作": a place or field first (在/于) leaves the act, and whose it
    // is, open; the older rules judge those.
    opens
        && !after.starts_with(['在', '于'])
        && (starts_with_any(after, &AFTER_JIANG).is_some()
            || starts_with_any(
                after,
                &[
                    "将", "先", "再", "新建", "扩建", "改建", "下拨", "拨付", "发动", "利用",
                    "申请", "开展", "建设", "修建", "改造", "实施", "投入", "筹集",
                ],
            )
            .is_some())
        // "计划安排是每年68名": 是 after it makes the plan a thing described.
        && !after
            .chars()
            .take_while(|c| !"，；。".contains(*c))
            .take(4)
            .any(|c| c == '是')
}

/// "2020年5月29日": a full date (year, month and day) not followed by 前/之前/以前/起.
pub(super) fn full_date(s: &str) -> bool {
    s.match_indices('日').any(|(p, w)| {
        let before: Vec<char> = s[..p].chars().rev().take(12).collect();
        let mut i = 0;
        let mut parts = 0;
        for unit in ['月', '年'] {
            let n = before[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if n == 0 || before.get(i + n) != Some(&unit) {
                return false;
            }
            i += n + 1;
            parts += 1;
        }
        let year = before[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let after = &s[p + w.len()..];
        parts == 2
            && year == 4
            && starts_with_any(after, &["前", "之前", "以前", "起", "后"]).is_none()
    })
}

/// "…，同步展开如下措施：": a lead-in whose last clause announces measures in the present
/// (not "采取了以下措施", not "已…如下") opens a list of measures to be followed up.
pub(super) fn announces_measures(text: &str, reply_year: Option<i32>) -> bool {
    let last = text.rsplit('，').next().unwrap_or(text);
    // "针对以上现象，制定相关的工作方案：": a plan drawn up now, its items after the colon.
    let plan = last.ends_with('：')
        && starts_with_any(last, &["制定", "制订", "拟定", "采取"]).is_some()
        && ["方案", "措施", "举措", "计划"]
            .iter()
            .any(|w| last.contains(w));
    (plan
        || ["如下措施", "以下措施", "如下举措", "以下举措"]
            .iter()
            .any(|w| last.contains(w)))
        && !has_past(last, reply_year)
}

/// A sentence that opens with an action verb and no subject: "抓紧组建…", "加快推进…".
pub(super) fn opens_with_action(text: &str) -> bool {
    let bare = strip_joiners(text);
    starts_with_any(bare, &VERB_STARTS).is_some() || starts_with_any(bare, &ACTION_STARTS).is_some()
}

/// "关于建议在老城区增加室外体育设施的建议。", "关于路灯损坏的问题：": a part of the
/// proposal named as the topic of what follows, one clause with nothing done or promised.
pub(super) fn proposal_topic(body: &str) -> bool {
    // "关于“加强管控，从源头治理”的建议。": the proposal's words quoted are one name.
    let b = unquoted(body);
    let b = b.trim_end_matches(['。', '：', '；']);
    b.starts_with("关于")
        && !b.contains(['，', '。', '；'])
        && ["建议", "问题", "提案", "意见"]
            .iter()
            .any(|w| b.ends_with(w))
}

/// "同时将…", "同时还将…", "此外，…", "另外，…", "另建立…": a sentence that opens by adding
/// a further measure to the one before.
pub(super) fn further_opening(text: &str) -> bool {
    if starts_with_any(
        text,
        &[
            "同时将",
            "同时还将",
            "同时也将",
            "同时要",
            "此外，",
            "另外，",
        ],
    )
    .is_some()
    {
        return true;
    }
    text.strip_prefix('另').is_some_and(|rest| {
        starts_with_any(rest, &["建立", "设立", "安排", "组织", "增设", "新建"]).is_some()
            || opens_with_action(rest)
    })
}

/// "加快推进公益性安葬设施建设", "疏堵结合规范食品摊贩有序经营": a numbered line's title that
/// names a measure, not a topic ("关于…的建议"), a report ("工作成效") or a question.
pub(super) fn measure_title(title: &str) -> bool {
    heading_kind(title) == HeadKind::Topic
        && !title.starts_with("关于")
        && !title.contains(['？', '?', '，'])
        && !["建议", "提案", "问题", "情况", "方面"]
            .iter()
            .any(|w| title.ends_with(w))
}

/// Verbs that open a measure in the writer's voice when no subject is written.
const ACTION_STARTS: [&str; 14] = [
    "抓紧",
    "加快",
    "加强",
    "推进",
    "推动",
    "继续",
    "持续",
    "进一步",
    "着力",
    "积极",
    "深化",
    "完善",
    "做好",
    "落实",
];

/// "下一步，我厅将重点做好以下工作：": announces items, is not one.
pub(super) fn is_intro(text: &str) -> bool {
    // "3岁以下婴幼儿", "10万元及以下": 以下 after a quantity means "below", announcing nothing.
    let below = text.match_indices("以下").all(|(p, _)| {
        text[..p]
            .trim_end_matches('及')
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit() || "岁米元人吨级个户亩层".contains(c))
    });
    let announces = [
        "如下",
        "几方面",
        "几个方面",
        "下列",
        "三方面",
        "四方面",
        "两方面",
    ]
    .iter()
    .any(|w| text.contains(w))
        || (text.contains("以下") && !below);
    text.ends_with('：') || (announces && text.chars().count() <= 60)
}

/// A clause in which the replying unit or a named unit says it will act: "我局将积极…".
pub(super) fn self_will(seg: &str) -> bool {
    seg.split(['，', '；']).any(|clause| {
        parse_subject(clause).is_some_and(|subject| {
            let rest = &clause[subject.end..];
            will_head(rest) && !has_past(clause, None)
        })
    })
}

/// Words that make a clause a promise wherever it stands: 将 (as "will"), plans, aims and
/// efforts to obtain something, estimates, "at a suitable time", "as soon as possible".
const STRONG_FUTURE: [&str; 21] = [
    "计划",
    // "…已开始实施，届时对沿线生活污水全部纳入管网": what follows once the work is done.
    "届时",
    // "决定实施…温暖工程": a decision to act.
    "决定",
    "拟",
    "力争",
    "积极争取",
    "争取",
    "预计",
    "适时",
    "尽快",
    "立即",
    "将会",
    "会适时",
    "会及时",
    "我们会",
    "我局会",
    "年内",
    "近期",
    // "我局今年已经准备进行实施": ready to carry it out, not done.
    "准备进行",
    "准备实施",
    "准备将",
];

/// "将该处的路灯改造纳入…计划": 将 marking the thing put into a plan, a promise to do so.
fn puts_into(after_jiang: &str) -> bool {
    let clause_end = after_jiang
        .find(['，', '；', '。'])
        .unwrap_or(after_jiang.len());
    let clause = &after_jiang[..clause_end];
    // "我们将您的建议纳入重要议事日程": the proposal as the object of 将 (= 把) reports
    // what was done with it; "会将您的建议纳入…" speaks of the future by its 会.
    if starts_with_any(clause, &["您", "你", "代表", "委员"]).is_some() {
        return false;
    }
    ["纳入", "列入"].iter().any(|w| {
        clause
            .find(w)
            .is_some_and(|p| clause[..p].chars().count() <= 24)
    })
}

/// "…，8月底可完成全部工程建设并投入使用": a completion date the writer states (a time, then
/// 可/便可/即可 + 完成/建成/完工/竣工/投入使用) is a promise to follow up, even in a report of
/// work done. Returns where the time starts.
pub(super) fn completion_date(seg: &str) -> Option<usize> {
    ["月底", "年底", "月中旬", "月下旬", "月上旬", "底前", "月前"]
        .iter()
        .filter_map(|t| {
            let p = seg.find(t)?;
            let after = &seg[p + t.len()..];
            let gap: String = after.chars().take(4).collect();
            let can = ["便可", "即可", "可以", "可"]
                .iter()
                .find_map(|w| gap.find(w).map(|q| q + w.len()))?;
            let done = starts_with_any(
                &after[can..],
                &["完成", "建成", "完工", "竣工", "投入使用", "交付"],
            )
            .is_some();
            // Walk back over the month's digits to the clause start.
            let start = seg[..p]
                .char_indices()
                .rev()
                .find(|(_, c)| "，；：。".contains(*c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            done.then_some(start)
        })
        .min()
}

/// "…，论证结果提交县委县政府审议后执行": an action to be taken once a step is done
/// (…后执行/后实施/后启动/后开工 closing a clause). Returns the clause's start.
pub(super) fn after_event(seg: &str) -> Option<usize> {
    ["后执行", "后实施", "后启动", "后开工"]
        .iter()
        .filter_map(|w| {
            let p = seg.find(w)?;
            let end = &seg[p + w.len()..];
            end.starts_with(['。', '，', '；']).then(|| {
                seg[..p]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| "，；：。".contains(*c))
                    .map_or(0, |(i, c)| i + c.len_utf8())
            })
        })
        .min()
}

/// "计划G3032加定至西海段年内建成": the clause sets a time by which work is finished, so
/// its 计划 is the verb of a plan, not a noun.
pub(super) fn dated_completion(from: &str) -> bool {
    let clause = &from[..from.find(['，', '；', '。']).unwrap_or(from.len())];
    let done = [
        "建成",
        "完成",
        "完工",
        "开工",
        "投用",
        "投入使用",
        "通车",
        "验收",
    ];
    let timed = ["年内", "年底", "月底", "年前", "月前", "季度"]
        .iter()
        .any(|w| clause.contains(w))
        || clause
            .char_indices()
            .any(|(i, c)| c == '年' && clause[..i].ends_with(|d: char| d.is_ascii_digit()));
    timed && done.iter().any(|w| clause.contains(w))
}

/// "獐狮坝水库于2024年开工建设" in a 2023 letter: a year after the reply's, with the start or
/// finish of work in the same clause, is a date set for work to come. Returns where the
/// year starts.
pub(super) fn future_year(seg: &str, reply_year: Option<i32>) -> Option<usize> {
    let reply = reply_year?;
    seg.match_indices('年').find_map(|(at, _)| {
        let before = &seg[..at];
        let digits = before
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count();
        let start = at - digits;
        let year: i32 = before[start..].parse().ok().filter(|_| digits == 4)?;
        let after = &seg[at..];
        let clause = &after[..after.find(['，', '；', '。']).unwrap_or(after.len())];
        let work = [
            "开工",
            "建成",
            "完工",
            "竣工",
            "投用",
            "投入使用",
            "通车",
            "完成",
        ];
        (year > reply && work.iter().any(|w| clause.contains(w))).then_some(start)
    })
}

/// The start of the clause holding a future-tense promise with no past marker, if any.
pub(super) fn future_clause(seg: &str, reply_year: Option<i32>) -> Option<usize> {
    let clause_start = |p: usize| {
        seg[..p]
            .char_indices()
            .rev()
            .find(|(_, c)| "，；：".contains(*c))
            .map_or(0, |(i, c)| i + c.len_utf8())
    };
    let jiang: Vec<usize> = seg
        .match_indices('将')
        .filter_map(|(p, w)| {
            let after = &seg[p + w.len()..];
            // "我们在《…规划》将南岳区列入…": what the document does, reported.
            let by_document = seg[..p].ends_with('》');
            (starts_with_any(after, &AFTER_JIANG).is_some()
                || after.starts_with("会")
                || (puts_into(after) && !by_document))
                .then_some(p)
        })
        // "我州将合理优化…": 将 right after the clause's subject is "will".
        .chain(seg.match_indices('将').filter_map(|(p, w)| {
            let start = clause_start(p);
            let after = &seg[p + w.len()..];
            let subject = parse_subject(&seg[start..])?;
            // "我们将我市3个律师事务所…配备到…": 将 (= 把) before its object.
            (start + subject.end == p && starts_with_any(after, &JIANG_OBJECTS).is_none())
                .then_some(p)
        }))
        // "…正在进行招标，下一步实施动工": a clause that opens with the next steps.
        // "…，后续我们会继续…", "…，接下来将…": every marker, not only 下一步/今后; after
        // 后续/接下来 the clause says who will act ("后续待X审查" awaits another body).
        .chain(
            seg.match_indices(['下', '今', '后', '接'])
                .filter_map(|(p, w)| {
                    let opens = p == 0 || seg[..p].ends_with(['，', '；']);
                    let m = next_steps_marker(&seg[p..])?;
                    let rest = &seg[p + m..];
                    let own = &rest[..rest.find(['，', '；', '。']).unwrap_or(rest.len())];
                    let acts = "下今".contains(w) || has_future(own) || own.contains('会');
                    (opens && acts).then_some(p)
                }),
        )
        // "…已纳入规划当中，会逐步进行改造": a clause opening with 会 + an adverb of action.
        .chain(seg.match_indices('会').filter_map(|(p, w)| {
            let opens = seg[..p].ends_with(['，', '；']);
            let after = &seg[p + w.len()..];
            (opens && starts_with_any(after, &AFTER_JIANG).is_some()).then_some(p)
        }))
        .collect();
    // Every occurrence: "累计支持计划约330公里，…已建成240公里，计划在2021年底全面建成".
    let strong = STRONG_FUTURE
        .iter()
        .flat_map(|w| seg.match_indices(w).map(move |(p, _)| (*w, p)));
    let strong = strong.filter_map(|(w, p)| {
        let w = &w;
        // "计划生育", "拟定" of the past, "待遇": the word is part of another.
        let after = &seg[p + w.len()..];
        // "由于无工程项目计划，": a plan named as a thing, ending its clause.
        let part_of_word = (*w == "计划"
            && (after.starts_with("生育")
                || after.starts_with("单列")
                || after.starts_with(['，', '。', '；', '、'])
                || seg[..p].ends_with('无')))
            || (*w == "待"
                && ["遇", "业", "客", "人"]
                    .iter()
                    .any(|x| after.starts_with(x)))
            || (*w == "拟" && seg[..p].ends_with("模"))
            // "提供拟扩大公园面积的…证明", "对拟建水库": 拟 qualifying a noun after a verb
            // or preposition, not the writer intending.
            || (*w == "拟"
                && ["提供", "对", "为", "就", "关于", "的", "报送", "审查"]
                    .iter()
                    .any(|v| seg[..p].ends_with(v))
                && after[..after.find(['，', '；', '。']).unwrap_or(after.len())].contains('的'))
            // "我局会同…": 会 of 会同/会议, not "will".
            || (w.ends_with('会') && !will_hui(&seg[p + w.len() - '会'.len_utf8()..]))
            || (*w == "年内" && after.starts_with('蒙'))
            // "《…的决定》", "决定性作用", "作出了决定": 决定 as a noun, not deciding to act.
            || (*w == "决定"
                && (starts_with_any(after, &["实施", "开展", "启动", "将", "建设", "对", "在"])
                    .is_none()
                    || seg[..p].ends_with(['的', '《'])
                    // "我局通过党组会议决定实施…": a decision a meeting took, reported.
                    || seg[..p].ends_with("会议")))
            // "争取到国家专项债券资金", "未争取到该项目": obtained, or not, already.
            // "通过争取中央资金支持…建设": the means of work reported, not an aim.
            || (w.ends_with("争取")
                && (after.starts_with('到') || seg[..p].ends_with(['未', '过'])));
        (!part_of_word).then_some(p)
    });
    // "待项目动工后，及时将院墙拆除": what will be done once something has happened.
    let once = seg.match_indices('待').filter_map(|(p, w)| {
        let at_clause_start = p == 0 || seg[..p].ends_with(['，', '；', '：']);
        let clause_end = seg[p..]
            .find(['，', '；', '。'])
            .map_or(seg.len(), |e| p + e);
        let then = &seg[p + w.len()..clause_end];
        // "待…后，再作具体安排": a decision put off is not a promise yet.
        let rest = &seg[clause_end..];
        let put_off = ["再作", "再做", "再行", "再研究", "视情况"]
            .iter()
            .any(|w| rest.trim_start_matches(['，', '；']).starts_with(w));
        // "待新建道路投用时一并开通…": 时 ending the awaited event, not 及时/同时/适时.
        let when = then.char_indices().any(|(i, c)| {
            c == '时'
                && i > 0
                && !then[..i].ends_with(['及', '同', '适', '按', '准', '临', '随', '届', '暂'])
        });
        (at_clause_start && (then.contains('后') || when) && !put_off).then_some(p)
    });
    // "…水厂一建成，即安排管网延伸工程": what follows at once when the work is done.
    let at_once = seg.match_indices(['即', '就', '便']).filter_map(|(p, _)| {
        let opens = seg[..p].ends_with('，');
        let before = seg[..p].trim_end_matches('，');
        let clause = before.rsplit(['，', '；', '。']).next().unwrap_or(before);
        let once = clause.match_indices('一').any(|(q, w)| {
            starts_with_any(
                &clause[q + w.len()..],
                &["建成", "完成", "竣工", "到位", "下达", "批复", "通过"],
            )
            .is_some()
        });
        let after = &seg[p..];
        (opens && once && !after.starts_with("即可") && !after.starts_with("便可")).then_some(p)
    });
    let mut hits: Vec<usize> = jiang
        .iter()
        .copied()
        .chain(strong)
        .chain(once)
        .chain(at_once)
        .chain(completion_date(seg))
        .chain(after_event(seg))
        .chain(future_year(seg, reply_year))
        .collect();
    hits.sort_unstable();
    // "印发《关于加快建设…的意见》": a word inside a title or a quotation is not the writer's.
    let quoted = quoted_spans(seg);
    hits.retain(|p| !quoted.iter().any(|&(a, b)| a <= *p && *p < b));
    // "国家科技部印发了《…》，提出将在下一阶段…": what a document says, reported.
    let reported = |start: usize| {
        starts_with_any(&seg[start..], &["提出", "明确", "指出", "强调", "规定"]).is_some()
            && seg[..start].contains('》')
    };
    // "…，争取中央资金43亿元，支持…": an amount won, reported with its figure.
    let won = |p: usize| {
        seg[p..].starts_with("争取") && {
            let after: String = seg[p + "争取".len()..]
                .chars()
                .take_while(|c| !"，。；：、".contains(*c))
                .take(12)
                .collect();
            let digit = after.find(|c: char| c.is_ascii_digit());
            digit.is_some_and(|d| {
                let tail = after[d..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                starts_with_any(tail, &["亿元", "万元", "元"]).is_some()
            })
        }
    };
    // "为进一步改善…，我乡…积极争取…": a purpose, then what was done; only 将 makes it future.
    // 将 (= 把) putting a thing into a plan ("将…项目纳入重点建设项目") is not "will" here.
    let will = jiang.iter().any(|&p| {
        let after = &seg[p + '将'.len_utf8()..];
        !puts_into(after) || starts_with_any(after, &AFTER_JIANG).is_some()
    });
    let purpose_report = (seg.starts_with('为') || seg.starts_with("为了")) && !will;
    // "建议属地街道办事处…": advice to others, not a promise.
    // "建议酒泉市积极筹集…，并加强资金监管，力争…": a sentence of advice is advice to its
    // end, whatever aims its later clauses name.
    let advice_sentence = seg.starts_with("建议") && !seg.starts_with("建议收悉");
    let advice = |clause: &str| {
        (advice_sentence && writer_will_after_courtesy(clause).is_none() && !writer_will(clause))
            || clause.starts_with("建议")
    };
    hits.into_iter().find_map(|p| {
        let start = clause_start(p);
        let clause = &seg[start..];
        // "为改善…，我局…，计划先利用…资金启动…": a plan is the sentence's act, not a
        // purpose's report.
        let plan_opening = plan_verb_opening(clause, p - start);
        // "…，各施工单位表示会尽快上报，待审批后及时迁移": what another party said it would
        // do is reported speech, not the writer's promise.
        let others_said = seg[..start].split(['，', '；']).any(|c| {
            c.contains("表示")
                && !c.contains("表示感谢")
                && starts_with_any(skip_heads(c), &SELF_REFS).is_none()
        });
        if (purpose_report && !plan_opening)
            || others_said
            || advice(clause)
            || estimate(clause)
            || difficulty(clause)
            || reported(start)
            || won(p)
        {
            return None;
        }
        let own_subject = parse_subject(clause).is_some();
        // "…启动了…，将回顾总结…": 将 speaks for its own clause; a bare "计划…" after a
        // past clause ("论坛发布了倡议，计划…") belongs to that clause's actor.
        // "计划于2022年…", "计划投资…": a plan being made; a bare "计划" may be a noun.
        let verbal_plan = [
            "计划于",
            "计划在20",
            "计划投资",
            "计划投入",
            "计划新建",
            "计划实施",
            "计划开工",
            "计划建设",
            "计划近期",
            "计划年内",
            // "计划“十四五”期间，逐年…实施", "计划明年…", "计划创建3A旅游景区": a time to
            // come or an act of creating, applying, starting follows the verb 计划.
            "计划“十",
            "计划十",
            "计划明年",
            "计划今年",
            "计划下半年",
            "计划创建",
            "计划申报",
            "计划启动",
            "计划完成",
            "计划改造",
            "计划修建",
            "计划打造",
        ]
        .iter()
        .any(|w| seg[p..].starts_with(w))
            || intent_time(&seg[p..], reply_year);
        let noun_plan =
            seg[p..].starts_with("计划") && !verbal_plan && !dated_completion(&seg[p..]);
        let own_clause = &clause[..clause.find(['，', '；', '。']).unwrap_or(clause.len())];
        // "…，计划先利用专项资金启动…，目前正在进行勘察设计": the plan stated in its own
        // clause stands, whatever the clauses after it report of its progress.
        let past = if dated_completion(clause) || plan_opening {
            // A plan dated to its finish speaks for its own clause only.
            has_past(own_clause, reply_year)
        } else if own_subject || start == 0 || !noun_plan {
            has_past(clause, reply_year)
        } else {
            has_past(seg, reply_year)
        };
        // "后来，乡人民政府又将…": a time in the past set at the head of the sentence.
        let head = &seg[..start];
        let previous_clause = head
            .trim_end_matches(['，', '；', '：'])
            .rsplit(['，', '；', '：'])
            .next()
            .unwrap_or("");
        // "我局高度重视，立即开展研究": what was done on receiving the proposal.
        let past_time = ["后来", "近年来", "此前", "去年", "当时", "以来"]
            .iter()
            .any(|w| head.contains(w))
            // "2020年5月29日，我厅…报送…，并于…": a day in a letter with no reply date.
            || (reply_year.is_none() && full_date(head))
            || ["高度重视", "收到"]
                .iter()
                .any(|w| previous_clause.contains(w))
            // "…高度重视，立即责成…，并要求…，力争尽快…": the chain of what was done on
            // receiving the proposal, however many clauses it runs to.
            || (head.contains("高度重视")
                && ["立即", "迅速", "随即", "当即"].iter().any(|w| head.contains(w)))
            || mentions_past_year(head, reply_year);
        // "…以来，…已建成240公里，计划在2021年底全面建成": a clause that sets its own time
        // to come is not put in the past by the time at the head of the sentence.
        let own_time = completion_date(own_clause).is_some()
            || intent_time(own_clause, reply_year)
            || plan_opening
            || awaits_event(clause)
            || next_steps_marker(clause).is_some()
            || future_year(own_clause, reply_year).is_some()
            || dated_completion(own_clause)
            || ["年内", "年底前", "月底前"]
                .iter()
                .any(|w| own_clause.contains(w))
            // "近年来，市政府…完善了道路功能，…，我局会根据…适时启动提升改造": the writer
            // named again as the subject of a later clause, with its will, starts a new
            // statement that the head's time does not reach.
            || (start > 0 && writer_turns_to_will(own_clause));
        // "县水务局已多次…汇报，争取项目资金…", "正在申报中，争取尽快实施", "进行了研究，
        // 立即责令…": what the act just reported was for, or how it went on, is no promise.
        // "…，争取尽快开工建设" keeps its time to come: an aim, not a purpose.
        let narrative = ["争取", "积极争取", "立即", "并争取"]
            .iter()
            .find(|w| seg[start..].starts_with(**w))
            .is_some_and(|w| {
                starts_with_any(
                    &seg[start + w.len()..],
                    &["尽快", "早日", "年内", "年底", "于", "在", "按期", "如期"],
                )
                .is_none()
            })
            && has_past(previous_clause, reply_year);
        // "已将A列入计划，同时也将B列入该计划": 将 (= 把) in parallel with 已将 reports too.
        let after_p = &seg[p..];
        let parallel_done = after_p.starts_with('将')
            && starts_with_any(&after_p['将'.len_utf8()..], &AFTER_JIANG).is_none()
            && seg[..p].contains("已将");
        // "近年来，…，在下步工作中，我局将…": the next steps announced after the head's time.
        let turned = MARKERS.iter().any(|m| {
            head.rfind(m).is_some_and(|at| {
                ["后来", "近年来", "此前", "去年", "当时", "以来"]
                    .iter()
                    .filter_map(|w| head.rfind(w))
                    .all(|t| t < at)
            })
        });
        let past = past || ((past_time || narrative) && !own_time && !turned) || parallel_done;
        (!past).then_some(start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original text of every commitment drafted from a made-up letter.
    fn sources_of(letter: &str) -> Vec<String> {
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        d.commitments.into_iter().map(|c| c.source).collect()
    }

    #[test]
    fn quoted_titles_and_reported_documents_are_not_the_writers_tense() {
        // Future words inside a document title or a quotation are the document's.
        assert!(!has_future(
            "省人民政府印发了《关于建立粮食生产功能区的实施意见》，明确了总体要求。"
        ));
        assert!(!has_future(
            "新修订的办法提出“可通过以认促建，加快建设高新区”。"
        ));
        assert_eq!(unquoted("印发《加快建设方案》的通知"), "印发《》的通知");
        assert!(
            future_clause(
                "国家科技部印发了《关于印发工作指引的通知》，提出将在下一阶段统筹推进城市建设。",
                None
            )
            .is_none()
        );
        assert!(future_clause("我局将按照《加快建设方案》推进改造。", None).is_some());
        // The writer turning to what it will do, after a head's time in the past.
        assert!(
            future_clause(
                "近年来，市政府对主干道进行提升改造，完善了道路功能，目前运行状态较好，我局会根据实际状态进行监测，并适时启动提升改造。",
                Some(2023)
            )
            .is_some()
        );
        assert!(writer_turns_to_will("我局会根据实际状态进行监测"));
        assert!(!writer_turns_to_will("我局将该项目列入规划"));
        assert!(!writer_turns_to_will("我局会同市财政局进行了研究"));
        assert!(!writer_turns_to_will(
            "我们会将每年的代表建议作下年度建设计划"
        ));
        // 要 of 重要/要求 is not "will"; 将 marking an object done (已将) is not either.
        assert!(!has_future("明确了重要农产品保护区的总体要求"));
        assert!(has_future("我们要加大投入"));
        assert!(!has_future("均已将直行和左转同时放行改为单独放行"));
        assert!(!has_future("我局主动作为，将全市信号灯电费问题，报市政府"));
        assert!(has_future("将监测结果及时通报"));
        assert!(has_future("接下来街道将从以下三方面抓好改造"));
    }

    #[test]
    fn funds_won_and_reactions_on_receipt_are_reports() {
        // 争取 + an amount: funds won, reported.
        assert!(
            future_clause(
                "十三五期间，推进实施健康扶贫工程，争取中央资金43亿元，支持县级医院建设。",
                None
            )
            .is_none()
        );
        assert!(future_clause("推进实施妇幼健康保障工程，争取4.2亿元支持建设。", None).is_none());
        assert!(future_clause("下一步，积极争取更多资金支持。", None).is_some());
        // 通过争取: the means of work reported.
        assert!(future_clause("自治区发改委通过争取中央资金支持项目建设。", None).is_none());
        // The chain of what was done on receiving the proposal.
        assert!(
            future_clause(
                "支队领导班子高度重视，立即责成大队全面负责，并要求结合实际，力争尽快解决此项问题。",
                None
            )
            .is_none()
        );
        assert!(has_past("并正与财政、电业部门协调解决", None));
        // 计划 before a time to come or an act of creating is the verb; 届时 is what follows
        // once the work is done.
        assert!(
            future_clause(
                "派技术人员作了进一步调查，工程投资大，计划“十四五”期间，逐年逐批分步实施。",
                Some(2022)
            )
            .is_some()
        );
        assert!(
            future_clause(
                "办公用房正在进行地基建设，腊味小镇计划创建3A旅游景区并纳入项目库。",
                Some(2023)
            )
            .is_some()
        );
        assert!(
            future_clause(
                "二期投资近2000万元已开始实施，届时对沿线生活污水全部纳入管网。",
                Some(2012)
            )
            .is_some()
        );
        // Attention or support pledged with no task of its own.
        assert!(generic_pledge("我厅将在职权范围内积极给予支持。"));
        assert!(generic_pledge(
            "我局将继续关注该镇城镇建设的现状，积极为该镇城镇建设出谋划力。"
        ));
        assert!(!generic_pledge("我局将继续关注并推动项目建设。"));
        // Work named only by a word for any work, or by the proposal itself.
        assert!(generic_pledge("我局将尽全力做好相关工作。"));
        assert!(generic_pledge(
            "我局将根据您的建议进一步加强各项工作，由衷地希望您继续关注和指导我们的工作。"
        ));
        assert!(generic_pledge(
            "我局将以对人民负责的态度，认真研究处理您的建议，努力实现安全与生态的双赢目标。"
        ));
        // Helping a named lead with its work, or pushing on with this work, is a task.
        assert!(!generic_pledge("我局将按职责积极配合做好相关工作。"));
        assert!(!generic_pledge(
            "待具备相关条件后结合城市规划积极推进此项工作。"
        ));
        assert!(!generic_pledge("我局将按程度推进相关工作。"));
        assert!(!generic_pledge("省农业厅将积极支持恩施州做好相关工作。"));
        // As before, doing the work well for a purpose that closes the sentence.
        assert!(generic_pledge(
            "我们将一如既往的做好城市建设工作，为建设品质之城作出应有贡献。"
        ));
        assert!(generic_pledge("我们将在今后的管理工作中，不断改善改进。"));
        assert!(generic_pledge(
            "我们将在今后的管理工作中，不断改善改进，希望您在今后的工作中继续多提宝贵意见和建议。"
        ));
        assert!(generic_pledge(
            "我局将根据您的建议进一步加强各项工作，由衷地希望您继续关注和指导我市住房和城乡建设工作，推动我市住建工作又好又快发展。"
        ));
        assert!(!generic_pledge(
            "我们将做好道路改造工程，为群众出行作出贡献。"
        ));
        // The closing summary of what was done, and its pledge to go on.
        assert!(is_closing(
            "以上是我中心对您提出建议的落实情况，如有不妥之处，请您批评指正，我们将继续整改落实。"
        ));
        assert_eq!(
            writer_will_after_courtesy("以上是我局的办理情况，我们将继续整改落实。"),
            None
        );
        assert!(!generic_pledge("我厅将积极给予支持，争取年内开工。"));
        // The closing courtesy: doing the work well, listening, with no task named.
        assert!(generic_pledge(
            "我们将继续努力，为市民提供更好的阅读环境和文化服务。"
        ));
        assert!(generic_pledge(
            "如果您还有其他建议或意见，请随时与我们联系，我们将认真倾听、积极采纳。"
        ));
        assert!(generic_pledge(
            "衷心希望你们今后一如既往地支持、关心水利事业的发展，我们将虚心听取你们的意见和建议，积极改进水利工作。"
        ));
        assert!(generic_pledge(
            "我们将进一步改进工作，保障中小学生健康成长。"
        ));
        // A named task keeps the sentence a promise.
        assert!(!generic_pledge("我们将继续努力，年内完成10个书房建设。"));
        assert!(!generic_pledge("我局将改进工作，推进路灯安装。"));
        // A sentence of advice is advice to its end.
        assert!(
            future_clause(
                "建议酒泉市积极通过其他渠道筹集资金，并加强资金监管，力争该项目尽早开工。",
                None
            )
            .is_none()
        );
    }

    #[test]
    fn beliefs_and_requests_to_others_are_not_promises() {
        assert!(is_closing(
            "我们相信，在各方支持下，全县事业会发展得越来越好。"
        ));
        assert!(is_closing("请市政府在改造中将候车亭建设纳入统筹规划。"));
        // A belief that holds the writer's own "将…" still promises.
        assert!(!is_closing(
            "相信，随着财力增强，区政府将适时研究提高经费。"
        ));
        assert!(dated_completion("计划G3032加定至西海段年内建成，届时…"));
        assert!(!dated_completion("计划生育工作，年内建成"));
    }

    #[test]
    fn sentences_and_inline_items() {
        assert_eq!(
            segments(
                "一是加快建设，二是完善政策。下一步，我局将推进：1.积极协调方案：密切跟踪进展。"
            ),
            [
                "一是加快建设，",
                "二是完善政策。",
                "下一步，我局将推进：",
                "1.积极协调方案：密切跟踪进展。"
            ]
        );
    }

    #[test]
    fn future_work_is_told_from_work_done() {
        assert!(future_clause("我局将积极争取上级资金。", Some(2025)).is_some());
        assert!(future_clause("计划于2026年全面解决该问题。", Some(2025)).is_some());
        assert!(future_clause("力争年内完成。", Some(2025)).is_some());
        assert!(future_clause("我局已将该项目列入计划。", Some(2025)).is_none());
        assert!(future_clause("后来，乡政府又将此路列为重点项目。", Some(2025)).is_none());
        assert!(
            future_clause(
                "论坛发布了倡议，计划在传染病防控等领域开展合作。",
                Some(2025)
            )
            .is_none()
        );
        assert!(self_will("经调研，我局将积极与上级部门对接。"));
        assert!(!self_will("我局已完成调研。"));
    }

    #[test]
    fn courtesies_and_contacts_are_never_promises() {
        for text in [
            "对以上答复有什么意见，请及时反馈。",
            "感谢您对交通工作的关心和支持。",
            "联系人：张三，联系电话：0871-1234567",
            "王忠伟212542",
            "西街口镇人民政",
            "同时，也希望您一如既往地关心和支持我县城市管理工作。",
            "希望你们以后多提宝贵意见，以利我们改进工作。",
            "浙江省公路管理局计划财务处姚康",
            "经我局党组会议研究，立即组织人员调查办理，现就您所提建议的办理情况答复如下：",
        ] {
            assert!(is_closing(text), "{text}");
        }
        assert!(!is_closing(
            "我局将继续关注永仁县畜牧业发展，给予倾斜支持。"
        ));
    }

    #[test]
    fn a_sentence_opening_with_its_verb_is_a_measure() {
        assert!(opens_with_action("抓紧组建国家职业教育指导咨询委员会。"));
        assert!(opens_with_action("同时加快推进职业教育法修订。"));
        assert!(!opens_with_action("该项目资金由省级承担。"));
    }

    #[test]
    fn a_promise_after_thanks_is_still_a_promise() {
        let seg = "感谢代表的关心，希望你多提意见，我们将把您的意见作为动力，认真做好工作。";
        assert_eq!(
            writer_will_after_courtesy(seg).map(|at| &seg[at..]),
            Some("我们将把您的意见作为动力，认真做好工作。")
        );
        assert_eq!(
            writer_will_after_courtesy("如有意见，我局将进一步研究。"),
            None
        );
    }

    #[test]
    fn an_action_after_a_step_is_a_promise() {
        let seg = "我局正在调研、论证，论证结果提交县委县政府审议后执行。";
        assert_eq!(after_event(seg), seg.find("论证结果"));
        assert_eq!(after_event("审议后执行的文件已印发。"), None);
        assert!(!body_like("论证结果提交县委县政府"));
    }

    #[test]
    fn a_stated_completion_date_is_a_promise() {
        let seg = "项目已完成招投标，8月底可完成全部工程建设并投入使用。";
        assert_eq!(completion_date(seg), seg.find('8'));
        assert_eq!(completion_date("项目已于8月底完成全部工程建设。"), None);
    }

    #[test]
    fn a_present_lead_in_announces_measures() {
        assert!(announces_measures(
            "我局已经把校园周边安全纳入整治范围，同时同步展开如下措施：",
            Some(2016)
        ));
        assert!(!announces_measures("我局采取了以下措施：", Some(2016)));
        assert!(!announces_measures("我局将做好以下工作：", Some(2016)));
    }

    #[test]
    fn lead_ins_announce_items() {
        assert!(is_intro("我委将持续开展如下四项工作。"));
        assert!(is_intro("下一步，我局将重点做好以下工作："));
        assert!(!is_intro("我局将加快建设农村公路。"));
    }

    #[test]
    fn a_writers_lead_in_opens_an_inline_list() {
        assert!(writer_lead_in(
            "针对你们提出的建议，我局积极采纳意见，",
            Some(2022)
        ));
        assert!(!writer_lead_in("我局已完成以下工作，", Some(2022)));
        assert!(!writer_lead_in(
            "为持续推进农村人居环境整治，我局落实《意见》，",
            Some(2024)
        ));
        assert!(!writer_lead_in("我局积极采纳意见。", Some(2022)));
    }

    #[test]
    fn a_marker_alone_opens_an_inline_list() {
        assert!(marker_alone("下一步计划，"));
        assert!(marker_alone("在接下来的工作中，"));
        assert!(!marker_alone("下一步，我局将加快建设农村公路。"));
        assert!(!marker_alone("近年来，"));
    }

    #[test]
    fn a_writers_later_will_is_a_promise_of_its_own() {
        let t = "为此，我局计划将该段道路结合防汛道路一并建设，目前项目已上报，争取列入省治理实施方案中，下一步我局将积极对接上级相关部门，加强沟通协调。";
        assert_eq!(measure_cuts(t).len(), 1, "{:?}", measure_cuts(t));
        let t = "为此，我局计划将该段道路结合奎濉河防汛道路一并建设，目前项目已上报，争取列入安徽省奎濉河治理实施方案中，下一步我局将积极对接上级相关部门，加强沟通协调，确保项目顺利推进，早日实施。";
        assert_eq!(measure_cuts(t).len(), 1, "{:?}", measure_cuts(t));
        assert!(fresh_clause("下一步我局将积极对接上级相关部门"));
        assert!(fresh_clause("我们将立即组织修建"));
        assert_eq!(
            writer_intent_before("为此，我局计划将该段道路一并建设，目前项目已上报，"),
            Some("为此，".len())
        );
        assert_eq!(writer_intent_before("目前项目已上报，"), None);
        // A condition or a frame answered by the "will" is not a second promise.
        assert!(
            measure_cuts(
                "下一步，我局将积极配合贵局开展整治行动，一旦发现违法行为，我局将严肃查处。"
            )
            .is_empty()
        );
        assert!(measure_cuts("在今后的工作中，我局将履行职能职责，严格管理犬只。").is_empty());
    }

    #[test]
    fn a_sentence_turns_to_another_measure_at_a_new_owner() {
        let pieces = |t: &'static str| -> Vec<&'static str> {
            let mut b = vec![0];
            b.extend(measure_cuts(t));
            b.push(t.len());
            b.windows(2).map(|w| &t[w[0]..w[1]]).collect()
        };
        assert_eq!(
            pieces("我局将督促县公路局加强养护，并指导县公路局开展研究，同时向省厅汇报。"),
            [
                "我局将督促县公路局加强养护，",
                "并指导县公路局开展研究，",
                "同时向省厅汇报。"
            ]
        );
        // Once work is handed on, "继续…" is the writer acting again.
        assert_eq!(
            pieces("我局将督促各乡镇做好宣传，继续加大整治力度。").len(),
            2
        );
        // Several actions by one writer stay one measure.
        assert_eq!(pieces("我局将加快建设，做好维护，确保通行。").len(), 1);
    }

    #[test]
    fn estimates_difficulties_and_dated_reports_are_not_promises() {
        assert!(estimate("预计需建设资金15万元"));
        assert!(!estimate("预计2023年7月底前完工投入使用"));
        assert!(difficulty("争取上级项目和资金支持难度大"));
        assert!(dated_before(
            "2024年4月7日，我委会同多部门下发方案",
            Some((2024, 6, 12))
        ));
        assert!(!dated_before(
            "2024年6月，我委将开展监测",
            Some((2024, 6, 12))
        ));
        assert!(!dated_before("2024年12月前完成", Some((2024, 6, 12))));
        assert_eq!(
            without_restated("现对代表提出的关于持续推进整治的建议提出如下意见："),
            "现对代表提出的提出如下意见："
        );
    }

    #[test]
    fn jiang_with_a_partner_a_time_or_a_plan_to_enter_is_future() {
        assert!(future_clause("我局将与县财政局沟通协调，积极向上争取资金。", None).is_some());
        assert!(future_clause("二是将该处的路灯改造纳入我县正在实施的计划。", None).is_some());
        assert!(future_clause("我局已将该路段纳入计划。", None).is_none());
    }

    #[test]
    fn work_promised_once_something_has_happened() {
        assert!(future_clause("目前设计已完成，待项目动工后，及时拆除院墙。", None).is_some());
        assert!(future_clause("待项目审批立项后，再作具体安排。", None).is_none());
    }

    #[test]
    fn tense_of_dated_things_own_times_and_courtesy_pledges() {
        // A past year that dates a thing does not make the act past.
        assert!(!mentions_past_year(
            "今年我局将实施改造，范围为7个2000年以前建成的老旧小区。",
            Some(2023)
        ));
        assert!(mentions_past_year("2020年完成了改造。", Some(2023)));
        // A clause with its own time to come is not put in the past by the head's 以来/去年.
        assert!(
            future_clause(
                "自工程启动以来，累计支持330公里，截至目前已建成240公里，计划在2021年底全面建成。",
                None
            )
            .is_some()
        );
        assert!(
            future_clause(
                "去年申报的小区今年已经全部开工，部分子项目已经竣工验收，其它子项目年内可完工。",
                Some(2020)
            )
            .is_some()
        );
        // "，会逐步…": 会 + an action adverb opening a clause promises.
        assert!(future_clause("政府已将棚户区改造纳入规划当中，会逐步进行改造。", None).is_some());
        // 将一如既往 / 将针对 are "will".
        assert!(future_clause("我们将一如既往地争取上级资金的支持。", None).is_some());
        // The proposal as the object of 将 (= 把) reports what was done with it.
        assert!(!puts_into("您的建议纳入重要议事日程"));
        assert!(puts_into("该处的路灯改造纳入计划"));
        // Courtesy pledges.
        assert!(is_closing("我们将积极采纳、认真研究。"));
        assert!(is_closing(
            "我们将以这次建议为契机，进一步加强交通道路建设工作。"
        ));
        assert!(!is_closing("我们将积极研究制定补助办法，年内出台。"));
        // A year after the reply's, with work starting or finishing in its clause.
        assert!(
            future_year(
                "优化了建设模式；统筹了建设时序，獐狮坝水库于2024年开工建设。",
                Some(2023)
            )
            .is_some()
        );
        assert!(future_year("獐狮坝水库于2022年开工建设。", Some(2023)).is_none());
        // 将 right after the clause's subject; a clause opening with the next steps.
        assert!(
            future_clause(
                "为更好的进行学校分类建设，我州将合理优化教育资源，重新布局规划台江县小学和初中。",
                Some(2020)
            )
            .is_some()
        );
        assert!(
            future_clause(
                "2024年积极向上申报了日间照料中心项目，目前正在进行招标，下一步实施动工。",
                Some(2025)
            )
            .is_some()
        );
        assert!(future_clause("我们将您的建议纳入重要议事日程。", None).is_none());
        // Every plan in the sentence is weighed, not only the first 计划.
        assert!(
            future_clause(
                "累计支持织金县计划约330公里，截至目前已建成路面240公里，计划在2021年底全面建成。",
                None
            )
            .is_some()
        );
        assert!(future_clause("目前已争取到国家专项债券资金2500万元。", None).is_none());
        assert!(
            future_clause(
                "近年来，国家对小型水库建设高度重视，根据您的建议，在下步工作中，我局将积极努力，把西安闸水库注册为小（二）型。",
                Some(2020)
            )
            .is_some()
        );
        // What a reported act was for is no promise; nor a 将 in parallel with 已将.
        for done in [
            "县水务局已多次向省、州水务部门进行汇报，争取项目资金对其进行除险加固。",
            "我厅积极汇报衔接，已将A段列入近期计划，同时也将B段列入该计划。",
            "由于无工程项目计划，该公路提质改造一直无法进行。",
        ] {
            assert_eq!(future_clause(done, Some(2023)), None, "{done}");
        }
        assert!(future_clause("我局已完成设计，力争年底前开工。", Some(2023)).is_some());
        assert!(future_clause("已启动相关研究论证工作，争取尽快开工建设。", Some(2023)).is_some());
        assert!(
            future_clause(
                "该小区周边两条公路均有新建改造计划，待新建道路投用时一并开通公交线路。",
                Some(2020)
            )
            .is_some()
        );
        // "今年2月，…" in a July letter reports what was done.
        assert!(dated_before(
            "今年2月，向省文旅厅上报项目。",
            Some((2021, 7, 15))
        ));
        assert!(!dated_before("今年9月，完成验收。", Some((2021, 7, 15))));
        assert!(
            future_clause(
                "优化了建设模式；统筹了建设时序，獐狮坝水库于2024年开工建设。",
                Some(2023)
            )
            .is_some()
        );
    }

    #[test]
    fn support_in_principle_and_a_general_stance_are_not_promises() {
        // Support or co-operation with no object, on the reader's condition or not.
        assert!(generic_pledge("我厅将积极给予技术指导和支持。"));
        assert!(generic_pledge(
            "故该街道如有资金以外的需求，我局将积极支持配合。"
        ));
        assert!(!generic_pledge("我厅将积极给予资金支持。"));
        assert!(!generic_pledge("我局将积极支持该路段改造工程建设。"));
        // A frame of general stance, then clauses that only improve or keep up the work.
        assert!(framed_improvement(&clauses(
            "今后我局将继续做好相关工作，不断优化公园管理。"
        )));
        assert!(framed_improvement(&clauses(
            "感谢委员的关心，我局将全面提升设施管理水平，强化宣传引导，促进作用发挥。"
        )));
        assert!(framed_improvement(&clauses(
            "我们将在县委、县政府的领导下，进一步加大资源开发力度，为全县发展作出贡献。"
        )));
        // Without the frame, or with a project, a figure or a time, it is work to follow up.
        assert!(!framed_improvement(&clauses(
            "我局将全面提升设施管理水平，强化宣传引导。"
        )));
        assert!(!framed_improvement(&clauses(
            "今后我局将加快推进东环路改造，年底前完工。"
        )));
        assert!(!framed_improvement(&clauses(
            "今后我局将提升3个公园的照明水平。"
        )));
        // A co-handling unit's opinion handed over for reference.
        assert!(is_closing("以上意见，供贵厅答复时参考。"));
        assert!(!is_closing("以上工作，我局将于年底前完成。"));
    }

    #[test]
    fn intentions_with_their_own_time_speak_of_the_future() {
        assert!(intent_time("计划三季度实施主干管线铺设3公里", Some(2025)));
        assert!(intent_time("力争2025年将管道铺设纳入预算", Some(2025)));
        assert!(intent_time("预计于9月底验收", Some(2023)));
        assert!(!intent_time("计划2019年实施", Some(2023)));
        assert!(!intent_time("计划财务处审核", Some(2023)));
        // A plan with a time, after a report of work done in an earlier year.
        assert!(
            future_clause(
                "2024年编制预算时没有将管道铺设列入，力争2025年将其纳入下年预算。",
                Some(2025)
            )
            .is_some()
        );
        assert!(
            future_clause(
                "2021年开展了普查，预计在2022年普查收官后将数据分享给各单位。",
                Some(2022)
            )
            .is_some()
        );
        // An estimate with a time after 于 is a forecast to follow up.
        assert!(!estimate("预计于9月底验收"));
        assert!(estimate("预计需建设资金15万元"));
        // Adverbs of manner after 将 make it "will".
        assert!(has_future("同时，正在拟制实施方案，将逐年逐批次实施改造。"));
        // Ready to carry out, though 已 stands before it.
        assert!(future_clause("该路段拓宽我局今年已经准备进行实施。", Some(2023)).is_some());
    }

    #[test]
    fn past_narrative_without_a_reply_date_and_decisions_taken() {
        assert!(full_date("2020年5月29日，我厅将该项目报送"));
        assert!(!full_date("2025年6月30日前完成"));
        assert!(!full_date("今年5月，我厅"));
        assert!(
            future_clause(
                "我厅高度重视，2020年5月29日，我厅将该项目报送应急管理部，并于2021年8月将该项目列入《专项规划》。",
                None
            )
            .is_none()
        );
        // A decision a meeting took is reported.
        assert!(future_clause("我局通过党组会议决定实施照明改造项目。", Some(2024)).is_none());
        assert!(future_clause("我局决定实施照明改造项目。", Some(2024)).is_some());
        // What was said at the time is not said now.
        assert!(future_clause("当时领导答复2年内进行安装，现在时间已过。", Some(2024)).is_none());
        // 以下 after a quantity means "below", announcing nothing.
        assert!(!is_intro(
            "县卫健局将积极协调各部门做好3岁以下婴幼儿照护服务。"
        ));
        assert!(is_intro("我局将做好以下工作。"));
    }

    #[test]
    fn after_advice_the_writers_own_clause_and_items_after_a_pledge() {
        let letter = "关于建设水上旅游线路的建议的答复\n\n张代表：\n\n您提出的建议收悉。下一步，建议地方政府落实主体责任，加快项目前期工作，我局将加强行业指导，帮助推动项目进展。\n\n作为文化旅游部门我们将积极配合。一是积极配合发改部门做好线路规划。二是积极配合水利部门开展航道论证。\n\n县文化和旅游局\n2023年5月6日\n";
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.starts_with("我局将加强行业指导")),
            "{texts:?}"
        );
        assert!(
            texts.iter().all(|t| !t.contains("建议地方政府")),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.contains("线路规划")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("航道论证")), "{texts:?}");
        assert!(
            texts
                .iter()
                .all(|t| *t != "作为文化旅游部门我们将积极配合。"),
            "{texts:?}"
        );
    }

    #[test]
    fn hui_of_huitong_jiang_before_its_object_and_attributive_ni() {
        // 会 of 会同/会议 is not "will".
        assert!(!will_hui("会同市电视台制作宣传片"));
        assert!(will_hui("会及时开展调查"));
        assert!(future_clause("今年3月，我局会同市电视台制作宣传片。", None).is_none());
        assert!(future_clause("我局会及时开展调查。", None).is_some());
        // 将 (= 把) before its object, after the subject.
        assert!(!has_future(
            "根据群众需求，我们将我市3个律师事务所的律师配备到各村。"
        ));
        assert!(has_future("我们将加快配备律师。"));
        // 拟 qualifying a noun after a verb: the applicant provides proof of the planned area.
        assert!(
            future_clause(
                "按照规定，管理委员会要提供拟扩大公园面积的证明材料。",
                Some(2020)
            )
            .is_none()
        );
        assert!(future_clause("我局拟扩大公园面积。", Some(2020)).is_some());
        // What a plan document does, reported in a sentence of purpose.
        assert!(
            future_clause(
                "为支持旅游发展，我们在《全省旅游规划》将该区列入重点县，将该区提质工程等项目纳入重点建设项目。",
                Some(2021)
            )
            .is_none()
        );
    }

    #[test]
    fn in_a_next_steps_part_advice_and_support_in_principle_are_not_promises() {
        let letter = "关于建设特色游园的提案的答复\n\n王委员：\n\n您提出的提案收悉。\n\n下一步，若该提案获得通过，建议由贵单位牵头按程序办理，我局将全力配合。\n\n下一步，某某镇可根据创建标准按程序申报产业园。我局将加强指导，会同县财政局予以支持建设。\n\n县林业局\n2021年5月6日\n";
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert!(texts.iter().all(|t| !t.contains("全力配合")), "{texts:?}");
        assert!(texts.iter().all(|t| !t.contains("可根据")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("加强指导")), "{texts:?}");
        assert!(generic_pledge(
            "待上级规定出台后，我们会向这方面积极努力和探索。"
        ));
        assert_eq!(advised_body("某某镇可根据标准申报"), Some("某某镇"));
        assert_eq!(advised_body("我局可根据标准申报"), None);
        assert_eq!(advised_body("县交通局可以加快"), Some("县交通局"));
        assert_eq!(advised_body("该项目可能延期"), None);
    }

    #[test]
    fn plans_drawn_up_now_and_what_follows_at_once() {
        assert!(announces_measures(
            "针对以上现象，制定相关的工作方案：",
            Some(2020)
        ));
        assert!(!announces_measures(
            "针对以上现象，制定了相关的工作方案：",
            Some(2020)
        ));
        assert!(
            future_clause(
                "盛庄等村的问题也已进行了规划布置，水厂一建成，即安排管网延伸工程，予以解决。",
                Some(2020)
            )
            .is_some()
        );
        assert!(future_clause("水厂一建成即投入使用。", Some(2020)).is_none());
        assert!(has_future(
            "首先在保证财政资金的情况下，将考虑合理的方式满足资金需求。"
        ));
        assert!(
            future_clause(
                "交警大队与管委进行了沟通，准备将备用的移动信号灯放置在此路口。",
                Some(2020)
            )
            .is_some()
        );
    }

    #[test]
    fn a_promise_before_the_thanks_in_one_sentence() {
        let seg =
            "预算上存在资金缺口，将考虑合理的方式满足项目的资金需求，非常感谢代表提出的建议。";
        assert_eq!(
            courtesy_tail(seg).map(|c| &seg[..c]),
            Some("预算上存在资金缺口，将考虑合理的方式满足项目的资金需求")
        );
        assert_eq!(courtesy_tail("感谢代表的关心，我们将认真研究。"), None);
        assert_eq!(courtesy_tail("项目已经完成，感谢您的理解和支持。"), None);
    }

    #[test]
    fn an_item_title_reported_as_done_is_not_a_measure() {
        assert!(is_bare_title("保障村校延时服务经费。"));
        assert!(!is_bare_title("将加快推进项目建设。"));
        assert!(!is_bare_title("加强宣传，营造氛围。"));
        let letter = "关于课后服务的建议的答复\n\n李代表：\n\n下一步工作\n\n一是扩大服务覆盖面。我委将在全区推广延时服务。二是保障延时服务经费。我区已建立财政、学校和家庭分担成本的机制。\n\n区教委\n2023年5月6日\n";
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.contains("推广延时服务")),
            "{texts:?}"
        );
        assert!(
            texts.iter().all(|t| !t.contains("保障延时服务经费")),
            "{texts:?}"
        );
    }

    #[test]
    fn the_writer_named_in_an_earlier_clause_acts_in_the_later_one() {
        let letter = "关于韧性城市建设的建议的答复\n\n张代表：\n\n汛期前，区水务局开展了防汛演练。2021年普查工作开展，我局充分发挥牵头作用，建立了数据库，预计在2022年普查收官后将数据分享给各职能单位。\n\n上海市嘉定区应急管理局\n2022年6月15日\n";
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        let shared = d
            .commitments
            .iter()
            .find(|c| c.text.contains("分享给各职能单位"));
        assert_eq!(
            shared.map(|c| c.owner.as_str()),
            Some("区应急局"),
            "{:?}",
            d.commitments
        );
    }

    #[test]
    fn the_writer_named_by_self_reference_is_the_last_actor_named() {
        let letter = "关于移动信号的建议的答复\n\n王代表：\n\n县电信公司已经在兴隆村新建基站1个。我局将组织各运营商实地查勘。如若具备架设基站条件将尽快按照程序予以申报。\n\n太白县交通运输局\n2023年5月6日\n";
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let d = import(letter, &options).expect("imports");
        let filed = d.commitments.iter().find(|c| c.text.contains("予以申报"));
        assert_eq!(
            filed.map(|c| c.owner.as_str()),
            Some("县交通运输局"),
            "{:?}",
            d.commitments
        );
    }

    #[test]
    fn a_numbered_measure_and_its_sentences_in_next_steps_are_one_measure() {
        assert!(proposal_topic("关于建议在老城区增加室外体育设施的建议。"));
        assert!(proposal_topic("关于路灯损坏的问题："));
        assert!(!proposal_topic("关于路灯损坏的问题，我局将尽快维修。"));
        assert!(further_opening("同时将根据资金情况，兼顾沿线文化元素。"));
        assert!(further_opening("另建立传统村落保护管理协调机制。"));
        assert!(!further_opening("另一方面，资金仍有缺口。"));
        assert!(!further_opening("同时，该路段车流量较大。"));
        assert!(measure_title("加快推进公益性安葬设施建设"));
        assert!(measure_title("疏堵结合规范食品摊贩有序经营"));
        assert!(!measure_title("关于道路硬化的问题"));
        assert!(!measure_title("下一步工作打算"));
        let letter = "关于农村安葬的建议的答复\n\n王代表：\n\n下一步，我们将从以下几个方面重点用力。\n（一）加快推进公益性安葬设施建设。积极配合自然资源部门，指导各地推进规划编制。积极争取资金，持续加大投入。\n（二）加强公益性安葬设施的规范管理。指导各地加强对集中安葬点的规范管理。\n\n四川省民政厅\n2023年5月6日\n";
        let sources = sources_of(letter);
        assert!(
            sources
                .iter()
                .any(|s| s.contains("加快推进公益性安葬设施建设")),
            "{sources:?}"
        );
        assert!(
            sources
                .iter()
                .any(|s| s.contains("加强公益性安葬设施的规范管理")),
            "{sources:?}"
        );
        assert!(
            !sources.iter().any(|s| s.starts_with("指导各地加强")),
            "{sources:?}"
        );
    }

    #[test]
    fn a_plan_opening_its_clause_stands_whatever_the_sentence_reports_around_it() {
        // Made-up examples: "计划" + an act, at the head of its clause (after at most a year),
        // is the verb "plan to"; the clauses before or after it may report progress.
        assert!(plan_verb_opening("计划先利用专项资金启动管网建设", 0));
        assert!(plan_verb_opening("计划将现有便桥逐步改建为公路桥", 0));
        assert!(plan_verb_opening("2024年计划下拨80万元", "2024年".len()));
        assert!(!plan_verb_opening(
            "护林员计划安排是每年20名",
            "护林员".len()
        ));
        assert!(!plan_verb_opening("计划总投资300万元", 0));
        assert!(!plan_verb_opening("计划在医疗卫生领域开展合作", 0));
        assert!(intent_time("2024年计划下拨80万元", Some(2024)));
        assert!(!intent_time("2022年计划下拨80万元", Some(2024)));
        let letter = "关于改善排水的建议的答复\n\n李代表：\n\n为改善群众居住环境，我局结合资金情况，计划先利用专项资金启动主干管网建设，目前正在进行勘察设计。\n该镇已建成文化广场3个，计划将现有便桥逐步改建为公路桥。\n2023年下拨维修资金60万元，2024年计划下拨80万元，用于供水工程维修。\n该项目计划总投资300万元，已完成投资200万元。\n\n某县住房和城乡建设局\n2024年5月6日\n";
        let sources = sources_of(letter);
        for key in ["计划先利用专项资金", "计划将现有便桥", "2024年计划下拨"] {
            assert!(
                sources.iter().any(|s| s.contains(key)),
                "{key}: {sources:?}"
            );
        }
        assert!(
            !sources.iter().any(|s| s.contains("计划总投资")),
            "{sources:?}"
        );
    }

    #[test]
    fn what_comes_once_an_awaited_step_is_taken_is_next_even_in_a_report() {
        // Made-up examples: a clause opening with 待…后 sets its own time to come, so neither
        // a report heading nor a past year at the sentence's head puts it in the past; what
        // another party 表示 it will do is reported speech.
        assert!(awaits_event("待上级审批后，立即开展相关工作"));
        assert!(awaits_event("待指标下达后我局将优先安排"));
        assert!(!awaits_event("待遇问题已解决"));
        assert!(!awaits_event("待条件成熟时"));
        let letter = "关于学校扩建的建议的答复\n\n王代表：\n\n一、办理情况\n\n我局多次组织人员实地勘察。截至目前，已完成项目建议书，正在报送规划项目，待上级审批后，立即开展相关工作。\n护林员名额原为每年30名，2021年增加了10名，待2022年度指标下达后我局将优先安排。\n各施工单位表示会向上级上报迁移计划，待审批后及时进行迁移。\n\n某县教育局\n2022年5月6日\n";
        let sources = sources_of(letter);
        for key in ["立即开展相关工作", "我局将优先安排"] {
            assert!(
                sources.iter().any(|s| s.contains(key)),
                "{key}: {sources:?}"
            );
        }
        assert!(
            !sources.iter().any(|s| s.contains("及时进行迁移")),
            "{sources:?}"
        );
    }

    #[test]
    fn a_quoted_proposal_is_one_topic_and_a_split_measure_keeps_its_number() {
        // Made-up examples. The proposal's words quoted in an item's topic are one name,
        // commas and all.
        assert!(proposal_topic("关于“加强管控，从源头治理”的建议。"));
        assert!(!proposal_topic("关于路灯损坏的问题，我局将尽快维修。"));
        // 将 (= 把) inside an order to another unit goes on with the order; 将 as "will"
        // turns back to the writer.
        assert!(measure_cuts("督促施工单位落实要求，将施工垃圾及时清理").is_empty());
        assert_eq!(
            measure_cuts("督促施工单位落实要求，将加强日常巡查").len(),
            1
        );
        // The first measure of a split sentence keeps the sentence's number in its 原文.
        let letter = "关于景区卫生的建议的答复\n\n王代表：\n\n下一步，我局将做好以下工作。一是提升环境卫生水平，组织人员定期清理垃圾。二是加强施工单位监管，督促施工单位落实文明施工要求，将施工垃圾及时清理，同时我局将加强日常巡查。\n\n某县住房和城乡建设局\n2024年5月6日\n";
        let sources = sources_of(letter);
        assert!(
            sources
                .iter()
                .any(|s| s.starts_with("二是加强施工单位监管")),
            "{sources:?}"
        );
        assert!(
            !sources.iter().any(|s| s.starts_with("将施工垃圾")),
            "{sources:?}"
        );
    }

    #[test]
    fn a_clause_opening_with_any_next_steps_marker_turns_to_the_future() {
        // Made-up examples: 后续/接下来 open a clause of what comes next just as 下一步 does,
        // when the clause says someone will act; awaiting another body's step does not.
        assert!(
            future_clause(
                "近几年来，该品种种植面积逐年增长，后续我们专业科室会继续加大技术指导。",
                Some(2023)
            )
            .is_some()
        );
        assert!(
            future_clause(
                "目前正在开展用地预审工作，后续待省发改委审查可研。",
                Some(2023)
            )
            .is_none()
        );
    }

    #[test]
    fn next_steps_framed_by_zai_zhong_open_the_next_steps() {
        // Made-up example: "在下一步的工作中，" opens the next steps like "下一步，"; the
        // sentences after it in the paragraph are measures.
        let letter = "关于农村客运的建议的答复\n\n王代表：\n\n近年来，我局已改造农村公路50公里。在下一步的工作中，我们加大对危桥的改造。同时，公安部门加大对超载车辆的查处力度。\n\n某县交通运输局\n2024年5月6日\n";
        let sources = sources_of(letter);
        for key in ["加大对危桥的改造", "加大对超载车辆的查处力度"] {
            assert!(
                sources.iter().any(|s| s.contains(key)),
                "{key}: {sources:?}"
            );
        }
    }
}
