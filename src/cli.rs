//! The command line: argument parsing and dispatch to the module that owns each command.
//! Reads the clock once per command (through `clock`) and passes `now` down.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{Parser, Subcommand};

use crate::config::{self, Loaded};
use crate::engine::{self, LogView};
use crate::ledger::Ledger;
use crate::model::Config;
use crate::views::StatusFilter;
use crate::{clock, daemon, edit, export, import, logging, mail, manual, report, transport, views};

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
    /// Run the daemon in the foreground (systemd `Type=notify`).
    ///
    /// Sends every reminder when it is due, records each in the delivery log under
    /// `state_dir`, retries transient failures, reloads on SIGHUP or when a configuration
    /// file changes, and stops cleanly on SIGTERM/SIGINT. Logs go to stderr (`RUST_LOG`).
    Run {
        /// One pass: send everything due now (first notices, catch-up, retries), wait for
        /// it, exit (1 if anything was not delivered).
        #[arg(long)]
        once: bool,
    },
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
    /// Print the next email for a commitment or a department exactly as it would be sent
    /// (headers and text part).
    Preview {
        /// A commitment id.
        #[arg(required_unless_present = "owner", conflicts_with = "owner")]
        id: Option<String>,
        /// A department (key or alias): its next email.
        #[arg(long, value_name = "DEPT")]
        owner: Option<String>,
        /// Look from this time instead of now (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Mark commitments done in their own TOML files (status, done_on, note); every other
    /// byte of each file stays as it was. A running daemon stops reminding them at once.
    Done {
        /// Commitment ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// A note to record with the commitment (replaces an existing note).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// The date it was done (default: today in the configured time zone).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// Set commitments back to open (removes done_on, keeps the note).
    Reopen {
        /// Commitment ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Show the delivery log: moment, recipients, Message-ID, state, error.
    History {
        /// Only this commitment.
        id: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send one test message through the configured transport and print the server's answer.
    SendTest {
        /// The address to send to.
        #[arg(long, value_name = "ADDR")]
        to: String,
    },
    /// Draft commitments files from reply letters: one letter, or every letter in a folder.
    ///
    /// A letter may be text (UTF-8, GB18030/GBK or UTF-16), .docx, .pdf with a text layer,
    /// .ofd or a saved web page (.html); the format is read from the content, not the file
    /// name. Promises are found in next-steps sections (下一步工作, 下一步打算, 今后工作…) and
    /// elsewhere by their shape (我局将…, 计划…, 力争…); each gets its owner, co-owners and due
    /// date. Department names are resolved to the configured departments' keys and aliases
    /// when the configuration loads, else reduced to the short form an office uses
    /// (吉林省科学技术厅 → 省科技厅). What a reviewer should look at is marked `# check:`
    /// in the draft and listed on stderr, weakest first. A folder is drafted letter by letter
    /// into `-o DIR` (one NAME.toml per letter) with one summary table; without `-o` the
    /// table alone is printed. Review a draft before putting it in the commitments folder:
    /// a running daemon picks it up at once.
    Import {
        /// The letter, or a folder of letters.
        #[arg(value_name = "PATH")]
        letter: PathBuf,
        /// Write the draft to FILE, or into DIR as NAME.toml (never overwriting); required to
        /// write drafts for a folder.
        #[arg(short, long, value_name = "FILE|DIR")]
        output: Option<PathBuf>,
        /// Id of the letter; commitments get PREFIX-1, PREFIX-2… (default: the file name).
        #[arg(long, value_name = "ID")]
        prefix: Option<String>,
        /// Print (or write) the draft as JSON instead of TOML.
        #[arg(long)]
        json: bool,
    },
    /// Export the 督办台账: one row per commitment (letter, proposer, number, owner,
    /// co-owners, text, due, status, days overdue, reminders sent, last reminder, last
    /// report), as an Excel workbook with a second sheet of sums per department, or as CSV
    /// (UTF-8 with a byte-order mark, so Excel opens it right).
    #[command(group = clap::ArgGroup::new("format").required(true))]
    Export {
        /// Write an .xlsx workbook to FILE.
        #[arg(long, value_name = "FILE", group = "format")]
        xlsx: Option<PathBuf>,
        /// Write CSV to FILE.
        #[arg(long, value_name = "FILE", group = "format")]
        csv: Option<PathBuf>,
        /// The state at this time instead of now (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Print the 通报 (bulletin) now, or send it with the 台账 attached.
    ///
    /// Per-department counts, what became overdue and what was completed since the last
    /// bulletin (or `--since`), units ranked by overdue items, claims awaiting review. The
    /// daemon sends it on its own at `[report] remind`; this prints (or sends) one at once.
    Report {
        /// The start of the period (a date or RFC 3339); default: the last bulletin sent,
        /// else one period of `report.remind` (else a week) back.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Send it to `report.to` (else `mail.admin`) with the .xlsx attached.
        #[arg(long, conflicts_with = "json")]
        send: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Report at this time instead of now (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Record one answer by email, read on standard input (for a Postfix `pipe` transport,
    /// procmail or a Sieve `pipe`).
    ///
    /// Exits 0 when the message is recorded (or was recorded before), 75 (EX_TEMPFAIL) when
    /// it cannot be recorded now (the mail server keeps it and tries again), 1 when it is
    /// refused (not a mail, or larger than `replies.max_message_mib`), with the reason on
    /// stderr. See README, "Receiving replies".
    Receive,
    /// List the answers departments sent by email: commitment, sender, time, intent (done,
    /// progress, extension), text, attachments and state.
    Reports {
        /// Only what waits for the office: done claims and extension requests (pending),
        /// unverified senders and answers about no known commitment.
        #[arg(long)]
        pending: bool,
        /// Only this commitment.
        id: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Take report N from the review queue as the department's (an unverified sender
        /// the office checked, or an unmatched answer with `--for ID`).
        #[arg(long, value_name = "N", conflicts_with = "dismiss")]
        accept: Option<i64>,
        /// With `--accept`: the commitment the answer is about.
        #[arg(long = "for", value_name = "ID", requires = "accept")]
        for_id: Option<String>,
        /// Set report N in the review queue aside (state `ignored`).
        #[arg(long, value_name = "N")]
        dismiss: Option<i64>,
    },
    /// Send a done claim back (退回): the claim is rejected, reminders resume and the next
    /// one quotes the note.
    Reject {
        /// The commitment id.
        id: String,
        /// Why, quoted in the next reminder.
        #[arg(long, value_name = "TEXT")]
        note: String,
    },
    /// Approve an extension: the commitment's `due` becomes DATE in its TOML file (every
    /// other byte stays); the old date stays in the log's history.
    Extend {
        /// The commitment id.
        id: String,
        /// The new due date.
        #[arg(long, value_name = "DATE")]
        to: String,
    },
    /// Print the manual page (roff) to standard output.
    ///
    /// Read it with `followup man | man -l -`; the Debian package installs it as
    /// followup(1).
    Man,
    /// Print a users-file line for the board (`[web] users_file`).
    ///
    /// Reads the password from the first line of stdin and prints `NAME:$argon2id$…`;
    /// append it to the users file: `followup web-passwd wang >> /etc/followup/web-users`.
    WebPasswd {
        /// The user name shown on the board and recorded with each action.
        name: String,
    },
    /// Print a shell completion script to standard output.
    ///
    /// For bash: `followup completions bash > /etc/bash_completion.d/followup`; the Debian
    /// package installs the bash, zsh and fish scripts.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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
    logging::init(match cli.command {
        Command::Run { .. } | Command::SendTest { .. } => "info",
        _ => "warn",
    });
    match cli.command {
        Command::Run { once } => daemon::run(&cli.config, once),
        Command::Preview { id, owner, at } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = Arc::new(loaded.config);
            let at = parse_time(&config, at.as_deref(), now)?;
            preview(config, id.as_deref(), owner.as_deref(), at, now)
        }
        Command::Done { ids, note, on } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = loaded.config;
            // Done again without --on or --note changes nothing: its done_on stays.
            let explicit = on.is_some() || note.is_some();
            let on = match on {
                Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .with_context(|| format!("`{text}` is not a date such as 2025-11-03"))?,
                None => now.with_timezone(&config.timezone).date_naive(),
            };
            let (already, ids): (Vec<String>, Vec<String>) = ids.into_iter().partition(|id| {
                !explicit
                    && config.find_commitment(id).is_some_and(|index| {
                        config.commitments[index].status == crate::model::Status::Done
                    })
            });
            for id in &already {
                let index = config
                    .find_commitment(id)
                    .expect("partitioned on a known id");
                let commitment = &config.commitments[index];
                let on = commitment
                    .done_on
                    .map_or_else(String::new, |date| format!(" on {date}"));
                println!("{id}: already done{on} in {}", commitment.file().display());
            }
            if ids.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            // The waiting done claim's text becomes the note when none is given.
            let note = match (note, ids.as_slice()) {
                (Some(note), _) => Some(note),
                (None, [id]) => crate::replies::commands::waiting_claim_text(&config, id)?,
                (None, _) => None,
            };
            let edited = edit::apply(&config, &ids, &edit::Change::Done { on, note })?;
            if let Err(error) = crate::replies::commands::confirmed(&config, &ids, now) {
                // The files say done, which is what stops the reminders; the log only
                // misses who confirmed the claim.
                eprintln!(
                    "warning: marked done, but the delivery log could not record the confirmation: {error:#}"
                );
            }
            for item in edited {
                let state = if item.changed {
                    "marked done"
                } else {
                    "already done"
                };
                println!("{}: {state} in {}", item.id, item.file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reopen { ids } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let edited = edit::apply(&loaded.config, &ids, &edit::Change::Reopen)?;
            for item in edited {
                let state = if item.changed {
                    "reopened"
                } else {
                    "already open"
                };
                println!("{}: {state} in {}", item.id, item.file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::History { id, json } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = loaded.config;
            // `@report`: the bulletins' rows.
            if let Some(id) = id.as_deref().filter(|id| *id != report::LEDGER_ID) {
                commitment(&config, id)?;
            }
            let rows = match Ledger::open_read_only(&config.state_dir)? {
                Some(ledger) => ledger.history(id.as_deref())?,
                None => Vec::new(),
            };
            print!("{}", views::history(&config, &rows, json));
            if !json {
                print!(
                    "{}",
                    crate::replies::commands::history_section(&config, id.as_deref())?
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SendTest { to } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            send_test(&loaded.config, &to, now)
        }
        Command::Check => check(&cli.config, now),
        Command::Export { xlsx, csv, at } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = loaded.config;
            let at = parse_time(&config, at.as_deref(), now)?;
            let inputs = export_inputs(&config)?;
            let (path, bytes) = match (xlsx, csv) {
                (Some(path), _) => (path, export::xlsx(&config, &inputs, at)?),
                (None, Some(path)) => (path, export::csv(&config, &inputs, at)?.into_bytes()),
                (None, None) => bail!("give `--xlsx FILE` or `--csv FILE`"),
            };
            std::fs::write(&path, &bytes)
                .with_context(|| format!("writing `{}`", path.display()))?;
            println!(
                "{}: {} commitments, {} bytes",
                path.display(),
                config.commitments.len(),
                bytes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            since,
            send,
            json,
            at,
        } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            let config = loaded.config;
            let at = parse_time(&config, at.as_deref(), now)?;
            let inputs = export_inputs(&config)?;
            let since = match since {
                Some(text) => parse_time(&config, Some(&text), now)?,
                None => inputs
                    .reminders
                    .get(report::LEDGER_ID)
                    .map(|stats| stats.last)
                    .filter(|last| *last < at)
                    .unwrap_or_else(|| report::default_since(&config, at)),
            };
            let bulletin = report::bulletin(&config, &inputs, since, at)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&bulletin).expect("a bulletin always serializes")
                );
                return Ok(ExitCode::SUCCESS);
            }
            let templates = mail::Templates::load(config.templates.as_deref())?;
            if !send {
                print!("{}", report::text(&config, &templates, &bulletin)?);
                return Ok(ExitCode::SUCCESS);
            }
            let xlsx = export::xlsx(&config, &inputs, at)?;
            // Sent by hand: its own Message-ID (the moment is now), not one of the daemon's.
            let composed = report::compose(
                &config,
                &templates,
                &bulletin,
                xlsx,
                &report::message_id(&config, now),
                None,
                now,
            )?;
            send_now(&config, &composed.message)
        }
        Command::Receive => Ok(crate::replies::commands::receive(&cli.config, now)),
        Command::Reports {
            pending,
            id,
            json,
            accept,
            for_id,
            dismiss,
        } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            for id in id.iter().chain(&for_id) {
                commitment(&loaded.config, id)?;
            }
            match (accept, dismiss) {
                (Some(report), _) => crate::replies::commands::accept_report(
                    &loaded.config,
                    report,
                    for_id.as_deref(),
                    now,
                ),
                (None, Some(report)) => {
                    crate::replies::commands::dismiss_report(&loaded.config, report, now)
                }
                (None, None) => {
                    crate::replies::commands::reports(&loaded.config, id.as_deref(), pending, json)
                }
            }
        }
        Command::Reject { id, note } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            commitment(&loaded.config, &id)?;
            crate::replies::commands::reject(&loaded.config, &id, &note, now)
        }
        Command::Extend { id, to } => {
            let Some(loaded) = load(&cli.config) else {
                return Ok(ExitCode::from(1));
            };
            commitment(&loaded.config, &id)?;
            let to = NaiveDate::parse_from_str(&to, "%Y-%m-%d")
                .with_context(|| format!("`{to}` is not a date such as 2026-03-31"))?;
            crate::replies::commands::extend(&loaded.config, &id, to, now)
        }
        Command::Man => print_bytes(&manual::man_page()),
        Command::Completions { shell } => print_bytes(&manual::completions(shell)),
        Command::WebPasswd { name } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\n', '\r']);
            println!("{}", crate::web::auth::hash_line(&name, password)?);
            Ok(ExitCode::SUCCESS)
        }
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
            let log = match Ledger::open_read_only(&config.state_dir)? {
                Some(ledger) => ledger.log_view_for_views()?,
                None => LogView::default(),
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = views::list(&config, &log, &filter, at, json, &mut out)
                .and_then(|()| std::io::Write::flush(&mut out));
            stdout_written(written)?;
            exit_without_freeing((config, log));
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
            let log = log_view(&config)?;
            let reminders = engine::plan(config.clone(), &log, from, until, limit);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = views::write_plan(&config, &log, &reminders, json, &mut out)
                .and_then(|()| std::io::Write::flush(&mut out));
            stdout_written(written)?;
            exit_without_freeing((config, log, reminders));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes generated output (the manual page, a completion script) to stdout.
fn print_bytes(bytes: &[u8]) -> Result<ExitCode> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("writing to standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// What the 台账 reads from the delivery log (nothing before the daemon first ran).
fn export_inputs(config: &Config) -> Result<export::Inputs> {
    match Ledger::open_read_only(&config.state_dir)? {
        Some(mut ledger) => export::read_inputs(&mut ledger),
        None => Ok(export::Inputs::default()),
    }
}

/// The delivery log as the engine sees it, or an empty one before the daemon first ran.
fn log_view(config: &Config) -> Result<LogView> {
    match Ledger::open_read_only(&config.state_dir)? {
        Some(ledger) => ledger.log_view(),
        None => Ok(LogView::default()),
    }
}

fn preview(
    config: Arc<Config>,
    id: Option<&str>,
    owner: Option<&str>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let wanted = match (id, owner) {
        (Some(id), _) => {
            let index = commitment(&config, id)?;
            if config.commitments[index].status == crate::model::Status::Done {
                bail!("`{id}` is done: no more reminders")
            }
            Target::Commitment(index)
        }
        (None, Some(name)) => Target::Department(department(&config, name)?),
        (None, None) => bail!("name a commitment id or --owner DEPT"),
    };
    let log = log_view(&config)?;
    // The next email that concerns it, as the daemon would send it.
    let until = at + chrono::Duration::days(800);
    let reminders = engine::plan(config.clone(), &log, at, until, 100_000);
    let Some(reminder) = reminders.into_iter().find(|reminder| match wanted {
        Target::Commitment(index) => reminder.items.iter().any(|item| item.commitment == index),
        Target::Department(department) => reminder.department == department,
    }) else {
        bail!("nothing will be sent for it in the next 800 days")
    };
    let previous = match Ledger::open_read_only(&config.state_dir)? {
        Some(ledger) => ledger
            .previous_message_id(&config.department(reminder.department).key, reminder.moment)?,
        None => None,
    };
    let feedback = match Ledger::open_read_only(&config.state_dir)? {
        Some(mut ledger) => crate::replies::view::feedback(&config, ledger.connection())?,
        None => mail::Feedback::default(),
    };
    let templates = mail::Templates::load(config.templates.as_deref())?;
    let composed = mail::compose_with(
        &config,
        &templates,
        &reminder,
        previous.as_deref(),
        now.max(reminder.moment),
        &feedback,
    )?;
    print!("{}", views::preview(&composed, &config.mail.from));
    Ok(ExitCode::SUCCESS)
}

enum Target {
    Commitment(usize),
    Department(usize),
}

fn send_test(config: &Config, to: &str, now: DateTime<Utc>) -> Result<ExitCode> {
    let message = mail::compose_test(config, to, now)?;
    send_now(config, &message)
}

/// Sends one message through the configured transport and prints the server's answer
/// (`send-test`, `report --send`).
fn send_now(config: &Config, message: &lettre::Message) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The SMTP pool lives and dies inside the runtime. Every step is bounded by mail.timeout.
    let result = runtime.block_on(async {
        let transport = transport::Transport::from_config(config)?;
        let result = transport.send(message).await;
        transport.close().await;
        anyhow::Ok(result)
    })?;
    match result {
        Ok(sent) => {
            println!("{}", sent.answer);
            for refused in &sent.refused {
                eprintln!("warning: recipient refused: {refused}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            let kind = match failure {
                transport::Failure::Transient(_) | transport::Failure::Unreachable(_) => {
                    "temporary failure"
                }
                transport::Failure::OutcomeUnknown(_) => "outcome unknown",
                transport::Failure::Authentication(_) => "permanent failure (credentials)",
                transport::Failure::Permanent(_) => "permanent failure",
            };
            eprintln!("error: {kind}: {}", failure.message());
            Ok(ExitCode::from(1))
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
    // The configuration is optional here: without one, names become the short forms.
    let config = if config_path.exists() {
        match load(config_path) {
            Some(loaded) => Some(loaded.config),
            None => return Ok(ExitCode::from(1)),
        }
    } else {
        eprintln!(
            "note: no configuration at `{}`; department names are reduced to their usual short forms",
            config_path.display()
        );
        None
    };
    let resolver = |name: &str| {
        config
            .as_ref()
            .and_then(|config| resolve_department(config, name))
    };
    let resolve = config
        .as_ref()
        .map(|_| &resolver as &dyn Fn(&str) -> Option<String>);
    if letter.is_dir() {
        if prefix.is_some() {
            eprintln!(
                "error: `--prefix` names one letter; a folder's letters are named after their files"
            );
            return Ok(ExitCode::from(2));
        }
        return import_folder(letter, output, resolve, json);
    }
    let prefix = prefix.unwrap_or_else(|| default_prefix(letter));
    let options = import::Options {
        prefix: &prefix,
        resolve,
    };
    let bytes = read_letter(letter)?;
    let draft = import::decode(&bytes)
        .and_then(|text| import::import(&text, &options))
        .with_context(|| format!("importing `{}`", letter.display()))?;
    let rendered = render_draft(&draft, &options, json);
    match output {
        Some(dir) if dir.is_dir() => {
            write_new(&dir.join(draft_name(letter, json)), &rendered)?;
        }
        Some(path) => write_new(path, &rendered)?,
        None => print!("{rendered}"),
    }
    eprint!("{}", draft.summary());
    Ok(ExitCode::SUCCESS)
}

fn render_draft(draft: &import::Draft, options: &import::Options, json: bool) -> String {
    if json {
        draft.to_json()
    } else {
        draft.to_toml(options)
    }
}

/// `letters/jl-2025-ai.pdf` → `jl-2025-ai.toml` (or `.json`).
fn draft_name(letter: &Path, json: bool) -> String {
    format!(
        "{}.{}",
        default_prefix(letter),
        if json { "json" } else { "toml" }
    )
}

/// How the importer resolves a department name to a configured key.
type Resolver<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Drafts every letter in a folder (not recursing), writes each draft into `output` when
/// given, and prints one table. Exit 1 when any letter could not be read.
fn import_folder(
    folder: &Path,
    output: Option<&Path>,
    resolve: Option<Resolver<'_>>,
    json: bool,
) -> Result<ExitCode> {
    let mut letters: Vec<PathBuf> = std::fs::read_dir(folder)
        .with_context(|| format!("reading folder `{}`", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Not only regular files: a FIFO or a device among the letters gets a row that
            // says why it was refused, rather than being passed over in silence.
            !path.is_dir()
                && !name.starts_with('.')
                && !name.ends_with(".md")
                && !name.ends_with(".toml")
        })
        .collect();
    letters.sort();
    if let Some(dir) = output {
        std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }
    let mut rows = Vec::new();
    let mut failed = 0;
    let (mut total_letters, mut total_commitments, mut total_checks) = (0, 0, 0);
    for letter in &letters {
        let name = letter
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = default_prefix(letter);
        let options = import::Options {
            prefix: &prefix,
            resolve,
        };
        let outcome = read_letter(letter)
            .map_err(|e| format!("{e:#}"))
            .and_then(|bytes| import::decode_as(&bytes).map_err(|e| e.to_string()))
            .and_then(|(format, text)| match import::import(&text, &options) {
                Ok(draft) => Ok((format.to_string(), Some(draft))),
                Err(import::ImportError::NoCommitments) => Ok((format.to_string(), None)),
                Err(e) => Err(e.to_string()),
            });
        let row = match outcome {
            Err(e) => {
                failed += 1;
                [
                    name,
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!("error: {e}"),
                ]
            }
            Ok((format, None)) => {
                total_letters += 1;
                [
                    name,
                    format,
                    "0".into(),
                    "0".into(),
                    "no commitment found; nothing written".into(),
                ]
            }
            Ok((format, Some(draft))) => {
                total_letters += 1;
                let checks = draft
                    .commitments
                    .iter()
                    .filter(|c| !c.checks.is_empty())
                    .count();
                total_commitments += draft.commitments.len();
                total_checks += checks;
                let status = match output {
                    None => draft.owners_line(),
                    Some(dir) => {
                        let path = dir.join(draft_name(letter, json));
                        match write_new(&path, &render_draft(&draft, &options, json)) {
                            Ok(()) => format!("{}: {}", path.display(), draft.owners_line()),
                            Err(e) => {
                                failed += 1;
                                format!("error: {e:#}")
                            }
                        }
                    }
                };
                [
                    name,
                    format,
                    draft.commitments.len().to_string(),
                    checks.to_string(),
                    status,
                ]
            }
        };
        rows.push(row);
    }
    let headers = ["letter", "format", "commitments", "to check", "result"];
    print!("{}", import::draft::table(&headers, &rows));
    println!(
        "{} letters read, {} failed: {} commitments, {} to check",
        total_letters, failed, total_commitments, total_checks
    );
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
/// Reads a letter the way configuration files are read: a regular file (never a FIFO or a
/// device, which would block or never end) of at most `config::DEFAULT_MAX_FILE_BYTES`.
fn read_letter(letter: &Path) -> Result<Vec<u8>> {
    config::read_regular_bytes(letter, config::DEFAULT_MAX_FILE_BYTES)
        .map_err(|message| anyhow::anyhow!("reading `{}`: {message}", letter.display()))
}

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
    exit_without_freeing(loaded);
    Ok(ExitCode::SUCCESS)
}

/// The outcome of writing a view to standard output: a reader that stopped early
/// (`followup list | head`) is not an error.
fn stdout_written(written: std::io::Result<()>) -> Result<()> {
    match written {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("writing to standard output"),
    }
}

/// For the one-shot views, whose process ends right after printing: the configuration and
/// log are left for the kernel to take back at exit, instead of being freed value by value
/// (at 100,000 commitments that is a few per cent of `check`'s time). Nothing is written or
/// held open by what is dropped here.
fn exit_without_freeing<T>(values: T) {
    std::mem::forget(values);
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

/// A commitment by id, or an error with the nearest id as a suggestion.
fn commitment(config: &Config, id: &str) -> Result<usize> {
    if let Some(index) = config.find_commitment(id) {
        return Ok(index);
    }
    match config::suggest(id, config.commitments.iter().map(|c| c.id())) {
        Some(found) => bail!("unknown commitment `{id}` (did you mean `{found}`?)"),
        None => bail!("unknown commitment `{id}`"),
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
