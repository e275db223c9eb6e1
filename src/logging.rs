//! Log output: readable lines on a terminal, and under systemd (`JOURNAL_STREAM` set) lines
//! without our own timestamps, prefixed `<N>` with the syslog priority journald understands.
//! `RUST_LOG` chooses what is logged.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber; `default` applies when `RUST_LOG` is unset.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        // journald shows a line with escape codes as "[blob data]".
        builder.with_ansi(false).event_format(Journald).try_init()
    } else {
        use std::io::IsTerminal as _;
        let colour = std::io::stderr().is_terminal();
        builder.with_ansi(colour).with_target(false).try_init()
    };
    // A subscriber already installed (tests) is fine.
    drop(result);
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
