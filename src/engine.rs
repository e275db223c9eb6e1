//! Decides who is reminded when: a deterministic state machine over (configuration,
//! delivery-log view, now). It never reads the clock, never touches a file, a socket or the
//! database, and cannot fail; it imports nothing from tokio, lettre or rusqlite.
//!
//! A *nominal* moment is a firing of a commitment's cadence. With `skip_holidays`, a nominal
//! moment on a day off moves to the next working day at the same wall-clock time; the moved
//! time is the *moment* that is sent and logged, so nominal moments that collapse onto one
//! moment are sent once. Each open commitment sits in a queue keyed by its next moment, so a
//! wake costs O(k log n) for the k commitments due, not a scan of all n.
//!
//! Schedules are shared: a commitment's moments depend only on its own cadence (if any), its
//! due date (which places the stages) and the calendar, so commitments with the same
//! (cadence, due date) have one `Schedules` entry and each search is done once per entry and
//! starting point, not once per commitment.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::calendar::DayOff;
use crate::model::{
    CadenceId, Commitment, Config, DepartmentId, FastHasher, FastMap, Recipient, Status,
};

/// How far ahead (and, for catch-up, back) the engine looks for a commitment's moment before
/// deciding it has none: the horizon within which `config` proved every cadence fires (a cron
/// such as `0 9 29 2 *` fires only in leap years). A cadence that runs out just ends.
const HORIZON_DAYS: u64 = crate::model::CADENCE_HORIZON_DAYS;
/// The longest run of consecutive days off the calendar can shift a moment across.
const LONGEST_BREAK_DAYS: u64 = 40;

/// What the delivery log says about one commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// When the daemon first saw the commitment; moments before it never count.
    pub first_seen: DateTime<Utc>,
    /// The latest moment recorded for it (sent, failed or pending), if any.
    pub last_moment: Option<DateTime<Utc>>,
}

/// The delivery log as the engine needs it: per commitment id.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    pub seen: FastMap<String, Seen>,
    /// Commitments whose done claim waits for review (`reported`), with when it arrived:
    /// the department gets no reminders for them, and once `schedule.review_within` working
    /// days have passed their reminders go to the reviewer.
    pub reported: FastMap<String, DateTime<Utc>>,
    /// Per commitment, its department's latest answer by email, for the views (the engine
    /// ignores it).
    pub answers: FastMap<String, Answer>,
}

/// A department's latest answer by email about one commitment, as views show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub at: DateTime<Utc>,
    /// The new text of the answer.
    pub text: String,
    /// The office's note, when it sent the claim back after this answer.
    pub returned: Option<String>,
}

/// Where a reminder's cadence came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// The commitment was seen for the first time (`on_new`).
    FirstNotice,
    /// A done claim has waited longer than `schedule.review_within`: the moment's reminder
    /// goes to the reviewer (`replies.reviewer`, else `mail.admin`), not the department.
    Review {
        /// When the department's done claim arrived.
        claimed: DateTime<Utc>,
    },
    /// A moment of the commitment's cadence.
    Cadence {
        /// The cron text that produced it (shared: a plan lists it for every item).
        cadence: Arc<str>,
        /// `commitment`, `default` or `stage`.
        source: Cow<'static, str>,
        /// The stage's name or offset when a stage applied.
        stage: Option<Arc<str>>,
        /// The nominal date and why it was off (`holiday`, `weekend`), when the moment was moved.
        moved_from: Option<(NaiveDate, Cow<'static, str>)>,
        /// True when the moment was in the past when it became due (the daemon was stopped).
        catch_up: bool,
    },
}

/// One commitment due at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub commitment: usize,
    pub moment: DateTime<Utc>,
    /// Shared: the items of a wake have a few distinct reasons (a plan at 100,000
    /// commitments holds half a million items, 32 bytes each with the reason behind a
    /// pointer, 120 with it inline).
    pub why: Arc<Why>,
}

/// One email: a department, a moment, the commitments it lists and who receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub department: DepartmentId,
    pub moment: DateTime<Utc>,
    pub items: Vec<Due>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl Reminder {
    pub fn commitment_ids<'c>(&self, config: &'c Config) -> Vec<&'c str> {
        self.items
            .iter()
            .map(|item| config.commitments[item.commitment].id())
            .collect()
    }
}

/// What one wake produced.
#[derive(Debug, Clone, Default)]
pub struct Tick {
    /// Emails to send now, in order of department then moment.
    pub reminders: Vec<Reminder>,
    /// Commitments seen for the first time at this tick, for the log.
    pub first_seen: Vec<usize>,
    /// When to wake next; `None` when nothing is ever due again.
    pub next_wake: Option<DateTime<Utc>>,
}

/// The reminder state machine. Build it from the configuration and the log, then call
/// `tick(now)` at each wake; it assumes every reminder it returns gets recorded.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<Config>,
    anchors: Vec<Option<Seen>>,
    /// Open commitments by next moment; commitments never seen wait at `MIN_UTC`. Shared
    /// schedules give them a few distinct moments, so this is a few hundred buckets of
    /// commitment indices (4 bytes each), and a wake takes whole buckets: O(k + b log b)
    /// for k commitments due in b buckets, not a heap operation per commitment.
    queue: BTreeMap<DateTime<Utc>, Vec<u32>>,
    schedules: Schedules,
    owners: Owners,
    counts: Counts,
    /// Per commitment with a waiting done claim: (when it arrived, when its review is late).
    reviews: FastMap<usize, (DateTime<Utc>, DateTime<Utc>)>,
}

