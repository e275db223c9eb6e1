//! The one place that reads the wall clock. Everything else receives `now` as a parameter,
//! so views, the engine and tests can be run at any moment (`clippy.toml` bans other reads).

use chrono::{DateTime, Utc};

/// The current time, truncated to whole seconds (cron moments are whole seconds).
#[allow(clippy::disallowed_methods)]
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}
