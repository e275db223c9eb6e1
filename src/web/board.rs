//! The board's query: which commitments a filter selects, failing first, one page of them,
//! and the per-department counts for the chart. Pure (configuration, query, `at` in; view
//! models out), so the bench times exactly what a request does.

use std::collections::HashSet;
use std::rc::Rc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{Config, DepartmentId};
use crate::views::{self, CommitmentRow, Light, State};

/// Rows per page: a page of the board stays far under 1 MB whatever the configuration holds.
pub const PAGE_SIZE: usize = 50;

/// What the board's form asks for; every field optional.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct Query {
    /// A department key or alias (owner or co-owner).
    pub department: Option<String>,
    /// A letter id.
    pub letter: Option<String>,
    /// Part of the proposer's name or the session (届次).
    pub who: Option<String>,
    /// `open`, `reported`, `done` or empty for all.
    pub status: Option<String>,
    pub light: Option<String>,
    /// Due on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Due on or before this date.
    pub to: Option<String>,
    /// Words to find in the id, promise, topic, letter title, proposer or department.
    pub q: Option<String>,
    pub page: Option<usize>,
    pub lang: Option<String>,
}

/// One department's bar in the chart.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DepartmentCount {
    pub department: String,
    pub open: usize,
    pub overdue: usize,
    pub done: usize,
}

/// One page of the board.
#[derive(Debug, Serialize)]
pub struct Board<'a> {
    pub rows: Vec<BoardRow<'a>>,
    /// How many commitments the filter selects (all pages).
    pub total: usize,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    /// How many selected commitments show each light, in `Light::ALL` order.
    pub lights: Vec<(Light, usize)>,
    pub departments: Vec<DepartmentCount>,
}

/// A row with what the board shows besides the shared view model.
#[derive(Debug, Serialize)]
pub struct BoardRow<'a> {
    #[serde(flatten)]
    pub row: CommitmentRow<'a>,
    pub text: String,
    pub proposer: Option<String>,
    pub session: Option<String>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn date(value: &Option<String>) -> Option<NaiveDate> {
    blank(value).and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
}

/// The displayed state: the views' (open or done), `reported` for an open commitment with
/// a done claim awaiting review.
pub fn state(commitment: &crate::model::Commitment, reported: &HashSet<String>) -> State {
    views::state_with(commitment, reported.contains(commitment.id()))
}

/// The lights of every commitment at `at`.
pub fn lights(
    config: &Config,
    at: DateTime<Utc>,
    reported: &HashSet<String>,
) -> Vec<(State, Light)> {
    config
        .commitments
        .iter()
        .map(|commitment| {
            let state = state(commitment, reported);
            (state, views::light(config, commitment, state, at))
        })
        .collect()
}

/// The views' row with the displayed state and light of `state`.
pub fn row<'a>(
    config: &'a Config,
    index: usize,
    at: DateTime<Utc>,
    next: Option<Rc<str>>,
    reported: &HashSet<String>,
) -> anyhow::Result<CommitmentRow<'a>> {
    let commitment = &config.commitments[index];
    views::row(config, index, at, next, state(commitment, reported))
}

/// The board for `query` at `at`. Fails only when the daemon's spill file cannot be read
/// (`model::Commitment::texts`).
pub fn board<'a>(
    config: &'a Config,
    query: &Query,
    at: DateTime<Utc>,
    reported: &HashSet<String>,
) -> anyhow::Result<Board<'a>> {
    let lights = lights(config, at, reported);
    let department: Option<Option<DepartmentId>> =
        blank(&query.department).map(|name| config.find_department(name));
    let letter = blank(&query.letter);
    let who = blank(&query.who);
    let status = blank(&query.status);
    let light = blank(&query.light);
    let (from, to) = (date(&query.from), date(&query.to));
    let words: Vec<String> = blank(&query.q)
        .map(|q| q.split_whitespace().map(str::to_lowercase).collect())
        .unwrap_or_default();

    let mut selected: Vec<usize> = Vec::new();
    for (index, commitment) in config.commitments.iter().enumerate() {
        let letter_of = config.letter_of(commitment);
        let (state, shown) = lights[index];
        let chosen = department.is_none_or(|wanted| {
            wanted.is_some_and(|id| commitment.owner == id || commitment.co_owners().contains(&id))
        }) && letter.is_none_or(|id| letter_of.id() == id)
            && status.is_none_or(|status| status == "all" || status == state.as_str())
            && light.is_none_or(|light| light == shown.as_str())
            && from.is_none_or(|from| commitment.due.is_some_and(|due| due >= from))
            && to.is_none_or(|to| commitment.due.is_some_and(|due| due <= to));
        // The prose is read only when the query looks into it.
        if !chosen || (who.is_none() && words.is_empty()) {
            if chosen {
                selected.push(index);
            }
            continue;
        }
        let (texts, letter_texts) = (commitment.texts()?, letter_of.texts()?);
        let chosen = who.is_none_or(|who| {
            letter_texts.proposer().is_some_and(|p| p.contains(who))
                || letter_texts.session().is_some_and(|s| s.contains(who))
        }) && words.iter().all(|word| {
            let owner = &config.department(commitment.owner).key;
            [
                Some(commitment.id()),
                Some(texts.text()),
                texts.topic(),
                Some(letter_texts.title()),
                letter_texts.proposer(),
                Some(owner.as_str()),
            ]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(word.as_str()))
        });
        if chosen {
            selected.push(index);
        }
    }
    // Failing first: by light, then the earliest due date, then id.
    selected.sort_unstable_by(|a, b| {
        let (ca, cb) = (&config.commitments[*a], &config.commitments[*b]);
        (lights[*a].1, ca.due.is_none(), ca.due, &ca.id()).cmp(&(
            lights[*b].1,
            cb.due.is_none(),
            cb.due,
            &cb.id(),
        ))
    });

    let mut light_counts: Vec<(Light, usize)> = Light::ALL.iter().map(|l| (*l, 0)).collect();
    for index in &selected {
        let position = Light::ALL
            .iter()
            .position(|l| *l == lights[*index].1)
            .unwrap_or(0);
        light_counts[position].1 += 1;
    }

    let total = selected.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = selected
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|&index| {
            let commitment = &config.commitments[index];
            let letter = config.letter_of(commitment).texts()?;
            let next = crate::engine::next_moment(config, commitment, at)
                .map(|next| Rc::from(crate::timefmt::local(config, next)));
            Ok(BoardRow {
                row: row(config, index, at, next, reported)?,
                text: commitment.texts()?.text().to_owned(),
                proposer: letter.proposer().map(str::to_owned),
                session: letter.session().map(str::to_owned),
            })
        })
        .collect::<anyhow::Result<_>>()?;

    Ok(Board {
        rows,
        total,
        page,
        pages,
        lights: light_counts,
        departments: department_counts(config, &lights),
    })
}

/// Per owning department: open on track, overdue, done (departments owning nothing left out).
pub fn department_counts(config: &Config, lights: &[(State, Light)]) -> Vec<DepartmentCount> {
    let mut counts: Vec<DepartmentCount> = config
        .departments
        .iter()
        .map(|department| DepartmentCount {
            department: department.key.clone(),
            open: 0,
            overdue: 0,
            done: 0,
        })
        .collect();
    for (commitment, (_, light)) in config.commitments.iter().zip(lights) {
        let count = &mut counts[commitment.owner];
        match light {
            Light::Red => count.overdue += 1,
            Light::Grey => count.done += 1,
            _ => count.open += 1,
        }
    }
    counts.retain(|count| count.open + count.overdue + count.done > 0);
    counts
}
