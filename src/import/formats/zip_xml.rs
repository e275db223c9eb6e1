//! The zip + XML plumbing that .docx and OFD share: open a package from memory, read one
//! member with a size cap (a zip bomb stops at the cap), and name XML elements without
//! their namespace prefix (`w:p` → `p`, `ofd:TextCode` → `TextCode`).

use super::ImportError;
use std::io::{Cursor, Read as _};
use zip::ZipArchive;

/// No part of a letter is this large; more is a damaged or hostile file.
const MEMBER_LIMIT: u64 = 64 << 20;

pub(super) type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn open(bytes: &[u8]) -> Result<Archive<'_>, ImportError> {
    ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged("zip", &e.to_string()))
}

pub(super) fn damaged(format: &str, detail: &str) -> ImportError {
    ImportError::Damaged {
        format: format.to_owned(),
        detail: detail.to_owned(),
    }
}

/// The member's exact name, matching case-insensitively and ignoring a leading `/`.
pub(super) fn find_ci(archive: &Archive<'_>, name: &str) -> Option<String> {
    let want = name.trim_start_matches('/').replace('\\', "/");
    archive
        .file_names()
        .flatten()
        .find(|n| n.trim_start_matches('/').eq_ignore_ascii_case(&want))
        .map(|n| n.into_owned())
}

/// One member as UTF-8 text (XML in these formats is UTF-8; a BOM is dropped).
pub(super) fn read(
    archive: &mut Archive<'_>,
    format: &str,
    name: &str,
) -> Result<String, ImportError> {
    let exact =
        find_ci(archive, name).ok_or_else(|| damaged(format, &format!("`{name}` is missing")))?;
    let member = archive
        .by_name(&exact)
        .map_err(|e| damaged(format, &format!("`{name}`: {e}")))?;
    let mut bytes = Vec::new();
    member
        .take(MEMBER_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(format, &format!("`{name}`: {e}")))?;
    if bytes.len() as u64 > MEMBER_LIMIT {
        return Err(damaged(format, &format!("`{name}` is larger than 64 MiB")));
    }
    let bytes = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| damaged(format, &format!("`{name}` is not utf-8 xml")))
}

/// `w:p` → `p`: elements are matched by local name whatever prefix the writer chose.
pub(super) fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b':').next().unwrap_or(name)
}

/// An attribute's unescaped value by local name.
pub(super) fn attribute(element: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The text of an entity or character reference between text events (`&amp;`, `&#x4E2D;`):
/// the five XML entities and any character reference; an unknown entity gives nothing.
pub(super) fn reference_text(reference: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return c.to_string();
    }
    let name = reference.decode().unwrap_or_default();
    match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string()
}
