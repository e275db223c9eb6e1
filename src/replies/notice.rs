//! The two short emails a done claim or an extension request causes: a receipt to the
//! department, threaded to its answer ("已收到关于 ID 的办结报告，待审核"), and a notice to
//! the reviewer (`replies.reviewer`, else `mail.admin`). Composed here as text and recorded
//! as pending rows with the report; the daemon sends them and marks them sent. Pure.

use chrono::NaiveDate;

use super::attachments::Stored;
use super::intent::Intent;
use super::store::NewNotice;
use crate::model::{Commitment, Config, Language};

/// The receipt and the reviewer notice for one waiting report (`position` is its index in
/// the message's reports). Message-IDs are derived from the answer's Message-ID and the
/// commitment, so recording the same answer again could never make a second receipt.
#[allow(clippy::too_many_arguments)]
pub fn for_claim(
    config: &Config,
    commitment: &Commitment,
    position: usize,
    answer_id: &str,
    sender: &str,
    intent: Intent,
    requested_due: Option<NaiveDate>,
    text: &str,
    attachments: &[Stored],
) -> Vec<NewNotice> {
    let zh = config.language == Language::Zh;
    let id = commitment.id();
    let what = match (intent, zh) {
        (Intent::Extension, true) => format!(
            "延期申请（申请延至{}）",
            requested_due.map_or_else(String::new, |date| date.to_string())
        ),
        (Intent::Extension, false) => format!(
            "extension request (to {})",
            requested_due.map_or_else(String::new, |date| date.to_string())
        ),
        (_, true) => "办结报告".to_string(),
        (_, false) => "report of completion".to_string(),
    };
    let department = &config.department(commitment.owner).key;
    let mut notices = Vec::new();
    if !sender.is_empty() {
        let (subject, body) = if zh {
            (
                format!("已收到：关于 {id} 的{what} [督办 {id}]"),
                format!(
                    "已收到关于 {id} 的{what}，待审核。审核结果将另行通知；审核期间不再就该事项发送提醒。\n\n（本邮件由督办提醒系统自动发送。）\n"
                ),
            )
        } else {
            (
                format!("Received: {what} for {id} [督办 {id}]"),
                format!(
                    "We received your {what} for {id}; it awaits review. You will hear the result; no reminders are sent for it meanwhile.\n\n(Sent automatically by the follow-up system.)\n"
                ),
            )
        };
        notices.push(NewNotice {
            kind: "receipt",
            report: position,
            commitment: id.to_owned(),
            message_id: derived_id(config, "receipt", answer_id, id),
            to: vec![sender.to_string()],
            in_reply_to: Some(answer_id.to_string()),
            subject,
            body,
        });
    }
    let listed: String = attachments
        .iter()
        .map(|attachment| match &attachment.refused {
            None => format!("  {} ({} bytes)\n", attachment.name, attachment.size),
            Some(why) => format!("  {} ({} bytes, {why})\n", attachment.name, attachment.size),
        })
        .collect();
    let text = if listed.is_empty() {
        text.to_string()
    } else if zh {
        format!("{text}\n\n附件（followup reports {id} 查看存放位置）：\n{listed}")
    } else {
        format!("{text}\n\nAttachments (see followup reports {id} for where they are):\n{listed}")
    };
    let reviewers = config.reviewers();
    if !reviewers.is_empty() {
        let (subject, body) = if zh {
            (
                format!("【待审核】{department}：{id} {what} [督办 {id}]"),
                format!(
                    "{department}（{sender}）就 {id} 提交了{what}，请审核：\n\n{text}\n\n确认办结：followup done {id}\n退回：followup reject {id} --note \"原因\"\n批准延期：followup extend {id} --to 日期\n查看：followup reports {id}\n"
                ),
            )
        } else {
            (
                format!("[Review] {department}: {what} for {id} [督办 {id}]"),
                format!(
                    "{department} ({sender}) sent a {what} for {id}; please review:\n\n{text}\n\nConfirm: followup done {id}\nSend back: followup reject {id} --note \"why\"\nApprove an extension: followup extend {id} --to DATE\nSee: followup reports {id}\n"
                ),
            )
        };
        notices.push(NewNotice {
            kind: "review",
            report: position,
            commitment: id.to_owned(),
            message_id: derived_id(config, "review", answer_id, id),
            to: reviewers.to_vec(),
            in_reply_to: None,
            subject,
            body,
        });
    }
    notices
}

/// `<followup.KIND.HASH@domain-of-mail.from>`.
fn derived_id(config: &Config, kind: &str, answer_id: &str, commitment: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for field in [kind, answer_id, commitment] {
        hash.update(field.as_bytes());
        hash.update([0]);
    }
    let digest: String = hash.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let from = super::verify::bare_address(&config.mail.from);
    let domain = from
        .rsplit_once('@')
        .map_or("followup.invalid", |(_, domain)| domain);
    format!("<followup.{kind}.{digest}@{domain}>")
}