impl Engine {
    pub fn new(config: Arc<Config>, log: &LogView) -> Engine {
        Engine::build(config, log, Sharing::Shared)
    }

    /// The engine without shared schedules: every search is done for each commitment on its
    /// own. The reference the shared engine is tested against (`tests/it/properties.rs`);
    /// slower at scale, never used by the product.
    #[doc(hidden)]
    pub fn per_commitment(config: Arc<Config>, log: &LogView) -> Engine {
        Engine::build(config, log, Sharing::PerCommitment)
    }

    fn build(config: Arc<Config>, log: &LogView, sharing: Sharing) -> Engine {
        let mut engine = Engine {
            anchors: config
                .commitments
                .iter()
                .map(|commitment| log.seen.get(commitment.id()).copied())
                .collect(),
            queue: BTreeMap::new(),
            schedules: Schedules::with_sharing(&config, sharing),
            owners: Owners::new(&config),
            counts: Counts::new(&config),
            reviews: reviews(&config, &log.reported),
            config,
        };
        for index in 0..engine.config.commitments.len() {
            if engine.config.commitments[index].status == Status::Open {
                engine.enqueue(index);
            }
        }
        engine.schedules.forget();
        engine
    }

    /// The waiting done claims changed in the log (an answer was recorded, or the office
    /// decided): replaces them without rebuilding the schedule queue. O(k log n) for k claims.
    pub fn set_reported(&mut self, reported: &FastMap<String, DateTime<Utc>>) {
        self.reviews = reviews(&self.config, reported);
    }

    /// Open and overdue counts at `at`, without a pass over the commitments.
    pub fn counts(&self, at: DateTime<Utc>) -> (usize, usize) {
        (
            self.counts.open,
            self.counts.overdue(self.config.timezone, at),
        )
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The earliest time anything can become due; `MIN_UTC` when a commitment is new.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.queue.first_key_value().map(|(at, _)| *at)
    }

    /// Puts an open commitment in the queue at its next moment, if it has one. (Done
    /// commitments are never queued, so a commitment taken from the queue is open.)
    fn enqueue(&mut self, index: usize) {
        if let Some(key) = self.next_key(index) {
            self.queue.entry(key).or_default().push(queue_index(index));
        }
    }

    /// Where a commitment goes in the queue, from what the log (or this engine) knows of it.
    fn next_key(&mut self, index: usize) -> Option<DateTime<Utc>> {
        match self.anchors[index] {
            None => Some(DateTime::<Utc>::MIN_UTC),
            Some(seen) => {
                let after = seen
                    .last_moment
                    .map_or(seen.first_seen, |last| last.max(seen.first_seen));
                self.schedules
                    .next_after(&self.config, index, after)
                    .map(|moment| moment.at)
            }
        }
    }

    /// Everything due at `now`: first notices, cadence moments and catch-ups (one per
    /// commitment however many moments were missed), grouped into emails.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Tick {
        let now = now
            .with_nanosecond(0)
            .expect("zero nanoseconds is always valid");
        let mut due = Vec::new();
        let mut first_seen = Vec::new();
        let mut requeued: Vec<(DateTime<Utc>, u32)> = Vec::new();
        // Whole buckets, earliest first; a commitment re-queued at or before `now` lands in
        // a bucket the loop takes later. Within a bucket, in index order (as a sorted set of
        // (moment, index) would pop them).
        while let Some(bucket) = self.queue.first_entry() {
            if *bucket.key() > now {
                break;
            }
            let (at, mut indices) = bucket.remove_entry();
            if !indices.is_sorted() {
                indices.sort_unstable();
            }
            for index in indices {
                if let Some(next) = self.visit(at, index as usize, now, &mut due, &mut first_seen) {
                    requeued.push((next, index));
                }
            }
            // Back into the queue by runs: commitments taken together mostly share their
            // next moment, so this is a bucket lookup per run, not per commitment.
            for run in requeued.chunk_by(|a, b| a.0 == b.0) {
                self.queue
                    .entry(run[0].0)
                    .or_default()
                    .extend(run.iter().map(|(_, index)| *index));
            }
            requeued.clear();
        }
        if !self.reviews.is_empty() {
            // A waiting done claim: nothing to the department; to the reviewer once late.
            due.retain_mut(|item| match self.reviews.get(&item.commitment).copied() {
                None => true,
                Some((_, late)) if item.moment < late => false,
                Some((claimed, _)) => {
                    item.why = Arc::new(Why::Review { claimed });
                    true
                }
            });
        }
        // The memo only pays within one wake (commitments due together share their searches);
        // forgetting it keeps an idle daemon's memory flat.
        self.schedules.forget();
        Tick {
            reminders: group(&self.config, &self.owners, due),
            first_seen,
            next_wake: self.next_wake(),
        }
    }

    /// One commitment taken from the queue at `at`: its first notice or its latest moment
    /// by `now`, if any; returns where it goes back into the queue.
    fn visit(
        &mut self,
        at: DateTime<Utc>,
        index: usize,
        now: DateTime<Utc>,
        due: &mut Vec<Due>,
        first_seen: &mut Vec<usize>,
    ) -> Option<DateTime<Utc>> {
        match self.anchors[index] {
            None => {
                first_seen.push(index);
                self.anchors[index] = Some(Seen {
                    first_seen: now,
                    last_moment: None,
                });
                if self.config.schedule.on_new {
                    due.push(Due {
                        commitment: index,
                        moment: now,
                        why: Arc::clone(&self.schedules.first_notice),
                    });
                    self.anchors[index] = Some(Seen {
                        first_seen: now,
                        last_moment: Some(now),
                    });
                }
            }
            Some(seen) => {
                let floor = seen
                    .last_moment
                    .map_or(seen.first_seen, |last| last.max(seen.first_seen));
                let step = self.schedules.step(&self.config, index, at, floor, now);
                if let Some((moment, why)) = step.due {
                    due.push(Due {
                        commitment: index,
                        moment,
                        why,
                    });
                    self.anchors[index] = Some(Seen {
                        first_seen: seen.first_seen,
                        last_moment: Some(moment),
                    });
                }
                return step.next;
            }
        }
        self.next_key(index)
    }
}

