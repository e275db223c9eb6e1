//! Drafts a commitments file from a reply letter; pure: never reads files or the clock.
//!
//! The pipeline, one file per stage:
//! [`formats`] (bytes → text: plain text in any common encoding, .docx, PDF, OFD, HTML) →
//! [`normalise`] (width, traditional characters, PDF spacing, broken lines) →
//! [`layout`] (paragraphs, headings, the letter's own fields) →
//! [`promises`] (next-steps regions and future-tense promises) →
//! [`owners`] (who acts: subjects, coordination, self-references, short names) →
//! [`dates`] (deadlines) → [`draft`] (TOML, JSON, summary).
//! Everything here is heuristic: the TOML says so and flags what a reviewer should check.
#![forbid(unsafe_code)]

pub mod dates;
pub mod draft;
pub mod formats;
pub mod layout;
pub mod normalise;
pub mod owners;
pub mod promises;
pub mod score;
pub mod units;

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::OnceLock;

pub use self::formats::{Format, decode, decode_as};
#[allow(clippy::wildcard_imports)]
use self::{dates::*, layout::*, normalise::*, owners::*, promises::*};

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
    /// Why a reviewer should look twice (`# check:` lines), empty when the heuristics were sure.
    pub checks: Vec<String>,
}

/// Why a letter could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    Empty,
    /// Bytes that are no text in any encoding we know and no document format either.
    Binary,
    /// A format we recognise but do not read (old binary .doc, a zip of something else).
    Unsupported(String),
    /// A .docx, OFD, zip or PDF whose structure is broken.
    Damaged {
        format: String,
        detail: String,
    },
    /// A PDF with pages but no text layer: a scan.
    ScannedPdf,
    /// A well-formed document with no text in it.
    NoText(String),
    /// Neither a next-steps section nor any sentence promising future work.
    NoCommitments,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Empty => f.write_str("the letter is empty; nothing to import"),
            ImportError::Binary => f.write_str(
                "the letter is neither text (utf-8, utf-16, gb18030/gbk) nor a .docx, .pdf, .ofd or .html document; it looks like a binary file",
            ),
            ImportError::Unsupported(what) => write!(f, "the letter is {what}"),
            ImportError::Damaged { format, detail } => {
                write!(f, "the {format} file is damaged or incomplete: {detail}")
            }
            ImportError::ScannedPdf => f.write_str(
                "the pdf has no text layer (a scanned image?); run it through OCR first (e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`) or import the office's text copy",
            ),
            ImportError::NoText(format) => write!(f, "the {format} document holds no text"),
            ImportError::NoCommitments => f.write_str(
                "no commitment found: no next-steps section (下一步工作, 下一步打算, 工作打算, 今后工作, 解决措施…) and no sentence promising future work (我局将…, 计划…, 拟…, 力争…)",
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// Reads a reply letter and drafts its commitments.
pub fn import(text: &str, options: &Options) -> Result<Draft, ImportError> {
    finish(walk(text, options, false)?, options)
}

/// A letter read through the promise stage, its commitments not yet finished.
struct Walked<'o, 'a> {
    blocks: Vec<String>,
    letter: LetterDraft,
    walker: Walker<'o, 'a>,
    warnings: Vec<String>,
}

impl Walked<'_, '_> {
    /// The level of the writer ("县", "市"…): a department named bare is of it.
    fn level(&self) -> Option<&'static str> {
        // "农业农村局将…" in a 县政府's reply to a 市人大 suggestion: a department named bare
        // is of the writer's own level, which the congress's level only stands in for.
        self.letter
            .replied_by
            .as_deref()
            .map(owners::short_form)
            .as_deref()
            .and_then(owners::unit_level)
            .or_else(|| letter_level(&self.blocks))
    }
}

/// Layout and promise stages; `trace` records every sentence piece read ([`units`]).
fn walk<'o, 'a>(
    text: &str,
    options: &'o Options<'a>,
    trace: bool,
) -> Result<Walked<'o, 'a>, ImportError> {
    let blocks = paragraphs(text);
    if blocks.is_empty() {
        return Err(ImportError::Empty);
    }
    let layout = Layout::of(&blocks);
    let mut warnings = Vec::new();
    let letter = read_letter(&blocks, &layout, &mut warnings);
    let mut walker = Walker::new(&letter, options);
    if trace {
        walker.trace = Some(Vec::new());
    }
    if let Some(rest) = &layout.intro_rest {
        // The reply may start on the intro line itself, after "现答复如下：".
        walker.block(rest);
    }
    for block in &blocks[layout.body_start.min(layout.body_end)..layout.body_end] {
        walker.block(block);
    }
    Ok(Walked {
        blocks,
        letter,
        walker,
        warnings,
    })
}

