//! Marks commitments done or open by editing their own TOML file with toml_edit: every other byte stays as it was, and the file is replaced atomically.
//! `edit_text` is the pure part (text in, text out); `apply` only reads, renames and syncs
//! around it. Never reads the clock (the caller passes the date) and never touches the
//! delivery log: a running daemon notices the renamed file and reloads.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use chrono::{Datelike, NaiveDate};
use toml_edit::{Decor, DocumentMut, Item, Key, TableLike, Value};

use crate::model::{Config, Status};

/// What `followup done` and `followup reopen` do to a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Sets `status = "done"` and `done_on`; a note, when given, replaces an earlier one.
    Done { on: NaiveDate, note: Option<String> },
    /// Sets `status = "open"` and removes `done_on`; the note stays.
    Reopen,
    /// Sets the commitment's own `due` (an approved extension, `followup extend`).
    Due { to: NaiveDate },
}

/// One commitment after `apply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub id: String,
    /// The commitments file it lives in, as the configuration names it.
    pub file: PathBuf,
    /// False if the commitment was already in that state (its status did not change; a
    /// re-marked done commitment may still get a new `done_on` or `note`).
    pub changed: bool,
}

/// Applies the change to each id (ids may live in different files; each file is read, edited and written once).
///
/// Every id is checked against the configuration and every file is edited in memory before
/// anything is written, so an unknown id or a file that no longer holds its commitment
/// leaves every file as it was. A file whose text does not change is not rewritten.
pub fn apply(config: &Config, ids: &[String], change: &Change) -> anyhow::Result<Vec<Edited>> {
    let mut unique: Vec<&str> = Vec::new();
    for id in ids {
        if !unique.contains(&id.as_str()) {
            unique.push(id);
        }
    }

    let mut unknown = Vec::new();
    // Files in the order their first id was named, each with its ids.
    let mut files: Vec<(&Path, Vec<&str>)> = Vec::new();
    for id in &unique {
        let Some(index) = config.find_commitment(id) else {
            let suggestion = crate::config::suggest(
                id,
                config.commitments.iter().map(|commitment| commitment.id()),
            );
            unknown.push(match suggestion {
                Some(known) => format!("unknown commitment `{id}` (did you mean `{known}`?)"),
                None => format!("unknown commitment `{id}`"),
            });
            continue;
        };
        let file = config.commitments[index].file();
        match files.iter_mut().find(|(path, _)| *path == file) {
            Some((_, file_ids)) => file_ids.push(id),
            None => files.push((file, vec![id])),
        }
    }
    if !unknown.is_empty() {
        return Err(anyhow!("{}", unknown.join("; ")));
    }

    // A dry run first, so that a file that no longer holds its commitment stops everything
    // before any file is written.
    for (file, file_ids) in &files {
        let text = read_bounded(file)?;
        edit_document(&text, file_ids, change)
            .map_err(|message| anyhow!("editing `{}`: {message}", file.display()))?;
    }
    // Then each file for real, under its lock, on the text read under that lock: a
    // concurrent `done` on the same file waits and then edits what this one wrote.
    let mut results = Vec::new();
    for (file, file_ids) in &files {
        let mut flags = Vec::new();
        rewrite(file, |text| {
            let (edited, changed) = edit_document(text, file_ids, change)
                .map_err(|message| anyhow!("editing `{}`: {message}", file.display()))?;
            flags = changed;
            Ok(edited)
        })?;
        for (id, changed) in file_ids.iter().zip(flags) {
            results.push(Edited {
                id: (*id).to_string(),
                file: file.to_path_buf(),
                changed,
            });
        }
    }

    results.sort_by_key(|edited| unique.iter().position(|id| *id == edited.id));
    Ok(results)
}

/// The pure part: edits one file's text. Returns the new text. Errors if the id is not in this text.
pub fn edit_text(text: &str, ids: &[&str], change: &Change) -> Result<String, String> {
    edit_document(text, ids, change).map(|(edited, _)| edited)
}

