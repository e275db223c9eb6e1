//! Hostile files: what an operator's accident or a planted file does to the real binary.
//! FIFOs, devices and oversized files named as configuration, unbounded globs, a symlinked
//! lock file, a readable password file, a missing systemd credential, a read-only state
//! folder and an empty delivery log. Every command that could hang runs under `timeout`, so a
//! regression fails instead of blocking the suite.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use crate::support::{Workspace, followup_binary, output, stderr, stdout};

const MAIN: &str = r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "file"

[schedule]
remind = "0 9 * * *"

[departments."省科技厅"]
to = ["kjt@example.gov.cn"]
"#;

const LETTER: &str = r#"[letter]
id = "l"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "c1"
owner = "省科技厅"
text = "持续组织实施人工智能领域科技攻关"
"#;

fn workspace(main: &str) -> Workspace {
    let workspace = Workspace::new();
    workspace.write("followup.toml", main);
    workspace.write("commitments/letter.toml", LETTER);
    workspace
}

/// `followup --config followup.toml ARGS` in the workspace, killed after 60 s (exit 124).
fn bounded(workspace: &Workspace, args: &[&str]) -> std::process::Output {
    output(
        Command::new("timeout")
            .arg("60")
            .arg(followup_binary())
            .args(["--config", "followup.toml"])
            .args(args)
            .current_dir(workspace.path())
            .env_remove("FOLLOWUP_CONFIG")
            .env_remove("FOLLOWUP_SMTP_PASSWORD")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env_remove("NOTIFY_SOCKET"),
    )
}

fn sh(workspace: &Workspace, script: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(workspace.path())
        .status()
        .expect("sh runs");
    assert!(status.success(), "`{script}` failed");
}

/// Before: a symlink to /dev/zero grew `check` to 1 GB before failing, a FIFO blocked it
/// forever, and a file of any size was read whole.
#[test]
fn check_refuses_devices_fifos_and_oversized_files_by_path_without_blocking() {
    let workspace = workspace(MAIN);
    std::os::unix::fs::symlink("/dev/zero", workspace.path().join("commitments/zero.toml"))
        .expect("a symlink can be made");
    sh(&workspace, "mkfifo commitments/x.toml");
    // Sparse: 65 MiB of nothing on disk, one byte over the default limit's MiB.
    let big = std::fs::File::create(workspace.path().join("commitments/big.toml"))
        .expect("the file can be created");
    big.set_len(65 * 1024 * 1024).expect("the file can grow");
    let result = bounded(&workspace, &["check"]);
    let errors = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains(
            "cannot read `commitments/zero.toml`: it is a character device, not a regular file"
        ),
        "{errors}"
    );
    assert!(
        errors.contains(
            "cannot read `commitments/x.toml`: it is a FIFO (named pipe), not a regular file"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("cannot read `commitments/big.toml`: it is larger than the limit of 64 MiB (file size 68157440 bytes"),
        "{errors}"
    );

    // The limit is configurable: 1 MiB refuses a 2 MiB file that 64 MiB would read.
    let workspace = workspace_with_limit("[limits]\nmax_file_mib = 1\n");
    let padded = format!("{LETTER}\n{}\n", "# padding\n".repeat(200_000));
    workspace.write("commitments/letter.toml", &padded);
    let result = bounded(&workspace, &["check"]);
    assert!(
        stderr(&result).contains("it is larger than the limit of 1 MiB"),
        "{}",
        stderr(&result)
    );
}

fn workspace_with_limit(limits: &str) -> Workspace {
    workspace(&format!("{MAIN}\n{limits}"))
}

