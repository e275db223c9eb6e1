//! Stage 5: owners — department names in running text, the subject of a sentence (with
//! coordination: 会同, 配合, 牵头…), self-references, and the short form an office uses. Pure.

use super::*;

// ───────────────────────────── bodies (departments) ─────────────────────────────

pub(super) const BODY_SUFFIXES: [&str; 19] = [
    "公司",
    "大队",
    "支队",
    "街道",
    "集团",
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
pub(super) const BODY_PREFIXES: [&str; 16] = [
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
pub(super) const SELF_REFS: [&str; 31] = [
    "我单位",
    // "我大队城区中队将…": a police brigade or detachment speaking of itself.
    "我大队",
    "我支队",
    "我中心",
    "我街道",
    "我们",
    "本单位",
    "我厅",
    "我委",
    "我局",
    "我办",
    "我部",
    "我院",
    "我会",
    "本厅",
    "本委",
    "本局",
    // "本中心将联合…": 本 + a unit's kind, as 我 + it.
    "本中心",
    "本办",
    "本院",
    "本站",
    "我省",
    "我区",
    "我市",
    "我州",
    "我县",
    "我镇",
    "我乡",
    "我处",
    "我站",
    "我所",
];
/// Words that end a subject: what a department does next.
pub(super) const SUBJECT_STOPS: [&str; 60] = [
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
pub(super) const VERB_STARTS: [&str; 16] = [
    "实施", "建设", "申报", "争创", "打造", "构建", "提升", "扩大", "保障", "促进", "督促", "推广",
    "加大", "强化", "用好", "发挥",
];

pub(super) fn starts_with_any<'w>(s: &str, words: &[&'w str]) -> Option<&'w str> {
    words.iter().copied().find(|w| s.starts_with(w))
}

/// Words that head a clause and never begin a unit's name ("经区交通运输委研究", "并会同…").
const FUNCTION_HEADS: [&str; 21] = [
    "并", "请", "由", "会同", "同时", "以及", "及",
    "并且", // "以市公共法律服务中心为主", "除舒城县全民健身活动中心外".
    "以",
    "除", // "依据水利部、省水利厅…文件": the source of a policy, not an actor.
    "依据", "根据", "按照", "依照", "对照", "遵照",
    // "向省水利厅申报", "从省财政厅争取": the unit asked, not the one acting.
    "向", "从", // "待市政府研究通过后": the unit waited on, not the one acting.
    "待", // "因交办单所列事项…", "由于县财政困难": a cause, not a name.
    "因", "由于",
];

/// Verbs that never stand inside a unit's name ("区加强督办", "区到现场进行核实").
const NAME_VERBS: [&str; 17] = [
    // "区政府主要领导先后召开两次调度会", "市商务局向市政府建议成立…": acts, not names.
    "召开",
    "先后",
    "建议",
    "局向",
    "委向",
    "厅向",
    "府向",
    "加强",
    "提高",
    "进行",
    "到现场",
    "制定",
    "加快",
    "开展",
    "落实",
    "核实",
    "解决",
];

/// "县水务局会尽最大努力", "市发改委会同…": the 会 of "will" or of 会同 glued to a name
/// that is already whole. No unit's name ends in 局会 or 厅会; of the names ending in 委会
/// only the committees 管委会, 村委会 and 居委会 do.
fn glued_auxiliary(name: &str) -> bool {
    let Some(before) = name.strip_suffix('会') else {
        return false;
    };
    if let Some(head) = before.strip_suffix('委') {
        return !head.ends_with(['管', '村', '居']);
    }
    BODY_SUFFIXES
        .iter()
        .filter(|s| !s.ends_with('会'))
        .any(|s| before.ends_with(s))
}

/// Generic shape of a department name: a level prefix or place, and a body suffix.
pub(super) fn body_like(name: &str) -> bool {
    let n = name.chars().count();
    if !(2..=24).contains(&n) || !name.chars().all(is_cjk) {
        return false;
    }
    if BODY_SUFFIXES.iter().all(|s| !name.ends_with(s)) {
        return false;
    }
    if glued_auxiliary(name) {
        return false;
    }
    // "科学布局", "新格局", "顾全大局": words ending in 局 that name no bureau.
    if [
        "布局", "格局", "大局", "全局", "结局", "开局", "变局", "当局",
    ]
    .iter()
    .any(|w| name.ends_with(w))
    {
        return false;
    }
    if ["该", "本", "其", "此", "各", "有关", "相关", "我", "贵"]
        .iter()
        .any(|p| name.starts_with(p))
        || starts_with_any(name, &SUBJECT_STOPS).is_some()
        || starts_with_any(name, &VERB_STARTS).is_some()
        // "经区交通运输委", "并会同区应急局", "请市政府": a function word glued to a name.
        || starts_with_any(name, &FUNCTION_HEADS).is_some()
        || name
            .strip_prefix('经')
            .is_some_and(|r| r.starts_with(|c: char| "省市县区州盟旗镇乡".contains(c)))
        // "区加强督办", "市提高公办": a level and a verb phrase, not a name.
        || NAME_VERBS.iter().any(|w| name.contains(w))
        // "林场抓紧时间向县发改局": a clause that turns to a unit of some level (向县, 向市) is
        // no name; no unit's name has 向 right before a level.
        || name
            .match_indices('向')
            .any(|(at, w)| at > 0 && starts_with_any(&name[at + w.len()..], &LEVELS).is_some())
        // "经我局", "同时我局", "今年我局": a clause head glued to a self-reference, not a name.
        // "其中该公司": a demonstrative inside a name points back, it names nothing.
        || name.chars().any(|c| "的了在将是对把为已与及我该".contains(c))
        // "论证结果提交县委县政府": a clause that hands something to a body, not a name.
        || ["提交", "报请", "报送", "上报", "提请", "结果", "情况"]
            .iter()
            .any(|w| name.contains(w))
    {
        return false;
    }
    let early: String = name.chars().take(8).collect();
    starts_with_any(name, &BODY_PREFIXES).is_some()
        || "省市县区州盟旗".chars().any(|c| early.contains(c))
        // "边阳镇人民政府": a township's government.
        || (name.ends_with("政府") && "镇乡".chars().any(|c| early.contains(c)))
        // "镇沅彝族哈尼族拉祜族自治县文化和旅游局": an autonomous place's long name.
        || ["自治县", "自治州", "自治旗", "自治区"].iter().any(|w| name.contains(w))
        || n <= 5
}

/// "对水坝的维修农业农村局将在…": a unit named right before its 将, after words that front
/// the clause's topic; the subject from that name on.
pub(super) fn named_before_will(s: &str) -> Option<Subject> {
    let clause_end = s.find(['，', '；', '。']).unwrap_or(s.len());
    let clause = &s[..clause_end];
    let will = clause.find('将')?;
    let before = &clause[..will];
    before
        .char_indices()
        .filter(|&(i, _)| before[i..].chars().count() <= 16)
        .find_map(|(i, _)| {
            let name = &before[i..];
            if !body_like(name) {
                return None;
            }
            // "1、本中心将…": the name is the tail of a self-reference, which speaks for the writer.
            let head = before[..i].char_indices().next_back();
            if let Some((h, '我' | '本')) = head
                && starts_with_any(&clause[h..], &SELF_REFS).is_some()
            {
                return parse_subject(&clause[h..]);
            }
            parse_subject(&clause[i..]).filter(|sub| !sub.bodies.is_empty())
        })
}

