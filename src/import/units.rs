//! A debug view of the promise stage: every sentence piece the walker reads (the unit the
//! rules decide on), the state it was read in and what the rules made of it. Used to build
//! the data set of the learned-model experiment (`examples/import_units.rs`,
//! `tools/promise_model/`); the import path never records it. Pure.

use super::promises::Walker;
use super::{Draft, ImportError, Options, owners, walk};
use crate::import::layout::{HeadKind, ordinal};
use serde::Serialize;

/// One sentence piece (or heading) as the walker read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// Paragraph number (1-based) among those the walker read.
    pub block: usize,
    /// The piece as the pipeline cut it (normalised text).
    pub text: String,
    /// A heading line, not a sentence.
    pub heading: bool,
    /// The enumeration level of its mark (1 `一、` … 6 `一是`), if any.
    pub ordinal: Option<u8>,
    /// Inside a next-steps region when it was read.
    pub in_region: bool,
    /// Inside a next-steps region once it was read (it may open one).
    pub in_region_after: bool,
    /// Under a heading that reports work done.
    pub in_progress: bool,
    /// Under a topic heading.
    pub in_topic: bool,
    /// Headings open above it.
    pub depth: usize,
    /// Commitments the rules held before and after reading it (a lead-in can remove one).
    pub items_before: usize,
    pub items_after: usize,
    /// Whether the last commitment's text grew while it was read (a continuation).
    pub continued: bool,
    /// The owner the rules would give it: its subject's, the intro's or the replying unit.
    pub owner: String,
    /// Whether it names its acting unit itself.
    pub owner_named: bool,
}

/// What the rules read in one letter: the units and the draft (`None` when the rules found
/// no commitment).
#[derive(Debug, Clone)]
pub struct Units {
    pub units: Vec<Unit>,
    pub draft: Option<Draft>,
}

/// Reads a letter as [`super::import`] does, recording every unit.
pub fn units(text: &str, options: &Options) -> Result<Units, ImportError> {
    let mut walked = walk(text, options, true)?;
    let level = walked.level();
    let mut units = walked.walker.trace.take().unwrap_or_default();
    for u in &mut units {
        u.owner = owners::with_level(&u.owner, level);
    }
    let draft = match super::finish(walked, options) {
        Ok(d) => Some(d),
        Err(ImportError::NoCommitments) => None,
        Err(e) => return Err(e),
    };
    Ok(Units { units, draft })
}

impl Walker<'_, '_> {
    /// Runs `read` on a piece and records it in the trace.
    pub(super) fn traced(&mut self, seg: &str, heading: bool, read: impl FnOnce(&mut Self, &str)) {
        let ord = ordinal(seg);
        let body = &seg[ord.map_or(0, |o| o.len)..];
        let subject = owners::parse_subject(body).or_else(|| super::promises::later_subject(body));
        let owner = self.owner_of(subject.as_ref());
        let before = self.items.len();
        let last_len = self.items.last().map(|i| i.source.len());
        let mut unit = Unit {
            block: self.blocks_read,
            text: seg.to_owned(),
            heading,
            ordinal: ord.map(|o| o.level),
            in_region: self.in_region(),
            in_region_after: false,
            in_progress: self.in_progress(),
            in_topic: self.stack.iter().any(|f| f.kind == HeadKind::Topic),
            depth: self.stack.len(),
            items_before: before,
            items_after: before,
            continued: false,
            owner: owner.name,
            owner_named: subject.is_some_and(|s| !s.bodies.is_empty()),
        };
        read(self, seg);
        unit.in_region_after = self.in_region();
        unit.items_after = self.items.len();
        unit.continued = self.items.len() == before
            && last_len.is_some()
            && self.items.last().map(|i| i.source.len()) > last_len;
        if let Some(trace) = &mut self.trace {
            trace.push(unit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../tests/letters/000_0793bff3c028bd39.txt");

    #[test]
    fn the_trace_holds_every_drafted_sentence_and_the_same_draft() {
        let options = Options {
            prefix: "t",
            resolve: None,
        };
        let traced = units(SEED, &options).expect("seed reads");
        let plain = super::super::import(SEED, &options).expect("seed imports");
        assert_eq!(traced.draft.as_ref(), Some(&plain));
        let drafted: usize = traced
            .units
            .iter()
            .map(|u| u.items_after.saturating_sub(u.items_before))
            .sum();
        assert!(drafted >= plain.commitments.len(), "{drafted}");
        for c in &plain.commitments {
            assert!(
                traced.units.iter().any(|u| u.text.contains(&c.source)),
                "{}",
                c.source
            );
        }
        assert!(traced.units.iter().any(|u| u.heading && !u.in_region));
        assert!(
            traced
                .units
                .iter()
                .any(|u| u.owner == "省财政厅" && u.owner_named)
        );
    }
}