/// Every reminder from `from` up to and including `until`, as the daemon would send them
/// if it ran from `from` on the given log. At most `limit` emails.
pub fn plan(
    config: Arc<Config>,
    log: &LogView,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
) -> Vec<Reminder> {
    let mut engine = Engine::new(config, log);
    let mut reminders = Vec::new();
    let mut now = from;
    loop {
        let tick = engine.tick(now);
        reminders.extend(tick.reminders);
        if reminders.len() >= limit {
            reminders.truncate(limit);
            return reminders;
        }
        match tick.next_wake {
            Some(next) if next <= until => now = next.max(now),
            _ => return reminders,
        }
    }
}

/// When a done claim that arrived at `claimed` has waited `schedule.review_within` working
/// days: the end of the last of those working days (counted from the day after the claim),
/// in the configured zone.
pub fn review_late(config: &Config, claimed: DateTime<Utc>) -> DateTime<Utc> {
    let mut date = claimed.with_timezone(&config.timezone).date_naive();
    let mut counted = 0;
    // Bounded: a year of days off in a row is not a calendar.
    for _ in 0..3660 {
        if counted >= config.schedule.review_within {
            break;
        }
        date = date.succ_opt().unwrap_or(date);
        if config.calendar.is_working(date) {
            counted += 1;
        }
    }
    day_start(config.timezone, date.succ_opt().unwrap_or(date))
}

/// Per commitment index with a waiting done claim: (when it arrived, when its review is late).
fn reviews(
    config: &Config,
    reported: &FastMap<String, DateTime<Utc>>,
) -> FastMap<usize, (DateTime<Utc>, DateTime<Utc>)> {
    reported
        .iter()
        .filter_map(|(id, claimed)| {
            let index = config.find_commitment(id)?;
            Some((index, (*claimed, review_late(config, *claimed))))
        })
        .collect()
}

/// Whether a reminder item goes to the reviewer.
fn for_review(item: &Due) -> bool {
    matches!(*item.why, Why::Review { .. })
}

/// The next moment a commitment will be reminded after `after`, ignoring the log.
pub fn next_moment(
    config: &Config,
    commitment: &Commitment,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if commitment.status == Status::Done {
        return None;
    }
    Moments::for_commitment(config, commitment)
        .next_after(after)
        .map(|moment| moment.at)
}

/// A commitment index as the queue stores it (the configuration holds far fewer than 2³²).
fn queue_index(index: usize) -> u32 {
    u32::try_from(index).expect("fewer than 2^32 commitments")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sharing {
    Shared,
    PerCommitment,
}

/// What a commitment's moments depend on besides the configuration-wide schedule and
/// calendar: its own cadence, else its due date (which places the stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ScheduleKey {
    own: Option<CadenceId>,
    due: Option<NaiveDate>,
}

impl ScheduleKey {
    fn of(commitment: &Commitment) -> ScheduleKey {
        match commitment.remind {
            Some(own) => ScheduleKey {
                own: Some(own),
                due: None,
            },
            None => ScheduleKey {
                own: None,
                due: commitment.due,
            },
        }
    }
}

/// The distinct schedules of a configuration and a memo of the searches done on them.
/// Commitments with the same key share one schedule, so a search (the next moment after an
/// instant, the latest moment in a range) is done once per schedule and starting point, not
/// once per commitment: at 100,000 commitments sharing one cadence and a few hundred due
/// dates, a few hundred searches instead of 100,000. Searches are pure functions of the key
/// and their arguments, so the memo changes no answer; `forget` empties it.
#[derive(Debug, Clone)]
pub struct Schedules {
    /// Per commitment, the index of its key in `keys`.
    of: Vec<u32>,
    keys: Vec<ScheduleKey>,
    sharing: Sharing,
    next: Memo<(u32, DateTime<Utc>), Option<Moment>>,
    latest: Memo<(u32, DateTime<Utc>, DateTime<Utc>), Option<Moment>>,
    /// Reasons by (schedule, moment, nominal moment, catch-up): cloning one shares its text.
    whys: Memo<WhyKey, Arc<Why>>,
    /// Whole steps of a wake by (schedule, moment taken at, floor), and the last one asked
    /// (commitments of one letter, taken one after another, mostly share it).
    steps: Memo<StepKey, Step>,
    last_step: Option<(StepKey, Step)>,
    first_notice: Arc<Why>,
}

/// A memo keyed by small integers and instants the engine computed itself.
type Memo<K, V> = FastMap<K, V>;

/// A reason's memo key: (schedule, moment, nominal moment, catch-up).
type WhyKey = (u32, DateTime<Utc>, DateTime<Utc>, bool);

/// A step's memo key: (schedule, moment the commitment was taken from the queue at, floor).
type StepKey = (u32, DateTime<Utc>, DateTime<Utc>);

