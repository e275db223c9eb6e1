//! PDF with a text layer, read by pdf-extract (pure Rust, on lopdf; it maps CJK glyphs back to
//! characters through the fonts' ToUnicode CMaps). Measured on letters printed to PDF by
//! LibreOffice with Noto CJK fonts: the same characters as poppler's `pdftotext`, lines kept,
//! so no external program is needed (see ARCHITECTURE.md, "Import pipeline").
//! A PDF whose pages carry no text is a scan and says so. pdf-extract panics on some
//! malformed files; the panic is caught here and reported as a damaged file.

use super::ImportError;
use super::zip_xml::damaged;

pub(super) fn text(bytes: &[u8]) -> Result<String, ImportError> {
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    match extracted {
        Ok(Ok(text)) if text.trim().is_empty() => Err(ImportError::ScannedPdf),
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(damaged("pdf", &e.to_string())),
        Err(_) => Err(damaged(
            "pdf",
            "the pdf reader could not make sense of its structure",
        )),
    }
}