/// Before: `/**/*.toml` walked the whole file system without bound. Now a `**` that would
/// descend more than 16 levels, or a pattern matching more than `limits.max_files` files, is
/// an error at the pattern.
#[test]
fn globs_are_bounded_in_depth_and_count() {
    let everything = workspace(&MAIN.replace(
        "commitments = [\"commitments/*.toml\"]",
        "commitments = [\"/**/*.toml\"]",
    ));
    let result = bounded(&everything, &["check"]);
    let errors = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("followup.toml:3:16: commitments: pattern `/**/*.toml`: ")
            && (errors.contains("would descend more than 16 folder levels")
                || errors.contains("folder entries")),
        "{errors}"
    );

    // Within the bounds `**` still spans folders, zero levels included.
    let nested = workspace(&MAIN.replace("commitments/*.toml", "commitments/**/*.toml"));
    nested.write(
        "commitments/2025/q4/deep.toml",
        &LETTER
            .replace("id = \"l\"", "id = \"deep\"")
            .replace("id = \"c1\"", "id = \"c-deep\""),
    );
    let result = bounded(&nested, &["list"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("c1") && stdout(&result).contains("c-deep"),
        "{}",
        stdout(&result)
    );

    let many = workspace_with_limit("[limits]\nmax_files = 3\n");
    for index in 0..4 {
        many.write(
            &format!("commitments/extra-{index}.toml"),
            &LETTER
                .replace("id = \"l\"", &format!("id = \"l{index}\""))
                .replace("id = \"c1\"", &format!("id = \"c{index}x\"")),
        );
    }
    let result = bounded(&many, &["check"]);
    assert!(
        stderr(&result).contains("commitments: pattern `commitments/*.toml`: it matches more than 3 files (`limits.max_files`)"),
        "{}",
        stderr(&result)
    );
}

/// Before: a planted `followup.lock → file` had that file overwritten with the daemon's PID.
#[test]
fn the_lock_file_is_never_opened_through_a_symlink_and_is_private() {
    let workspace = workspace(MAIN);
    let victim = workspace.write("victim.txt", "precious\n");
    std::fs::create_dir_all(workspace.path().join("state")).expect("state can be made");
    std::os::unix::fs::symlink(&victim, workspace.path().join("state/followup.lock"))
        .expect("a symlink can be made");
    let result = bounded(&workspace, &["run", "--once"]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("opening the lock file"),
        "{}",
        stderr(&result)
    );
    assert_eq!(workspace.read("victim.txt"), "precious\n");

    std::fs::remove_file(workspace.path().join("state/followup.lock")).expect("removable");
    let result = bounded(&workspace, &["run", "--once"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let mode = std::fs::metadata(workspace.path().join("state/followup.lock"))
        .expect("the lock file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Before: a group- or world-readable password file passed without a word.
#[test]
fn a_readable_password_file_is_a_warning_in_check() {
    let main = MAIN.replace(
        "transport = \"file\"",
        "host = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nusername = \"duban\"\npassword_file = \"smtp-password\"",
    );
    let workspace = workspace(&main);
    let password = workspace.write("smtp-password", "secret\n");
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644))
        .expect("chmod works");
    let result = bounded(&workspace, &["check"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains(
            "followup.toml:11:17: warning: mail.password_file: the password file `smtp-password` can be read by its group and by everyone (mode 0644); make it private with `chmod 600 smtp-password`"
        ),
        "{}",
        stderr(&result)
    );
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600))
        .expect("chmod works");
    let result = bounded(&workspace, &["check"]);
    assert!(
        !stderr(&result).contains("password file"),
        "{}",
        stderr(&result)
    );
}

/// Before: only systemd's "Protocol error"; now what to create and that a restart is needed.
#[test]
fn a_missing_systemd_credential_says_what_to_create_and_to_restart() {
    let main = MAIN.replace(
        "transport = \"file\"",
        "host = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nusername = \"duban\"",
    );
    let workspace = workspace(&main);
    std::fs::create_dir_all(workspace.path().join("credentials")).expect("a folder");
    let result = output(
        Command::new("timeout")
            .arg("60")
            .arg(followup_binary())
            .args([
                "--config",
                "followup.toml",
                "send-test",
                "--to",
                "a@example.org",
            ])
            .current_dir(workspace.path())
            .env_remove("FOLLOWUP_SMTP_PASSWORD")
            .env(
                "CREDENTIALS_DIRECTORY",
                workspace.path().join("credentials"),
            ),
    );
    let errors = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("the systemd credential `smtp-password` is missing or unreadable")
            && errors.contains("create `/etc/followup/smtp-password` (owner root, mode 0600)")
            && errors.contains("then run `systemctl restart followup`"),
        "{errors}"
    );
}

