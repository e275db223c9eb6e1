//! Spotting answers no person wrote: `Auto-Submitted` other than `no` (RFC 3834),
//! `X-Autoreply`/`X-Autorespond`, `Precedence: bulk | auto_reply | junk | list`, delivery
//! status reports (`multipart/report`, MAILER-DAEMON, an empty Return-Path) and
//! 自动回复/Out of Office subjects. Such mail is recorded and ignored. Pure.

use super::parse::Incoming;

/// Why the message is automatic, or `None` when a person wrote it.
pub fn automatic(incoming: &Incoming) -> Option<String> {
    for value in incoming.header_values("auto-submitted") {
        let value = value.trim().to_ascii_lowercase();
        if !value.starts_with("no") {
            return Some(format!("Auto-Submitted: {value}"));
        }
    }
    for name in ["x-autoreply", "x-autorespond"] {
        if let Some(value) = incoming.header_values(name).next() {
            return Some(format!("{name}: {}", value.trim()));
        }
    }
    for value in incoming.header_values("precedence") {
        let value = value.trim().to_ascii_lowercase();
        if matches!(value.as_str(), "bulk" | "auto_reply" | "junk" | "list") {
            return Some(format!("Precedence: {value}"));
        }
    }
    if incoming.content_type.starts_with("multipart/report") {
        return Some("a delivery status report (multipart/report)".into());
    }
    if incoming
        .header_values("x-failed-recipients")
        .next()
        .is_some()
    {
        return Some("a delivery failure report (X-Failed-Recipients)".into());
    }
    if let Some(from) = &incoming.from {
        let local = from.split('@').next().unwrap_or_default();
        if matches!(local, "mailer-daemon" | "postmaster") {
            return Some(format!("sent by `{from}`"));
        }
    }
    if incoming
        .header_values("return-path")
        .any(|value| value.trim() == "<>")
    {
        return Some("an empty Return-Path (a bounce)".into());
    }
    let subject = incoming.subject.to_lowercase();
    for marker in [
        "自动回复",
        "自动答复",
        "自動回覆",
        "auto reply",
        "auto-reply",
        "autoreply",
        "automatic reply",
        "out of office",
        "undeliverable",
        "delivery status notification",
        "退信",
        "系统退信",
    ] {
        if subject.contains(marker) {
            return Some(format!("the subject says `{}`", incoming.subject));
        }
    }
    None
}
