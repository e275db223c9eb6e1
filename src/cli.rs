//! The command line: argument parsing and dispatch to the module that owns each command.
//! Reads the clock once per command (through `clock`) and passes `now` down.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{self, Loaded};
use crate::engine::{self, LogView};
use crate::model::Config;
use crate::{clock, views};

/// Reminds departments of the promises in official reply letters (答复函) until each is done.
///
/// Commitments live in TOML files, one per reply letter; the daemon emails each responsible
/// department on a schedule, more often as the due date nears, until the commitment is
/// marked done.
#[derive(Debug, Parser)]
#[command(name = "followup", version, about, long_about)]
pub struct Cli {
    /// The main configuration file.
    #[arg(
        short,
        long,
        global = true,
        env = "FOLLOWUP_CONFIG",
        default_value = "/etc/followup/followup.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the main file and every commitments file.
    ///
    /// Prints every problem as `FILE:LINE:COL: key: message` and exits 1, or prints a
    /// one-line summary and exits 0. Warnings do not change the exit status.
    Check,
    /// List commitments with owner, due date, status and next reminder.
    List {
        /// Which commitments to show.
        #[arg(long, value_enum, default_value_t = StatusFilter::Open)]
        status: StatusFilter,
        /// Only commitments owned (or co-owned) by this department (key or alias).
        #[arg(long, value_name = "DEPT")]
        owner: Option<String>,
        /// Only commitments past their due date.
        #[arg(long)]
        overdue: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the state at this time instead of now (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Show the reminders that will go out in the next days: when, to whom, which
    /// commitments, and why (cadence, stage, holiday shift).
    Plan {
        /// How many days ahead.
        #[arg(long, default_value_t = 14, value_name = "N")]
        days: u32,
        /// Start from this time instead of now (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// At most this many emails.
        #[arg(long, default_value_t = 1000, value_name = "N")]
        limit: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Open,
    Done,
    All,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let now = clock::now();
    match cli.command {
        Command::Check => check(&cli.config, now),
        Command::List {
            status,
            owner,
            overdue,
            json,
            at,
        } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = loaded.config;
            let at = parse_time(&config, at.as_deref(), now)?;
            let owner = match owner {
                Some(name) => Some(department(&config, &name)?),
                None => None,
            };
            let filter = views::ListFilter {
                status,
                owner,
                overdue,
            };
            let log = LogView::default();
            print!("{}", views::list(&config, &log, &filter, at, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            days,
            at,
            limit,
            json,
        } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = Arc::new(loaded.config);
            let from = parse_time(&config, at.as_deref(), now)?;
            let until = from + chrono::Duration::days(i64::from(days));
            let log = LogView::default();
            let reminders = engine::plan(config.clone(), &log, from, until, limit);
            print!("{}", views::plan(&config, &reminders, json));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(path: &Path, now: DateTime<Utc>) -> Result<ExitCode> {
    let Some(loaded) = load(path) else {
        return Ok(ExitCode::from(1));
    };
    if let Some(warning) = views::calendar_warning(&loaded.config, now) {
        eprintln!("warning: {warning}");
    }
    println!("{}", views::summary(&loaded.config, now));
    Ok(ExitCode::SUCCESS)
}

/// Loads the configuration, printing warnings, or every problem and `None`.
pub fn load(path: &Path) -> Option<Loaded> {
    match config::load(path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("{warning}");
            }
            Some(loaded)
        }
        Err(invalid) => {
            for problem in &invalid.problems {
                eprintln!("{problem}");
            }
            let errors = invalid
                .problems
                .iter()
                .filter(|problem| problem.severity == config::Severity::Error)
                .count();
            eprintln!(
                "{} is invalid: {errors} problem{}",
                path.display(),
                if errors == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn department(config: &Config, name: &str) -> Result<usize> {
    match config.find_department(name) {
        Some(id) => Ok(id),
        None => {
            let names = config.departments.iter().flat_map(|d| {
                std::iter::once(d.key.as_str()).chain(d.aliases.iter().map(String::as_str))
            });
            match config::suggest(name, names) {
                Some(suggestion) => {
                    bail!("unknown department `{name}` (did you mean `{suggestion}`?)")
                }
                None => bail!("unknown department `{name}`"),
            }
        }
    }
}

/// `--at`: RFC 3339, or a date meaning its first instant in the configured zone.
pub fn parse_time(
    config: &Config,
    text: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let Some(text) = text else {
        return Ok(now);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let local = config
            .timezone
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .context("that date has no midnight in the configured time zone")?;
        return Ok(local.with_timezone(&Utc));
    }
    bail!(
        "`{text}` is not a time: expected RFC 3339 such as 2025-06-02T09:00:00+08:00, or a date such as 2025-06-02"
    )
}
