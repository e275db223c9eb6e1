//! iCalendar (RFC 5545) for deadlines: the VTODO attached to a commitment's first notice, and
//! a department's feed of open commitments (served by the web face). Pure text building.
//!
//! A small writer of our own rather than the `icalendar` crate: we write two kinds of
//! component only, and the three rules that matter fit in a few lines each and are tested
//! here byte for byte (and parsed back by the `ical` parser in tests/it/ics.rs): CRLF line
//! ends, content lines folded at 75 octets without ever splitting a UTF-8 character, and
//! TEXT values escaped (`\\`, `\;`, `\,`, `\n`). One dependency fewer, and no doubt about
//! how a third-party writer folds CJK text.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone as _, Utc};

use crate::model::{Commitment, Config, Language, Status};

/// The longest content line, in octets, before folding (RFC 5545, 3.1).
const LINE_OCTETS: usize = 75;

/// An iCalendar text being written: each `line` is folded and ends with CRLF.
struct Writer {
    out: String,
}

impl Writer {
    fn new() -> Writer {
        Writer { out: String::new() }
    }

    /// Writes `name:value` (name may carry parameters), folded at 75 octets.
    fn line(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        let mut used = 0;
        for character in line.chars() {
            let octets = character.len_utf8();
            if used + octets > LINE_OCTETS {
                // A physical line never ends in a space: some parsers (the `ical` crate
                // among them) trim line ends before unfolding and would lose it. The space
                // moves to the start of the continuation, after the folding space.
                let carried = match self.out.chars().last() {
                    Some(last @ (' ' | '\t')) => {
                        self.out.pop();
                        Some(last)
                    }
                    _ => None,
                };
                self.out.push_str("\r\n ");
                // The continuation's leading space counts towards its 75 octets.
                used = 1;
                if let Some(space) = carried {
                    self.out.push(space);
                    used += 1;
                }
            }
            self.out.push(character);
            used += octets;
        }
        self.out.push_str("\r\n");
    }

    /// Writes a TEXT property, escaped.
    fn text(&mut self, name: &str, value: &str) {
        self.line(name, &escape_text(value));
    }
}

