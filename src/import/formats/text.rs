//! Plain text in the encodings Chinese offices use: UTF-8 (with or without a BOM), UTF-16
//! (with a BOM, or without one when the NUL pattern of ASCII gives it away) and GB18030,
//! which is a superset of GBK and GB2312. Binary data is refused rather than guessed at.

use super::{Format, ImportError};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

pub(super) fn decode_text(bytes: &[u8]) -> Result<(Format, String), ImportError> {
    let (format, text) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]) {
        (Format::Utf8, utf8(rest)?)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE][..]) {
        (Format::Utf16, utf16(rest, true)?)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF][..]) {
        (Format::Utf16, utf16(rest, false)?)
    } else if let Some(little) = utf16_without_bom(bytes) {
        (Format::Utf16, utf16(bytes, little)?)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (Format::Utf8, text.to_owned())
    } else {
        let text = GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(ImportError::Binary)?;
        (Format::Gb18030, text.into_owned())
    };
    if bytes.contains(&0) && format != Format::Utf16 || mostly_controls(&text) {
        return Err(ImportError::Binary);
    }
    Ok((format, text))
}

fn utf8(bytes: &[u8]) -> Result<String, ImportError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| ImportError::Binary)
}

fn utf16(bytes: &[u8], little: bool) -> Result<String, ImportError> {
    let encoding = if little { UTF_16LE } else { UTF_16BE };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ImportError::Binary);
    }
    Ok(text.into_owned())
}

/// ASCII in UTF-16 puts a NUL in every other byte, and text has no NUL of its own: NULs
/// that (nearly) all sit at odd offsets mean little-endian, all at even offsets big-endian.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let even_nul = bytes.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_nul = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    // A CJK character whose low byte is zero (一 is U+4E00) puts the odd NUL on the other side.
    if odd_nul > 4 * even_nul {
        Some(true)
    } else if even_nul > 4 * odd_nul {
        Some(false)
    } else {
        None
    }
}

/// Valid text can still be binary-ish (control characters everywhere); letters have almost none.
fn mostly_controls(text: &str) -> bool {
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    controls * 20 > text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "张三代表：\n您提出的建议收悉，现答复如下：\n下一步，我局将加快建设，2025年底前完成。\n银川市交通运输局\n2025年6月1日\n";

    #[test]
    fn utf8_with_and_without_a_bom() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(LETTER.as_bytes());
        assert_eq!(decode_text(&bom), Ok((Format::Utf8, LETTER.to_owned())));
        assert_eq!(
            decode_text(LETTER.as_bytes()),
            Ok((Format::Utf8, LETTER.to_owned()))
        );
    }

    #[test]
    fn gbk_and_gb18030_text_is_read() {
        let (bytes, _, _) = GB18030.encode(LETTER);
        assert_eq!(
            decode_text(&bytes),
            Ok((Format::Gb18030, LETTER.to_owned()))
        );
        // 你好 in GBK.
        assert_eq!(
            decode_text(&[0xC4, 0xE3, 0xBA, 0xC3]),
            Ok((Format::Gb18030, "你好".to_owned()))
        );
    }

    #[test]
    fn utf16_with_a_bom_or_by_its_nul_pattern() {
        let le: Vec<u8> = LETTER.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = LETTER.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut le_bom = vec![0xFF, 0xFE];
        le_bom.extend_from_slice(&le);
        let mut be_bom = vec![0xFE, 0xFF];
        be_bom.extend_from_slice(&be);
        for bytes in [le, be, le_bom, be_bom] {
            assert_eq!(
                decode_text(&bytes),
                Ok((Format::Utf16, LETTER.to_owned())),
                "{:x?}",
                &bytes[..6]
            );
        }
    }

    #[test]
    fn binary_is_refused() {
        assert_eq!(decode_text(&[1, 2, 3, 4, 5, 6]), Err(ImportError::Binary));
        assert_eq!(
            decode_text(b"\x7fELF\x02\x01\x01\x00\x00"),
            Err(ImportError::Binary)
        );
        assert_eq!(
            decode_text(&[0x81, 0x20, 0xFF, 0xFF]),
            Err(ImportError::Binary)
        );
    }
}
