//! Prometheus metrics: the daemon keeps a [`Snapshot`] (updated after every pass), and
//! [`render`] turns it into the text exposition format for `/metrics` (served by the web
//! face). Rendering is pure: the caller hands over `at`, the moment whose lights are counted.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::model::{Config, Status};
use crate::views::{self, Light};

/// What the daemon knows at the end of its latest pass.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The configuration in force (commitments are counted from it at render time).
    pub config: Option<Arc<Config>>,
    /// Commitments whose done claim waits for review (counted `blue`).
    pub awaiting_review: HashSet<String>,
    /// Emails the server accepted since the daemon started.
    pub sent: u64,
    /// Emails that failed (for now or for good) since the daemon started.
    pub failed: u64,
    /// Emails waiting in the delivery log for a retry.
    pub waiting_retry: u64,
    /// The end of the latest pass that completed without error.
    pub last_success: Option<DateTime<Utc>>,
    /// When the daemon next wakes for a moment or a retry.
    pub next_wake: Option<DateTime<Utc>>,
}

/// The snapshot shared between the daemon loop (writer) and the web face (reader).
pub type Shared = Arc<Mutex<Snapshot>>;

/// A fresh, empty shared snapshot.
pub fn shared() -> Shared {
    Arc::new(Mutex::new(Snapshot::default()))
}

type Labels = [(&'static str, &'static str); 2];

/// The text exposition (OpenMetrics text, as prometheus-client writes it) of `snapshot`,
/// with commitments counted by status and light at `at`.
pub fn render(snapshot: &Snapshot, at: DateTime<Utc>) -> String {
    let mut registry = Registry::with_prefix("followup");

    let commitments = Family::<Labels, Gauge>::default();
    registry.register(
        "commitments",
        "Commitments by status (open, done) and light (red, yellow, blue, green, grey)",
        commitments.clone(),
    );
    if let Some(config) = &snapshot.config {
        // Every combination that can occur is present, at 0 when empty, so a dashboard's
        // series do not vanish.
        for (status, lights) in [
            (
                Status::Open,
                &[Light::Red, Light::Yellow, Light::Blue, Light::Green][..],
            ),
            (Status::Done, &[Light::Grey][..]),
        ] {
            for light in lights {
                let _ = commitments
                    .get_or_create(&[("status", status.as_str()), ("light", light.as_str())]);
            }
        }
        for commitment in &config.commitments {
            let state = views::state_with(
                commitment,
                snapshot.awaiting_review.contains(commitment.id()),
            );
            let light = views::light(config, commitment, state, at);
            commitments
                .get_or_create(&[
                    ("status", commitment.status.as_str()),
                    ("light", light.as_str()),
                ])
                .inc();
        }
    }

    let sent = Counter::<u64>::default();
    sent.inc_by(snapshot.sent);
    registry.register(
        "emails_sent",
        "Emails accepted by the server since the daemon started",
        sent,
    );
    let failed = Counter::<u64>::default();
    failed.inc_by(snapshot.failed);
    registry.register(
        "emails_failed",
        "Emails not delivered at an attempt (retried later or failed for good) since the daemon started",
        failed,
    );
    let waiting = Gauge::<i64>::default();
    waiting.set(i64::try_from(snapshot.waiting_retry).unwrap_or(i64::MAX));
    registry.register(
        "emails_waiting_retry",
        "Emails in the delivery log waiting for a retry",
        waiting,
    );
    let last = Gauge::<i64>::default();
    last.set(snapshot.last_success.map_or(0, |at| at.timestamp()));
    registry.register(
        "last_successful_pass_timestamp_seconds",
        "When the latest pass without error ended (Unix time; 0 before the first)",
        last,
    );
    let next = Gauge::<i64>::default();
    next.set(snapshot.next_wake.map_or(0, |at| at.timestamp()));
    registry.register(
        "next_wake_timestamp_seconds",
        "When the daemon next wakes for a moment or a retry (Unix time; 0 when unknown)",
        next,
    );

    let mut out = String::new();
    encode(&mut out, &registry).expect("writing to a String cannot fail");
    out
}
