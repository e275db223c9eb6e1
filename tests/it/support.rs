//! Helpers shared by the integration tests: a temporary configuration directory and a way
//! to run the real binary in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, built by cargo for this test run.
pub fn followup_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_followup"))
}

/// A `followup` command running in `dir`, with a clean environment for our variables.
pub fn followup(dir: &Path) -> Command {
    let mut command = Command::new(followup_binary());
    command
        .current_dir(dir)
        .env_remove("FOLLOWUP_CONFIG")
        .env_remove("FOLLOWUP_SMTP_PASSWORD")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG");
    command
}

/// Runs a command to completion and returns its output.
pub fn output(command: &mut Command) -> Output {
    command.output().expect("the followup binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The folder of this crate, to find fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// A temporary directory holding a configuration, removed when dropped.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory can be created"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file relative to the workspace, creating folders.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folders can be created");
        }
        std::fs::write(&path, text).expect("the file can be written");
        path
    }

    /// Replaces a file the way editors do: write a temporary file, then rename it over
    /// the old one, so a watcher never sees half a file.
    pub fn replace(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        let temporary = path.with_extension("swp");
        std::fs::write(&temporary, text).expect("the temporary file can be written");
        std::fs::rename(&temporary, &path).expect("the file can be replaced");
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(relative)).expect("the file exists")
    }

    pub fn followup(&self) -> Command {
        let mut command = followup(self.path());
        command.arg("--config").arg("followup.toml");
        command
    }
}
