//! Storing attachments under `state_dir/attachments/` by SHA-256 (`ab/abcdef….bin`), so the
//! same file sent twice is stored once and a rerun after a crash writes the same path. A file
//! larger than `replies.max_attachment_mib` is listed with its size and hash but not stored.
//! Writes go to a temporary file that is synced and renamed, so a stored file is whole.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::parse::Part;

/// One attachment as the log lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: u64,
    /// Where it is stored; `None` when it was refused.
    pub path: Option<PathBuf>,
    /// Why it was not stored.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refused: Option<String>,
}

/// The folder under `state_dir`.
pub fn folder(state_dir: &Path) -> PathBuf {
    state_dir.join("attachments")
}

/// Stores each part (or lists it as refused when larger than `max_bytes`).
pub fn store(state_dir: &Path, parts: &[Part], max_bytes: u64) -> Result<Vec<Stored>> {
    parts
        .iter()
        .map(|part| store_one(state_dir, part, max_bytes))
        .collect()
}

fn store_one(state_dir: &Path, part: &Part, max_bytes: u64) -> Result<Stored> {
    let sha256 = hex(&Sha256::digest(&part.bytes));
    let size = part.bytes.len() as u64;
    let mut stored = Stored {
        name: part.name.clone(),
        content_type: part.content_type.clone(),
        sha256: sha256.clone(),
        size,
        path: None,
        refused: None,
    };
    if size > max_bytes {
        stored.refused = Some(format!(
            "larger than the limit of {} MiB (`replies.max_attachment_mib`)",
            max_bytes / (1024 * 1024)
        ));
        return Ok(stored);
    }
    let folder = folder(state_dir).join(&sha256[..2]);
    let path = folder.join(format!("{sha256}.bin"));
    let complete = std::fs::metadata(&path).is_ok_and(|metadata| metadata.len() == size);
    if !complete {
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating `{}`", folder.display()))?;
        let temporary = folder.join(format!(".{sha256}.tmp-{}", std::process::id()));
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("writing `{}`", temporary.display()))?;
        file.write_all(&part.bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing `{}`", temporary.display()))?;
        std::fs::rename(&temporary, &path)
            .with_context(|| format!("renaming `{}`", temporary.display()))?;
        if let Ok(handle) = std::fs::File::open(&folder) {
            let _ = handle.sync_all();
        }
    }
    stored.path = Some(path);
    Ok(stored)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
