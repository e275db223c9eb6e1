//! Properties of the engine over random configurations, calendars and wake sequences with
//! restarts: nothing is due twice, done means silent, and the next wake is neither in the
//! past nor later than the earliest due moment.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use followup::engine::{Engine, LogView, Seen};
use followup::model::{Config, Status};
use proptest::prelude::*;

use crate::engine::setup;

const CADENCES: &[&str] = &[
    "0 9 * * *",
    "0 9 * * MON",
    "*/20 * * * *",
    "0 */6 * * *",
    "30 8 1 * *",
    "0 0 * * SAT",
    "*/45 * * * * *",
];

#[derive(Debug, Clone)]
struct Case {
    zone: &'static str,
    default: usize,
    on_new: bool,
    digest: bool,
    skip_holidays: bool,
    stages: bool,
    holidays: Vec<u32>,
    commitments: Vec<(usize, Option<u32>, Option<usize>, bool)>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    /// Wake at the engine's next wake.
    Wake,
    /// Wake after this many minutes (a stop, a late wake or a clock jump).
    After(u32),
    /// Restart: rebuild the engine from the log, then wake at once.
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Wake),
        2 => (0u32..30_000).prop_map(Step::After),
        1 => Just(Step::Restart),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just("Asia/Shanghai"),
            Just("America/New_York"),
            Just("Europe/Berlin")
        ],
        0..CADENCES.len(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(0u32..120, 0..20),
        proptest::collection::vec(
            (
                0usize..2,
                proptest::option::of(0u32..120),
                proptest::option::weighted(0.3, 0..CADENCES.len()),
                proptest::bool::weighted(0.2),
            ),
            1..6,
        ),
        proptest::collection::vec(step(), 1..40),
    )
        .prop_map(
            |(
                zone,
                default,
                on_new,
                digest,
                skip_holidays,
                stages,
                holidays,
                commitments,
                steps,
            )| Case {
                zone,
                default,
                on_new,
                digest,
                skip_holidays,
                stages,
                holidays,
                commitments,
                steps,
            },
        )
}

fn day(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).expect("valid date") + Duration::days(i64::from(offset))
}

fn build(case: &Case) -> Arc<Config> {
    let holidays: Vec<String> = case
        .holidays
        .iter()
        .map(|offset| day(*offset).to_string())
        .collect();
    let mut schedule = format!(
        "[schedule]\nremind = \"{}\"\non_new = {}\ndigest = {}\nskip_holidays = {}\n",
        CADENCES[case.default], case.on_new, case.digest, case.skip_holidays
    );
    if case.stages {
        schedule.push_str(
            "[[schedule.stage]]\nfrom = \"-7d\"\nremind = \"0 10 * * *\"\n[[schedule.stage]]\nfrom = \"0d\"\nremind = \"0 12 * * *\"\ncc = [\"督查室\"]\n",
        );
    }
    schedule.push_str(&format!(
        "[calendar]\nholidays = [{}]\n",
        holidays.join(", ")
    ));
    let mut commitments = String::new();
    for (index, (owner, due, remind, done)) in case.commitments.iter().enumerate() {
        commitments.push_str(&format!(
            "[[commitment]]\nid = \"c{index}\"\nowner = \"{}\"\ntext = \"承诺\"\nstatus = \"{}\"\n",
            ["省科技厅", "省财政厅"][*owner],
            if *done { "done" } else { "open" }
        ));
        if let Some(due) = due {
            commitments.push_str(&format!("due = {}\n", day(*due)));
        }
        if let Some(remind) = remind {
            commitments.push_str(&format!("remind = \"{}\"\n", CADENCES[*remind]));
        }
    }
    setup(case.zone, &schedule, &commitments)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn engine_properties(case in case()) {
        let config = build(&case);
        let mut log = LogView::default();
        let mut sent: HashSet<(String, DateTime<Utc>)> = HashSet::new();
        let start = crate::engine::at(&config, "2025-03-01 08:00");
        let mut now = start;
        let mut engine = Engine::new(config.clone(), &log);
        for step in &case.steps {
            match step {
                Step::Wake => match engine.next_wake() {
                    Some(next) => now = now.max(next),
                    None => break,
                },
                Step::After(minutes) => now += Duration::minutes(i64::from(*minutes)),
                Step::Restart => engine = Engine::new(config.clone(), &log),
            }
            let tick = engine.tick(now);
            for index in &tick.first_seen {
                log.seen.insert(config.commitments[*index].id().to_owned(), Seen { first_seen: now, last_moment: None });
            }
            for reminder in &tick.reminders {
                for item in &reminder.items {
                    let commitment = &config.commitments[item.commitment];
                    prop_assert_eq!(commitment.status, Status::Open, "a done commitment was due");
                    prop_assert!(item.moment <= now, "a moment in the future was due");
                    prop_assert!(
                        sent.insert((commitment.id().to_owned(), item.moment)),
                        "({}, {}) was due twice", commitment.id(), item.moment
                    );
                    let seen = log.seen.entry(commitment.id().to_owned()).or_insert(Seen { first_seen: now, last_moment: None });
                    prop_assert!(item.moment >= seen.first_seen, "a moment before the commitment was seen");
                    seen.last_moment = Some(seen.last_moment.map_or(item.moment, |last| last.max(item.moment)));
                }
            }
            // At most one reminder per commitment per wake: catch-up is one, not one per moment.
            let mut per_commitment: HashMap<usize, usize> = HashMap::new();
            for item in tick.reminders.iter().flat_map(|reminder| &reminder.items) {
                *per_commitment.entry(item.commitment).or_default() += 1;
            }
            prop_assert!(per_commitment.values().all(|count| *count == 1));

            if let Some(next) = tick.next_wake {
                prop_assert!(next > now, "next wake {next} is not after now {now}");
                // Nothing is due before the next wake: a daemon restarted from the log at any
                // time in between finds nothing to send.
                let middle = now + (next - now) / 2;
                let mut fresh = Engine::new(config.clone(), &log);
                let early = fresh.tick(middle);
                prop_assert!(early.reminders.is_empty(), "due at {middle} before the wake at {next}: {early:?}");
                // And something is due at the wake itself.
                let mut fresh = Engine::new(config.clone(), &log);
                prop_assert!(!fresh.tick(next).reminders.is_empty(), "nothing due at the wake {next}");
            }
        }
    }
}