/// What a wake does with a commitment it takes from the queue (`Schedules::step`).
#[derive(Debug, Clone)]
struct Step {
    /// The moment it is reminded for, and why.
    due: Option<(DateTime<Utc>, Arc<Why>)>,
    /// Its next moment after that: where it goes back into the queue.
    next: Option<DateTime<Utc>>,
}

impl Schedules {
    pub fn new(config: &Config) -> Schedules {
        Schedules::with_sharing(config, Sharing::Shared)
    }

    fn with_sharing(config: &Config, sharing: Sharing) -> Schedules {
        let mut index: FastMap<ScheduleKey, u32> = FastMap::default();
        let mut keys = Vec::new();
        let of = config
            .commitments
            .iter()
            .map(|commitment| {
                let key = ScheduleKey::of(commitment);
                *index.entry(key).or_insert_with(|| {
                    keys.push(key);
                    u32::try_from(keys.len() - 1).expect("fewer than 2^32 schedules")
                })
            })
            .collect();
        Schedules {
            of,
            keys,
            sharing,
            next: Memo::default(),
            latest: Memo::default(),
            whys: Memo::default(),
            steps: Memo::default(),
            last_step: None,
            first_notice: Arc::new(Why::FirstNotice),
        }
    }

    /// How many distinct schedules the commitments share.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn moments<'c>(&self, config: &'c Config, commitment: usize) -> Moments<'c> {
        let key = self.keys[self.of[commitment] as usize];
        Moments::new(config, key.own, key.due)
    }

    fn next_after(
        &mut self,
        config: &Config,
        commitment: usize,
        after: DateTime<Utc>,
    ) -> Option<Moment> {
        if self.sharing == Sharing::PerCommitment {
            return Moments::for_commitment(config, &config.commitments[commitment])
                .next_after(after);
        }
        let schedule = self.of[commitment];
        if let Some(found) = self.next.get(&(schedule, after)) {
            return *found;
        }
        let found = self.moments(config, commitment).next_after(after);
        self.next.insert((schedule, after), found);
        found
    }

    fn latest_within(
        &mut self,
        config: &Config,
        commitment: usize,
        floor: DateTime<Utc>,
        high: DateTime<Utc>,
    ) -> Option<Moment> {
        if self.sharing == Sharing::PerCommitment {
            return Moments::for_commitment(config, &config.commitments[commitment])
                .latest_within(floor, high);
        }
        let schedule = self.of[commitment];
        if let Some(found) = self.latest.get(&(schedule, floor, high)) {
            return *found;
        }
        let found = self.moments(config, commitment).latest_within(floor, high);
        self.latest.insert((schedule, floor, high), found);
        found
    }

    fn why(
        &mut self,
        config: &Config,
        commitment: usize,
        moment: &Moment,
        catch_up: bool,
    ) -> Arc<Why> {
        if self.sharing == Sharing::PerCommitment {
            return Arc::new(
                Moments::for_commitment(config, &config.commitments[commitment])
                    .why(moment, catch_up),
            );
        }
        let key = (self.of[commitment], moment.at, moment.nominal, catch_up);
        if let Some(why) = self.whys.get(&key) {
            return Arc::clone(why);
        }
        let why = Arc::new(self.moments(config, commitment).why(moment, catch_up));
        self.whys.insert(key, Arc::clone(&why));
        why
    }

    /// The next moment a commitment will be reminded after `after`, ignoring the log.
    pub fn next_moment(
        &mut self,
        config: &Config,
        commitment: usize,
        after: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if config.commitments[commitment].status == Status::Done {
            return None;
        }
        self.next_after(config, commitment, after)
            .map(|moment| moment.at)
    }

    /// Empties the memo.
    pub fn forget(&mut self) {
        self.next = Memo::default();
        self.latest = Memo::default();
        self.whys = Memo::default();
        self.steps = Memo::default();
        self.last_step = None;
    }

    /// A wake at `now` takes a commitment from the queue at `at`, whose moments count after
    /// `floor`: the latest moment in `(floor, now]` with its reason (a catch-up when moments
    /// were skipped or it is not the moment taken at), and the next moment after the one
    /// reminded for (after `floor` when none is). Within one wake (`now` fixed) this depends
    /// only on (schedule, `at`, `floor`), so it is worked out once for them: one lookup per
    /// commitment instead of three searches' memos.
    fn step(
        &mut self,
        config: &Config,
        commitment: usize,
        at: DateTime<Utc>,
        floor: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Step {
        let key = (self.of[commitment], at, floor);
        if self.sharing == Sharing::Shared {
            if let Some((last, step)) = &self.last_step
                && *last == key
            {
                return step.clone();
            }
            if let Some(step) = self.steps.get(&key) {
                let step = step.clone();
                self.last_step = Some((key, step.clone()));
                return step;
            }
        }
        let step = match self.latest_within(config, commitment, floor, now) {
            Some(moment) => {
                // Late when moments were skipped or the one sent is not this wake's.
                let catch_up = moment.at != at || now - moment.at > chrono::Duration::minutes(1);
                Step {
                    due: Some((moment.at, self.why(config, commitment, &moment, catch_up))),
                    next: self
                        .next_after(config, commitment, moment.at)
                        .map(|next| next.at),
                }
            }
            None => Step {
                due: None,
                next: self
                    .next_after(config, commitment, floor)
                    .map(|next| next.at),
            },
        };
        if self.sharing == Sharing::Shared {
            self.steps.insert(key, step.clone());
            self.last_step = Some((key, step.clone()));
        }
        step
    }
}

