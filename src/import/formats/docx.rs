//! Word .docx: the text of `word/document.xml` in reading order. Paragraphs (`w:p`) become
//! lines; a table row (`w:tr`) becomes one line with its cells separated by a tab, so that a
//! table of measures keeps each measure with its responsible unit. Deleted text (`w:delText`)
//! and field codes (`w:instrText`) are skipped; tabs and breaks are kept as whitespace.

use super::ImportError;
use super::zip_xml::{self, Archive, damaged, local};
use quick_xml::Reader;
use quick_xml::events::Event;

pub(super) fn text(archive: &mut Archive<'_>) -> Result<String, ImportError> {
    let xml = zip_xml::read(archive, "docx", "word/document.xml")?;
    document_text(&xml)
}

fn document_text(xml: &str) -> Result<String, ImportError> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    // Depth of table cells we are in; paragraphs inside a cell do not end the line.
    let mut cells: Vec<bool> = Vec::new();
    loop {
        match reader.read_event() {
            Err(e) => return Err(damaged("docx", &format!("word/document.xml: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => match local(e.name().as_ref()) {
                b"t" => in_text = true,
                b"tc" => {
                    if cells.last().copied() == Some(true) {
                        out.push('\t');
                    }
                    if let Some(first) = cells.last_mut() {
                        *first = true;
                    }
                    cells.push(false);
                }
                b"tr" => cells.push(false),
                _ => {}
            },
            Ok(Event::Empty(e)) => match local(e.name().as_ref()) {
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match local(e.name().as_ref()) {
                b"t" => in_text = false,
                b"p" if !in_cell(&cells) => out.push('\n'),
                b"p" => out.push(' '),
                b"tc" => {
                    cells.pop();
                }
                b"tr" => {
                    cells.pop();
                    out.push('\n');
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                let text = t
                    .decode()
                    .map_err(|e| damaged("docx", &format!("word/document.xml: {e}")))?;
                out.push_str(&text);
            }
            Ok(Event::GeneralRef(r)) if in_text => out.push_str(&zip_xml::reference_text(&r)),
            Ok(_) => {}
        }
    }
    Ok(out)
}

fn in_cell(cells: &[bool]) -> bool {
    // `cells` holds a marker per open row and per open cell; rows and cells alternate.
    cells.len().is_multiple_of(2) && !cells.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_runs_and_tables_in_reading_order() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>张三代表：</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">下一步，</w:t></w:r><w:r><w:delText>删去</w:delText></w:r><w:r><w:t>我局将加快建设&amp;完善。</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>推进公交线路优化</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>市交通局</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>银川市交通运输局</w:t></w:r></w:p>
</w:body></w:document>"#;
        assert_eq!(
            document_text(xml).expect("parses"),
            "张三代表：\n下一步，我局将加快建设&完善。\n推进公交线路优化 \t市交通局 \n银川市交通运输局\n"
        );
    }

    #[test]
    fn broken_xml_is_a_clear_error() {
        let err = document_text("<w:document><w:body><w:p></w:x>").unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}
