//! `cargo bench --bench engine`: the engine and the delivery log at scale, printed as a
//! table. Targets: building the queue for 100,000 commitments well under a second; a wake
//! with nothing due in microseconds (no scan of all commitments); recording a 10,000-email
//! burst in one transaction well under a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use followup::config::{self, Source};
use followup::engine::{Engine, LogView, Seen};
use followup::ledger::{Email, Ledger};

const COMMITMENTS: usize = 100_000;

fn main() {
    let mut rows: Vec<(String, Duration, String)> = Vec::new();
    let (main, file) = sources(COMMITMENTS);

    let started = Instant::now();
    let config = Arc::new(
        config::from_sources(&main, &[file])
            .expect("the generated configuration is valid")
            .config,
    );
    rows.push((
        "parse + validate 100k commitments".into(),
        started.elapsed(),
        String::new(),
    ));

    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("valid time");
    let log = LogView {
        seen: config
            .commitments
            .iter()
            .map(|commitment| {
                (
                    commitment.id().to_owned(),
                    Seen {
                        first_seen: start,
                        last_moment: None,
                    },
                )
            })
            .collect(),
        ..LogView::default()
    };
    let started = Instant::now();
    let mut engine = Engine::new(config.clone(), &log);
    rows.push((
        "Engine::new (queue of next moments)".into(),
        started.elapsed(),
        String::new(),
    ));

    let next = engine.next_wake().expect("something is due");
    let quiet = start + chrono::Duration::seconds(1);
    let runs = 10_000;
    let started = Instant::now();
    for _ in 0..runs {
        let tick = engine.tick(quiet);
        assert!(tick.reminders.is_empty());
    }
    rows.push((
        "tick with nothing due (per wake)".into(),
        started.elapsed() / runs,
        format!("next wake {next}"),
    ));

    let started = Instant::now();
    let tick = engine.tick(next);
    let due: usize = tick
        .reminders
        .iter()
        .map(|reminder| reminder.items.len())
        .sum();
    rows.push((
        "tick at a moment due for many".into(),
        started.elapsed(),
        format!("{due} commitments in {} emails", tick.reminders.len()),
    ));

    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut ledger = Ledger::open(directory.path()).expect("the log opens");
    let emails: Vec<Email> = (0..10_000)
        .map(|index| Email {
            message_id: format!("<bench.{index}@example.gov.cn>"),
            department: format!("部门{}", index % 50),
            moment: start,
            commitments: vec![format!("c{index}")],
            why: vec!["{\"kind\":\"first_notice\"}".into()],
            to: vec!["office@example.gov.cn".into()],
            cc: Vec::new(),
        })
        .collect();
    let started = Instant::now();
    ledger.record(&[], &emails, start).expect("recorded");
    rows.push((
        "record a 10,000-email burst (one transaction)".into(),
        started.elapsed(),
        String::new(),
    ));
    let started = Instant::now();
    for email in emails.iter().take(1_000) {
        ledger.mark_sent(&email.message_id, start).expect("marked");
    }
    rows.push((
        "mark_sent (per email, fsync'd)".into(),
        started.elapsed() / 1_000,
        String::new(),
    ));
    let started = Instant::now();
    let view = ledger.log_view().expect("view");
    rows.push((
        "log_view over 10,000 rows".into(),
        started.elapsed(),
        format!("{} commitments", view.seen.len()),
    ));

    println!("{:<48} {:>14}  notes", "operation", "time");
    for (name, time, note) in &rows {
        println!("{name:<48} {:>14}  {note}", format!("{time:.2?}"));
    }
    println!("{:<48} {:>14}", "peak resident memory", peak_rss());
}

fn sources(count: usize) -> (Source, Source) {
    let mut departments = String::new();
    for index in 0..50 {
        departments.push_str(&format!(
            "[departments.\"部门{index}\"]\nto = [\"d{index}@example.gov.cn\"]\n"
        ));
    }
    let main = Source::new(
        "followup.toml",
        format!(
            "state_dir = \"state\"\n[mail]\nfrom = \"duban@example.gov.cn\"\ntransport = \"file\"\n[schedule]\nremind = \"0 9 * * MON\"\n[[schedule.stage]]\nfrom = \"-14d\"\nremind = \"0 9 * * *\"\n[calendar]\nholidays = [2026-04-06, 2026-05-01]\n{departments}"
        ),
    );
    let cadences = [
        "",
        "remind = \"0 10 * * *\"\n",
        "remind = \"*/30 * * * *\"\n",
    ];
    let mut text = String::from("[letter]\nid = \"l\"\ntitle = \"t\"\n");
    for index in 0..count {
        text.push_str(&format!(
            "[[commitment]]\nid = \"c{index}\"\nowner = \"部门{}\"\ntext = \"承诺\"\ndue = 2026-{:02}-{:02}\n{}",
            index % 50,
            index % 12 + 1,
            index % 28 + 1,
            cadences[index % 3]
        ));
    }
    (main, Source::new("commitments/all.toml", text))
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line[6..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