/// Open and overdue counts kept by due date, so the status line costs O(log d) for d
/// distinct due dates instead of a pass over every commitment.
#[derive(Debug, Clone, Default)]
struct Counts {
    open: usize,
    /// (due date, open commitments due on or before it), by date.
    due_by: Vec<(NaiveDate, usize)>,
}

impl Counts {
    fn new(config: &Config) -> Counts {
        let mut per_day: std::collections::BTreeMap<NaiveDate, usize> = Default::default();
        let mut open = 0;
        for commitment in &config.commitments {
            if commitment.status == Status::Open {
                open += 1;
                if let Some(due) = commitment.due {
                    *per_day.entry(due).or_default() += 1;
                }
            }
        }
        let mut total = 0;
        let due_by = per_day
            .into_iter()
            .map(|(day, count)| {
                total += count;
                (day, total)
            })
            .collect();
        Counts { open, due_by }
    }

    /// Open commitments whose due date has ended at `at` (as `is_overdue` decides).
    fn overdue(&self, zone: Tz, at: DateTime<Utc>) -> usize {
        let today = at.with_timezone(&zone).date_naive();
        let ended = self.due_by.partition_point(|(day, _)| *day < today);
        ended.checked_sub(1).map_or(0, |last| self.due_by[last].1)
    }
}

/// Whether a commitment is overdue at `at`: its due date has ended.
pub fn is_overdue(config: &Config, commitment: &Commitment, at: DateTime<Utc>) -> bool {
    commitment.status == Status::Open
        && commitment
            .due
            .is_some_and(|due| at.with_timezone(&config.timezone).date_naive() > due)
}

/// Days until the due date (negative when overdue), in the configured zone.
pub fn days_left(config: &Config, commitment: &Commitment, at: DateTime<Utc>) -> Option<i64> {
    let today = at.with_timezone(&config.timezone).date_naive();
    commitment.due.map(|due| (due - today).num_days())
}

fn group(config: &Config, owners: &Owners, due: Vec<Due>) -> Vec<Reminder> {
    // In order of (department, review or not, moment, commitment). The department comes
    // first and there are few: items are dealt out to their department's list, in the order
    // they came (by moment, then commitment, as the queue gave them), and a list is sorted
    // only if it is not in order already. Keys are unique (one item per commitment and
    // moment), so this orders exactly as one sort of every item would.
    let mut counts = vec![0usize; config.departments.len()];
    for item in &due {
        counts[owners.owner(item.commitment)] += 1;
    }
    let mut by_owner: Vec<Vec<Due>> = counts.into_iter().map(Vec::with_capacity).collect();
    for item in due {
        by_owner[owners.owner(item.commitment)].push(item);
    }
    let mut reminders: Vec<Reminder> = Vec::new();
    for (department, mut items) in by_owner.into_iter().enumerate() {
        if items.is_empty() {
            continue;
        }
        let key = |item: &Due| (for_review(item), item.moment, item.commitment);
        if !items.is_sorted_by_key(key) {
            items.sort_unstable_by_key(key);
        }
        let email = |items: Vec<Due>| Reminder {
            department,
            moment: items[0].moment,
            items,
            to: Vec::new(),
            cc: Vec::new(),
        };
        if !config.schedule.digest {
            reminders.extend(items.into_iter().map(|item| email(vec![item])));
            continue;
        }
        // One email per (review or not, moment): usually the whole list.
        let together = |a: &Due, b: &Due| a.moment == b.moment && for_review(a) == for_review(b);
        if items.windows(2).all(|pair| together(&pair[0], &pair[1])) {
            reminders.push(email(items));
        } else {
            reminders.extend(
                items
                    .chunk_by(|a, b| together(a, b))
                    .map(|run| email(run.to_vec())),
            );
        }
    }
    for reminder in &mut reminders {
        let (to, cc) = recipients(config, reminder, |index| owners.who(index));
        reminder.to = to;
        reminder.cc = cc;
    }
    reminders
}

/// Who each commitment concerns, and its due date (which places its stages' cc), packed
/// apart from the configuration: a wake that takes tens of thousands of commitments at once
/// (a plan, a first pass) groups and addresses them from these 12 bytes each, not from
/// each commitment and its file's values (dependent reads, each a cache miss at 100,000
/// commitments).
#[derive(Debug, Clone)]
struct Owners {
    /// Per commitment: owner, index of its co-owner list in `lists`, due date.
    of: Vec<(u32, u32, Option<NaiveDate>)>,
    /// The distinct co-owner lists; the first is the empty one.
    lists: Vec<Vec<DepartmentId>>,
}

impl Owners {
    fn new(config: &Config) -> Owners {
        let mut lists: Vec<Vec<DepartmentId>> = vec![Vec::new()];
        let mut known: FastMap<Vec<DepartmentId>, u32> = FastMap::default();
        known.insert(Vec::new(), 0);
        let of = config
            .commitments
            .iter()
            .map(|commitment| {
                let co_owners = commitment.co_owners();
                let list = match known.get(co_owners) {
                    Some(list) => *list,
                    None => {
                        let list = u32::try_from(lists.len()).expect("fewer than 2^32 lists");
                        lists.push(co_owners.to_vec());
                        known.insert(co_owners.to_vec(), list);
                        list
                    }
                };
                let owner = u32::try_from(commitment.owner).expect("fewer than 2^32 departments");
                (owner, list, commitment.due)
            })
            .collect();
        Owners { of, lists }
    }

    fn owner(&self, commitment: usize) -> DepartmentId {
        self.of[commitment].0 as usize
    }

    /// Its co-owners and due date.
    fn who(&self, commitment: usize) -> (&[DepartmentId], Option<NaiveDate>) {
        let (_, list, due) = self.of[commitment];
        (&self.lists[list as usize], due)
    }
}