/// Owners, dates and the draft from a walked letter.
fn finish(walked: Walked, options: &Options) -> Result<Draft, ImportError> {
    let level = walked.level();
    let Walked {
        blocks,
        letter: letter_raw,
        walker,
        mut warnings,
    } = walked;
    if !walker.region_seen && walker.items.is_empty() {
        return Err(ImportError::NoCommitments);
    }
    if walker.items.is_empty() {
        warnings.push("a next-steps section was found but no commitment in it".to_owned());
    }
    let replying_short = letter_raw.replied_by.as_deref().map(owners::short_form);
    let all: String = blocks.concat();
    let commitments = walker
        .items
        .into_iter()
        .map(|item| {
            let mut c = item.finish(letter_raw.replied_on, &mut warnings);
            // "…公司将继续…": a unit's kind alone is the last unit of that kind named before.
            if ["公司", "集团", "大队", "支队"].contains(&c.owner.as_str()) {
                let head: String = c.source.chars().take(12).collect();
                let before = all.find(&head).map_or(all.as_str(), |at| &all[..at]);
                if let Some(name) = owners::antecedent(before, &c.owner) {
                    let home = letter_raw.replied_by.as_deref();
                    (c.owner, c.owner_resolved) = owners::resolve_from(&name, options, home);
                }
            }
            // "我镇党委、政府": a bare government is the replying government.
            let own_government = replying_short.as_deref().filter(|r| r.ends_with("政府"));
            if let Some(own) = own_government
                && (c.owner == "政府" || c.owner == "人民政府")
            {
                c.owner = own.to_owned();
            }
            // "…将积极配合市发改委…": partners named further on in the measure.
            let home = letter_raw.replied_by.as_deref();
            for name in owners::partners_in(&c.text) {
                let (name, _) = owners::resolve_from(&name, options, home);
                if !c.co_owners.contains(&name) {
                    c.co_owners.push(name);
                }
            }
            // "教育局" in a county's letter is the county's: 县教育局.
            if !c.owner_resolved {
                c.owner = with_level(&c.owner, level);
            }
            for co in &mut c.co_owners {
                *co = with_level(co, level);
            }
            let owner = c.owner.clone();
            c.co_owners.retain(|co| *co != owner);
            c.co_owners.dedup();
            c
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    const SEED: &str = include_str!("../../tests/letters/000_0793bff3c028bd39.txt");
    const HUBEI: &str = include_str!("../../tests/letters/01-hubei-wjw-xianning-health.txt");
    const NEIMENGGU: &str =
        include_str!("../../tests/letters/03-neimenggu-wjw-mongolian-medicine.txt");

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
    fn seed_letter_without_resolver_gives_the_short_forms() {
        let d = draft(SEED);
        assert_eq!(d.letter.replied_by.as_deref(), Some("省科技厅"));
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
        assert_eq!(d.letter.replied_by.as_deref(), Some("省科技厅"));
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
        assert!(!d.commitments[0].checks.is_empty());
        assert!(
            d.commitments[1]
                .text
                .contains("将继续以《内蒙古自治区蒙医药振兴行动计划》为依据")
        );
        assert!(d.commitments[1].checks.is_empty());
        let l = &d.letter;
        assert_eq!(l.replied_by.as_deref(), Some("自治区卫健委"));
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
              check #1 (自治区卫健委): found outside a next-steps section"#]]
        .assert_eq(&d.summary());
    }

    // ── synthetic letters ──

    #[test]
    fn a_body_that_only_regards_the_matter_is_no_actor_for_later_sentences() {
        let d = draft(
            "王代表：\n您提出的建议收悉，现答复如下：\n\
             区委区府一直以来都非常重视区图书馆新建项目的相关工作。根据工作推进进度，已完成可行性研究。\
             待前期工作完成后，将推进项目实施。\n\
             重庆市荣昌区文化和旅游发展委员会\n2024年6月1日\n",
        );
        assert_eq!(owners(&d), ["区文旅委"]);
    }

    #[test]
    fn the_writer_named_in_an_earlier_clause_acts_in_the_later_one() {
        let d = draft(
            "刘代表：\n您提出的建议收悉，现答复如下：\n\
             县委宣传部已将农家书屋纳入考核。\
             您所提出的图书闲置问题非常中肯，我委认真吸纳您的意见，将积极协调相关部门，共同推动该项工作。\n\
             垫江县文化和旅游发展委员会\n2024年6月1日\n",
        );
        assert_eq!(owners(&d), ["县文旅委"]);
    }

    #[test]
    fn a_units_kind_alone_as_subject_is_the_unit_named_before() {
        let d = draft(
            "区乡村振兴局：\n现将协办意见函告如下：\n\
             国网达县供电公司高度重视乡村振兴工作，其中该公司对新安村累计投资319万元。\
             “十四五”期间，公司将继续对薄弱村进行整村低压线路改造。\n\
             达州市达川区经济和信息化局\n2021年12月24日\n",
        );
        assert_eq!(owners(&d), ["国网达县供电公司"]);
    }

    #[test]
    fn a_subjectless_promise_is_the_last_speakers_even_when_that_is_the_writer() {
        let d = draft(
            "何仁兴代表：\n您提出的建议收悉。现答复如下：\n\
             经与运营商沟通，县电信公司已经新建基站1个。我局将组织运营商实地查勘。\
             如若具备架设条件将尽快按照程序予以申报。\n\
             太白县交通运输局\n2023年10月12日\n",
        );
        assert_eq!(owners(&d), ["县交通运输局", "县交通运输局"]);
    }

    #[test]
    fn heading_next_steps_with_yishi_ershi_and_a_year_end_deadline() {
        let d = draft(
            "省政协：\n你单位提出的《关于加快数字乡村建设的提案》收悉，现答复如下：\n\
             一、工作进展\n我厅已完成全省数字乡村试点评估。目前，二期工程正抓紧实施。\n\
             二、下一步工作\n一是加快建设农村宽带网络，2025年底前实现行政村全覆盖；二是持续推进数字乡村试点。\n\
             吉林省农业农村厅\n2025年3月1日\n",
        );
        assert_eq!(owners(&d), ["省农业农村厅", "省农业农村厅"]);
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
        assert_eq!(d.letter.replied_by.as_deref(), Some("省民政厅"));
        assert_eq!(d.commitments.len(), 1);
        let c = &d.commitments[0];
        assert_eq!(c.owner, "省民政厅");
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
        assert_eq!(owners(&d), ["市交通运输局", "县交通运输委"]);
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
        assert_eq!(owners(&d), ["市卫健委", "市卫健委", "市财政局"]);
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
        assert_eq!(err, Err(ImportError::NoCommitments));
    }

    #[test]
    fn no_next_steps_is_an_error_with_a_helpful_message() {
        let err = import("感谢您的关心。\n此复。\n", &plain()).unwrap_err();
        assert_eq!(err, ImportError::NoCommitments);
        assert!(err.to_string().contains("下一步工作"));
    }

    #[test]
    fn a_third_partys_plan_is_not_ours() {
        let d = draft(
            "一、基本情况\n论坛发布了倡议，计划在传染病防控等领域开展合作。\n\
             二、下一步工作\n我委将积极对接论坛各方。\n湖北省卫生健康委员会\n2023年8月2日\n",
        );
        assert_eq!(owners(&d), ["省卫健委"]);
    }

    #[test]
    fn a_reply_that_opens_with_yishi_items_is_a_list_of_measures() {
        let d = draft(
            "熊灿代表：\n你的建议收悉，现答复如下。\n\
             一是增设消火栓，优化消防设施布局。\n\
             二是由县水务局指导优化供水压力，确保消防用水需求。\n\
             罗甸县消防救援大队\n2025年5月27日\n",
        );
        assert_eq!(owners(&d), ["县消防救援大队", "县水务局"]);
        // A sentence naming its own actor (由X…, X负责…) is a measure of its own.
        let d = draft(
            "熊灿代表：\n你的建议收悉，现答复如下。\n\
             一是增设消火栓，优化消防设施布局，确保取水半径覆盖关键区域。\
             预计费用为2万元，由县消防救援大队会同边阳镇人民政府联合编制预算。\n\
             二是接入供水主管网，由县水务局指导优化供水压力。边阳镇人民政府负责施工协调。\n\
             罗甸县消防救援大队\n2025年5月27日\n",
        );
        assert_eq!(
            owners(&d),
            ["县消防救援大队", "县消防救援大队", "县水务局", "边阳镇政府"]
        );
        assert_eq!(d.commitments[1].co_owners, ["边阳镇政府"]);
        // Items right after a promise spell it out.
        let d = draft(
            "贺宽峰代表：\n您的建议收悉，现答复如下：\n\
             这是一个较好的思路，作为文化旅游部门我们将积极配合。\n\
             一是积极配合市发改部门，使更多的文化旅游资源编入规划。\n\
             二是积极配合水利、环保部门，做好沿途景区的环境保护。\n\
             郑州市文化广电和旅游局\n2020年7月1日\n",
        );
        // The promise the items spell out is their lead-in, not a measure of its own.
        assert_eq!(d.commitments.len(), 2, "{:#?}", d.commitments);
        assert!(d.commitments[0].text.starts_with("积极配合市发改部门"));
        // A decision to act, then its steps.
        let d = draft(
            "王委员：\n您的提案收悉，现答复如下：\n\
             根据上级要求并结合我市实际情况，决定实施农村寄宿制学校温暖工程。\
             第一步首先对8个乡镇的18所寄宿制学校的教室安装空调。第二步对城区学校教室补充安装空调。\n\
             舞钢市教育体育局\n2022年10月27日\n",
        );
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "首先对8个乡镇的18所寄宿制学校的教室安装空调。",
                "对城区学校教室补充安装空调。"
            ]
        );
        // Items that report work done open no list.
        let err = import(
            "张三代表：\n你的建议收悉，现答复如下。\n\
             一是已增设消火栓10个。\n二是优化了供水压力。\n罗甸县消防救援大队\n2025年5月27日\n",
            &plain(),
        );
        assert_eq!(err, Err(ImportError::NoCommitments));
    }

    #[test]
    fn clauses_of_one_sentence_joined_by_semicolons_stay_one_measure() {
        let d = draft(
            "王代表：\n您的建议收悉，现答复如下：\n\
             下一步，我市将加速推进城乡供水一体化工程；加快水库建设进度，推进水厂改造；\
             尽快寻找水源点，解决居民饮用水问题。\n\
             广德市水利局\n2023年7月1日\n",
        );
        assert_eq!(d.commitments.len(), 1, "{:#?}", d.commitments);
        assert!(d.commitments[0].text.contains("加快水库建设进度"));
    }

    #[test]
    fn a_promise_that_promising_items_open_after_is_their_lead_in_outside_next_steps() {
        let d = draft(
            "王代表：\n您的建议收悉，现答复如下：\n\
             为推动农村供水高质量发展，我局积极谋划项目多渠道争取资金对水厂进行全面提升。\
             一是规划新建规模化供水工程，拟通过省水利资金投入来实施。\
             二是规划对水厂供水设施进行标准化改造，并向省水利厅申报争取水利专项资金。\n\
             赤水市水务局\n2023年7月1日\n",
        );
        assert_eq!(d.commitments.len(), 2, "{:#?}", d.commitments);
        assert!(d.commitments[0].text.starts_with("拟通过"));
        // The unit asked (向省水利厅) is not the owner.
        assert_eq!(owners(&d), ["市水务局", "市水务局"]);
    }

    #[test]
    fn a_unit_named_by_an_earlier_clause_acts_in_the_later_ones() {
        let d = draft(
            "魏明代表：\n您提出的建议收悉，经研究，现答复如下：\n\
             近期，陵川县水务局针对附城村的管网老化问题，派专业技术人员作了进一步调查，\
             由于改造工程投资大，计划“十四五”期间，逐年逐批分步实施，彻底解决该村的问题\n\
             感谢您对我们工作的关心和支持。\n晋城市水务局\n2022年5月24日\n",
        );
        // A county's unit in a city's letter keeps its place name (晋城市 is read as a place
        // since 10u: a place name may end in 城 before its level).
        assert_eq!(owners(&d), ["陵川县水务局"]);
    }

    #[test]
    fn a_plan_broken_down_among_units_gives_each_its_share() {
        let d = draft(
            "王代表：\n您的建议收悉，现答复如下：\n\
             按照2022年政府工作报告要求，我市计划2022年建设1000个新能源汽车充电设施。其中市交通局建设150个充电桩；\
             市城管局利用公共停车场建设150个充电桩；市住建局支持群众自建400个充电桩。\
             2021年以来，全市已建成充电桩1035个。\n\
             汉中市发展和改革委员会\n2022年6月10日\n",
        );
        // The total is the shares' lead-in, not a measure of its own.
        assert_eq!(owners(&d), ["市交通局", "市城管局", "市住建局"]);
        assert!(d.commitments[1].text.starts_with("市城管局利用"));
    }

    #[test]
    fn a_department_named_bare_takes_the_writers_level_not_the_congresss() {
        let d = draft(
            "对市十六届人大一次会议第295号建议的答复\n谢代表：\n你提出的建议收悉，现答复如下：\n\
             对水坝的维修农业农村局将在明年实施的提质改造项目中调剂资金予以解决。\n\
             衡南县人民政府\n2022年7月20日\n",
        );
        assert_eq!(owners(&d), ["县农业农村局"]);
    }

    #[test]
    fn yishi_items_under_a_section_heading_report_and_tongshi_after_a_promise_continues() {
        // A reply organised in sections: the first section's 一是… items report its routine.
        let d = draft(
            "向代表：\n您的建议我局已收悉。现将办理情况答复如下：\n\
             一、强化供水监督管理\n\
             一是我局督促供水企业加强管理，确保出厂水达标；二是我局定期组织水质检测。\n\
             二、加快水源工程实施进度\n\
             我局计划于2025年底前完成水源工程建设。\n\
             重庆市长寿区城市管理局\n2024年6月20日\n",
        );
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains("2025年底前完成"), "{texts:?}");
        // Outside a next-steps section, 同时 + an action right after a promise is a further
        // measure of the same actor.
        let d = draft(
            "许强代表：\n您的建议收悉，现答复如下：\n\
             目前，两区正在划定之中，省农业厅将积极支持恩施州做好相关工作。\
             同时，积极探索将畜禽粪污资源化利用与两区建设相结合。\n\
             湖北省农业厅\n2018年7月2日\n",
        );
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[1].starts_with("积极探索"), "{texts:?}");
        assert_eq!(owners(&d), ["省农业厅", "省农业厅"]);
    }

    #[test]
    fn a_lead_in_before_yifangmian_items_is_not_a_measure_and_tongshi_starts_one() {
        let d = draft(
            "李志文委员：\n你们提出的建议收悉，现答复如下：\n\
             下步，我们将结合古州文化资源优势，围绕文化与旅游融合发展。一方面积极向上争取资金支持；\
             另一方面加强与地方政府对接，积极谋划项目列入规划。同时，充分利用新媒体平台加大宣传。\n\
             新平彝族傣族自治县文化和旅游局\n2025年9月8日\n",
        );
        let texts: Vec<&str> = d.commitments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "积极向上争取资金支持。",
                "加强与地方政府对接，积极谋划项目列入规划。",
                "同时，充分利用新媒体平台加大宣传。"
            ]
        );
        assert!(owners(&d).iter().all(|o| *o == "县文旅局"));
    }

    #[test]
    fn in_a_report_of_work_done_a_clause_turning_to_what_comes_next_promises() {
        let d = draft(
            "伏正洪代表：\n你提出的建议已收悉，现答复如下：\n办理情况：\n\
             一、关于林木被砍伐问题。该地段属县林场管理。\n\
             二、关于水源森林保护问题：按照规定，林木采伐后必须当年更新，采伐后林场一定及时更新造林，\
             今后林场会加强对新造幼林的管理和保护。\n马关县林业局\n2020年6月1日\n",
        );
        assert_eq!(d.commitments.len(), 1, "{:#?}", d.commitments);
        assert!(d.commitments[0].source.contains("一定及时更新造林"));
        // A plan dated to its finish, in a report of work done.
        let d = draft(
            "李四代表：\n您的建议收悉，现答复如下：\n一、支持织金县情况\n\
             自工程启动以来，累计支持织金县计划约330公里，截至目前已建成路面240公里，\
             计划在2021年底全面建成。\n贵州省交通运输厅\n",
        );
        assert_eq!(d.commitments.len(), 1, "{:#?}", d.commitments);
        assert_eq!(d.commitments[0].text, "计划在2021年底全面建成。");
    }

    #[test]
    fn the_item_after_a_promised_one_opening_with_an_action_is_a_measure() {
        let d = draft(
            "杨希龙委员：\n你们的提案收悉。现答复如下：\n\
             一、整合多方力量，打造镇街的消防宣传员队伍。我局将与各镇政府协调沟通，协助建立宣传员队伍。\n\
             二、积极配合协助消防救援部门开展防火安全教育，提高农村群众的防火意识。\n\
             惠东县应急管理局\n2023年8月17日\n",
        );
        assert_eq!(d.commitments.len(), 2, "{:#?}", d.commitments);
        assert!(
            d.commitments[1]
                .text
                .starts_with("积极配合协助消防救援部门")
        );
        assert_eq!(owners(&d), ["县应急局", "县应急局"]);
    }

    #[test]
    fn summary_counts_owners_in_order() {
        let d = draft(SEED);
        assert!(
            d.summary()
                .starts_with("6 commitments: 省科技厅 ×4, 省财政厅, 省人社厅")
        );
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
