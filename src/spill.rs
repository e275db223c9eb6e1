//! The daemon's spill file: the letters' and commitments' prose (titles, topics, texts,
//! notes and the letters' other fields) moved out of memory once a configuration is loaded,
//! and read back when an email, a board page or an export needs it.
//!
//! Why: at 100,000 commitments that prose is about 37 MB, two thirds of what the daemon
//! would otherwise hold, while only the few commitments of a wake's emails need it. The file
//! is a snapshot of the configuration the daemon loaded, not the commitments files
//! themselves, so a file edited (or broken) on disk never changes what a running
//! configuration says: the daemon keeps its promise to run on the last good configuration
//! (CONTRACT.md, "Reload").
//!
//! The file is created in `state_dir` and unlinked at once: only the open descriptor keeps
//! it, so it disappears when the configuration that uses it is dropped (after a reload, or
//! at exit, or a crash) and nothing is ever left behind. Its pages live in the kernel's page
//! cache, which the kernel may write out and drop under pressure; the process's resident
//! memory does not hold them. Reading is `pread` on the shared descriptor (safe from any
//! thread), with the last block read kept, because callers walk commitments in file order.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

/// One file's prose: in memory, or a block of a spill file.
#[derive(Debug, Clone)]
pub enum Texts {
    Resident(Arc<str>),
    Spilled {
        spill: Arc<Spill>,
        offset: u64,
        len: u32,
    },
}

impl Default for Texts {
    fn default() -> Texts {
        Texts::Resident(Arc::from(""))
    }
}

impl Texts {
    /// The prose, in memory. A resident block is shared, a spilled one read back.
    pub fn load(&self) -> Result<Arc<str>> {
        match self {
            Texts::Resident(text) => Ok(Arc::clone(text)),
            Texts::Spilled { spill, offset, len } => spill.read(*offset, *len),
        }
    }

    #[cfg(test)]
    fn is_spilled(&self) -> bool {
        matches!(self, Texts::Spilled { .. })
    }
}

/// Where a configuration being loaded keeps each commitments file's prose (`config::load_keeping`).
#[derive(Debug)]
pub enum Keep {
    /// In memory, as `check`, the views and the tools do.
    Memory,
    /// In a spill file, as the daemon does: created on first use in `dir`, or in the
    /// configuration's `state_dir` when `dir` is `None`. If the file cannot be made or
    /// written, the prose stays in memory and one warning says why.
    Spill {
        dir: Option<PathBuf>,
        spill: Option<Arc<Spill>>,
        failed: bool,
    },
}

impl Keep {
    /// Spilling into `dir`, or the loaded configuration's own `state_dir`.
    pub fn spill(dir: Option<PathBuf>) -> Keep {
        Keep::Spill {
            dir,
            spill: None,
            failed: false,
        }
    }

    /// Keeps one file's prose; `state_dir` is the configuration's.
    pub fn put(&mut self, state_dir: &Path, text: String) -> Texts {
        let Keep::Spill { dir, spill, failed } = self else {
            return Texts::Resident(text.into());
        };
        if *failed {
            return Texts::Resident(text.into());
        }
        let spilled = match spill {
            Some(spill) => spill.append(&text),
            None => {
                let dir = dir.as_deref().unwrap_or(state_dir);
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating `{}`", dir.display()))
                    .and_then(|()| Spill::create(dir))
                    .and_then(|created| {
                        let texts = created.append(&text);
                        *spill = Some(created);
                        texts
                    })
            }
        };
        spilled.unwrap_or_else(|error| {
            tracing::warn!("keeping the commitments' texts in memory: {error:#}");
            *failed = true;
            Texts::Resident(text.into())
        })
    }
}

/// An unlinked file in `state_dir` holding spilled blocks.
#[derive(Debug)]
pub struct Spill {
    file: File,
    /// Where the file was created, for messages (the name no longer exists).
    path: PathBuf,
    end: AtomicU64,
    /// The last block read, by offset and length (an empty block shares its offset with
    /// the next one).
    last: Mutex<Option<(u64, u32, Arc<str>)>>,
}