/// One email from its parts, with recipients as the configuration has them now (used to
/// re-compose an email recorded earlier).
pub fn assemble(
    config: &Config,
    department: DepartmentId,
    moment: DateTime<Utc>,
    items: Vec<Due>,
) -> Reminder {
    let mut reminder = Reminder {
        department,
        moment,
        items,
        to: Vec::new(),
        cc: Vec::new(),
    };
    let (to, cc) = recipients(config, &reminder, |index| {
        let commitment = &config.commitments[index];
        (commitment.co_owners(), commitment.due)
    });
    reminder.to = to;
    reminder.cc = cc;
    reminder
}

/// To: the department's addresses. Cc: co-owners, the department's cc, and the cc of the
/// stage each commitment is in at the moment; without duplicates, in that order.
fn recipients<'c, 'o>(
    config: &'c Config,
    reminder: &Reminder,
    who: impl Fn(usize) -> (&'o [DepartmentId], Option<NaiveDate>),
) -> (Vec<String>, Vec<String>) {
    if reminder.items.first().is_some_and(for_review) {
        return (config.reviewers().to_vec(), Vec::new());
    }
    let department = config.department(reminder.department);
    let to = department.to.clone();
    let mut cc: Vec<String> = Vec::new();
    // A digest may list thousands of commitments: addresses already taken are found by hash.
    let mut taken: std::collections::HashSet<&str, std::hash::BuildHasherDefault<FastHasher>> =
        to.iter().map(String::as_str).collect();
    let mut add = |address: &'c String| {
        if taken.insert(address.as_str()) {
            cc.push(address.clone());
        }
    };
    // Adding an address twice changes nothing, so a department (or a stage) whose addresses
    // were added once is skipped after: a digest of thousands of commitments names each of
    // a few departments and stages many times.
    let mut named = vec![false; config.departments.len()];
    for item in &reminder.items {
        for &co_owner in who(item.commitment).0 {
            if !std::mem::replace(&mut named[co_owner], true) {
                config.department(co_owner).to.iter().for_each(&mut add);
            }
        }
    }
    department.cc.iter().for_each(&mut add);
    let mut waiting = config
        .schedule
        .stages
        .iter()
        .filter(|stage| !stage.cc.is_empty())
        .count();
    let mut added = vec![false; config.schedule.stages.len()];
    // The items of one reminder share its moment, so their stages come from a few due dates:
    // each is worked out once (a time-zone search each).
    type DueAt = (Option<NaiveDate>, DateTime<Utc>);
    let mut stages: FastMap<DueAt, Option<usize>> = FastMap::default();
    let mut last: Option<(DueAt, Option<usize>)> = None;
    for item in &reminder.items {
        if waiting == 0 {
            break;
        }
        let key = (who(item.commitment).1, item.moment);
        let stage = match last {
            Some((last_key, stage)) if last_key == key => stage,
            _ => {
                let stage = *stages
                    .entry(key)
                    .or_insert_with(|| stage_on(config, key.0, item.moment));
                last = Some((key, stage));
                stage
            }
        };
        if let Some(stage) = stage {
            if std::mem::replace(&mut added[stage], true) {
                continue;
            }
            if !config.schedule.stages[stage].cc.is_empty() {
                waiting -= 1;
            }
            for recipient in &config.schedule.stages[stage].cc {
                match recipient {
                    Recipient::Department(id) => {
                        config.department(*id).to.iter().for_each(&mut add)
                    }
                    Recipient::Address(address) => add(address),
                }
            }
        }
    }
    (to, cc)
}

/// The index of the last stage whose start has passed at `at`, if any.
pub fn stage_at(config: &Config, commitment: &Commitment, at: DateTime<Utc>) -> Option<usize> {
    stage_on(config, commitment.due, at)
}

/// `stage_at` for a commitment due on `due`.
fn stage_on(config: &Config, due: Option<NaiveDate>, at: DateTime<Utc>) -> Option<usize> {
    let due = due?;
    let end = due_end(config.timezone, due);
    config
        .schedule
        .stages
        .iter()
        .rposition(|stage| end + chrono::Duration::seconds(stage.from_seconds) <= at)
}

/// The end of the due date: the midnight after it, in the configured zone.
fn due_end(zone: Tz, due: NaiveDate) -> DateTime<Utc> {
    day_start(zone, due.checked_add_days(Days::new(1)).unwrap_or(due))
}

/// The first instant of a local date (midnight, or the end of a DST gap covering it).
fn day_start(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_instant(zone, date, NaiveTime::MIN)
}

/// A wall-clock time on a date as an instant: the earlier one in an overlap, the first
/// instant after the gap when the time does not exist.
fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = date.and_time(time);
    for _ in 0..4 {
        if let Some(instant) = zone.from_local_datetime(&naive).earliest() {
            return instant.with_timezone(&Utc);
        }
        // Inside a DST gap: move forward in quarter hours until the clock exists again.
        naive += chrono::Duration::minutes(15);
        let truncated = naive.with_minute(naive.minute() / 15 * 15).unwrap_or(naive);
        naive = truncated.with_second(0).unwrap_or(truncated);
    }
    Utc.from_utc_datetime(&date.and_time(time))
}

fn local_time(zone: Tz, at: DateTime<Utc>) -> (NaiveDate, NaiveTime) {
    let local = at.with_timezone(&zone).naive_local();
    (local.date(), local.time())
}