/// The department name at the start of `s`, if any; returns it and its byte length.
/// Prefers the shortest name followed by a verb or separator ("省科技厅会同…" → 省科技厅),
/// else the longest plausible one ("省委宣传部安排…").
pub(super) fn leading_body(s: &str) -> Option<(String, usize)> {
    let ends: Vec<usize> = s
        .char_indices()
        .take(24)
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| body_like(&s[..e]) && !inside_bumen(s, e))
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
            // "市司法局局长": the unit is named before its head's title.
            ends.iter()
                .rev()
                .copied()
                .find(|&e| !s[e..].starts_with(['员', '公', '长']))
                .filter(|&e| Some(&e) == ends.last() || s[e..].starts_with(['局', '厅', '委']))
        })?;
    Some((s[..pick].to_owned(), pick))
}

/// "公安交管部门将…", "马游河部分河道…": a name never ends on the 部 of the common nouns
/// 部门 (department) and 部分 (part).
fn inside_bumen(s: &str, e: usize) -> bool {
    s[..e].ends_with('部') && s[e..].starts_with(['门', '分'])
}

/// Like [`leading_body`] but only accepting a name followed by a verb or punctuation.
pub(super) fn leading_body_simple(s: &str) -> Option<usize> {
    s.char_indices()
        .take(24)
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| body_like(&s[..e]) && !inside_bumen(s, e))
        .find(|&e| {
            let rest = &s[e..];
            rest.is_empty()
                || rest.starts_with(|c: char| !is_cjk(c))
                || starts_with_any(rest, &SUBJECT_STOPS).is_some()
        })
}

/// Who a sentence says will act.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Subject {
    pub(super) bodies: Vec<String>,
    pub(super) co: Vec<String>,
    /// "我厅", "我们"…: the replying unit speaking of itself.
    pub(super) self_ref: Option<String>,
    /// Byte offset just past the subject.
    pub(super) end: usize,
}

pub(super) const CONNECTORS: [&str; 8] = [
    "同时，",
    "与此同时，",
    "此外，",
    "另外，",
    "其次，",
    "最后，",
    "首先，",
    "此外",
];

pub(super) fn skip_connectors(s: &str) -> usize {
    starts_with_any(s, &CONNECTORS).map_or(0, str::len)
}

/// Words that may stand before the writer's self-reference at the head of a clause without
/// being part of a name: "经我局研究", "同时我局将", "今年我局计划", "目前我局正在".
const HEADS: [&str; 19] = [
    "经",
    "同时",
    "今年",
    "明年",
    "目前",
    "近期",
    "随后",
    "届时",
    "今后",
    "此外",
    "另外",
    "因此",
    "为此",
    "对此",
    "下一步",
    "下阶段",
    "接下来",
    "下步",
    "后期",
];

/// Length of a head word before a self-reference ("今年我局…" → len of 今年), else 0.
fn self_ref_head(s: &str) -> usize {
    starts_with_any(s, &HEADS)
        .map(|w| w.len())
        .filter(|&n| starts_with_any(s[n..].trim_start_matches('，'), &SELF_REFS).is_some())
        .map_or(0, |n| {
            n + s[n..].len() - s[n..].trim_start_matches('，').len()
        })
}

/// "县移动、联通、电信等部门将…": units listed by their short names and closed by 等 and a
/// class noun (部门, 单位, 公司, 企业) before what they do are the subject, whatever their
/// names look like. Members written without the first one's level share it (县联通). Returns
/// the members, first the one that leads, and the length of the list with its class noun.
fn listed_subject(s: &str) -> Option<(Vec<String>, usize)> {
    let clause = &s[..s.find(['，', '；', '。', '：']).unwrap_or(s.len())];
    let deng = clause.find('等')?;
    let after = &clause[deng + '等'.len_utf8()..];
    let class = starts_with_any(after, &["部门", "单位", "公司", "企业"])?;
    let end = deng + '等'.len_utf8() + class.len();
    starts_with_any(&clause[end..], &SUBJECT_STOPS)?;
    let mut items: Vec<&str> = clause[..deng].split('、').collect();
    // "…、联通和电信等": the last two joined by 和/及.
    if let Some(last) = items.pop() {
        match last.split_once(['和', '及']) {
            Some((a, b)) if a.chars().count() <= 4 && b.chars().count() <= 4 => {
                items.extend([a, b]);
            }
            _ => items.push(last),
        }
    }
    let plausible = |item: &str| {
        (2..=12).contains(&item.chars().count())
            && item.chars().all(is_cjk)
            && !item
                .chars()
                .any(|c| "的了在将是对把为已与我你您该各其".contains(c))
            && !["有关", "相关", "部门", "单位"]
                .iter()
                .any(|w| item.contains(w))
            && starts_with_any(item, &SUBJECT_STOPS).is_none()
            && starts_with_any(item, &VERB_STARTS).is_none()
            && starts_with_any(item, &FUNCTION_HEADS).is_none()
            && !NAME_VERBS.iter().any(|w| item.contains(w))
    };
    if items.len() < 2 || !items.iter().all(|i| plausible(i)) {
        return None;
    }
    let level = unit_level(items[0]);
    let names = items
        .iter()
        .map(|i| match level {
            Some(l) if unit_level(i).is_none() => format!("{l}{i}"),
            _ => (*i).to_owned(),
        })
        .collect();
    Some((names, end))
}

