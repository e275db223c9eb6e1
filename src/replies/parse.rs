//! Reading one raw message into the fields replies need: identifiers, sender, subject, the
//! text body (plain text preferred, else the HTML's text), attachments and the headers that
//! mark auto-replies and authentication results. mail-parser with `full_encoding` decodes
//! GBK/GB18030, Big5 and the other legacy charsets Chinese clients still send. Pure.

use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders as _};

/// One attachment as found in the message.
#[derive(Debug, Clone)]
pub struct Part {
    /// The file name (RFC 2231 and RFC 2047 forms decoded), or `attachment-N`.
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The fields of a message that replies look at.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// With angle brackets, as the delivery log stores ours.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The From address, lowercased.
    pub from: Option<String>,
    /// Every address it was sent to (To, Cc, Delivered-To, X-Original-To), lowercased.
    pub recipients: Vec<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    pub text: String,
    pub attachments: Vec<Part>,
    /// `Content-Type` of the whole message (`multipart/report` for delivery reports).
    pub content_type: String,
    /// Header fields used to spot automatic answers and authentication verdicts, as
    /// (lowercase name, unfolded value).
    pub headers: Vec<(String, String)>,
}

impl Incoming {
    /// Every value of a header, by lowercase name.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Why a message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAMail(pub String);

/// Parses a message. Malformed MIME is read as far as it goes; only input with no header
/// fields at all (empty, binary, a plain text file) is refused.
pub fn parse(raw: &[u8]) -> Result<Incoming, NotAMail> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(NotAMail("the input is empty".into()));
    }
    if !looks_like_headers(raw) {
        return Err(NotAMail(
            "the input does not start with header fields (`Name: value` lines)".into(),
        ));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| NotAMail("no message could be read from the input".into()))?;
    if message.headers().is_empty() {
        return Err(NotAMail("the input has no header fields".into()));
    }
    let mut incoming = Incoming {
        message_id: message.message_id().map(|id| format!("<{}>", id.trim())),
        subject: message.subject().unwrap_or_default().trim().to_string(),
        date: message
            .date()
            .and_then(|date| DateTime::from_timestamp(date.to_timestamp(), 0)),
        ..Incoming::default()
    };
    for (name, value) in message.headers_raw() {
        let name = name.to_ascii_lowercase();
        let value = unfold(value);
        match name.as_str() {
            "in-reply-to" => incoming.in_reply_to.extend(angle_ids(&value)),
            "references" => incoming.references.extend(angle_ids(&value)),
            "delivered-to" | "x-original-to" => incoming.recipients.push(value.to_lowercase()),
            "content-type" => incoming.content_type = value.to_ascii_lowercase(),
            "auto-submitted"
            | "x-autoreply"
            | "x-autorespond"
            | "precedence"
            | "x-auto-response-suppress"
            | "authentication-results"
            | "return-path"
            | "x-failed-recipients" => incoming.headers.push((name, value)),
            _ => {}
        }
    }
    incoming.from = message
        .from()
        .and_then(|address| address.first())
        .and_then(|addr| addr.address())
        .map(|address| address.trim().to_lowercase());
    for list in [message.to(), message.cc()].into_iter().flatten() {
        for addr in list.iter() {
            if let Some(address) = addr.address() {
                incoming.recipients.push(address.trim().to_lowercase());
            }
        }
    }
    // mail-parser offers an HTML-only body as text too; its own conversion keeps the
    // markup's indentation, so such a body is read by `html_text` instead.
    let plain = message
        .text_part(0)
        .filter(|part| !part.is_text_html())
        .and_then(|_| message.body_text(0))
        .filter(|text| !text.trim().is_empty());
    incoming.text = match plain {
        Some(text) => text.into_owned(),
        None => message
            .body_html(0)
            .map(|html| html_text(&html))
            .unwrap_or_default(),
    };
    for (index, part) in message.attachments().enumerate() {
        let name = part
            .attachment_name()
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("attachment-{}", index + 1));
        let content_type = part
            .content_type()
            .map(|kind| match kind.subtype() {
                Some(subtype) => format!("{}/{}", kind.ctype(), subtype),
                None => kind.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        incoming.attachments.push(Part {
            name,
            content_type,
            bytes: part.contents().to_vec(),
        });
    }
    Ok(incoming)
}

/// Whether the input opens with something like a header field: a first line `Name: value`
/// (or `From ` of an mbox), where the name is printable ASCII without spaces.
fn looks_like_headers(raw: &[u8]) -> bool {
    let start = raw
        .iter()
        .position(|byte| !matches!(byte, b'\r' | b'\n'))
        .unwrap_or(0);
    let line = raw[start..]
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    if line.starts_with(b"From ") {
        return true;
    }
    match line.iter().position(|byte| *byte == b':') {
        Some(colon) if colon > 0 => line[..colon]
            .iter()
            .all(|byte| byte.is_ascii_graphic() && *byte != b':'),
        _ => false,
    }
}

/// A header value with folding removed.
fn unfold(value: &str) -> String {
    value
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every `<…>` identifier in a header value, in order. Outlook and Exchange separate
/// References with commas; some clients drop the brackets from In-Reply-To, so a value
/// without any bracket is taken whole.
pub fn angle_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id = rest[open + 1..open + close].trim();
        if !id.is_empty() {
            ids.push(format!("<{id}>"));
        }
        rest = &rest[open + close + 1..];
    }
    if ids.is_empty() {
        ids.extend(
            value
                .split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|part| part.contains('@'))
                .map(|part| format!("<{part}>")),
        );
    }
    ids
}

/// The text of an HTML body: tags dropped, block ends as line breaks, entities decoded.
/// Enough for intent and quote stripping; the stored text is this too.
pub fn html_text(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let mut text = String::new();
    for node in document.root_element().descendants() {
        match node.value() {
            scraper::Node::Text(part) => {
                let inside_script = node.ancestors().any(|ancestor| {
                    ancestor.value().as_element().is_some_and(|element| {
                        matches!(element.name(), "script" | "style" | "head")
                    })
                });
                if !inside_script {
                    text.push_str(part);
                }
            }
            scraper::Node::Element(element)
                if matches!(
                    element.name(),
                    "br" | "p" | "div" | "tr" | "li" | "blockquote" | "hr" | "h1" | "h2" | "h3"
                ) && !text.ends_with('\n') =>
            {
                text.push('\n');
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_joined_references_are_split() {
        assert_eq!(angle_ids("<a@x>,<b@y>, <c@z>"), ["<a@x>", "<b@y>", "<c@z>"]);
        assert_eq!(angle_ids("a@x"), ["<a@x>"]);
    }

    #[test]
    fn not_a_mail_is_refused() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\x00\x01\x02binary").is_err());
        assert!(parse(b"just some words\nand more").is_err());
        assert!(parse(b"Subject: hi\r\n\r\nbody").is_ok());
    }
}