/// A moment and the nominal cadence firing it came from.
#[derive(Debug, Clone, Copy)]
struct Moment {
    at: DateTime<Utc>,
    nominal: DateTime<Utc>,
}

/// The moments of one commitment's cadence, with stages and the calendar applied.
struct Moments<'a> {
    config: &'a Config,
    /// The commitment's own cadence, which replaces stages and the default.
    own: Option<CadenceId>,
    zone: Tz,
    /// (start, cadence id, stage index) segments: each cadence applies from its start to the
    /// next start; the first segment is the commitment's own or the default cadence.
    segments: Vec<(DateTime<Utc>, usize, Option<usize>)>,
}

impl<'a> Moments<'a> {
    fn for_commitment(config: &'a Config, commitment: &Commitment) -> Self {
        Moments::new(config, commitment.remind, commitment.due)
    }

    fn new(config: &'a Config, own: Option<CadenceId>, due: Option<NaiveDate>) -> Self {
        let mut segments = vec![(DateTime::<Utc>::MIN_UTC, config.schedule.remind, None)];
        if let Some(own) = own {
            segments[0].1 = own;
        } else if let Some(due) = due {
            let end = due_end(config.timezone, due);
            for (index, stage) in config.schedule.stages.iter().enumerate() {
                if let Some(cadence) = stage.remind {
                    let start = end + chrono::Duration::seconds(stage.from_seconds);
                    segments.push((start, cadence, Some(index)));
                }
            }
        }
        Moments {
            config,
            own,
            zone: config.timezone,
            segments,
        }
    }

    fn skip(&self) -> bool {
        self.config.schedule.skip_holidays
    }

    fn day_off(&self, date: NaiveDate) -> Option<DayOff> {
        if self.skip() {
            self.config.calendar.day_off(date)
        } else {
            None
        }
    }

    /// The parts of `[low, high]` each cadence covers, in time order: `(start, end, cron)`,
    /// both ends inclusive.
    fn windows(
        &self,
        low: DateTime<Utc>,
        high: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>, &croner::Cron)> {
        self.segments
            .iter()
            .enumerate()
            .filter_map(|(position, &(start, cadence, _))| {
                let end = self
                    .segments
                    .get(position + 1)
                    .map_or(high, |(next, _, _)| {
                        (*next - chrono::Duration::seconds(1)).min(high)
                    });
                let start = start.max(low);
                (start <= end).then(|| (start, end, &self.config.cadences[cadence].cron))
            })
            .collect()
    }

    /// The latest nominal firing in `[low, high]` (both inclusive, whole seconds).
    fn latest_nominal(&self, low: DateTime<Utc>, high: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.windows(low, high)
            .into_iter()
            .rev()
            .find_map(|(start, end, cron)| {
                if !self.fires_between(cron, start, end) {
                    return None;
                }
                let found = cron
                    .find_previous_occurrence(&end.with_timezone(&self.zone), true)
                    .ok()?;
                let found = found.with_timezone(&Utc);
                (found >= start).then_some(found)
            })
    }

    /// The earliest nominal firing in `[low, high]` (both inclusive, whole seconds).
    fn earliest_nominal(&self, low: DateTime<Utc>, high: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.windows(low, high)
            .into_iter()
            .find_map(|(start, end, cron)| {
                if !self.fires_between(cron, start, end) {
                    return None;
                }
                let found = cron
                    .find_next_occurrence(&start.with_timezone(&self.zone), true)
                    .ok()?;
                let found = found.with_timezone(&Utc);
                (found <= end).then_some(found)
            })
    }

    /// Whether `cron` fires on any local day touched by `[start, end]`. croner's own search
    /// runs until it finds a firing (up to the year 5000), so it is only asked about a window
    /// whose day is known to hold one: a day without a firing costs a few bit tests, and no
    /// search is unbounded. Windows span a day or two; longer ones are checked up to the
    /// horizon.
    fn fires_between(&self, cron: &croner::Cron, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        let (first, _) = local_time(self.zone, start);
        let (last, _) = local_time(self.zone, end);
        first
            .iter_days()
            .take_while(|date| *date <= last)
            .take(HORIZON_DAYS as usize)
            .any(|date| crate::model::fires_on(cron, date))
    }

    /// The days off immediately before a working day, nearest first.
    fn break_before(&self, day: NaiveDate) -> Vec<NaiveDate> {
        let mut days = Vec::new();
        let mut previous = day;
        while let Some(date) = previous.checked_sub_days(Days::new(1)) {
            if self.day_off(date).is_none() || days.len() as u64 >= LONGEST_BREAK_DAYS {
                break;
            }
            days.push(date);
            previous = date;
        }
        days
    }

    fn day_end(&self, date: NaiveDate) -> DateTime<Utc> {
        let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
        day_start(self.zone, next) - chrono::Duration::seconds(1)
    }

    /// A nominal firing on a day off, moved to `day` at the same wall-clock time.
    fn moved(&self, nominal: DateTime<Utc>, day: NaiveDate) -> Moment {
        let (_, time) = local_time(self.zone, nominal);
        Moment {
            at: local_instant(self.zone, day, time),
            nominal,
        }
    }

    /// The wall-clock window `[from, to]` of a day as instants, for firings on a day off.
    fn window(
        &self,
        day: NaiveDate,
        from: NaiveTime,
        to: NaiveTime,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let low = local_instant(self.zone, day, from);
        let high = if to == NaiveTime::from_hms_opt(23, 59, 59).expect("valid time") {
            self.day_end(day)
        } else {
            local_instant(self.zone, day, to)
        };
        (low, high)
    }