/// Parses "省发改委、省卫健委将…", "省科技厅会同省财政厅…", "我厅将…".
pub(super) fn parse_subject(s: &str) -> Option<Subject> {
    let start = skip_connectors(s);
    let start = start + self_ref_head(&s[start..]);
    // "下一步县水务局将…", "后期住建局将…": a time word before a unit's name is no part of it.
    let start = start
        + starts_with_any(&s[start..], &HEADS)
            .filter(|w| !["经", "同时", "此外", "另外"].contains(w))
            .filter(|w| {
                // Only a head glued to the name: "近期，陵川县水务局…" is read as before.
                let rest = &s[start + w.len()..];
                // A unit's kind alone ("接下来街道将…") is the writer's way of naming itself;
                // "今后金城林场会加强…": 会 is "will", not part of the name.
                leading_body(rest).is_some_and(|(name, _)| {
                    name.chars().count() >= 3
                        && !glued_auxiliary(&name)
                        && (!name.ends_with('会')
                            || ["委员会", "管委会", "协会", "工会", "商会"]
                                .iter()
                                .any(|k| name.ends_with(k)))
                })
            })
            .map_or(0, str::len);
    // "经区交通运输委研究…", "并会同…": a clause head before a name is not part of it.
    let start = start
        + starts_with_any(&s[start..], &["经", "并"])
            .filter(|w| leading_body(&s[start + w.len()..]).is_some())
            .map_or(0, str::len);
    let s = &s[start..];
    let mut subject = Subject::default();
    let mut pos;
    if let Some(after) = s.strip_prefix('由')
        && let Some((name, len)) = leading_body(after)
    {
        // "由市交通局负责…", "由县住建局牵头…": the named unit owns it.
        subject.bodies.push(name);
        pos = '由'.len_utf8() + len;
    } else if let Some(w) = starts_with_any(s, &SELF_REFS) {
        // "我县旅游发展公司也将…": a place's self-reference before a unit's name is the
        // place's level of that unit (县旅游发展公司), not the writer.
        let level = w
            .strip_prefix('我')
            .filter(|l| "省市县区州镇乡".contains(*l));
        let rest = &s[w.len()..];
        let named = level
            .and_then(|l| leading_body_simple(&format!("{l}{rest}")).map(|len| (l, len - l.len())));
        match named.filter(|&(_, len)| len > 0) {
            Some((l, len)) => {
                subject.bodies.push(format!("{l}{}", &rest[..len]));
                pos = w.len() + len;
            }
            None => {
                subject.self_ref = Some(w.to_owned());
                pos = w.len();
            }
        }
    } else if starts_with_any(s, &["督促", "责成"]).is_some() {
        // A subject-less "督促市交通局…": the unit told to act is found below.
        pos = 0;
    } else if let Some((names, len)) = listed_subject(s) {
        subject.bodies = names;
        pos = len;
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
    // "三教乡党委政府", "忠防镇党委、政府": a place's party committee and government named
    // together; the government does the work the office tracks.
    if let Some(first) = subject.bodies.first().cloned()
        && let Some(place) = first.strip_suffix("党委")
    {
        let rest = &s[pos..];
        let joined = starts_with_any(
            rest,
            &["、政府", "、人民政府", "和政府", "政府", "人民政府"],
        );
        let listed = subject
            .bodies
            .get(1)
            .is_some_and(|b| b == "政府" || b == "人民政府");
        if let Some(w) = joined {
            pos += w.len();
        }
        if joined.is_some() || listed {
            subject.bodies.retain(|b| b != "政府" && b != "人民政府");
            subject.bodies[0] = format!("{place}政府");
        }
    } else if let Some(first) = subject.bodies.first_mut()
        && let Some(place) = first.strip_suffix("党委政府")
    {
        *first = format!("{place}政府");
    }
    let adverbs = |p: usize| {
        let mut q = p;
        while let Some(w) = starts_with_any(
            &s[q..],
            &["还将", "将会", "将", "要", "积极", "继续", "进一步", "主动"],
        ) {
            // "将会同…" is 将 + 会同, not 将会 + 同.
            let w = if w == "将会" && s[q + w.len()..].starts_with('同') {
                "将"
            } else {
                w
            };
            // "要求X…" is the verb 要求 (handing work to X), not the adverb 要.
            if w == "要" && s[q + w.len()..].starts_with('求') {
                break;
            }
            q += w.len();
        }
        q
    };
    // "督促市交通局会同市财政局…", "责成邱村镇政府做好…": the unit told to act owns it.
    // "指导X…" is not among them: guiding is the writer's own work, which the office follows
    // up with the writer (the unit guided is named in the text).
    let mut p = adverbs(pos);
    // "要求各街道认真落实…": work handed to each unit of a kind is theirs (各街道).
    let each = |t: &str| {
        let kind = starts_with_any(t.strip_prefix('各')?, &["街道", "乡镇", "镇", "乡", "社区"])?;
        Some(("各".to_owned() + kind, '各'.len_utf8() + kind.len()))
    };
    if let Some(w) = starts_with_any(&s[p..], &["督促", "责成", "要求", "指派"])
        && let Some((name, len)) =
            leading_body(&s[p + w.len()..]).or_else(|| each(&s[p + w.len()..]))
    {
        subject.bodies = vec![name];
        subject.self_ref = None;
        p += w.len() + len;
        p = adverbs(p);
    }
    // "我厅将会同省财政厅…", "配合市交通局…": the joint bodies are co-owners.
    if let Some(w) = starts_with_any(&s[p..], &["会同", "联合", "协同", "配合", "协调", "联系"])
    {
        let mut q = p + w.len();
        while let Some((name, len)) = leading_body(&s[q..]) {
            subject.co.push(name);
            q += len;
            match starts_with_any(&s[q..], &["、", "和", "及"]) {
                Some(sep) => q += sep.len(),
                None => break,
            }
        }
    }
    // "我局将与县财政局沟通协调…": a partner in joint work is a co-owner.
    if let Some(w) = starts_with_any(&s[p..], &["与", "同"])
        && let Some((name, len)) = leading_body(&s[p + w.len()..])
        && starts_with_any(
            &s[p + w.len() + len..],
            &[
                "沟通协调",
                "协调",
                "共同",
                "配合",
                "合作",
                "联合",
                "一道",
                "一起",
            ],
        )
        .is_some()
    {
        subject.co.push(name);
    }
    // "县交通局牵头，县财政局、县自然资源局配合": the ones who assist are co-owners.
    if s[pos..].starts_with("牵头") {
        let clause_end = s.find('。').unwrap_or(s.len());
        for clause in s[pos..clause_end].split('，').skip(1) {
            if let Some(head) = clause
                .strip_suffix("配合")
                .or_else(|| clause.find("配合").map(|i| &clause[..i]))
            {
                for part in head.split(['、', '和']) {
                    if let Some((name, len)) = leading_body(part)
                        && len == part.len()
                    {
                        subject.co.push(name);
                    }
                }
            }
        }
    }
    if subject.bodies.is_empty() && subject.self_ref.is_none() {
        return None;
    }
    subject.end = start + pos;
    Some(subject)
}

/// A name as the office writes it: the configured key when the resolver knows the name or
/// its short form, else the short form ([`short_form`]). The flag says whether it resolved.
pub(super) fn resolve(name: &str, options: &Options) -> (String, bool) {
    resolve_from(name, options, None)
}

/// Like [`resolve`], seen from the replying unit `home`: a unit of another place keeps its
/// place name ("红河县交通运输局" in a 州 letter, "邱村镇政府" in a city letter), because that is
/// how the office tells it from its own.
pub(super) fn resolve_from(name: &str, options: &Options, home: Option<&str>) -> (String, bool) {
    let short = short_form(name);
    if let Some(key) = options.resolve.and_then(|f| f(name).or_else(|| f(&short))) {
        return (key, true);
    }
    let own_places = home.map(places).unwrap_or_default();
    let name_places = places(name);
    // A unit below the replying unit's level is named by its place ("邱村镇政府" in a 市 letter).
    let home_rank = home.and_then(|h| split_place(h).0).map_or(0, level_rank);
    let lower = name_places
        .last()
        .and_then(|p| LEVELS.iter().find(|l| p.ends_with(**l)))
        .is_some_and(|l| level_rank(l) < home_rank);
    match name_places.last() {
        Some(lowest)
            if (!own_places.is_empty() && !own_places.contains(lowest))
                || (own_places.is_empty() && lower) =>
        {
            let reduced = short_form(name);
            let (level, _) = split_place(name);
            let dept = level.map_or(reduced.as_str(), |l| {
                reduced
                    .strip_prefix(l.trim_start_matches("自治"))
                    .unwrap_or(&reduced)
            });
            (format!("{lowest}{dept}"), false)
        }
        _ => (short, false),
    }
}

/// Whether `name`, written without a place, abbreviates the department `full` names: its
/// characters in order within the department's, the same last one ("交运局" of "安宁市交通运输局",
/// "住建局" of "…住房和城乡建设局").
pub(super) fn abbreviates(name: &str, full: &str) -> bool {
    let (level, short) = split_place(name);
    let (_, dept) = split_place(full);
    if level.is_some() && places(name).iter().any(|p| !full.contains(p.as_str())) {
        return false;
    }
    let n = short.chars().count();
    if n < 3 || n >= dept.chars().count() || short.chars().last() != dept.chars().last() {
        return false;
    }
    let mut rest = dept.chars();
    short.chars().all(|c| rest.any(|d| d == c))
}

/// Province 5, prefecture 4, county 3, township 2.
fn level_rank(level: &str) -> u8 {
    match level {
        "省" | "自治区" => 5,
        "市" | "州" | "盟" | "自治州" | "地区" => 4,
        "县" | "区" | "旗" | "自治县" | "自治旗" => 3,
        _ => 2,
    }
}

/// The place names a unit's name starts with: "重庆市巴南区圣灯山镇人民政府" → [重庆市, 巴南区, 圣灯山镇].
pub(super) fn places(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = name;
    while let Some((place, tail)) = first_place(rest) {
        out.push(place.to_owned());
        rest = tail
            .strip_prefix("人民政府")
            .filter(|t| t.chars().count() >= 4)
            .unwrap_or(tail);
    }
    out
}

/// One place name of one to eight characters ending in a level, at the start of `s`.
fn first_place(s: &str) -> Option<(&str, &str)> {
    s.char_indices().skip(1).take(9).find_map(|(i, _)| {
        let after = &s[i..];
        let l = LEVELS.iter().find(|l| after.starts_with(**l))?;
        let before = s[..i].chars().last();
        if starts_with_any(after, &NOT_LEVELS).is_some()
            || (before == Some('城')
                && l.chars().count() == 1
                && !city_place(&s[..i], l, &after[l.len()..]))
            || matches!(before, Some('和' | '治'))
            || s[..i].ends_with("自")
            || zone_or_urban(&s[..i], after)
        {
            return None;
        }
        let end = i + l.len();
        let tail = &s[end..];
        (!tail.is_empty() && !s[..i].contains(['局', '厅', '委', '办'])).then(|| (&s[..end], tail))
    })
}

/// Whether `head` (ending in 城) and the level `l` after it are a place whose name ends in
/// 城: "运城市", "历城区", "舒城县" — not the words 城市, 城乡, 城区 ("城市管理局",
/// "住房和城乡建设局", "城区供水"). `tail` follows the level.
fn city_place(head: &str, l: &str, tail: &str) -> bool {
    head.ends_with('城')
        && ["市", "区", "县"].contains(&l)
        && head.chars().count() >= 2
        && !head.contains('和')
        && starts_with_any(
            tail,
            &[
                "管理", "建设", "规划", "综合", "供", "排", "公用", "更新", "道路",
            ],
        )
        .is_none()
}

/// Whether the 区 at the start of `after` ends a zone's name ("安宁工业园区", "云台山风景名胜区",
/// "景区") or the word 市区 (the urban area), not a district: `head` is what comes before it.
fn zone_or_urban(head: &str, after: &str) -> bool {
    after.starts_with('区')
        && (head.ends_with(['园', '景', '胜'])
            // "准格尔经济开发区", "综合保税区", "合作区": an economic zone, not a district.
            || ["开发", "保税", "合作"].iter().any(|w| head.ends_with(w))
            || (head.chars().count() == 1 && LEVELS.contains(&head)))
}

/// A department named without its place gets the letter's level ("教育局" → "县教育局");
/// names with a level, governments and national bodies stay as they are.
/// The level a unit's short form starts with: "县政府" → 县, "自治区发改委" → 自治区.
pub(super) fn unit_level(short: &str) -> Option<&'static str> {
    [
        "自治区",
        "省",
        "州",
        "市",
        "地区",
        "区",
        "县",
        "旗",
        "盟",
        "镇",
        "乡",
    ]
    .into_iter()
    .find(|l| short.starts_with(l))
}

