//! Expect-tests for the reminder engine: configuration text + log + `now` in, rendered
//! reminders out. Time never passes for real: the tests jump straight to each wake.
//! Update the expectations with `UPDATE_EXPECT=1 cargo test` and review the diff.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use expect_test::{Expect, expect};
use followup::config::{self, Source};
use followup::engine::{self, Engine, LogView, Seen};
use followup::model::Config;
use followup::views;

const DEPARTMENTS: &str = r#"
[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "file"

[departments."省科技厅"]
aliases = ["科技厅"]
to = ["kjt@example.gov.cn"]
cc = ["kjt-office@example.gov.cn"]

[departments."省财政厅"]
to = ["czt@example.gov.cn"]

[departments."督查室"]
to = ["dcs@example.gov.cn"]
"#;

/// A validated configuration from a schedule/calendar section and one commitments file.
pub fn setup(zone: &str, schedule: &str, commitments: &str) -> Arc<Config> {
    let main = Source::new(
        "followup.toml",
        format!("timezone = \"{zone}\"\nstate_dir = \"state\"\n{schedule}\n{DEPARTMENTS}"),
    );
    let file = Source::new(
        "commitments/a.toml",
        format!(
            "[letter]\nid = \"l\"\ntitle = \"关于测试的建议\"\nreplied_on = 2025-01-02\n{commitments}"
        ),
    );
    match config::from_sources(&main, &[file]) {
        Ok(loaded) => Arc::new(loaded.config),
        Err(invalid) => panic!("test configuration is invalid:\n{invalid}"),
    }
}

/// An instant from a local wall-clock time in the configuration's zone.
pub fn at(config: &Config, text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .expect("test times are valid");
    config
        .timezone
        .from_local_datetime(&naive)
        .earliest()
        .expect("test times exist")
        .with_timezone(&Utc)
}

/// A log in which every commitment was first seen at `first_seen` and nothing was sent.
fn seen_at(config: &Config, first_seen: DateTime<Utc>) -> LogView {
    LogView {
        seen: config
            .commitments
            .iter()
            .map(|commitment| {
                (
                    commitment.id().to_owned(),
                    Seen {
                        first_seen,
                        last_moment: None,
                    },
                )
            })
            .collect(),
        ..LogView::default()
    }
}

fn render_plan(config: &Arc<Config>, log: &LogView, from: &str, until: &str) -> String {
    let reminders = engine::plan(
        config.clone(),
        log,
        at(config, from),
        at(config, until),
        200,
    );
    views::plan(config, &reminders, false)
}

/// The plan of a daemon that first saw every commitment at `from`.
fn check_plan(config: &Arc<Config>, from: &str, until: &str, expected: Expect) {
    let log = seen_at(config, at(config, from));
    expected.assert_eq(&render_plan(config, &log, from, until));
}

/// The plan from `from` on a given log.
fn check_plan_with(config: &Arc<Config>, log: &LogView, from: &str, until: &str, expected: Expect) {
    expected.assert_eq(&render_plan(config, log, from, until));
}

const WEEKLY: &str = r#"
[schedule]
remind = "0 9 * * MON"
"#;

const ONE: &str = r#"
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
"#;

#[test]
fn cadence_fires_at_each_moment() {
    let config = setup("Asia/Shanghai", WEEKLY, ONE);
    check_plan(
        &config,
        "2025-03-01 00:00",
        "2025-03-20 00:00",
        expect![[r#"
            2025-03-03 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            2025-03-10 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            2025-03-17 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            3 emails
        "#]],
    );
}

const STAGED: &str = r#"
[schedule]
remind = "0 9 * * MON"
[[schedule.stage]]
name = "临近截止"
from = "-14d"
remind = "0 9 * * *"
[[schedule.stage]]
name = "已逾期"
from = "0d"
remind = "0 10 * * *"
cc = ["督查室", "leader@example.gov.cn"]
"#;

const DUE_JUNE: &str = r#"
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
due = 2025-06-30
"#;

#[test]
fn stage_boundaries_the_minute_before_and_after() {
    let config = setup("Asia/Shanghai", STAGED, DUE_JUNE);
    let commitment = &config.commitments[0];
    let stage = |text: &str| {
        engine::stage_at(&config, commitment, at(&config, text)).map(|index| {
            config.schedule.stages[index]
                .name
                .clone()
                .unwrap_or_default()
        })
    };
    // Stages count from the end of the due date: -14d starts 2025-06-17 00:00, 0d 2025-07-01 00:00.
    assert_eq!(stage("2025-06-16 23:59"), None);
    assert_eq!(stage("2025-06-17 00:00").as_deref(), Some("临近截止"));
    assert_eq!(stage("2025-06-17 00:01").as_deref(), Some("临近截止"));
    assert_eq!(stage("2025-06-30 23:59").as_deref(), Some("临近截止"));
    assert_eq!(stage("2025-07-01 00:00").as_deref(), Some("已逾期"));
    assert_eq!(stage("2025-07-01 00:01").as_deref(), Some("已逾期"));

    check_plan(
        &config,
        "2025-06-13 00:00",
        "2025-06-18 12:00",
        expect![[r#"
            2025-06-16 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            2025-06-17 09:00 Tue +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (stage 临近截止)
            2025-06-18 09:00 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (stage 临近截止)
            3 emails
        "#]],
    );
    check_plan(
        &config,
        "2025-06-30 00:00",
        "2025-07-02 12:00",
        expect![[r#"
            2025-06-30 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (stage 临近截止)
            2025-07-01 10:00 Tue +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn, dcs@example.gov.cn, leader@example.gov.cn
                c1  cadence `0 10 * * *` (stage 已逾期)
            2025-07-02 10:00 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn, dcs@example.gov.cn, leader@example.gov.cn
                c1  cadence `0 10 * * *` (stage 已逾期)
            3 emails
        "#]],
    );
}

#[test]
fn a_stage_starting_at_a_moment_takes_it_and_not_the_minute_before() {
    // A stage that starts at 09:00 on the due date (-15h from its end): 08:59 is still the
    // default's, 09:00 is the stage's.
    let schedule = r#"
[schedule]
remind = "* * * * *"
[[schedule.stage]]
from = "-15h"
remind = "*/30 * * * *"
"#;
    let config = setup(
        "Asia/Shanghai",
        schedule,
        &DUE_JUNE.replace("2025-06-30", "2025-07-02"),
    );
    check_plan(
        &config,
        "2025-07-02 08:57",
        "2025-07-02 09:31",
        expect![[r#"
            2025-07-02 08:58 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `* * * * *` (default)
            2025-07-02 08:59 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `* * * * *` (default)
            2025-07-02 09:00 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `*/30 * * * *` (stage -15h)
            2025-07-02 09:30 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `*/30 * * * *` (stage -15h)
            4 emails
        "#]],
    );
}

const HOLIDAYS_2025: &str = r#"
[calendar]
holidays = [2025-10-01, 2025-10-02, 2025-10-03, 2025-10-04, 2025-10-05, 2025-10-06, 2025-10-07, 2025-10-08]
workdays = [2025-09-28, 2025-10-11]
"#;

#[test]
fn holidays_move_moments_and_make_up_days_are_worked() {
    let schedule = format!("[schedule]\nremind = \"0 9 * * *\"\n{HOLIDAYS_2025}");
    let config = setup("Asia/Shanghai", &schedule, ONE);
    check_plan(
        &config,
        "2025-09-26 10:00",
        "2025-10-13 10:00",
        expect![[r#"
            2025-09-28 09:00 Sun +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-09-29 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-09-30 09:00 Tue +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-10-09 09:00 Thu +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-10-10 09:00 Fri +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-10-11 09:00 Sat +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            2025-10-13 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
            7 emails
        "#]],
    );

    // A weekly Monday on a holiday moves to the next working day; with skip_holidays off it stays.
    let schedule = format!("[schedule]\nremind = \"0 9 * * MON\"\n{HOLIDAYS_2025}");
    let config = setup("Asia/Shanghai", &schedule, ONE);
    check_plan(
        &config,
        "2025-10-01 00:00",
        "2025-10-12 00:00",
        expect![[r#"
            2025-10-09 09:00 Thu +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default), moved from Monday 2025-10-06 (holiday)
            1 email
        "#]],
    );
    let schedule =
        format!("[schedule]\nremind = \"0 9 * * MON\"\nskip_holidays = false\n{HOLIDAYS_2025}");
    let config = setup("Asia/Shanghai", &schedule, ONE);
    check_plan(
        &config,
        "2025-10-01 00:00",
        "2025-10-12 00:00",
        expect![[r#"
            2025-10-06 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            1 email
        "#]],
    );
}

const THREE: &str = r#"
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "一"
[[commitment]]
id = "c2"
owner = "科技厅"
co_owners = ["省财政厅"]
text = "二"
[[commitment]]
id = "c3"
owner = "省财政厅"
text = "三"
"#;

#[test]
fn digest_groups_a_department_s_commitments_into_one_email() {
    let config = setup("Asia/Shanghai", WEEKLY, THREE);
    check_plan(
        &config,
        "2025-03-03 08:00",
        "2025-03-03 10:00",
        expect![[r#"
            2025-03-03 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
                c2  cadence `0 9 * * MON` (default)
            2025-03-03 09:00 Mon +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * MON` (default)
            2 emails
        "#]],
    );
    let schedule = "[schedule]\nremind = \"0 9 * * MON\"\ndigest = false\n";
    let config = setup("Asia/Shanghai", schedule, THREE);
    check_plan(
        &config,
        "2025-03-03 08:00",
        "2025-03-03 10:00",
        expect![[r#"
            2025-03-03 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
            2025-03-03 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c2  cadence `0 9 * * MON` (default)
            2025-03-03 09:00 Mon +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * MON` (default)
            3 emails
        "#]],
    );
}

#[test]
fn first_notice_for_a_new_commitment_only() {
    let config = setup("Asia/Shanghai", WEEKLY, THREE);
    let mut log = seen_at(&config, at(&config, "2025-03-01 00:00"));
    for seen in log.seen.values_mut() {
        seen.last_moment = Some(at(&config, "2025-03-03 09:00"));
    }
    log.seen.remove("c3");
    check_plan_with(
        &config,
        &log,
        "2025-03-04 15:30",
        "2025-03-10 10:00",
        expect![[r#"
            2025-03-04 15:30 Tue +08:00  省财政厅
                to: czt@example.gov.cn
                c3  first notice
            2025-03-10 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c1  cadence `0 9 * * MON` (default)
                c2  cadence `0 9 * * MON` (default)
            2025-03-10 09:00 Mon +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * MON` (default)
            3 emails
        "#]],
    );
    // Without on_new a new commitment waits for its next moment; the time before it was
    // seen never counts, so there is no catch-up either.
    let schedule = "[schedule]\nremind = \"0 9 * * MON\"\non_new = false\n";
    let config = setup("Asia/Shanghai", schedule, THREE);
    let mut engine = Engine::new(config.clone(), &log);
    let tick = engine.tick(at(&config, "2025-03-04 15:30"));
    assert!(tick.reminders.is_empty(), "{tick:?}");
    assert_eq!(tick.first_seen, vec![2]);
    assert_eq!(tick.next_wake, Some(at(&config, "2025-03-10 09:00")));
}

#[test]
fn catch_up_after_a_three_week_stop_is_one_reminder_per_commitment() {
    let schedule = "[schedule]\nremind = \"0 9 * * *\"\n";
    let config = setup("Asia/Shanghai", schedule, THREE);
    let mut log = seen_at(&config, at(&config, "2025-02-01 00:00"));
    for seen in log.seen.values_mut() {
        seen.last_moment = Some(at(&config, "2025-03-03 09:00"));
    }
    let mut engine = Engine::new(config.clone(), &log);
    let tick = engine.tick(at(&config, "2025-03-24 10:30"));
    let mut out = String::new();
    for reminder in &tick.reminders {
        let _ = writeln!(
            out,
            "{} {} {:?}",
            views::local(&config, reminder.moment),
            config.department(reminder.department).key,
            reminder
                .items
                .iter()
                .map(|item| format!(
                    "{} {}",
                    config.commitments[item.commitment].id(),
                    views::describe_why(&item.why)
                ))
                .collect::<Vec<_>>()
        );
    }
    let _ = writeln!(
        out,
        "next wake {}",
        views::local(&config, tick.next_wake.expect("open commitments"))
    );
    expect![[r#"
        2025-03-24 09:00 Mon +08:00 省科技厅 ["c1 cadence `0 9 * * *` (default), catch-up for moments missed while stopped", "c2 cadence `0 9 * * *` (default), catch-up for moments missed while stopped"]
        2025-03-24 09:00 Mon +08:00 省财政厅 ["c3 cadence `0 9 * * *` (default), catch-up for moments missed while stopped"]
        next wake 2025-03-25 09:00 Tue +08:00
    "#]]
    .assert_eq(&out);
    // Asked again at once, nothing more is due.
    assert!(
        engine
            .tick(at(&config, "2025-03-24 10:31"))
            .reminders
            .is_empty()
    );
}

#[test]
fn done_commitments_are_silent() {
    let commitments = format!("{THREE}status = \"done\"\ndone_on = 2025-03-01\n");
    let config = setup(
        "Asia/Shanghai",
        "[schedule]\nremind = \"0 9 * * *\"\n",
        &commitments,
    );
    assert_eq!(config.commitments[2].status, followup::model::Status::Done);
    let log = LogView::default();
    check_plan_with(
        &config,
        &log,
        "2025-03-03 08:00",
        "2025-03-04 10:00",
        expect![[r#"
            2025-03-03 08:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c1  first notice
                c2  first notice
            2025-03-03 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
                c2  cadence `0 9 * * *` (default)
            2025-03-04 09:00 Tue +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c1  cadence `0 9 * * *` (default)
                c2  cadence `0 9 * * *` (default)
            3 emails
        "#]],
    );
}

#[test]
fn dst_gap_and_overlap_in_new_york() {
    let schedule = "[schedule]\nremind = \"30 2 * * *\"\nskip_holidays = false\n";
    let config = setup("America/New_York", schedule, ONE);
    let log = seen_at(&config, at(&config, "2025-03-08 00:00"));
    // 2025-03-09 02:30 does not exist in New York (02:00 → 03:00): croner fires at 03:00 EDT,
    // the first instant after the gap, once.
    let reminders = engine::plan(
        config.clone(),
        &log,
        at(&config, "2025-03-08 00:00"),
        at(&config, "2025-03-11 00:00"),
        100,
    );
    let moments: Vec<String> = reminders.iter().map(|r| r.moment.to_rfc3339()).collect();
    expect![[r#"
        [
            "2025-03-08T07:30:00+00:00",
            "2025-03-09T07:00:00+00:00",
            "2025-03-10T06:30:00+00:00",
        ]
    "#]]
    .assert_debug_eq(&moments);

    // 2025-11-02 01:30 happens twice (02:00 → 01:00); it is sent once.
    let schedule = "[schedule]\nremind = \"30 1 * * *\"\nskip_holidays = false\n";
    let config = setup("America/New_York", schedule, ONE);
    let log = seen_at(&config, at(&config, "2025-11-01 00:00"));
    let reminders = engine::plan(
        config.clone(),
        &log,
        at(&config, "2025-11-01 00:00"),
        at(&config, "2025-11-04 00:00"),
        100,
    );
    let moments: Vec<String> = reminders
        .iter()
        .map(|r| r.moment.with_timezone(&config.timezone).to_rfc3339())
        .collect();
    expect![[r#"
        [
            "2025-11-01T01:30:00-04:00",
            "2025-11-02T01:30:00-04:00",
            "2025-11-03T01:30:00-05:00",
        ]
    "#]]
    .assert_debug_eq(&moments);
}

#[test]
fn a_seconds_field_fires_every_two_seconds() {
    let schedule = "[schedule]\nremind = \"*/2 * * * * *\"\nskip_holidays = false\n";
    let config = setup("Asia/Shanghai", schedule, ONE);
    let log = seen_at(&config, at(&config, "2025-03-03 09:00:01"));
    let reminders = engine::plan(
        config.clone(),
        &log,
        at(&config, "2025-03-03 09:00:01"),
        at(&config, "2025-03-03 09:00:09"),
        100,
    );
    let moments: Vec<String> = reminders
        .iter()
        .map(|r| views::local(&config, r.moment))
        .collect();
    expect![[r#"
        [
            "2025-03-03 09:00:02 Mon +08:00",
            "2025-03-03 09:00:04 Mon +08:00",
            "2025-03-03 09:00:06 Mon +08:00",
            "2025-03-03 09:00:08 Mon +08:00",
        ]
    "#]]
    .assert_debug_eq(&moments);
}

#[test]
fn own_cadence_wins_over_stages_and_default() {
    let commitments = r#"
[[commitment]]
id = "c1"
owner = "省科技厅"
text = "一"
due = 2025-06-30
remind = "0 8 1 * *"
"#;
    let config = setup("Asia/Shanghai", STAGED, commitments);
    check_plan(
        &config,
        "2025-06-20 00:00",
        "2025-07-02 00:00",
        expect![[r#"
            2025-07-01 08:00 Tue +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: kjt-office@example.gov.cn, dcs@example.gov.cn, leader@example.gov.cn
                c1  cadence `0 8 1 * *` (the commitment's own)
            1 email
        "#]],
    );
}

/// A cadence that never fires cannot pass `config`; if one reaches the engine anyway (a
/// configuration built by hand, or a cron whose last firing passed while the daemon ran),
/// every search stays within the horizon: the plan is empty, the next moment is none and
/// catch-up after ten silent years finds nothing. Before the bound, croner searched to the
/// year 5000 for each of the horizon's days (tens of seconds per commitment).
#[test]
fn a_cadence_that_never_fires_just_ends() {
    let config = setup(
        "Asia/Shanghai",
        "[schedule]\nremind = \"0 9 * * MON\"\non_new = false",
        "[[commitment]]\nid = \"c1\"\nowner = \"省科技厅\"\ntext = \"t\"\n",
    );
    let mut config = Arc::unwrap_or_clone(config);
    config.cadences[0].cron =
        config::parse_cron("0 0 30 2 *").expect("the expression itself parses");
    let config = Arc::new(config);
    let commitment = &config.commitments[0];
    assert_eq!(
        engine::next_moment(&config, commitment, at(&config, "2025-06-02 08:00")),
        None
    );
    let first_seen = at(&config, "2015-01-01 00:00");
    let mut engine = Engine::new(config.clone(), &seen_at(&config, first_seen));
    let tick = engine.tick(at(&config, "2025-06-02 08:00"));
    assert!(tick.reminders.is_empty());
    assert_eq!(tick.next_wake, None);
    check_plan(
        &config,
        "2025-06-02 08:00",
        "2030-06-02 08:00",
        expect![[r#"
        0 emails
    "#]],
    );
}

/// `model::fires_on`, which proves cadences and lets the engine skip days, must agree with
/// croner's own search on every day: for each pattern (with `L`, `W`, `#n`, OR and `+` AND
/// day rules) and each day of eight years (two leap days, one month-length of every kind),
/// the day fires exactly when croner's next occurrence from its midnight falls on it.
#[test]
fn fires_on_agrees_with_croner_on_every_day_of_eight_years() {
    use chrono::NaiveDate;
    use followup::model::fires_on;
    const PATTERNS: &[&str] = &[
        "0 9 * * MON",
        "0 0 29 2 *",
        "0 9 L * *",
        "0 9 15W * *",
        "0 9 LW * *",
        "0 9 * * FRI#2",
        "0 9 * * 5L",
        "0 9 1,15 * MON",
        "0 9 13 * +FRI",
        "0 9 31 * *",
        "0 9 * 2 MON#5",
        "30 23 */10 1-3 *",
    ];
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    for pattern in PATTERNS {
        let cron = config::parse_cron(pattern).expect("the test patterns parse");
        let mut disagreements = Vec::new();
        for date in first.iter_days().take(8 * 366) {
            let midnight = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"));
            let croner_says = cron
                .find_next_occurrence(&midnight, true)
                .is_ok_and(|next| next.date_naive() == date);
            if croner_says != fires_on(&cron, date) {
                disagreements.push(date);
            }
        }
        assert!(
            disagreements.is_empty(),
            "`{pattern}` disagrees on {disagreements:?}"
        );
    }
}

#[test]
fn a_done_claim_silences_the_department_then_the_late_review_goes_to_the_reviewer() {
    let schedule = "[schedule]\nremind = \"0 9 * * *\"\nreview_within = 2\n[replies]\nreviewer = [\"reviewer@example.gov.cn\"]\n";
    let config = setup("Asia/Shanghai", schedule, THREE);
    let mut log = seen_at(&config, at(&config, "2025-03-05 08:00"));
    // c1's done claim arrived on Wednesday afternoon: Thursday and Friday are the two
    // working days of review; from Saturday (moved to Monday) c1's reminder is the reviewer's.
    log.reported
        .insert("c1".into(), at(&config, "2025-03-05 15:00"));
    check_plan_with(
        &config,
        &log,
        "2025-03-05 10:00",
        "2025-03-10 10:00",
        expect![[r#"
            2025-03-05 09:00 Wed +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c2  cadence `0 9 * * *` (default), catch-up for moments missed while stopped
            2025-03-05 09:00 Wed +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * *` (default), catch-up for moments missed while stopped
            2025-03-06 09:00 Thu +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c2  cadence `0 9 * * *` (default)
            2025-03-06 09:00 Thu +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * *` (default)
            2025-03-07 09:00 Fri +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c2  cadence `0 9 * * *` (default)
            2025-03-07 09:00 Fri +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * *` (default)
            2025-03-10 09:00 Mon +08:00  省科技厅
                to: kjt@example.gov.cn
                cc: czt@example.gov.cn, kjt-office@example.gov.cn
                c2  cadence `0 9 * * *` (default)
            2025-03-10 09:00 Mon +08:00  省科技厅
                to: reviewer@example.gov.cn
                c1  to the reviewer: a done claim of 2025-03-05 07:00 UTC waits longer than schedule.review_within
            2025-03-10 09:00 Mon +08:00  省财政厅
                to: czt@example.gov.cn
                c3  cadence `0 9 * * *` (default)
            9 emails
        "#]],
    );
}

/// A running daemon learns of a done claim between wakes (`Engine::set_reported`), without
/// a rebuild: the claimed commitment drops out of the department's email at once, and comes
/// back when the claim is sent back.
#[test]
fn claims_recorded_while_running_apply_at_the_next_wake() {
    let schedule = "[schedule]\nremind = \"0 9 * * *\"\nskip_holidays = false\n";
    let config = setup("Asia/Shanghai", schedule, THREE);
    let log = seen_at(&config, at(&config, "2025-03-03 08:00"));
    let mut engine = Engine::new(config.clone(), &log);
    let ids = |tick: &engine::Tick| -> Vec<String> {
        tick.reminders
            .iter()
            .flat_map(|reminder| reminder.commitment_ids(&config))
            .map(str::to_string)
            .collect()
    };
    let first = engine.tick(at(&config, "2025-03-03 09:00"));
    assert_eq!(ids(&first), ["c1", "c2", "c3"]);
    let claims = [("c1".to_string(), at(&config, "2025-03-03 15:00"))]
        .into_iter()
        .collect();
    engine.set_reported(&claims);
    let second = engine.tick(at(&config, "2025-03-04 09:00"));
    assert_eq!(ids(&second), ["c2", "c3"]);
    engine.set_reported(&Default::default());
    let third = engine.tick(at(&config, "2025-03-05 09:00"));
    assert_eq!(ids(&third), ["c1", "c2", "c3"]);
}