/// Before: `history` failed on an empty (0-byte) delivery log.
#[test]
fn views_work_on_an_empty_or_missing_delivery_log() {
    let workspace = workspace(MAIN);
    for args in [&["history"][..], &["list"], &["plan", "--days", "2"]] {
        let result = bounded(&workspace, args);
        assert!(result.status.success(), "{args:?}: {}", stderr(&result));
    }
    workspace.write("state/followup.sqlite3", "");
    for args in [&["history"][..], &["list"], &["plan", "--days", "2"]] {
        let result = bounded(&workspace, args);
        assert!(result.status.success(), "{args:?}: {}", stderr(&result));
    }
    assert!(stdout(&bounded(&workspace, &["list"])).contains("c1"));
}

/// Before: `list` and `history` failed on a state folder the user cannot write (reading a
/// WAL database needs its `-shm` file). Run as `nobody` on root's folder, since root may
/// write anywhere.
#[test]
fn views_work_on_a_read_only_state_folder() {
    // A name with a space, `#` and Chinese, which the read-only URI must carry intact.
    let workspace = workspace(&MAIN.replace("state_dir = \"state\"", "state_dir = \"状态 #1\""));
    let result = bounded(&workspace, &["run", "--once"]);
    assert!(result.status.success(), "{}", stderr(&result));
    sh(
        &workspace,
        "chmod -R a+rX . && chmod 755 '状态 #1' && rm -f '状态 #1'/*-shm '状态 #1'/*-wal",
    );
    // The temporary folder itself must be reachable by nobody.
    std::fs::set_permissions(workspace.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod works");
    let as_nobody = |args: &[&str]| {
        output(
            Command::new("setpriv")
                .args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    "timeout",
                    "60",
                ])
                .arg(followup_binary())
                .args(["--config", "followup.toml"])
                .args(args)
                .current_dir(workspace.path())
                .env_remove("FOLLOWUP_CONFIG"),
        )
    };
    let history = as_nobody(&["history"]);
    assert!(history.status.success(), "{}", stderr(&history));
    assert!(stdout(&history).contains("c1"), "{}", stdout(&history));
    let list = as_nobody(&["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let plan = as_nobody(&["plan", "--days", "2"]);
    assert!(plan.status.success(), "{}", stderr(&plan));
    let preview = as_nobody(&["preview", "c1"]);
    assert!(preview.status.success(), "{}", stderr(&preview));
    assert!(
        !workspace
            .path()
            .join("状态 #1/followup.sqlite3-shm")
            .exists(),
        "views wrote nothing"
    );
}

/// Before: `followup import` read a letter with `fs::read`, so a FIFO blocked it forever and
/// a symlink to /dev/zero grew it without bound. Letters are now read like configuration
/// files: a regular file of bounded size, refused by path otherwise, a folder's other letters
/// still drafted.
#[test]
fn import_refuses_fifos_and_devices_without_blocking() {
    let workspace = workspace(MAIN);
    sh(&workspace, "mkdir letters && mkfifo letters/pipe.txt");
    std::os::unix::fs::symlink("/dev/zero", workspace.path().join("letters/zero.txt"))
        .expect("a symlink can be made");
    let result = bounded(&workspace, &["import", "letters/pipe.txt"]);
    let errors = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{errors}");
    assert!(
        errors
            .contains("reading `letters/pipe.txt`: it is a FIFO (named pipe), not a regular file"),
        "{errors}"
    );
    let result = bounded(&workspace, &["import", "letters/zero.txt"]);
    let errors = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("reading `letters/zero.txt`: it is a character device, not a regular file"),
        "{errors}"
    );
    // A folder with both: each is a row in the table, and the command ends.
    let result = bounded(&workspace, &["import", "letters"]);
    assert_ne!(result.status.code(), Some(124), "import of a folder hung");
    let table = format!("{}{}", stdout(&result), stderr(&result));
    assert!(table.contains("FIFO"), "{table}");
    assert!(table.contains("character device"), "{table}");
}