pub(super) fn with_level(name: &str, level: Option<&str>) -> String {
    let Some(level) = level else {
        return name.to_owned();
    };
    // "我局", "答复单位": a self-reference the letter never tied to a name stays the
    // flagged placeholder; "县我局" would be no unit at all.
    if name.starts_with(['我', '本']) || name == "答复单位" {
        return name.to_owned();
    }
    // "交警大队争取…" in a county's letter: the county police bureau's traffic brigade.
    // A county's police has a traffic brigade (大队), a city's a detachment (支队).
    if (name == "交警大队" && level == "县") || (name == "交警支队" && level == "市") {
        return format!("{level}公安局{name}");
    }
    // "我镇党委、政府": a bare government is the letter's own level's.
    if name == "政府" || name == "人民政府" {
        return format!("{level}政府");
    }
    // Townships have no bureaus of their own: a 局 named in a 镇 letter is the county's.
    if matches!(level, "镇" | "乡" | "街道") {
        return name.to_owned();
    }
    let department = ["局", "委", "厅", "办"].iter().any(|s| name.ends_with(s));
    let national = ["国", "中", "全国", "省委", "市委", "县委"]
        .iter()
        .any(|p| name.starts_with(p));
    if department && !national && split_place(name).0.is_none() && name.chars().count() <= 8 {
        format!("{level}{name}")
    } else {
        name.to_owned()
    }
}

/// Administrative levels that start a unit's name once the place is dropped, longest first.
const LEVELS: [&str; 15] = [
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    // "塔城地区发展和改革委员会": a prefecture that is no city (Xinjiang, Tibet, 大兴安岭).
    "地区",
    "省",
    "市",
    "州",
    "盟",
    "县",
    "区",
    "旗",
    "镇",
    "乡",
];

/// Words that begin with a level character but are not a level ("市场监管局", "区域…", "乡村振兴局").
const NOT_LEVELS: [&str; 9] = [
    "市场", "区域", "县域", "乡村", "镇村", "市政", "市容", "州府",
    // "市区供电公司": the city's urban area, not the city and a district.
    "市区",
];

/// What is left of a name after the places that open it ("重庆綦江高新区" → "高新区").
fn without_places(mut name: &str) -> &str {
    while let Some((_, tail)) = first_place(name) {
        name = tail;
    }
    name
}

