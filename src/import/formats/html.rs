//! A web page saved from a government site: parsed with a real HTML parser (html5ever, through
//! scraper), then the article is found the way a reader's eye finds it: the element holding
//! the most running text that is not link text. Navigation, menus, headers, footers,
//! scripts and forms fall away because they are mostly links or not text at all. The page
//! title (the letter's title, `XX局关于…的答复`) is kept as the first line when the article
//! does not repeat it, since it often names the replying unit.

use scraper::{ElementRef, Html, Node, Selector};

/// Markup that opens like a web page (after a BOM, whitespace and comments).
pub(super) fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<')
            && ["<head", "<body", "<meta", "<div", "<title"]
                .iter()
                .any(|t| head.contains(t)))
}

/// Elements whose text is never the letter.
const SKIPPED: [&str; 12] = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "select", "button",
    "iframe", "template",
];

pub(super) fn text(page: &str) -> String {
    let document = Html::parse_document(page);
    let body = Selector::parse("body")
        .ok()
        .and_then(|s| document.select(&s).next())
        .unwrap_or_else(|| document.root_element());
    let article = best_block(body).unwrap_or(body);
    let mut out = String::new();
    render(article, &mut out);
    let title = page_title(&document);
    match title {
        Some(t) if !squeeze(&out).contains(&squeeze(&t)) => format!("{t}\n{out}"),
        _ => out,
    }
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `<title>` up to the site's name ("关于…的答复_XX市人民政府" → "关于…的答复"), or the first h1.
fn page_title(document: &Html) -> Option<String> {
    let pick = |css: &str| {
        Selector::parse(css)
            .ok()
            .and_then(|s| document.select(&s).next())
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let title = pick("title").map(|t| {
        t.split(['_', '|', '－'])
            .next()
            .unwrap_or_default()
            .split(" - ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    title
        .filter(|t| t.contains("答复") || t.contains("复函") || t.contains("关于"))
        .or_else(|| pick("h1"))
}

fn skipped(element: &ElementRef<'_>) -> bool {
    let name = element.value().name();
    SKIPPED.contains(&name)
}

/// (text characters outside links, characters inside links) under an element.
fn text_weight(element: ElementRef<'_>) -> (usize, usize) {
    let mut plain = 0;
    let mut linked = 0;
    for child in element.children() {
        match child.value() {
            Node::Text(t) => plain += t.chars().filter(|c| !c.is_whitespace()).count(),
            Node::Element(_) => {
                let Some(e) = ElementRef::wrap(child) else {
                    continue;
                };
                if skipped(&e) {
                    continue;
                }
                if e.value().name() == "a" {
                    linked += e
                        .text()
                        .flat_map(str::chars)
                        .filter(|c| !c.is_whitespace())
                        .count();
                } else {
                    let (p, l) = text_weight(e);
                    plain += p;
                    linked += l;
                }
            }
            _ => {}
        }
    }
    (plain, linked)
}

/// The block whose text, less three times its link text, is greatest; among a parent and a
/// child with nearly the same score, the child (tighter around the article).
fn best_block(body: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let blocks = Selector::parse("div, article, section, main, td, table, ul, body").ok()?;
    let mut best: Option<(ElementRef<'_>, i64)> = None;
    for element in body.select(&blocks) {
        if element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| skipped(&a))
        {
            continue;
        }
        let (plain, linked) = text_weight(element);
        let score = plain as i64 - 3 * linked as i64;
        let better = match best {
            None => true,
            Some((_, s)) => score > s,
        };
        if better {
            best = Some((element, score));
        }
    }
    best.filter(|(_, s)| *s > 0).map(|(e, _)| e)
}

const BLOCKS: [&str; 22] = [
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "hr",
    "center",
];

fn render(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(t) => {
                // Source line breaks inside a paragraph are not the writer's.
                out.extend(
                    t.chars()
                        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                );
            }
            Node::Element(e) => {
                let Some(child_ref) = ElementRef::wrap(child) else {
                    continue;
                };
                if skipped(&child_ref) {
                    continue;
                }
                let block = BLOCKS.contains(&e.name());
                if block && !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                if matches!(e.name(), "td" | "th")
                    && !out.ends_with(['\n', '\t'])
                    && !out.is_empty()
                {
                    out.push('\t');
                }
                render(child_ref, out);
                if block && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_is_kept_and_the_navigation_dropped() {
        let page = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>银川市交通运输局关于市政协十二届三次会议第45号提案的答复_银川市人民政府</title></head>
<body><div class="top"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/hd">互动交流</a></li></ul></div>
<div class="main"><div class="crumb"><a href="/">首页</a> &gt; <a href="/jytabl">建议提案办理</a></div>
<div class="article"><p>张三委员：</p><p>您提出的关于优化公交线路的提案收悉，现答复如下：</p>
<p>下一步，我局将持续优化公交线路，
2025年底前新开通线路3条。</p><p>银川市交通运输局</p><p>2025年6月1日</p></div></div>
<div class="footer">主办单位：银川市人民政府办公室 <a href="/about">网站地图</a><script>var x = "下一步";</script></div></body></html>"#;
        let text = text(page);
        assert!(
            text.starts_with("银川市交通运输局关于市政协十二届三次会议第45号提案的答复\n"),
            "{text}"
        );
        assert!(
            text.contains("\n下一步，我局将持续优化公交线路， 2025年底前新开通线路3条。\n"),
            "{text}"
        );
        for noise in ["首页", "政务公开", "网站地图", "主办单位", "var x"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn html_is_told_from_text() {
        assert!(looks_like_html("\u{feff}  <!DOCTYPE HTML>\n<html>"));
        assert!(looks_like_html("<html lang=\"zh\"><body>"));
        assert!(!looks_like_html("张三代表：\n<关于>"));
    }
}
