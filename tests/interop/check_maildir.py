#!/usr/bin/env python3
"""Checks the reminders Postfix delivered, with Python's MIME parser (the email package):
the same checks the Rust tests make with mail-parser. Usage: check_maildir.py DIR COUNT"""
import email
import email.policy
import pathlib
import sys

directory, expected = pathlib.Path(sys.argv[1]), int(sys.argv[2])
messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(directory.iterdir())]
assert len(messages) == expected, f"{len(messages)} messages, expected {expected}"

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
    assert str(message["Subject"]) == subject, f"subject {message['Subject']!r} != {subject!r}"
    assert message["X-Followup-Commitments"].strip() == ids, message["X-Followup-Commitments"]
    assert message["Auto-Submitted"].strip() == "auto-generated"
    assert message["Message-ID"].startswith("<followup."), message["Message-ID"]
    assert "duban@example.gov.cn" in str(message["From"])
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
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