/// TEXT escaping (RFC 5545, 3.3.11): backslash, semicolon, comma and line breaks.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if characters.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The stable UID of a commitment's VTODO: its id at the office's mail domain, so every
/// notice and the feed update the same entry in the department's calendar.
pub fn uid(config: &Config, commitment: &Commitment) -> String {
    let domain = config
        .mail
        .from
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('>').trim())
        .filter(|domain| {
            !domain.is_empty()
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or("followup.invalid");
    format!("followup-{}@{domain}", commitment.id())
}

/// When the alarm rings: the start of the first stage before the due date (the
/// "approaching" one), else seven days before; at 09:00 in the configured zone.
fn alarm(config: &Config, due: NaiveDate) -> DateTime<Utc> {
    let end = due.checked_add_days(Days::new(1)).unwrap_or(due);
    let before = config
        .schedule
        .stages
        .iter()
        .map(|stage| stage.from_seconds)
        .find(|seconds| *seconds < 0)
        .map_or(7, |seconds| (-seconds + 86_399) / 86_400);
    let day = end
        .checked_sub_days(Days::new(u64::try_from(before).unwrap_or(7)))
        .unwrap_or(due);
    let nine = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a time"));
    config
        .timezone
        .from_local_datetime(&nine)
        .earliest()
        .map_or_else(|| nine.and_utc(), |local| local.with_timezone(&Utc))
}

fn begin_calendar(writer: &mut Writer, method: Option<&str>) {
    writer.line("BEGIN", "VCALENDAR");
    writer.line("VERSION", "2.0");
    writer.line("PRODID", "-//followup//督办提醒//ZH");
    writer.line("CALSCALE", "GREGORIAN");
    if let Some(method) = method {
        writer.line("METHOD", method);
    }
}

fn todo(
    writer: &mut Writer,
    config: &Config,
    commitment: &Commitment,
    stamp: DateTime<Utc>,
) -> anyhow::Result<()> {
    let letter = config.letter_of(commitment);
    let letter_texts = letter.texts()?;
    let texts = commitment.texts()?;
    let owner = &config.department(commitment.owner).key;
    writer.line("BEGIN", "VTODO");
    writer.line("UID", &escape_text(&uid(config, commitment)));
    writer.line("DTSTAMP", &utc_stamp(stamp));
    let headline = texts.topic().unwrap_or(texts.text());
    let summary = match config.language {
        Language::Zh => format!("【督办】{owner}：{headline}"),
        Language::En => format!("[Commitment] {owner}: {headline}"),
    };
    writer.text("SUMMARY", &summary);
    let description = match config.language {
        Language::Zh => format!(
            "{}\n\n来文：{}（{}）\n编号：{}",
            texts.text(),
            letter_texts.title(),
            letter.id(),
            commitment.id()
        ),
        Language::En => format!(
            "{}\n\nLetter: {} ({})\nId: {}",
            texts.text(),
            letter_texts.title(),
            letter.id(),
            commitment.id()
        ),
    };
    writer.text("DESCRIPTION", &description);
    writer.line(
        "STATUS",
        match commitment.status {
            Status::Open => "NEEDS-ACTION",
            Status::Done => "COMPLETED",
        },
    );
    if let Some(due) = commitment.due {
        writer.line("DUE;VALUE=DATE", &due.format("%Y%m%d").to_string());
        if commitment.status == Status::Open {
            writer.line("BEGIN", "VALARM");
            writer.line("ACTION", "DISPLAY");
            writer.line("TRIGGER;VALUE=DATE-TIME", &utc_stamp(alarm(config, due)));
            writer.text("DESCRIPTION", &summary);
            writer.line("END", "VALARM");
        }
    }
    writer.line("END", "VTODO");
    Ok(())
}

/// A VCALENDAR holding one VTODO per commitment (the attachment of a first notice).
/// `stamp` is the DTSTAMP (the notice's moment). Without any commitments, `None`. Fails
/// only when the daemon's spill file cannot be read (`Commitment::texts`).
pub fn todos(
    config: &Config,
    commitments: &[&Commitment],
    stamp: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    if commitments.is_empty() {
        return Ok(None);
    }
    let mut writer = Writer::new();
    begin_calendar(&mut writer, Some("PUBLISH"));
    for commitment in commitments {
        todo(&mut writer, config, commitment, stamp)?;
    }
    writer.line("END", "VCALENDAR");
    Ok(Some(writer.out))
}

/// A department's feed: every open commitment it owns or co-owns, as VTODOs. The web face
/// serves it under a URL with a token; calendar programs poll it.
pub fn department_feed(
    config: &Config,
    department: usize,
    stamp: DateTime<Utc>,
) -> anyhow::Result<String> {
    let mut writer = Writer::new();
    begin_calendar(&mut writer, None);
    let name = &config.department(department).key;
    writer.text(
        "X-WR-CALNAME",
        &match config.language {
            Language::Zh => format!("督办事项：{name}"),
            Language::En => format!("Commitments: {name}"),
        },
    );
    for commitment in config.commitments.iter().filter(|commitment| {
        commitment.status == Status::Open
            && (commitment.owner == department || commitment.co_owners().contains(&department))
    }) {
        todo(&mut writer, config, commitment, stamp)?;
    }
    writer.line("END", "VCALENDAR");
    Ok(writer.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_never_splits_a_character_and_keeps_lines_short() {
        let mut writer = Writer::new();
        let text = "持续组织实施人工智能领域科技攻关，".repeat(10);
        writer.text("DESCRIPTION", &text);
        for line in writer.out.split("\r\n").filter(|line| !line.is_empty()) {
            assert!(line.len() <= LINE_OCTETS, "{} octets: {line}", line.len());
        }
        let unfolded = writer.out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("DESCRIPTION:{}\r\n", escape_text(&text)));
    }

    #[test]
    fn no_physical_line_ends_in_a_space() {
        for offset in 0..8 {
            let mut writer = Writer::new();
            let text = format!("{}{}", "x".repeat(offset), "word ".repeat(60).trim_end());
            writer.text("SUMMARY", &text);
            for line in writer.out.split("\r\n") {
                assert!(line.len() <= LINE_OCTETS, "{line:?}");
                assert!(!line.ends_with(' '), "{line:?}");
            }
            assert_eq!(
                writer.out.replace("\r\n ", ""),
                format!("SUMMARY:{text}\r\n")
            );
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a;b,c\\d\r\ne\nf"), "a\\;b\\,c\\\\d\\ne\\nf");
    }
}