    /// The first moment strictly after `after`.
    fn next_after(&self, after: DateTime<Utc>) -> Option<Moment> {
        let after = after.with_nanosecond(0).expect("zero nanoseconds is valid");
        let (first_day, after_time) = local_time(self.zone, after);
        let last_second = NaiveTime::from_hms_opt(23, 59, 59).expect("valid time");
        let mut day = first_day;
        for _ in 0..HORIZON_DAYS {
            if self.day_off(day).is_none() {
                let on_first_day = day == first_day;
                let low = if on_first_day {
                    after + chrono::Duration::seconds(1)
                } else {
                    day_start(self.zone, day)
                };
                let mut best = self
                    .earliest_nominal(low, self.day_end(day))
                    .map(|nominal| Moment {
                        at: nominal,
                        nominal,
                    });
                for off in self.break_before(day) {
                    // Moved firings land on `day`; on the first day only those after `after` count.
                    let from = if on_first_day {
                        match after_time.overflowing_add_signed(chrono::Duration::seconds(1)) {
                            (time, 0) => time,
                            _ => continue,
                        }
                    } else {
                        NaiveTime::MIN
                    };
                    let (low, high) = self.window(off, from, last_second);
                    if let Some(nominal) = self.earliest_nominal(low, high) {
                        let candidate = self.moved(nominal, day);
                        if candidate.at > after && best.is_none_or(|b| candidate.at < b.at) {
                            best = Some(candidate);
                        }
                    }
                }
                if best.is_some() {
                    return best;
                }
            }
            day = day.checked_add_days(Days::new(1))?;
        }
        None
    }

    /// The latest moment in `(floor, high]`.
    fn latest_within(&self, floor: DateTime<Utc>, high: DateTime<Utc>) -> Option<Moment> {
        let (last_day, high_time) = local_time(self.zone, high);
        let (floor_day, floor_time) = local_time(self.zone, floor);
        let last_second = NaiveTime::from_hms_opt(23, 59, 59).expect("valid time");
        let mut day = last_day;
        // Catch-up looks back at most the horizon: a cadence fires within it (`config` proves
        // that), so an older floor only makes the walk longer.
        let stop_day = floor_day.max(
            last_day
                .checked_sub_days(Days::new(HORIZON_DAYS))
                .unwrap_or(floor_day),
        );
        while day >= stop_day {
            if self.day_off(day).is_none() {
                let top = if day == last_day {
                    high
                } else {
                    self.day_end(day)
                };
                let low = (floor + chrono::Duration::seconds(1)).max(day_start(self.zone, day));
                let mut best = self.latest_nominal(low, top).map(|nominal| Moment {
                    at: nominal,
                    nominal,
                });
                for off in self.break_before(day) {
                    let to = if day == last_day {
                        high_time
                    } else {
                        last_second
                    };
                    let from = if day == floor_day {
                        match floor_time.overflowing_add_signed(chrono::Duration::seconds(1)) {
                            (time, 0) => time,
                            _ => continue,
                        }
                    } else {
                        NaiveTime::MIN
                    };
                    if from > to {
                        continue;
                    }
                    let (low, high_instant) = self.window(off, from, to);
                    if let Some(nominal) = self.latest_nominal(low, high_instant) {
                        let candidate = self.moved(nominal, day);
                        if candidate.at > floor
                            && candidate.at <= high
                            && best.is_none_or(|b| candidate.at > b.at)
                        {
                            best = Some(candidate);
                        }
                    }
                }
                if best.is_some() {
                    return best;
                }
            }
            day = day.checked_sub_days(Days::new(1))?;
        }
        None
    }

    fn why(&self, moment: &Moment, catch_up: bool) -> Why {
        let (_, cadence_id, stage) = self
            .segments
            .iter()
            .rev()
            .find(|(start, _, _)| *start <= moment.nominal)
            .copied()
            .unwrap_or((DateTime::<Utc>::MIN_UTC, self.config.schedule.remind, None));
        let (source, stage) = match stage {
            _ if self.own.is_some() => ("commitment", None),
            Some(index) => {
                let stage = &self.config.schedule.stages[index];
                (
                    "stage",
                    Some(Arc::from(
                        stage.name.as_deref().unwrap_or(stage.from_text.as_str()),
                    )),
                )
            }
            None => ("default", None),
        };
        let (nominal_day, _) = local_time(self.zone, moment.nominal);
        let moved_from = if moment.at != moment.nominal {
            self.day_off(nominal_day).map(|off| {
                (
                    nominal_day,
                    Cow::Borrowed(match off {
                        DayOff::Holiday => "holiday",
                        DayOff::Weekend => "weekend",
                    }),
                )
            })
        } else {
            None
        };
        Why::Cadence {
            cadence: Arc::from(self.config.cadences[cadence_id].text.as_str()),
            source: Cow::Borrowed(source),
            stage,
            moved_from,
            catch_up,
        }
    }
}

/// "moved from Saturday 2025-10-04 (holiday)"
pub fn describe_move(date: NaiveDate, reason: &str) -> String {
    format!("moved from {} {date} ({reason})", weekday_name(date))
}

fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the engine keeps per commitment (`ARCHITECTURE.md`, "Cost"): the log's anchor,
    /// the packed owners and due date, and an index in one queue bucket.
    #[test]
    fn per_commitment_parts_stay_small() {
        assert_eq!(std::mem::size_of::<Option<Seen>>(), 24);
        assert_eq!(std::mem::size_of::<(u32, u32, Option<NaiveDate>)>(), 12);
        assert_eq!(std::mem::size_of_val(&queue_index(0)), 4);
    }
}
