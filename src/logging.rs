//! Log output: readable lines on a terminal, and under systemd (`JOURNAL_STREAM` set) lines
//! without our own timestamps, prefixed `<N>` with the syslog priority journald understands.
//! `RUST_LOG` chooses what is logged.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Installs the global subscriber; `default` applies when `RUST_LOG` is unset.
pub fn init(default: &str) {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref(), default);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        // journald shows a line with escape codes as "[blob data]".
        registry
            .with(layer.with_ansi(false).event_format(Journald))
            .try_init()
    } else {
        use std::io::IsTerminal as _;
        let colour = std::io::stderr().is_terminal();
        registry
            .with(layer.with_ansi(colour).with_target(false))
            .try_init()
    };
    // A subscriber already installed (tests) is fine.
    drop(result);
}

/// What is logged: `RUST_LOG` as a list of `target=level` directives (`warn`,
/// `followup=debug`, `warn,followup::daemon=debug`); `default` when it is unset or not of
/// that form. A plain target filter rather than `EnvFilter`: the span and field matching
/// this daemon has no use for would link two regular-expression engines into it.
fn filter(rust_log: Option<&str>, default: &str) -> Targets {
    rust_log
        .and_then(|directives| directives.parse().ok())
        .or_else(|| default.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

/// `<6>sent: 250 OK department=省科技厅 …`: journald reads the priority and adds the time.
struct Journald;

impl<S, N> FormatEvent<S, N> for Journald
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let priority = match *event.metadata().level() {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            Level::DEBUG | Level::TRACE => 7,
        };
        write!(writer, "<{priority}>")?;
        context
            .field_format()
            .format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::filter;
    use tracing::Level;

    #[test]
    fn rust_log_directives_choose_levels_per_target() {
        let targets = filter(Some("warn,followup::daemon=debug"), "info");
        assert!(targets.would_enable("followup::daemon", &Level::DEBUG));
        assert!(!targets.would_enable("followup::daemon", &Level::TRACE));
        assert!(targets.would_enable("followup::mail", &Level::WARN));
        assert!(!targets.would_enable("followup::mail", &Level::INFO));
        assert!(!targets.would_enable("hyper", &Level::INFO));
    }

    #[test]
    fn unset_or_malformed_rust_log_falls_back_to_the_default() {
        for rust_log in [None, Some("followup=loud")] {
            let targets = filter(rust_log, "info");
            assert!(targets.would_enable("followup::daemon", &Level::INFO));
            assert!(!targets.would_enable("followup::daemon", &Level::DEBUG));
        }
        let off = filter(Some("off"), "info");
        assert!(!off.would_enable("followup::daemon", &Level::ERROR));
    }
}
