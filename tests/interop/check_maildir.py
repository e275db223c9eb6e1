#!/usr/bin/env python3
"""Checks the reminders Postfix delivered, with Python's MIME parser (the email package):
the same checks the Rust tests make with mail-parser. Usage: check_maildir.py DIR COUNT"""
import email
import email.policy
import pathlib
import sys

directory, expected = pathlib.Path(sys.argv[1]), int(sys.argv[2])
messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(directory.iterdir())]
# Every envelope recipient gets its own copy in the one shared inbox: a reminder with a Cc
# (an overdue stage copies 督查室) arrives once per address, all with one Message-ID.
copies = {}
for message in messages:
    copies.setdefault(message["Message-ID"], []).append(message)
assert len(copies) == expected, f"{len(copies)} distinct messages, expected {expected}"
for message_id, same in copies.items():
    recipients = len(same[0].get_all("To", [])[0].addresses) + sum(
        len(header.addresses) for header in same[0].get_all("Cc", [])
    )
    assert len(same) == recipients, f"{message_id}: {len(same)} copies for {recipients} recipients"
messages = [same[0] for same in copies.values()]

wanted = {
    "office@kjt.example.gov.cn": ("【督办提醒】省科技厅：4项承诺事项待落实", "jl-2025-ai-1, jl-2025-ai-2, jl-2025-ai-4, jl-2025-ai-5"),
    "office@czt.example.gov.cn": ("【督办提醒】省财政厅：1项承诺事项待落实", "jl-2025-ai-3"),
    "office@rst.example.gov.cn": ("【督办提醒】省人社厅：1项承诺事项待落实", "jl-2025-ai-6"),
}
seen = set()
for message in messages:
    to = str(message["To"])
    address = next((a for a in wanted if a in to), None)
    assert address, f"unexpected To: {to}"
    seen.add(address)
    subject, ids = wanted[address]
    # jl-2025-ai-3 is due 2026-11-30: from the day after, its reminder says it is overdue.
    # The subject ends with the tag replies are matched by: [督办 ID ID …].
    tag = " [督办 " + " ".join(ids.split(", ")) + "]"
    assert str(message["Subject"]) in (subject + tag, subject + "（1项已逾期）" + tag), (
        f"subject {message['Subject']!r} != {subject + tag!r}"
    )
    assert message["X-Followup-Commitments"].strip() == ids, message["X-Followup-Commitments"]
    assert message["Auto-Submitted"].strip() == "auto-generated"
    assert message["Message-ID"].startswith("<followup."), message["Message-ID"]
    assert "duban@example.gov.cn" in str(message["From"])
    # A first notice is multipart/mixed: the alternative parts and the deadlines as .ics.
    assert message.get_content_type() in ("multipart/alternative", "multipart/mixed"), message.get_content_type()
    if message.get_content_type() == "multipart/mixed":
        calendars = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
        assert len(calendars) == 1, [part.get_content_type() for part in message.iter_attachments()]
        assert calendars[0].get_filename() == "督办事项.ics", calendars[0].get_filename()
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None, "text/plain and text/html parts"
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    text = plain.get_content()
    assert "关于推动我省通用人工智能产业发展的建议" in text, text
    for commitment in ids.split(", "):
        assert commitment in text and commitment in html.get_content(), commitment
    # Received through Postfix with STARTTLS and AUTH.
    received = " ".join(str(h) for h in message.get_all("Received", []))
    assert "ESMTPSA" in received, received
assert seen == set(wanted), seen
print(f"{len(messages)} messages: subjects, headers, parts and Chinese text check out")