/// Like `case()`, but with more commitments drawn from a few due dates and cadences, so
/// that many share one schedule.
fn shared_case() -> impl Strategy<Value = Case> {
    (
        case(),
        proptest::collection::vec(
            (
                0usize..2,
                proptest::option::of((0u32..4).prop_map(|slot| slot * 25)),
                proptest::option::weighted(0.2, 0..2usize),
                proptest::bool::weighted(0.2),
            ),
            1..16,
        ),
    )
        .prop_map(|(case, commitments)| Case {
            commitments,
            ..case
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Sharing schedules between commitments changes nothing: at every wake, across
    /// restarts from the log, the shared engine gives exactly the reminders, first sightings
    /// and next wake of the reference engine that searches each commitment on its own; its
    /// open and overdue counts are a recount's, and `Schedules::next_moment` is
    /// `engine::next_moment`.
    #[test]
    fn shared_schedules_change_nothing(case in shared_case()) {
        let config = build(&case);
        let mut log = LogView::default();
        let mut now = crate::engine::at(&config, "2025-03-01 08:00");
        let mut shared = Engine::new(config.clone(), &log);
        let mut reference = Engine::per_commitment(config.clone(), &log);
        let mut schedules = followup::engine::Schedules::new(&config);
        for step in &case.steps {
            match step {
                Step::Wake => match reference.next_wake() {
                    Some(next) => now = now.max(next),
                    None => break,
                },
                Step::After(minutes) => now += Duration::minutes(i64::from(*minutes)),
                Step::Restart => {
                    shared = Engine::new(config.clone(), &log);
                    reference = Engine::per_commitment(config.clone(), &log);
                }
            }
            let expected = reference.tick(now);
            let actual = shared.tick(now);
            prop_assert_eq!(&actual.reminders, &expected.reminders);
            prop_assert_eq!(&actual.first_seen, &expected.first_seen);
            prop_assert_eq!(actual.next_wake, expected.next_wake);

            let open = config.commitments.iter().filter(|c| c.status == Status::Open).count();
            let overdue = config
                .commitments
                .iter()
                .filter(|c| followup::engine::is_overdue(&config, c, now))
                .count();
            prop_assert_eq!(shared.counts(now), (open, overdue));
            for (index, commitment) in config.commitments.iter().enumerate() {
                prop_assert_eq!(
                    schedules.next_moment(&config, index, now),
                    followup::engine::next_moment(&config, commitment, now)
                );
            }

            for index in &expected.first_seen {
                log.seen.insert(config.commitments[*index].id().to_owned(), Seen { first_seen: now, last_moment: None });
            }
            for item in expected.reminders.iter().flat_map(|reminder| &reminder.items) {
                let seen = log
                    .seen
                    .entry(config.commitments[item.commitment].id().to_owned())
                    .or_insert(Seen { first_seen: now, last_moment: None });
                seen.last_moment = Some(seen.last_moment.map_or(item.moment, |last| last.max(item.moment)));
            }
        }
    }
}
