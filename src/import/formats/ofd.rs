//! OFD (GB/T 33190-2016), the national format for official electronic documents: a zip of
//! XML. `OFD.xml` names each document's root (`DocBody/DocRoot`); the document's
//! `Document.xml` lists its pages (`Pages/Page@BaseLoc`) in order; each page's `Content.xml`
//! holds `TextObject`s (with a `Boundary` "x y w h") whose `TextCode`s carry the text and
//! its position (`X`, `Y`, relative to the boundary). Text on one baseline becomes one
//! line, lines run top to bottom, pages in the document's order.

use super::ImportError;
use super::zip_xml::{self, Archive, attribute, damaged, local};
use quick_xml::Reader;
use quick_xml::events::Event;

pub(super) fn text(archive: &mut Archive<'_>) -> Result<String, ImportError> {
    let main = zip_xml::read(archive, "ofd", "OFD.xml")?;
    let roots = element_texts(&main, b"DocRoot")?;
    if roots.is_empty() {
        return Err(damaged("ofd", "OFD.xml names no DocBody/DocRoot"));
    }
    let mut out = String::new();
    for root in roots {
        let root = clean_path(&root);
        let document = zip_xml::read(archive, "ofd", &root)?;
        let base = parent(&root);
        for page in page_locations(&document)? {
            let path = if page.starts_with('/') {
                clean_path(&page)
            } else {
                clean_path(&format!("{base}{page}"))
            };
            let content = zip_xml::read(archive, "ofd", &path)?;
            out.push_str(&page_text(&content)?);
            out.push('\n');
        }
    }
    Ok(out)
}

/// "/Doc_0/./Document.xml" → "Doc_0/Document.xml".
fn clean_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// "Doc_0/Document.xml" → "Doc_0/".
fn parent(path: &str) -> String {
    path.rfind('/')
        .map_or(String::new(), |i| path[..=i].to_owned())
}

fn xml_error(e: impl std::fmt::Display) -> ImportError {
    damaged("ofd", &e.to_string())
}

/// The text content of every element with this local name.
fn element_texts(xml: &str, name: &[u8]) -> Result<Vec<String>, ImportError> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Eof => return Ok(found),
            Event::Start(e) if local(e.name().as_ref()) == name => {
                inside = true;
                found.push(String::new());
            }
            Event::End(e) if local(e.name().as_ref()) == name => inside = false,
            Event::Text(t) if inside => {
                let text = t.decode().map_err(xml_error)?;
                if let Some(last) = found.last_mut() {
                    last.push_str(text.trim());
                }
            }
            _ => {}
        }
    }
}

/// `Pages/Page@BaseLoc` in document order.
fn page_locations(document: &str) -> Result<Vec<String>, ImportError> {
    let mut reader = Reader::from_str(document);
    let mut pages = Vec::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Eof => return Ok(pages),
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == b"Page" => {
                if let Some(location) = attribute(&e, b"BaseLoc") {
                    pages.push(location);
                }
            }
            _ => {}
        }
    }
}

/// A piece of text at a position on the page (millimetres, y grows downwards).
struct Glyphs {
    x: f64,
    y: f64,
    text: String,
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|n| n.parse::<f64>().ok())
        .filter(|n| n.is_finite())
        .collect()
}

/// The page's text: glyph runs grouped into lines by baseline, lines top to bottom.
fn page_text(content: &str) -> Result<String, ImportError> {
    let mut reader = Reader::from_str(content);
    let mut runs: Vec<Glyphs> = Vec::new();
    let mut origin = (0.0, 0.0);
    let mut size = 3.5;
    let mut current: Option<Glyphs> = None;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Eof => break,
            Event::Start(e) => match local(e.name().as_ref()) {
                b"TextObject" => {
                    let boundary = attribute(&e, b"Boundary")
                        .map(|b| numbers(&b))
                        .unwrap_or_default();
                    origin = (
                        boundary.first().copied().unwrap_or(0.0),
                        boundary.get(1).copied().unwrap_or(0.0),
                    );
                    size = attribute(&e, b"Size")
                        .and_then(|s| numbers(&s).first().copied())
                        .unwrap_or(3.5);
                }
                b"TextCode" => {
                    let at = |key: &[u8]| {
                        attribute(&e, key)
                            .and_then(|v| numbers(&v).first().copied())
                            .unwrap_or(0.0)
                    };
                    current = Some(Glyphs {
                        x: origin.0 + at(b"X"),
                        y: origin.1 + at(b"Y"),
                        text: String::new(),
                    });
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(run) = current.as_mut() {
                    run.text.push_str(&t.decode().map_err(xml_error)?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(run) = current.as_mut() {
                    run.text.push_str(&zip_xml::reference_text(&r));
                }
            }
            Event::End(e) if local(e.name().as_ref()) == b"TextCode" => {
                if let Some(run) = current.take() {
                    runs.push(run);
                }
            }
            _ => {}
        }
    }
    // Same line when baselines are closer than half a character.
    let tolerance = size / 2.0;
    runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Vec<Glyphs>> = Vec::new();
    for run in runs {
        match lines.last_mut() {
            Some(line) if (line[0].y - run.y).abs() < tolerance => line.push(run),
            _ => lines.push(vec![run]),
        }
    }
    let mut out = String::new();
    for mut line in lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        for run in &line {
            out.push_str(&run.text);
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_codes_become_lines_in_position_order() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">
<ofd:TextObject ID="4" Boundary="25 40 160 6" Font="3" Size="4.2"><ofd:TextCode X="0" Y="4.2">下一步，我局将加快建设。</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="3" Boundary="25 30 160 6" Font="3" Size="4.2"><ofd:TextCode X="0" Y="4.2">张三代表：</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="5" Boundary="100 40 80 6" Font="3" Size="4.2"><ofd:TextCode X="0" Y="4.3">（完）</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>"#;
        assert_eq!(
            page_text(content).expect("parses"),
            "张三代表：\n下一步，我局将加快建设。（完）\n"
        );
    }

    #[test]
    fn paths_are_resolved_inside_the_package() {
        assert_eq!(
            clean_path("/Doc_0/./Pages/../Document.xml"),
            "Doc_0/Document.xml"
        );
        assert_eq!(parent("Doc_0/Document.xml"), "Doc_0/");
        assert_eq!(parent("Document.xml"), "");
    }
}