/// Edits the text and says, for each id, whether its status changed.
fn edit_document(text: &str, ids: &[&str], change: &Change) -> Result<(String, Vec<bool>), String> {
    let layout = Layout::of(text);
    let normalized = layout.normalize(text);
    let mut document: DocumentMut = normalized.parse().map_err(|error: toml_edit::TomlError| {
        format!("TOML syntax error: {}", error.to_string().trim_end())
    })?;
    // toml_edit reproduces almost every file exactly; where it would not, refuse rather than
    // reformat someone's file behind their back.
    if document.to_string() != normalized {
        return Err(
            "toml_edit cannot reproduce this file byte for byte, so it is left alone; edit it by hand"
                .to_string(),
        );
    }

    let mut missing = Vec::new();
    let mut changed = Vec::new();
    for id in ids {
        let mut found = commitment_tables(&mut document, id);
        match found.len() {
            0 => missing.push(format!("`{id}`")),
            1 => {
                let (table, shape) = found.pop().expect("one table was found");
                changed.push(
                    change_table(table, &shape, change)
                        .map_err(|message| format!("commitment `{id}`: {message}"))?,
                );
            }
            count => {
                return Err(format!(
                    "commitment `{id}` is defined {count} times in this file"
                ));
            }
        }
    }
    match missing.len() {
        0 => Ok((layout.restore(document.to_string()), changed)),
        1 => Err(format!("no commitment {} in this file", missing[0])),
        _ => Err(format!(
            "no commitments {} in this file",
            missing.join(", ")
        )),
    }
}

/// How a commitment's table is written, so that a key added to it looks like its neighbours.
enum Shape {
    /// `[[commitment]]`, its keys indented by these spaces or tabs.
    Table { indent: String },
    /// `{ id = "…", … }` in `commitment = [...]`.
    Inline,
}