impl Spill {
    /// Creates the file in `dir` and unlinks it. Names are unique within the process (a
    /// reload and the board's load may create one at the same time).
    pub fn create(dir: &Path) -> Result<Arc<Spill>> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".texts-{}-{number}", std::process::id()));
        let open = || {
            File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
        };
        let file = match open() {
            // Only an earlier process with the same id, dead between creating and
            // unlinking its file, leaves this name behind: it is stale.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let _ = std::fs::remove_file(&path);
                open()
            }
            opened => opened,
        }
        .with_context(|| format!("creating the spill file `{}`", path.display()))?;
        std::fs::remove_file(&path)
            .with_context(|| format!("unlinking the spill file `{}`", path.display()))?;
        Ok(Arc::new(Spill {
            file,
            path,
            end: AtomicU64::new(0),
            last: Mutex::new(None),
        }))
    }

    /// Appends `text` and returns its block.
    pub fn append(self: &Arc<Spill>, text: &str) -> Result<Texts> {
        let len = u32::try_from(text.len()).context("a commitments file's texts exceed 4 GiB")?;
        let offset = self.end.fetch_add(u64::from(len), Ordering::Relaxed);
        self.file
            .write_all_at(text.as_bytes(), offset)
            .with_context(|| format!("writing the spill file `{}`", self.path.display()))?;
        Ok(Texts::Spilled {
            spill: Arc::clone(self),
            offset,
            len,
        })
    }

    fn read(&self, offset: u64, len: u32) -> Result<Arc<str>> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((at, length, text)) = last.as_ref()
            && (*at, *length) == (offset, len)
        {
            return Ok(Arc::clone(text));
        }
        let mut bytes = vec![0; len as usize];
        self.file
            .read_exact_at(&mut bytes, offset)
            .with_context(|| format!("reading the spill file `{}`", self.path.display()))?;
        let text: Arc<str> = String::from_utf8(bytes)
            .with_context(|| {
                format!(
                    "the spill file `{}` changed under the daemon (not UTF-8 at {offset})",
                    self.path.display()
                )
            })?
            .into();
        *last = Some((offset, len, Arc::clone(&text)));
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_read_back_and_the_file_leaves_no_name() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::create(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let first = spill.append("省财政厅将持续安排出资").unwrap();
        let second = spill.append("扩大基金规模").unwrap();
        let empty = spill.append("").unwrap();
        assert!(first.is_spilled());
        assert_eq!(&*second.load().unwrap(), "扩大基金规模");
        assert_eq!(&*first.load().unwrap(), "省财政厅将持续安排出资");
        assert_eq!(&*first.load().unwrap(), "省财政厅将持续安排出资");
        assert_eq!(&*empty.load().unwrap(), "");
        assert_eq!(&*Texts::default().load().unwrap(), "");
    }

    #[test]
    fn keeping_falls_back_to_memory_when_the_folder_cannot_hold_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("not-a-folder");
        std::fs::write(&blocked, "").unwrap();
        let mut keep = Keep::spill(Some(blocked.clone()));
        let first = keep.put(&blocked, "省科技厅".into());
        assert!(!first.is_spilled());
        assert_eq!(&*first.load().unwrap(), "省科技厅");
        let mut keep = Keep::spill(None);
        let state_dir = dir.path().join("state");
        let (a, b) = (
            keep.put(&state_dir, "甲".into()),
            keep.put(&state_dir, "乙".into()),
        );
        assert!(a.is_spilled() && b.is_spilled());
        assert_eq!((&*a.load().unwrap(), &*b.load().unwrap()), ("甲", "乙"));
        assert_eq!(std::fs::read_dir(&state_dir).unwrap().count(), 0);
        assert!(!Keep::Memory.put(&state_dir, "丙".into()).is_spilled());
    }

    #[test]
    fn a_spilled_configuration_reads_every_text_as_one_kept_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("commitments")).unwrap();
        std::fs::write(
            dir.path().join("followup.toml"),
            "timezone = \"Asia/Shanghai\"\nstate_dir = \"state\"\ncommitments = [\"commitments/*.toml\"]\n\
             [mail]\nfrom = \"督办室 <duban@example.gov.cn>\"\ntransport = \"file\"\n\
             [schedule]\nremind = \"0 9 * * 1\"\n\
             [departments.\"省科技厅\"]\nto = [\"kjt@example.gov.cn\"]\n",
        )
        .unwrap();
        for (file, title) in [
            ("a", "关于推动我省通用人工智能产业发展的建议"),
            ("b", "关于…的提案"),
        ] {
            std::fs::write(
                dir.path().join(format!("commitments/{file}.toml")),
                format!(
                    "[letter]\nid = \"{file}\"\ntitle = \"{title}\"\nproposer = \"张三\"\n\
                     [[commitment]]\nid = \"{file}-1\"\nowner = \"省科技厅\"\ntopic = \"攻关\"\n\
                     text = \"持续组织实施人工智能领域科技攻关\"\n\
                     [[commitment]]\nid = \"{file}-2\"\nowner = \"省科技厅\"\ntext = \"优化布局\"\n\
                     note = \"已立项\"\nstatus = \"done\"\ndone_on = 2025-11-03\n"
                ),
            )
            .unwrap();
        }
        let main = dir.path().join("followup.toml");
        let memory = crate::config::load(&main).unwrap().config;
        let spilled = crate::config::load_keeping(&main, &mut Keep::spill(None))
            .unwrap()
            .config;
        assert!(dir.path().join("state").is_dir());
        let prose = |config: &crate::model::Config| -> Vec<String> {
            let mut out = Vec::new();
            for letter in &config.letters {
                let texts = letter.texts().unwrap();
                out.push(format!(
                    "{} {} {:?}",
                    letter.id(),
                    texts.title(),
                    texts.proposer()
                ));
            }
            for commitment in &config.commitments {
                let texts = commitment.texts().unwrap();
                out.push(format!(
                    "{} {:?} {} {:?}",
                    commitment.id(),
                    texts.topic(),
                    texts.text(),
                    texts.note()
                ));
            }
            out
        };
        assert_eq!(prose(&spilled), prose(&memory));
        assert_eq!(prose(&memory).len(), 6);
        assert!(prose(&memory)[2].contains("持续组织实施人工智能领域科技攻关"));
    }
}