/// Department names and the short forms offices use for them (after the place is dropped).
const REDUCTIONS: [(&str, &str); 45] = [
    // "贵州省农业委员会", "市教育委员会", "市经济和信息化委员会": 省农委, 市教委, 市经信委.
    ("农业委员会", "农委"),
    ("教育委员会", "教委"),
    ("经济和信息化委员会", "经信委"),
    ("经济和信息化", "经信"),
    // Merged county bureaus: "…县科学技术和工业信息化局" goes by 县科工信局,
    // "…县农业农村和科学技术局" by 县农科局.
    ("科学技术和工业信息化", "科工信"),
    ("农业农村和科学技术", "农科"),
    ("科学技术", "科技"),
    // "海阳市住房和城乡建设管理局" goes by 市住建局 like the bureaus without 管理.
    ("住房和城乡建设管理局", "住建局"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("卫生健康委员会", "卫健委"),
    ("卫生和计划生育委员会", "卫计委"),
    ("卫生健康局", "卫健局"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委员会", "发改委"),
    ("发展改革委", "发改委"),
    // A county's or a city's bureau of the same name: "佛山市发展和改革局" goes by 市发改局.
    ("发展和改革局", "发改局"),
    ("发展改革局", "发改局"),
    ("教育和体育局", "教体局"),
    ("教育体育局", "教体局"),
    ("城市管理综合执法局", "城管局"),
    // "临湘市城市管理和综合执法局", "兴隆台区城市管理行政执法局": 市城管局, 区城管局.
    ("城市管理和综合执法局", "城管局"),
    ("城市管理行政执法局", "城管局"),
    ("城市管理局", "城管局"),
    ("市场监督管理", "市场监管"),
    ("文化旅游和广播电视", "文旅广电"),
    ("文化广电和旅游", "文广旅"),
    // "重庆市荣昌区文化和旅游发展委员会" goes by 区文旅委.
    ("文化和旅游发展委员会", "文旅委"),
    ("文化和旅游", "文旅"),
    ("文化体育和旅游", "文体旅"),
    ("文化广电旅游体育", "文广旅体"),
    ("文化旅游", "文旅"),
    ("工业和信息化", "工信"),
    ("自然资源和规划", "自规"),
    ("退役军人事务", "退役军人"),
    ("医疗保障", "医保"),
    ("应急管理", "应急"),
    ("林业和草原", "林草"),
    ("生态环境保护", "生态环境"),
    ("民用航空", "民航"),
    // "市公安局交通警察支队" goes by 市公安局交警支队.
    ("交通警察", "交警"),
    ("人民政府办公室", "政府办"),
    ("人民政府", "政府"),
];

/// The level a name starts with after its place ("吉林省科学技术厅" → ("省", "科学技术厅")).
/// Places are peeled one after another ("重庆市黔江区财政局" → ("区", "财政局")); the last
/// level wins. A name that names no place comes back whole with no level.
pub(super) fn split_place(name: &str) -> (Option<&'static str>, &str) {
    let mut level: Option<&'static str> = None;
    let mut rest = name;
    loop {
        // A bare level at the start: "省科技厅", "县交通运输局".
        if let Some(l) = LEVELS.iter().find(|l| rest.starts_with(**l))
            && starts_with_any(rest, &NOT_LEVELS).is_none()
            && rest.len() > l.len()
        {
            level = Some(l);
            rest = &rest[l.len()..];
            continue;
        }
        // A place name of one to eight characters ending in a level: "吉林省", "黔江区", "石林彝族自治县".
        let found = rest.char_indices().skip(1).take(9).find_map(|(i, _)| {
            let after = &rest[i..];
            let l = LEVELS.iter().find(|l| after.starts_with(**l))?;
            // "城乡建设", "城市管理", "和城乡": the level character is part of a word; so is
            // the 区 of a zone ("工业园区", "风景名胜区", "景区") and of "市区".
            let before = rest[..i].chars().last();
            // "运城市发改委", "历城区政府", "舒城县交通运输局": a place whose name ends in
            // 城; "城市管理局", "住房和城乡建设局", "城区供水": the words 城市, 城乡, 城区.
            let city_place = city_place(&rest[..i], l, &after[l.len()..]);
            if starts_with_any(after, &NOT_LEVELS).is_some()
                || (before == Some('城') && l.chars().count() == 1 && !city_place)
                || before == Some('和')
                || zone_or_urban(&rest[..i], after)
            {
                return None;
            }
            let tail = &after[l.len()..];
            (!tail.is_empty() && !rest[..i].contains(['局', '厅', '委', '办'])).then_some((l, tail))
        });
        match found {
            Some((l, tail)) => {
                level = Some(l);
                rest = tail;
            }
            None => break,
        }
        // "上海市嘉定区人民政府嘉定镇街道办事处": the government of a place that hosts the unit.
        if let Some(inner) = rest.strip_prefix("人民政府")
            && inner.chars().count() >= 4
        {
            rest = inner;
        }
    }
    (level, rest)
}

/// The units a measure names as the writer's partners anywhere in its text, not only right
/// after its subject: "…将积极配合市发改委…", "加强与县教体局的沟通协调", "我局将继续对接市自然
/// 资源局…", "联合县公安局、县交通局开展…". Names only (a department's kind alone, 城管部门,
/// is no unit the office can copy).
pub(super) fn partners_in(text: &str) -> Vec<String> {
    const JOINT: [&str; 7] = ["会同", "联合", "协同", "配合", "协助", "对接", "联系"];
    const TOGETHER: [&str; 11] = [
        "沟通", "协调", "共同", "配合", "合作", "联合", "一道", "一起", "对接", "衔接", "联系",
    ];
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: String| {
        // "国家相关部委", "有关单位", "属地政府", "提案主办单位": a generic reference names
        // no unit.
        let generic = ["相关", "有关", "各", "属地", "地方", "提案", "建议"]
            .iter()
            .any(|w| name.contains(w));
        if !generic && !out.contains(&name) {
            out.push(name);
        }
    };
    for (at, _) in text.char_indices() {
        let rest = &text[at..];
        if let Some(w) = starts_with_any(rest, &JOINT) {
            // "请市财政局配合" is asked of the unit before the word, and "配合下" or "配合好"
            // name nobody after it.
            let mut q = w.len();
            while let Some((name, len)) = leading_body(&rest[q..]) {
                // "联席会议": a meeting, not a unit.
                if rest[q + len..].starts_with('议') {
                    break;
                }
                add(name);
                q += len;
                match starts_with_any(&rest[q..], &["、", "和", "及", "以及"]) {
                    Some(sep) => q += sep.len(),
                    None => break,
                }
            }
        } else if let Some(w) = starts_with_any(rest, &["与", "同"])
            && let Some((name, len)) = leading_body(&rest[w.len()..])
        {
            let after = &rest[w.len() + len..];
            let after = after.strip_prefix('的').unwrap_or(after);
            if starts_with_any(after, &TOGETHER).is_some() {
                add(name);
            }
        }
    }
    out
}

/// "区委区府一直以来都非常重视…", "省应急管理厅高度重视": a subject whose clause only says it
/// regards the matter as important does nothing the office follows up; it is background, not
/// the actor later sentences without a subject of their own continue. `rest` is the text after
/// the subject.
pub(super) fn regard_only(rest: &str) -> bool {
    let clause = &rest[..rest.find(['，', '；', '。']).unwrap_or(rest.len())];
    clause.contains("重视")
        && clause.chars().count() <= 24
        && !["将", "要", "拟", "计划", "决定"]
            .iter()
            .any(|w| clause.contains(w))
}

/// "国网达县供电公司高度重视…。…公司将继续…": a unit's kind alone as a subject (公司, 集团,
/// 中心) stands for the last unit of that kind the text before names in full.
pub(super) fn antecedent(before: &str, kind: &str) -> Option<String> {
    let mut last = None;
    let mut past = 0;
    for (i, _) in before.char_indices() {
        if i < past {
            continue;
        }
        if let Some((name, len)) = leading_body(&before[i..]) {
            past = i + len;
            if name.ends_with(kind) && name.len() > kind.len() && split_place(&name).0.is_some() {
                last = Some(name);
            }
        }
    }
    last
}

/// "中国民用航空局综合司", "交通运输部综合规划司": a 司 (an internal department of a ministry
/// or national bureau) signs for the unit it belongs to, which is the one the office follows
/// up with. Returns that unit's name.
pub(super) fn parent_of_office(name: &str) -> Option<&str> {
    if !name.ends_with('司') || name.ends_with("公司") {
        return None;
    }
    let n = name.chars().count();
    name.char_indices()
        .map(|(i, c)| &name[..i + c.len_utf8()])
        .filter(|p| p.ends_with(['局', '部', '委', '署']))
        .find(|p| {
            let office = n - p.chars().count();
            (2..=8).contains(&office) && body_like(p)
        })
}

/// "安宁工业园区管理委员会" → "安宁工业园区": the zone a zone's committee runs. A zone is
/// named by itself, never given a level.
pub(super) fn zone_of_committee(name: &str) -> Option<&str> {
    name.strip_suffix("管理委员会")
        .or_else(|| name.strip_suffix("管委会"))
        .filter(|z| z.ends_with('区'))
}

/// The short form an office uses for a unit: the place dropped to its level, the department
/// reduced by the table (吉林省科学技术厅 → 省科技厅, 重庆市巴南区圣灯山镇人民政府 → 镇政府,
/// 内蒙古自治区卫生健康委员会 → 自治区卫健委, XX街道办事处 → XX街道). Names with no place are
/// reduced the same way but keep no level.
pub fn short_form(name: &str) -> String {
    // "中国民用航空局" goes by 民航局: a national bureau is named by its field alone.
    let name = name
        .strip_prefix("中国")
        .filter(|r| r.ends_with('局') && r.chars().count() >= 3)
        .unwrap_or(name);
    if let Some(street) = name
        .strip_suffix("街道办事处")
        .or_else(|| name.strip_suffix("街道办"))
    {
        // Sub-district offices go by their own name: "鹿阜街道".
        let whole = format!("{street}街道");
        let (_, rest) = split_place(&whole);
        let own = rest.trim_end_matches("街道");
        let last_place = street
            .rfind(['区', '市', '县'])
            .map_or(street, |i| &street[i + 3..]);
        // "…开州区人民政府镇东街道办事处": the name after the last place, even when it starts
        // with a level character (镇东), is the street's own.
        let after_place = last_place.trim_start_matches("人民政府");
        let own = if !after_place.is_empty() && after_place.chars().count() <= 6 {
            after_place
        } else if own.is_empty() {
            last_place
        } else {
            own
        };
        return format!("{}街道", own.trim_start_matches("人民政府"));
    }
    let (level, rest) = split_place(name);
    // "阳泉市公安局城区分局", "葫芦岛市公安局南票区分局": a city bureau's district branch
    // goes by 区公安分局.
    if let Some(branch) = rest
        .strip_prefix("公安局")
        .and_then(|r| r.strip_suffix("分局"))
        && branch.chars().count() >= 2
        && branch.ends_with('区')
    {
        return "区公安分局".to_owned();
    }
    // "安宁工业园区管理委员会", "连云港市云台山风景名胜区管理委员会", "淮南高新区管委会": a
    // zone's committee goes by the zone's own name and 管委会, with no level before it.
    if let Some(zone) = zone_of_committee(name) {
        let zone = without_places(zone)
            .replace("高新技术产业开发区", "高新区")
            .replace("风景名胜区", "景区");
        // "重庆綦江高新技术产业开发区管理委员会", "淮南高新区管委会": a high-tech zone's
        // committee goes by 高新区管委会, whatever place names it.
        if zone.ends_with("高新区") {
            return "高新区管委会".to_owned();
        }
        return format!("{zone}管委会");
    }
    // "惠东县港口管委会": a committee that runs an area is named by the area alone, with no
    // level, like a zone's.
    if let Some(area) = name
        .strip_suffix("管理委员会")
        .or_else(|| name.strip_suffix("管委会"))
    {
        let area = without_places(area);
        if (2..=6).contains(&area.chars().count()) && area.chars().all(is_cjk) {
            return format!("{area}管委会");
        }
    }
    let mut dept = rest.to_owned();
    for (long, short) in REDUCTIONS {
        if dept.contains(long) {
            dept = dept.replacen(long, short, 1);
            break;
        }
    }
    if let Some(c) = dept.strip_suffix("委员会") {
        dept = format!("{c}委");
    }
    // 自治州/自治县 units call themselves 州/县; 自治区 keeps its name.
    let level = level.map(|l| {
        if l == "自治区" {
            l
        } else {
            l.trim_start_matches("自治")
        }
    });
    match level {
        Some(l) if !dept.is_empty() => format!("{l}{dept}"),
        _ => dept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_named_before_its_jiang_after_a_fronted_topic() {
        let s = named_before_will("对水坝的维修农业农村局将在2023年实施的项目中调剂资金。");
        assert_eq!(s.map(|s| s.bodies), Some(vec!["农业农村局".to_owned()]));
        assert!(named_before_will("对水坝的维修将在明年安排。").is_none());
        // Words ending in 局 that name no bureau.
        assert!(!body_like("科学布局"));
        assert!(!body_like("发展新格局"));
        assert!(body_like("县农业农村局"));
        // A preposition glued to a name: the policy's source, not an actor.
        assert!(!body_like("依据水利部"));
        assert!(!body_like("按照省发改委"));
        assert!(!body_like("向省水利厅"));
        assert!(!body_like("待市政府"));
        assert!(!body_like("因交办"));
    }

    #[test]
    fn a_units_level_from_its_short_form() {
        assert_eq!(unit_level("县政府"), Some("县"));
        assert_eq!(unit_level("自治区发改委"), Some("自治区"));
        assert_eq!(unit_level("园区管委会"), None);
    }

    #[test]
    fn long_names_become_the_short_forms_offices_use() {
        for (long, short) in [
            ("吉林省科学技术厅", "省科技厅"),
            ("省科技厅", "省科技厅"),
            ("重庆市黔江区财政局", "区财政局"),
            ("重庆市巴南区圣灯山镇人民政府", "镇政府"),
            ("蟠猫乡人民政府", "乡政府"),
            ("兴庆区住房和城乡建设局", "区住建局"),
            ("盘锦市住房和城乡建设局", "市住建局"),
            ("文山州教育体育局", "州教体局"),
            ("内蒙古自治区卫生健康委员会", "自治区卫健委"),
            ("自治区卫生健康委", "自治区卫生健康委"),
            ("石林彝族自治县卫生健康局", "县卫健局"),
            ("重庆市铜梁区城市管理局", "区城管局"),
            ("浙江省交通运输厅", "省交通运输厅"),
            ("上海市嘉定区人民政府嘉定镇街道办事处", "嘉定镇街道"),
            ("鹿阜街道办事处", "鹿阜街道"),
            ("银川市市场监督管理局", "市市场监管局"),
            ("市场监督管理局", "市场监管局"),
            ("县乡村振兴局", "县乡村振兴局"),
            ("省发展和改革委员会", "省发改委"),
            ("佛山市发展和改革局", "市发改局"),
            ("某县发展改革局", "县发改局"),
            ("永春县文化体育和旅游局", "县文体旅局"),
            ("汕头市文化广电旅游体育局", "市文广旅体局"),
            ("扶贫办", "扶贫办"),
            ("南票区文化旅游和广播电视局", "区文旅广电局"),
        ] {
            assert_eq!(short_form(long), short, "{long}");
        }
    }

    #[test]
    fn units_of_another_place_keep_their_place_name() {
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let home = Some("红河哈尼族彝族自治州交通运输局");
        assert_eq!(
            resolve_from("红河县交通运输局", &options, home).0,
            "红河县交通运输局"
        );
        assert_eq!(
            resolve_from("红河州财政局", &options, Some("红河州交通运输局")).0,
            "州财政局"
        );
        assert_eq!(
            resolve_from("邱村镇政府", &options, Some("广德市教育体育局")).0,
            "邱村镇政府"
        );
        assert_eq!(resolve_from("省财政厅", &options, home).0, "省财政厅");
        assert_eq!(
            resolve_from("吉林省科学技术厅", &options, None).0,
            "省科技厅"
        );
        assert_eq!(
            places("重庆市巴南区圣灯山镇人民政府"),
            ["重庆市", "巴南区", "圣灯山镇"]
        );
        assert_eq!(with_level("教育局", Some("县")), "县教育局");
        assert_eq!(with_level("扶贫办", Some("乡")), "扶贫办");
        assert_eq!(with_level("省财政厅", Some("县")), "省财政厅");
    }

    #[test]
    fn partners_named_anywhere_in_a_measure() {
        assert_eq!(
            partners_in("我局将积极配合市发改委做好项目前期工作。"),
            ["市发改委"]
        );
        assert_eq!(
            partners_in("下一步将继续加强与县教体局的沟通协调，共同推进。"),
            ["县教体局"]
        );
        assert_eq!(
            partners_in("我局将联合县公安局、县交通运输局开展专项整治。"),
            ["县公安局", "县交通运输局"]
        );
        assert_eq!(
            partners_in("我局将积极对接市自然资源局，加快办理用地手续。"),
            ["市自然资源局"]
        );
        // A partner word with no unit after it, a unit with no joint work, a kind of
        // department: no partner.
        assert!(partners_in("我局将积极配合，做好相关工作。").is_empty());
        assert!(partners_in("我局将向省水利厅申报项目。").is_empty());
        assert!(partners_in("我局将与县财政局争取资金。").is_empty());
        assert!(partners_in("我们将全力配合城管部门开展整治。").is_empty());
        assert!(partners_in("我委将积极配合国家相关部委做好工作。").is_empty());
        assert!(partners_in("我局将联合属地政府实地查看。").is_empty());
        assert!(partners_in("积极配合提案主办单位做好工作。").is_empty());
        assert!(partners_in("履行好联席会议办公室职能，协同联席会议成员单位推进。").is_empty());
    }

    #[test]
    fn coordination_gives_owner_and_co_owners() {
        let who = |s: &str| {
            let subject = parse_subject(s).expect("a subject");
            (subject.bodies, subject.co)
        };
        assert_eq!(
            who("督促市交通局会同市财政局加快建设。"),
            (vec!["市交通局".to_owned()], vec!["市财政局".to_owned()])
        );
        assert_eq!(
            who("我局将督促红河县交通运输局加大养护力度。").0,
            ["红河县交通运输局"]
        );
        assert_eq!(who("由县住建局负责实施。").0, ["县住建局"]);
        // A party committee named with its government: the government owns the work.
        assert_eq!(who("三教乡党委政府将加快硬化。").0, ["三教乡政府"]);
        assert_eq!(who("忠防镇党委、政府将加快建设。").0, ["忠防镇政府"]);
        // A clause head glued before a name is not part of it; a verb phrase is never a name.
        assert_eq!(who("经区交通运输委研究，将开通线路。").0, ["区交通运输委"]);
        assert!(!body_like("区加强督办"));
        // "姚安县水务局会尽最大努力", "市发改委会同…": the name ends before 会.
        assert!(!body_like("姚安县水务局会"));
        assert!(!body_like("市发改委会"));
        assert!(body_like("安宁工业园区管委会"));
        assert!(!glued_auxiliary("红星村村委会"));
        assert!(!glued_auxiliary("县妇女联合会"));
        assert!(body_like("县残疾人联合会"));
        assert!(!body_like("并会同区应急局"));
        assert_eq!(
            who("我们要求邱村镇政府会同市自然资源局论证。").0,
            ["邱村镇政府"]
        );
        assert_eq!(who("我局将与县财政局沟通协调，争取资金。").1, ["县财政局"]);
        assert!(who("我局将与省卫健委沟通汇报。").1.is_empty());
        for glued in [
            "今年我局继续推进。",
            "同时我局积极汇报。",
            "经我局研究，决定…",
        ] {
            let subject = parse_subject(glued).expect("a subject");
            assert!(subject.bodies.is_empty(), "{glued}");
            assert_eq!(subject.self_ref.as_deref(), Some("我局"), "{glued}");
        }
        assert_eq!(
            who("省发改委、省卫健委将积极沟通。").0,
            ["省发改委", "省卫健委"]
        );
        assert_eq!(who("我厅将会同省财政厅加快建设。").1, ["省财政厅"]);
        assert_eq!(
            who("县交通局牵头，县财政局、县自然资源局配合，加快推进。").1,
            ["县财政局", "县自然资源局"]
        );
    }

    #[test]
    fn self_references_keep_no_level_and_titles_end_names() {
        // A self-reference the letter never tied to a name stays the flagged placeholder.
        assert_eq!(with_level("我局", Some("县")), "我局");
        assert_eq!(with_level("我厅", Some("省")), "我厅");
        assert_eq!(with_level("答复单位", Some("县")), "答复单位");
        assert_eq!(with_level("教育局", Some("县")), "县教育局");
        // "市司法局局长": the unit is named before its head's title.
        assert_eq!(
            leading_body("市司法局局长担任").map(|(n, _)| n).as_deref(),
            Some("市司法局")
        );
        // Long names of autonomous places, and 大队 units, are unit names.
        assert!(body_like("镇沅彝族哈尼族拉祜族自治县文化和旅游局"));
        assert!(body_like("罗甸县消防救援大队"));
        assert!(body_like("边阳镇人民政府"));
        assert!(abbreviates("交运局", "安宁市交通运输局"));
        assert!(abbreviates("住建局", "清原满族自治县住房和城乡建设局"));
        assert!(!abbreviates("水务局", "牟定县水利局"));
        assert!(!abbreviates("交通运输局", "安宁市交通运输局"));
        assert!(!abbreviates("财政局", "安宁市交通运输局"));
        // "新增运力情况报区政府": a report handed to a body, not a name.
        assert!(!body_like("新增运力情况报区政府"));
        // "以…为主", "除…外": a function word heads a clause, never a name.
        assert!(!body_like("以市公共法律服务中心"));
        assert!(!body_like("除舒城县全民健身活动中心"));
        // "下一步我局将督促X…": the head word before the self-reference, then the unit told to act.
        let subject = parse_subject("下一步我局将督促张家川县交通运输局积极开展项目前期工作");
        assert_eq!(
            subject.map(|s| s.bodies),
            Some(vec!["张家川县交通运输局".to_owned()])
        );
        // A street whose own name starts with a level character.
        assert_eq!(short_form("重庆市开州区人民政府镇东街道办事处"), "镇东街道");
    }

    #[test]
    fn district_police_branches_and_culture_committees_go_by_their_usual_short_forms() {
        assert_eq!(short_form("阳泉市公安局城区分局"), "区公安分局");
        assert_eq!(short_form("葫芦岛市公安局南票区分局"), "区公安分局");
        assert_eq!(short_form("沈阳市公安局"), "市公安局");
        assert_eq!(short_form("重庆市荣昌区文化和旅游发展委员会"), "区文旅委");
        assert_eq!(short_form("龙陵县文化和旅游局"), "县文旅局");
    }

    #[test]
    fn a_self_reference_after_an_item_number_is_no_name() {
        let subject = named_before_will("1、本中心将联合相关部门进行调研").expect("a subject");
        assert_eq!(subject.self_ref.as_deref(), Some("本中心"));
        assert!(subject.bodies.is_empty());
    }

    #[test]
    fn a_name_never_ends_inside_bumen() {
        assert_eq!(leading_body("公安交管部门将通过采取措施"), None);
        assert_ne!(
            leading_body("市农业部门将").map(|b| b.0).as_deref(),
            Some("市农业部")
        );
        assert_eq!(
            leading_body("农业农村部将加强指导").map(|b| b.0).as_deref(),
            Some("农业农村部")
        );
        // 部分 is "part": "县河部分河道" names no 县河部.
        assert_eq!(leading_body("县河部分河道将清淤"), None);
    }

    #[test]
    fn work_handed_to_each_unit_of_a_kind_is_theirs() {
        let subject = parse_subject("我们要求各街道认真落实属地管理责任").expect("a subject");
        assert_eq!(subject.bodies, ["各街道"]);
        let subject = parse_subject("我们要求各项工作落到实处").expect("a subject");
        assert!(subject.bodies.is_empty());
    }

    #[test]
    fn a_places_self_reference_before_a_units_name_is_that_places_unit() {
        let subject = parse_subject("我县旅游发展公司也将介入乡村旅游村的发展").expect("a subject");
        assert_eq!(subject.bodies, ["县旅游发展公司"]);
        let subject = parse_subject("我县将加快建设。").expect("a subject");
        assert_eq!(subject.self_ref.as_deref(), Some("我县"));
        let subject = parse_subject("我局将加快建设。").expect("a subject");
        assert_eq!(subject.self_ref.as_deref(), Some("我局"));
    }

    #[test]
    fn a_subject_that_only_regards_the_matter_is_background() {
        assert!(regard_only(
            "一直以来都非常重视区图书馆新建项目的相关工作。"
        ));
        assert!(regard_only("高度重视，立即组织调研。"));
        assert!(!regard_only("将高度重视并加快建设。"));
        assert!(!regard_only("加快推进项目建设。"));
    }

    #[test]
    fn a_units_kind_alone_stands_for_the_last_one_named() {
        assert_eq!(
            antecedent(
                "经了解辖区供电公司，国网达县供电公司高度重视乡村振兴工作。",
                "公司"
            )
            .as_deref(),
            Some("国网达县供电公司")
        );
        assert_eq!(antecedent("县交通局已完成改造。", "公司"), None);
        assert_eq!(antecedent("其中该公司对新安村累计投资。", "公司"), None);
    }

    #[test]
    fn zones_and_the_urban_area_are_no_districts() {
        assert_eq!(short_form("安宁工业园区管理委员会"), "安宁工业园区管委会");
        assert_eq!(
            short_form("连云港市云台山风景名胜区管理委员会"),
            "云台山景区管委会"
        );
        assert_eq!(
            short_form("淮南高新技术产业开发区管理委员会"),
            "高新区管委会"
        );
        assert_eq!(
            short_form("重庆綦江高新技术产业开发区管理委员会"),
            "高新区管委会"
        );
        assert_eq!(short_form("惠东县港口管委会"), "港口管委会");
        assert_eq!(with_level("交警大队", Some("县")), "县公安局交警大队");
        assert_eq!(with_level("交警大队", Some("区")), "交警大队");
        // A unit's name holds no act of the unit.
        assert!(!body_like("区政府主要领导先后召开两次调度会"));
        assert!(!body_like("市商务局向市政府"));
        assert!(!body_like("林场抓紧时间向县发改局"));
        assert!(body_like("佳木斯市向阳区财政局"));
        assert_eq!(short_form("衡阳市公安局交通警察支队"), "市公安局交警支队");
        // A place whose name ends in 城 before its level, not the word 城市/城区.
        assert_eq!(short_form("运城市发展和改革委员会"), "市发改委");
        assert_eq!(short_form("济南市历城区人民政府"), "区政府");
        assert_eq!(short_form("舒城县交通运输局"), "县交通运输局");
        assert_eq!(short_form("贵州省农业委员会"), "省农委");
        assert_eq!(short_form("塔城地区发展和改革委员会"), "地区发改委");
        assert_eq!(short_form("地区发改委"), "地区发改委");
        assert_eq!(unit_level("地区发改委"), Some("地区"));
        assert_eq!(short_form("某某县科学技术和工业信息化局"), "县科工信局");
        assert_eq!(short_form("某某县农业农村和科学技术局"), "县农科局");
        assert_eq!(short_form("重庆市教育委员会"), "市教委");
        assert_eq!(short_form("某市经济和信息化委员会"), "市经信委");
        assert_eq!(short_form("某县经济和信息化局"), "县经信局");
        assert_eq!(places("舒城县交通运输局"), ["舒城县"]);
        assert_eq!(
            with_level("舒城县交通运输局", Some("县")),
            "舒城县交通运输局"
        );
        assert_eq!(short_form("临湘市城市管理局"), "市城管局");
        assert_eq!(short_form("兰州市城区供水公司"), "市城区供水公司");
        assert_eq!(short_form("淮南高新区管委会"), "高新区管委会");
        assert!(places("开发区管委会").is_empty());
        assert_eq!(
            short_form("鄂尔多斯市准格尔经济开发区管理委员会"),
            "准格尔经济开发区管委会"
        );
        assert_eq!(
            resolve_from(
                "开发区管委会",
                &Options {
                    prefix: "t",
                    resolve: None
                },
                Some("准格尔旗人民政府")
            )
            .0,
            "开发区管委会"
        );
        assert_eq!(short_form("市区供电公司"), "市区供电公司");
        assert_eq!(short_form("重庆市黔江区财政局"), "区财政局");
    }

    #[test]
    fn units_listed_before_deng_bumen_are_the_subject() {
        let subject =
            parse_subject("县移动、联通、电信等部门将继续给上级部门反映情况").expect("a subject");
        assert_eq!(subject.bodies, ["县移动", "县联通", "县电信"]);
        let subject = parse_subject("县电信、移动、联通和铁塔等公司将实地查勘").expect("a subject");
        assert_eq!(subject.bodies, ["县电信", "县移动", "县联通", "县铁塔"]);
        // A list of tasks, or of bodies nobody named, is no subject.
        assert!(parse_subject("加强宣传、开展整治等工作将持续推进").is_none());
        assert!(parse_subject("有关部门、相关单位等部门将配合").is_none());
        assert!(parse_subject("道路、桥梁等设施将改造").is_none());
    }

    #[test]
    fn a_ministrys_office_signs_for_the_ministry() {
        assert_eq!(
            parent_of_office("中国民用航空局综合司"),
            Some("中国民用航空局")
        );
        assert_eq!(parent_of_office("交通运输部综合规划司"), Some("交通运输部"));
        assert_eq!(parent_of_office("民航局发展计划司"), Some("民航局"));
        assert_eq!(parent_of_office("国网达县供电公司"), None);
        assert_eq!(parent_of_office("交通运输部"), None);
        assert_eq!(short_form("中国民用航空局"), "民航局");
        assert_eq!(short_form("中国铁塔公司"), "中国铁塔公司");
    }

    #[test]
    fn ben_and_a_units_kind_is_a_self_reference() {
        let subject = parse_subject("本中心将联合相关部门进行调研").expect("a subject");
        assert_eq!(subject.self_ref.as_deref(), Some("本中心"));
    }

    #[test]
    fn a_time_word_before_a_units_name_is_no_part_of_it() {
        let subject = parse_subject("下一步县水务局将加快推进项目立项").expect("a subject");
        assert_eq!(subject.bodies, vec!["县水务局".to_owned()]);
        let subject = parse_subject("后期住建局将组织开展勘察设计").expect("a subject");
        assert_eq!(subject.bodies, vec!["住建局".to_owned()]);
        // A unit's kind alone after the time word is the writer naming itself, and a 会
        // after a name is "will".
        assert_ne!(
            parse_subject("接下来街道将从以下三方面抓好改造工作").map(|s| s.bodies),
            Some(vec!["街道".to_owned()])
        );
        assert_ne!(
            parse_subject("今后金城林场会加强管护").map(|s| s.bodies),
            Some(vec!["金城林场会".to_owned()])
        );
    }

    #[test]
    fn city_management_bureaus_and_brigades_go_by_their_usual_names() {
        assert_eq!(short_form("临湘市城市管理和综合执法局"), "市城管局");
        assert_eq!(short_form("兴隆台区城市管理行政执法局"), "区城管局");
        assert_eq!(short_form("海阳市住房和城乡建设管理局"), "市住建局");
        let subject = parse_subject("我大队也将积极配合").expect("a subject");
        assert_eq!(subject.self_ref.as_deref(), Some("我大队"));
    }
}