/// The `[[commitment]]` tables (or inline tables in `commitment = [...]`) whose `id` is `id`.
fn commitment_tables<'d>(
    document: &'d mut DocumentMut,
    id: &str,
) -> Vec<(&'d mut dyn TableLike, Shape)> {
    let has_id = |table: &dyn TableLike| table.get("id").and_then(Item::as_str) == Some(id);
    let mut found: Vec<(&'d mut dyn TableLike, Shape)> = Vec::new();
    match document.get_mut("commitment") {
        Some(Item::ArrayOfTables(tables)) => {
            for table in tables.iter_mut() {
                if has_id(&*table) {
                    let indent = indentation(&*table);
                    found.push((table, Shape::Table { indent }));
                }
            }
        }
        Some(Item::Value(Value::Array(values))) => {
            for value in values.iter_mut() {
                if let Some(table) = value.as_inline_table_mut()
                    && has_id(&*table)
                {
                    found.push((table, Shape::Inline));
                }
            }
        }
        _ => {}
    }
    found
}

/// The spaces or tabs before the table's last key, so that an appended key lines up with it.
fn indentation(table: &dyn TableLike) -> String {
    let Some((last, _)) = table.iter().last() else {
        return String::new();
    };
    let prefix = table
        .key(last)
        .and_then(|key| key.leaf_decor().prefix())
        .and_then(|prefix| prefix.as_str())
        .unwrap_or("");
    let line = prefix.rsplit('\n').next().unwrap_or("");
    if line.chars().all(|c| c == ' ' || c == '\t') {
        line.to_string()
    } else {
        String::new()
    }
}

/// Applies the change to one commitment's table; says whether its status changed.
fn change_table(table: &mut dyn TableLike, shape: &Shape, change: &Change) -> Result<bool, String> {
    let status = match table.get("status") {
        None => Some(Status::Open.as_str()),
        Some(item) => item.as_str(),
    };
    match change {
        Change::Done { on, note } => {
            let changed = status != Some(Status::Done.as_str());
            if changed {
                set(table, "status", Value::from(Status::Done.as_str()), shape)?;
            }
            let date = toml_date(*on)?;
            let same_date = table
                .get("done_on")
                .and_then(Item::as_datetime)
                .is_some_and(|existing| *existing == date);
            if !same_date {
                set(table, "done_on", Value::from(date), shape)?;
            }
            if let Some(note) = note
                && table.get("note").and_then(Item::as_str) != Some(note.as_str())
            {
                set(table, "note", Value::from(note.as_str()), shape)?;
            }
            Ok(changed)
        }
        Change::Reopen => {
            let changed = status == Some(Status::Done.as_str());
            // A missing status already means open: nothing to write for it.
            if table.contains_key("status") && status != Some(Status::Open.as_str()) {
                set(table, "status", Value::from(Status::Open.as_str()), shape)?;
            }
            remove(table, "done_on", shape);
            Ok(changed)
        }
        Change::Due { to } => {
            let date = toml_date(*to)?;
            let same = table
                .get("due")
                .and_then(Item::as_datetime)
                .is_some_and(|existing| *existing == date);
            if !same {
                set(table, "due", Value::from(date), shape)?;
            }
            Ok(!same)
        }
    }
}

/// Replaces the value of `key` in place, keeping the key, the spaces around `=` and any
/// comment after the value; or appends `key = value` after the table's last key.
fn set(table: &mut dyn TableLike, key: &str, value: Value, shape: &Shape) -> Result<(), String> {
    match table.get_mut(key) {
        Some(Item::Value(existing)) => {
            let decor = existing.decor().clone();
            *existing = value;
            *existing.decor_mut() = decor;
            Ok(())
        }
        Some(_) => Err(format!("`{key}` is a table, not a value")),
        None => {
            match shape {
                Shape::Table { indent } => {
                    let formatted = Key::new(key).with_leaf_decor(Decor::new(indent.as_str(), " "));
                    table.entry_format(&formatted).or_insert(Item::Value(value));
                }
                Shape::Inline => {
                    // The space before `}` belongs to the last value; it moves to the new last.
                    let closing = take_last_suffix(table);
                    let mut value = value;
                    value.decor_mut().set_suffix(closing);
                    table.insert(key, Item::Value(value));
                }
            }
            Ok(())
        }
    }
}

/// Removes `key` and its line. Comment and blank lines above it are kept by handing them to
/// the key that follows; only when it is the table's last key do they go with it.
fn remove(table: &mut dyn TableLike, key: &str, shape: &Shape) {
    let Some(position) = table.iter().position(|(name, _)| name == key) else {
        return;
    };
    if let Shape::Inline = shape {
        if position + 1 == table.len() {
            let closing = take_last_suffix(table);
            table.remove(key);
            if let Some(Item::Value(last)) = table.iter_mut().last().map(|(_, item)| item) {
                last.decor_mut().set_suffix(closing);
            }
        } else {
            table.remove(key);
        }
        return;
    }
    let above = table
        .key(key)
        .and_then(|removed| removed.leaf_decor().prefix())
        .and_then(|prefix| prefix.as_str())
        .and_then(|prefix| prefix.rfind('\n').map(|end| prefix[..=end].to_string()));
    table.remove(key);
    let Some(above) = above else {
        return;
    };
    let Some(next) = table.iter().nth(position).map(|(name, _)| name.to_string()) else {
        return;
    };
    if let Some(mut next_key) = table.key_mut(&next) {
        let decor = next_key.leaf_decor_mut();
        let old = decor
            .prefix()
            .and_then(|prefix| prefix.as_str())
            .unwrap_or("")
            .to_string();
        decor.set_prefix(format!("{above}{old}"));
    }
}

/// Empties the decor after the last value of an inline table and returns what it held.
fn take_last_suffix(table: &mut dyn TableLike) -> String {
    let Some(Item::Value(last)) = table.iter_mut().last().map(|(_, item)| item) else {
        return String::new();
    };
    let suffix = last
        .decor()
        .suffix()
        .and_then(|suffix| suffix.as_str())
        .unwrap_or("")
        .to_string();
    last.decor_mut().set_suffix("");
    suffix
}

fn toml_date(on: NaiveDate) -> Result<toml_edit::Datetime, String> {
    let year = u16::try_from(on.year())
        .ok()
        .filter(|year| *year <= 9999)
        .ok_or_else(|| format!("the date `{on}` has no four-digit year"))?;
    let date = toml_edit::Date {
        year,
        month: u8::try_from(on.month()).expect("a month is 1 to 12"),
        day: u8::try_from(on.day()).expect("a day is 1 to 31"),
    };
    Ok(toml_edit::Datetime::from(date))
}

/// What toml_edit would not give back as it found it: a byte-order mark, CRLF line ends and a
/// missing final newline. They are taken off before editing and put back after.
struct Layout {
    bom: bool,
    crlf: bool,
    final_newline: bool,
}

impl Layout {
    fn of(text: &str) -> Layout {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        Layout {
            bom: body.len() != text.len(),
            // Only a file whose every line ends in CRLF: mixed endings are left to the
            // byte-for-byte check, which refuses them.
            crlf: body.contains("\r\n") && !body.replace("\r\n", "").contains('\n'),
            final_newline: body.is_empty() || body.ends_with('\n'),
        }
    }

    fn normalize(&self, text: &str) -> String {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut body = if self.crlf {
            body.replace("\r\n", "\n")
        } else {
            body.to_string()
        };
        if !self.final_newline {
            body.push('\n');
        }
        body
    }

    fn restore(&self, mut text: String) -> String {
        if !self.final_newline && text.ends_with('\n') {
            text.pop();
        }
        if self.crlf {
            text = text.replace('\n', "\r\n");
        }
        if self.bom {
            text.insert(0, '\u{feff}');
        }
        text
    }
}

/// Reads a commitments file the way the configuration loader does (a regular file, at most
/// `config::DEFAULT_MAX_FILE_BYTES`), so an edit never blocks on a FIFO or reads without end.
fn read_bounded(path: &Path) -> anyhow::Result<String> {
    crate::config::read_regular_file(path, crate::config::DEFAULT_MAX_FILE_BYTES)
        .map_err(|message| anyhow!("reading commitments file `{}`: {message}", path.display()))
}

/// The one way to rewrite a configuration file, for `done`/`reopen` and every later writer
/// (the web board, reply handling): takes an exclusive lock, reads the file under it, hands
/// the text to `edit`, and when the text changed writes it to a uniquely named temporary file
/// in the same folder (synced), renames it over the original and syncs the folder. Returns
/// whether the file changed.
///
/// The lock is an advisory `flock` on the file's folder, not on the file: the rename gives the
/// file a new inode, so a lock on the old one would not stop a writer that opened the new one.
/// The folder is a stable path that every writer of any file in it agrees on, and it needs no
/// lock file of its own. Two writers therefore never both read the same old text and the last
/// rename can never drop the other's change. Temporary files left by a killed writer
/// (`.NAME.tmp-PID-N` whose process is gone) are removed on the next write under the lock.
pub fn rewrite(
    path: &Path,
    edit: impl FnOnce(&str) -> anyhow::Result<String>,
) -> anyhow::Result<bool> {
    // A symlinked commitments file stays a symlink: the file it points to is replaced.
    let target =
        fs::canonicalize(path).with_context(|| format!("resolving `{}`", path.display()))?;
    let folder = target
        .parent()
        .with_context(|| format!("`{}` has no folder", path.display()))?;
    let name = target
        .file_name()
        .with_context(|| format!("`{}` has no file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let lock = File::open(folder)
        .with_context(|| format!("opening folder `{}` to lock it", folder.display()))?;
    lock.lock()
        .with_context(|| format!("locking folder `{}`", folder.display()))?;
    remove_stale_temporaries(folder, &name);
    let text = read_bounded(&target)?;
    let edited = edit(&text)?;
    if edited == text {
        return Ok(false);
    }
    replace(path, &target, folder, &name, &edited)?;
    // The lock is released when `lock` is dropped, after the rename and the folder sync.
    drop(lock);
    Ok(true)
}

/// The prefix of every temporary file written for `name`: `.NAME.tmp-`.
fn temporary_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// Removes `.NAME.tmp-PID[-N]` files whose process no longer runs (a writer killed between
/// writing and renaming). A live process that writes without the lock (an older build) keeps
/// its file. Best effort: a file that cannot be removed is left for next time.
fn remove_stale_temporaries(folder: &Path, name: &str) {
    let prefix = temporary_prefix(name);
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|text| text.strip_prefix(&prefix))
        else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        // Under the lock no writer of this file is between writing and renaming, so a
        // temporary file of this very process is stale too (its PID was reused).
        if pid == std::process::id() || !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Replaces `target` with `text` the way an editor that cares does: a temporary file in the
/// same folder, synced, renamed over the original, then the folder synced. A reader (the
/// daemon) sees the old file or the new one, never half of one.
fn replace(
    path: &Path,
    target: &Path,
    folder: &Path,
    name: &str,
    text: &str,
) -> anyhow::Result<()> {
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = folder.join(format!(
        "{}{}-{sequence}",
        temporary_prefix(name),
        std::process::id()
    ));
    let metadata = fs::metadata(target).with_context(|| format!("reading `{}`", path.display()))?;

    let written = write_synced(&temporary, text, &metadata)
        .and_then(|()| {
            fs::rename(&temporary, target).with_context(|| {
                format!(
                    "renaming `{}` to `{}`",
                    temporary.display(),
                    target.display()
                )
            })
        })
        .with_context(|| format!("writing `{}`", path.display()));
    if written.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = fs::remove_file(&temporary);
    }
    written?;

    File::open(folder)
        .and_then(|folder| folder.sync_all())
        .with_context(|| format!("syncing folder `{}`", folder.display()))
}

fn write_synced(temporary: &Path, text: &str, original: &fs::Metadata) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    // A unique name that must not exist yet: never writes through a planted file or link.
    options.write(true).create_new(true);
    // Readable by nobody else until it has the original's permissions.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(temporary)
        .with_context(|| format!("writing `{}`", temporary.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing `{}`", temporary.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Keeps the owner when root edits a file that belongs to someone else; anyone else
        // cannot give a file away, and then the file is theirs like any file they save.
        let _ = std::os::unix::fs::fchown(&file, Some(original.uid()), Some(original.gid()));
    }
    file.set_permissions(original.permissions())
        .with_context(|| format!("setting permissions of `{}`", temporary.display()))?;
    file.sync_all()
        .with_context(|| format!("syncing `{}`", temporary.display()))
}
