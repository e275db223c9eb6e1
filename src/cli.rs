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
use crate::{clock, import, views};

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
    /// Draft a commitments file from a reply letter's next-steps (下一步工作) sections.
    ///
    /// Reads plain UTF-8 text (copied from a PDF or a web page). Department names are
    /// resolved to the configured departments' keys and aliases when the configuration
    /// loads; unresolved owners are kept and flagged with a `# check:` comment. A summary
    /// goes to stderr. Review the draft before putting it in the commitments folder: a
    /// running daemon picks it up at once.
    Import {
        /// The letter's text file.
        letter: PathBuf,
        /// Write the draft here (refuses to overwrite) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Id of the letter; commitments get PREFIX-1, PREFIX-2… (default: the file name).
        #[arg(long, value_name = "ID")]
        prefix: Option<String>,
        /// Print the draft as JSON instead of TOML.
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
        Command::Import {
            letter,
            output,
            prefix,
            json,
        } => import_letter(&cli.config, &letter, output.as_deref(), prefix, json),
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

fn import_letter(
    config_path: &Path,
    letter: &Path,
    output: Option<&Path>,
    prefix: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let bytes = std::fs::read(letter).with_context(|| format!("reading `{}`", letter.display()))?;
    let text = import::decode(&bytes).with_context(|| format!("reading `{}`", letter.display()))?;
    // The configuration is optional here: without one, names stay as the letter writes them.
    let config = if config_path.exists() {
        match load(config_path) {
            Some(loaded) => Some(loaded.config),
            None => return Ok(ExitCode::from(1)),
        }
    } else {
        eprintln!(
            "note: no configuration at `{}`; department names are kept as written",
            config_path.display()
        );
        None
    };
    let prefix = prefix.unwrap_or_else(|| default_prefix(letter));
    let resolver = |name: &str| {
        config
            .as_ref()
            .and_then(|config| resolve_department(config, name))
    };
    let options = import::Options {
        prefix: &prefix,
        resolve: config
            .as_ref()
            .map(|_| &resolver as &dyn Fn(&str) -> Option<String>),
    };
    let draft = import::import(&text, &options)
        .with_context(|| format!("importing `{}`", letter.display()))?;
    let rendered = if json {
        draft.to_json()
    } else {
        draft.to_toml(&options)
    };
    match output {
        Some(path) => write_new(path, &rendered)?,
        None => print!("{rendered}"),
    }
    eprint!("{}", draft.summary());
    Ok(ExitCode::SUCCESS)
}

/// A department key for a name as a letter writes it: a key, an alias or a full name.
fn resolve_department(config: &Config, name: &str) -> Option<String> {
    let id = config.find_department(name).or_else(|| {
        config
            .departments
            .iter()
            .position(|department| department.name.as_deref() == Some(name))
    })?;
    Some(config.department(id).key.clone())
}

/// The letter file's name as an id: `letters/jl-2025-ai.txt` → `jl-2025-ai`.
fn default_prefix(letter: &Path) -> String {
    let stem = letter
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "letter".into()
    } else {
        cleaned
    }
}

/// Writes a new file; an existing file is never overwritten.
fn write_new(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "creating `{}` (an existing file is never overwritten)",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing `{}`", path.display()))
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
