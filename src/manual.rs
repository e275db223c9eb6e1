//! The manual page and the shell completions, both generated from the command-line
//! definition in `cli` so they cannot drift from it. Produces bytes; never writes files.

use clap::CommandFactory as _;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use crate::cli::Cli;

/// `followup(1)` in roff: the usual sections, every command with its options, and the
/// files, environment and exit statuses a packaged install relies on.
pub fn man_page() -> Vec<u8> {
    let mut command = Cli::command();
    command.build();
    let man = Man::new(command.clone())
        .title("FOLLOWUP")
        .section("1")
        .manual("User Commands");

    // clap_mangen's own subcommand list points at followup-run(1) and such, which do not
    // exist: one page, with every command described under COMMANDS below.
    let mut page = Vec::new();
    man.render_title(&mut page)
        .and_then(|()| man.render_name_section(&mut page))
        .and_then(|()| man.render_synopsis_section(&mut page))
        .and_then(|()| man.render_description_section(&mut page))
        .and_then(|()| man.render_options_section(&mut page))
        .expect("writing into memory cannot fail");

    let mut roff = Roff::default();
    roff.control("SH", ["COMMANDS"]);
    for subcommand in command.get_subcommands_mut() {
        if subcommand.is_hide_set() || subcommand.get_name() == "help" {
            continue;
        }
        render_subcommand(&mut roff, subcommand);
    }
    render_reference(&mut roff);
    roff.to_writer(&mut page)
        .expect("writing into memory cannot fail");
    page
}

/// The completion script for `shell`, for the binary named `followup`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "followup", &mut script);
    script
}

/// One `.SS` per command: its usage, its long description and each of its arguments.
fn render_subcommand(roff: &mut Roff, subcommand: &mut clap::Command) {
    let usage = subcommand.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    roff.control("SS", [usage]);
    if let Some(about) = subcommand
        .get_long_about()
        .or_else(|| subcommand.get_about())
    {
        paragraphs(roff, &about.to_string());
    }
    for argument in subcommand.get_arguments() {
        if argument.is_hide_set() || argument.is_global_set() {
            continue;
        }
        if matches!(argument.get_id().as_str(), "help" | "version") {
            continue;
        }
        roff.control("TP", []);
        roff.text(argument_heading(argument));
        let mut help = argument
            .get_long_help()
            .or_else(|| argument.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        // clap drops the period of a one-sentence doc comment; more sentences follow here.
        if !help.is_empty() && !help.ends_with(['.', ')']) {
            help.push('.');
        }
        let takes_values = argument.get_action().takes_values();
        let possible: Vec<String> = argument
            .get_possible_values()
            .iter()
            .filter(|value| !value.is_hide_set())
            .map(|value| value.get_name().to_string())
            .collect();
        if !possible.is_empty() && takes_values {
            help.push_str(&format!(" One of: {}.", possible.join(", ")));
        }
        let defaults: Vec<String> = argument
            .get_default_values()
            .iter()
            .map(|value| value.to_string_lossy().into_owned())
            .collect();
        // A flag's implicit `false` says nothing.
        if !defaults.is_empty() && takes_values {
            help.push_str(&format!(" Default: {}.", defaults.join(", ")));
        }
        roff.text([roman(help.trim().to_string())]);
    }
}

/// `\fB--owner\fR \fIDEPT\fR`, `\fB-o\fR, \fB--output\fR \fIFILE\fR` or `\fIID\fR...`.
fn argument_heading(argument: &clap::Arg) -> Vec<clap_mangen::roff::Inline> {
    let value_names: Vec<String> = argument
        .get_value_names()
        .map(|names| names.iter().map(ToString::to_string).collect())
        .unwrap_or_else(|| vec![argument.get_id().as_str().to_uppercase()]);
    let repeated = argument
        .get_num_args()
        .is_some_and(|range| range.max_values() > 1);
    let mut heading = Vec::new();
    if argument.is_positional() {
        let name = value_names.join(" ");
        heading.push(italic(name));
        if repeated {
            heading.push(roman("..."));
        }
        return heading;
    }
    if let Some(short) = argument.get_short() {
        heading.push(bold(format!("-{short}")));
        if argument.get_long().is_some() {
            heading.push(roman(", "));
        }
    }
    if let Some(long) = argument.get_long() {
        heading.push(bold(format!("--{long}")));
    }
    if argument.get_action().takes_values() {
        heading.push(roman(" "));
        heading.push(italic(value_names.join(" ")));
    }
    heading
}

/// Text with blank-line paragraph breaks, as clap keeps doc comments.
fn paragraphs(roff: &mut Roff, text: &str) {
    for (index, paragraph) in text.split("\n\n").enumerate() {
        if index > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(paragraph.replace('\n', " "))]);
    }
}

/// What a user of the installed service looks up: files, environment, exit statuses.
fn render_reference(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let files: [(&str, &str); 5] = [
        (
            "/etc/followup/followup.toml",
            "The main configuration file: time zone, mail server, schedule, calendar and departments. Validate every edit with followup check.",
        ),
        (
            "/etc/followup/commitments/*.toml",
            "Commitments files, one per reply letter, found through the main file's commitments patterns. A running daemon reloads when one changes.",
        ),
        (
            "/etc/followup/smtp-password",
            "The SMTP password (root only, mode 0600). The systemd unit hands it to the daemon with LoadCredential=smtp-password.",
        ),
        (
            "/var/lib/followup",
            "The state directory (state_dir): the delivery log, and outbox/ for the file transport. One daemon per state directory.",
        ),
        (
            "/lib/systemd/system/followup.service",
            "The systemd unit: Type=notify, hardened, reload with systemctl reload followup.",
        ),
    ];
    for (path, meaning) in files {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }

    roff.control("SH", ["ENVIRONMENT"]);
    let variables: [(&str, &str); 6] = [
        (
            "FOLLOWUP_CONFIG",
            "The main configuration file when --config is not given.",
        ),
        (
            "FOLLOWUP_SMTP_PASSWORD",
            "The SMTP password when mail.password_file is not set.",
        ),
        (
            "CREDENTIALS_DIRECTORY",
            "Set by systemd: the password is read from its smtp-password file when neither mail.password_file nor FOLLOWUP_SMTP_PASSWORD is set.",
        ),
        (
            "NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID",
            "Set by systemd: followup run reports READY, STATUS, RELOADING, STOPPING and watchdog pings.",
        ),
        (
            "JOURNAL_STREAM",
            "Set by systemd when standard error goes to the journal: log lines then carry a syslog priority and no timestamp.",
        ),
        ("RUST_LOG", "What is logged, e.g. info or followup=debug."),
    ];
    for (name, meaning) in variables {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }

    roff.control("SH", ["EXIT STATUS"]);
    let statuses: [(&str, &str); 3] = [
        ("0", "Success."),
        ("1", "Invalid configuration, or a failed operation."),
        ("2", "Command-line usage error."),
    ];
    for (status, meaning) in statuses {
        roff.control("TP", []);
        roff.text([bold(status)]);
        roff.text([roman(meaning)]);
    }

    roff.control("SH", ["SIGNALS"]);
    roff.text([roman(
        "followup run reloads on SIGHUP (systemctl reload followup) and stops on SIGTERM or SIGINT, letting sends in flight finish first.",
    )]);

    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "systemctl(1), journalctl(1), systemd.exec(5); /usr/share/doc/followup/README.md",
    )]);
}
