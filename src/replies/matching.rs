//! Which commitments an answer is about, in this order: In-Reply-To/References against the
//! Message-IDs in the delivery log (comma-joined References included); a `+TOKEN` in the
//! address it was sent to (`duban+jl-2025-ai-3@…`, only with `replies.plus_address`); the
//! subject tag `[督办 ID …]` the reminders carry; commitment ids written in the new text.
//! A reply to a digest that names some of the digest's ids is about those only. Pure: the
//! log is asked through a lookup function.

use super::parse::Incoming;
use crate::model::Config;

/// How the commitments were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Thread,
    PlusAddress,
    SubjectTag,
    Body,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Thread => "thread",
            MatchedBy::PlusAddress => "plus-address",
            MatchedBy::SubjectTag => "subject-tag",
            MatchedBy::Body => "body",
        }
    }
}

/// The commitments (indices into the configuration) and how they were found; empty when
/// nothing matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matched {
    pub commitments: Vec<usize>,
    pub by: Option<MatchedBy>,
    /// The reminder's Message-ID the answer is threaded to, if any.
    pub reminder: Option<String>,
}

/// `thread` gives the commitment ids recorded under a Message-ID (empty if it is not ours).
pub fn find(
    config: &Config,
    incoming: &Incoming,
    text: &str,
    thread: &mut dyn FnMut(&str) -> Vec<String>,
) -> Matched {
    let named_in_text = ids_in(config, text);
    // Newest first: In-Reply-To, then References from the end.
    let threaded = incoming
        .in_reply_to
        .iter()
        .chain(incoming.references.iter().rev());
    for message_id in threaded {
        let found: Vec<usize> = thread(message_id)
            .iter()
            .filter_map(|id| config.find_commitment(id))
            .collect();
        if !found.is_empty() {
            let narrowed: Vec<usize> = found
                .iter()
                .copied()
                .filter(|index| named_in_text.contains(index))
                .collect();
            return Matched {
                commitments: if narrowed.is_empty() { found } else { narrowed },
                by: Some(MatchedBy::Thread),
                reminder: Some(message_id.clone()),
            };
        }
    }
    if config.replies.plus_address {
        let found: Vec<usize> = incoming
            .recipients
            .iter()
            .filter_map(|address| plus_token(address))
            .filter_map(|token| config.find_commitment(token))
            .collect();
        if !found.is_empty() {
            return by(dedup(found), MatchedBy::PlusAddress);
        }
    }
    let tagged = subject_tag(config, &incoming.subject);
    if !tagged.is_empty() {
        return by(tagged, MatchedBy::SubjectTag);
    }
    if !named_in_text.is_empty() {
        return by(named_in_text, MatchedBy::Body);
    }
    Matched::default()
}

fn by(commitments: Vec<usize>, how: MatchedBy) -> Matched {
    Matched {
        commitments,
        by: Some(how),
        reminder: None,
    }
}

fn dedup(mut found: Vec<usize>) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    found.retain(|index| seen.insert(*index));
    found
}

/// `duban+TOKEN@domain` → `TOKEN`.
fn plus_token(address: &str) -> Option<&str> {
    let (local, _) = address.rsplit_once('@')?;
    let (_, token) = local.split_once('+')?;
    (!token.is_empty()).then_some(token)
}

/// The ids inside `[督办 …]` or `【督办 …】`.
fn subject_tag(config: &Config, subject: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (open, close) in [("[督办", ']'), ("【督办", '】')] {
        let mut rest = subject;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len()..];
            let Some(end) = after.find(close) else {
                break;
            };
            found.extend(ids_in(config, &after[..end]));
            rest = &after[end..];
        }
    }
    dedup(found)
}

/// Configured commitment ids written in `text`, in order of appearance: tokens of ASCII
/// letters, digits, `-`, `_` and `.` looked up by id (so the cost is the text's length, not
/// the number of commitments).
pub fn ids_in(config: &Config, text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    for token in text.split(|c: char| !is_id_char(c)) {
        let token = token.trim_matches(['.', '-', '_']);
        if token.is_empty() {
            continue;
        }
        if let Some(index) = config.find_commitment(token) {
            found.push(index);
        }
    }
    dedup(found)
}
