//! tokio-cron-scheduler holding one job per commitment, for `benches/scale.py`.
//! `cron-peer idle N`: N jobs on a weekly cadence that does not fire; prints `ready`, then
//! idles until killed (the harness reads its RSS, CPU and wakeups from /proc).
//! `cron-peer burst N SECONDS`: N jobs all firing every 10 s; after SECONDS prints how many
//! activations ran and how many the schedule called for (the difference was lost).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio_cron_scheduler::{Job, JobScheduler};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("idle");
    let count: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let seconds: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(65);
    let schedule = if mode == "burst" { "*/10 * * * * *" } else { "0 0 9 * * Mon" };
    let scheduler = JobScheduler::new().await.expect("a scheduler");
    let fired = Arc::new(AtomicUsize::new(0));
    for _ in 0..count {
        let fired = fired.clone();
        let job = Job::new_async(schedule, move |_id, _scheduler| {
            let fired = fired.clone();
            Box::pin(async move {
                fired.fetch_add(1, Ordering::Relaxed);
            })
        })
        .expect("a valid schedule");
        scheduler.add(job).await.expect("the job is added");
    }
    scheduler.start().await.expect("the scheduler starts");
    println!("ready");
    if mode != "burst" {
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    let started = Instant::now();
    // Count the 10 s boundaries that pass while we watch: each should fire every job once.
    let first = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let last = first + started.elapsed().as_secs();
    // Boundaries strictly after the start and at least 2 s before the end (time to run).
    let boundaries = (first / 10 + 1..=(last.saturating_sub(2)) / 10).count();
    let expected = boundaries * count;
    let ran = fired.load(Ordering::Relaxed);
    println!("{ran} {expected}");
}
