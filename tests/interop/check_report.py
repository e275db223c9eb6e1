#!/usr/bin/env python3
"""Checks the bulletin and the first notices' calendars that Postfix delivered: the .xlsx
attachment intact (RFC 2231 Chinese file name, content type, a workbook with both sheets),
and every .ics parsed by Python's icalendar (VTODO with UID, DUE and a VALARM; no line over
75 octets; CRLF). Usage: check_report.py DIR [--quiet] (exit 1 while anything is missing)."""
import email
import email.policy
import io
import pathlib
import re
import sys
import zipfile

import icalendar

directory, quiet = pathlib.Path(sys.argv[1]), "--quiet" in sys.argv
messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(directory.iterdir())]
bulletins = {m["Message-ID"]: m for m in messages if str(m["Subject"]).startswith("【督办通报】")}
notices = {m["Message-ID"]: m for m in messages if str(m["Subject"]).startswith("【督办提醒】")}
if len(bulletins) != 1 or len(notices) != 3:
    if quiet:
        sys.exit(1)
    raise SystemExit(f"{len(bulletins)} bulletins and {len(notices)} notices, expected 1 and 3")

bulletin = next(iter(bulletins.values()))
assert "bulletin@example.gov.cn" in str(bulletin["To"]), bulletin["To"]
assert bulletin.get_content_type() == "multipart/mixed", bulletin.get_content_type()
text = bulletin.get_body(preferencelist=("plain",)).get_content()
assert "省科技厅" in text and "各单位情况" in text, text
attachments = list(bulletin.iter_attachments())
assert len(attachments) == 1, attachments
workbook = attachments[0]
assert re.fullmatch(r"督办台账-\d{4}-\d{2}-\d{2}\.xlsx", workbook.get_filename() or ""), workbook.get_filename()
assert "filename*" in str(workbook["Content-Disposition"]) or "filename*" in workbook.as_string(), workbook["Content-Disposition"]
assert workbook.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
data = workbook.get_content()
with zipfile.ZipFile(io.BytesIO(data)) as archive:
    names = archive.namelist()
    assert "xl/worksheets/sheet1.xml" in names and "xl/worksheets/sheet2.xml" in names, names
    book = archive.read("xl/workbook.xml").decode("utf-8")
    assert "督办台账" in book and "按单位汇总" in book, book
    sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert 'state="frozen"' in sheet and "<autoFilter" in sheet
    shared = archive.read("xl/sharedStrings.xml").decode("utf-8")
    assert "jl-2025-ai-1" in shared and "jl-2025-ai-6" in shared, "every commitment has a row"

todos = 0
for message in notices.values():
    calendars = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1, message["Subject"]
    raw = calendars[0].get_payload(decode=True)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "CRLF line ends"
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # no fold splits a character
    calendar = icalendar.Calendar.from_ical(raw)
    for todo in calendar.walk("VTODO"):
        todos += 1
        assert str(todo["UID"]).startswith("followup-jl-2025-ai-"), todo["UID"]
        assert todo.get("DUE") is not None
        assert any(c.name == "VALARM" for c in todo.subcomponents), "an alarm before the deadline"
        assert str(todo["DESCRIPTION"]).strip(), "the commitment text"
assert todos >= 1, "at least one VTODO"
if not quiet:
    print(f"bulletin with {workbook.get_filename()} ({len(data)} bytes) and {todos} VTODOs checked")
