//! Stage 5: owners — department names in running text, the subject of a sentence (with
//! coordination: 会同, 配合, 牵头…), self-references, and the short form an office uses. Pure.

use super::*;

// ───────────────────────────── bodies (departments) ─────────────────────────────

pub(super) const BODY_SUFFIXES: [&str; 14] = [
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
pub(super) const SELF_REFS: [&str; 14] = [
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

/// Generic shape of a department name: a level prefix or place, and a body suffix.
pub(super) fn body_like(name: &str) -> bool {
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
pub(super) fn leading_body(s: &str) -> Option<(String, usize)> {
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
pub(super) fn leading_body_simple(s: &str) -> Option<usize> {
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

/// Parses "省发改委、省卫健委将…", "省科技厅会同省财政厅…", "我厅将…".
pub(super) fn parse_subject(s: &str) -> Option<Subject> {
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
pub(super) fn core_name(name: &str) -> String {
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

pub(super) fn resolve(name: &str, options: &Options) -> (String, bool) {
    match options.resolve.and_then(|f| f(name)) {
        Some(key) => (key, true),
        None => (name.to_owned(), false),
    }
}

pub(super) fn same_body(a: &str, b: &str, options: &Options) -> bool {
    if a == b || core_name(a) == core_name(b) {
        return true;
    }
    let (ra, ka) = resolve(a, options);
    let (rb, kb) = resolve(b, options);
    ka && kb && ra == rb
}
