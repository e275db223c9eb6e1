//! Stage 1: formats — bytes as an office receives them → the letter's text, one paragraph a line.
//!
//! The format is detected from the content, never from the file name: `%PDF` → PDF; a zip
//! holding `word/document.xml` → .docx, holding `OFD.xml` → OFD (GB/T 33190); markup that
//! opens like a web page → HTML; anything else that decodes as UTF-8, UTF-16 (with a BOM or
//! the NUL pattern of ASCII in UTF-16) or GB18030 (which covers GBK and GB2312) → plain text.
//! Damaged containers and scanned PDFs give an [`ImportError`] that says what to do; no input
//! makes this module panic. Pure: bytes in, text out.

mod docx;
mod html;
mod ofd;
mod pdf;
mod text;
mod zip_xml;

use super::ImportError;
use std::fmt;

/// What a letter's bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Utf8,
    Utf16,
    Gb18030,
    Docx,
    Pdf,
    Ofd,
    Html,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Utf8 => "text (utf-8)",
            Format::Utf16 => "text (utf-16)",
            Format::Gb18030 => "text (gb18030/gbk)",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Ofd => "ofd",
            Format::Html => "html",
        })
    }
}

/// The letter's text, whatever the format (see [`decode_as`] for the format too).
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    decode_as(bytes).map(|(_, text)| text)
}

/// Detects the format from the content and extracts the text.
pub fn decode_as(bytes: &[u8]) -> Result<(Format, String), ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty);
    }
    let head = &bytes[..bytes.len().min(1024)];
    let (format, text) = if find(head, b"%PDF-").is_some() {
        (Format::Pdf, pdf::text(bytes)?)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        zip_letter(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(ImportError::Unsupported(
            "an old binary Word (.doc) or Excel file; open it and save it as .docx or .pdf".into(),
        ));
    } else {
        let (format, decoded) = text::decode_text(bytes)?;
        if html::looks_like_html(&decoded) {
            (Format::Html, html::text(&decoded))
        } else {
            (format, decoded)
        }
    };
    if text.trim().is_empty() {
        return Err(match format {
            Format::Pdf => ImportError::ScannedPdf,
            _ => ImportError::NoText(format.to_string()),
        });
    }
    Ok((format, text))
}

/// A zip is a .docx or an OFD package; anything else is refused by name.
fn zip_letter(bytes: &[u8]) -> Result<(Format, String), ImportError> {
    let mut archive = zip_xml::open(bytes)?;
    if archive.index_for_name("word/document.xml").is_some() {
        return Ok((Format::Docx, docx::text(&mut archive)?));
    }
    if zip_xml::find_ci(&archive, "OFD.xml").is_some() {
        return Ok((Format::Ofd, ofd::text(&mut archive)?));
    }
    Err(ImportError::Unsupported(
        "a zip archive that is neither a .docx (no word/document.xml) nor an OFD file (no OFD.xml)"
            .into(),
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_old_word_files_are_refused_clearly() {
        assert_eq!(decode(b""), Err(ImportError::Empty));
        assert_eq!(decode(b" \n\t"), Err(ImportError::Empty));
        let doc = decode(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).unwrap_err();
        assert!(doc.to_string().contains("save it as .docx"), "{doc}");
    }

    #[test]
    fn a_zip_that_is_no_letter_is_named() {
        let err = decode(b"PK\x03\x04garbage that is not a zip").unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }

    #[test]
    fn html_is_detected_from_content() {
        let page = "<!DOCTYPE html><html><head><title>答复</title></head><body><div class=\"nav\"><a href=\"/\">首页</a></div><div id=\"content\"><p>张三代表：</p><p>您提出的建议收悉。我局将加快建设。</p></div></body></html>";
        let (format, text) = decode_as(page.as_bytes()).expect("decodes");
        assert_eq!(format, Format::Html);
        assert!(text.contains("我局将加快建设"), "{text}");
        assert!(!text.contains("首页"), "{text}");
    }
}
