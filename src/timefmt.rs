//! How an instant is written for people: in the configured zone, to the minute or to the
//! second as needed. Shared by the views, the daemon's log lines and the web face; pure.

use chrono::{DateTime, Timelike, Utc};

use crate::model::Config;

/// A time in the configured zone, to the minute or second as needed.
pub fn local(config: &Config, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&config.timezone);
    if local.second() == 0 {
        local.format("%Y-%m-%d %H:%M %a %:z").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S %a %:z").to_string()
    }
}
