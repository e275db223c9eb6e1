#!/usr/bin/env python3
"""Builds an OFD file (GB/T 33190-2016 structure) from a UTF-8 text letter.

OFD.xml -> DocBody/DocRoot -> Doc_0/Document.xml -> Pages/Page@BaseLoc ->
Doc_0/Pages/Page_N/Content.xml with one TextObject (Boundary, Size) and TextCode (X, Y)
per source line, A4 pages, 38 lines per page.
Usage: make-ofd.py LETTER.txt OUT.ofd
"""
import sys
import zipfile
from xml.sax.saxutils import escape

NS = "http://www.ofdspec.org/2016"
WIDTH, LINE, PER_LINE, PER_PAGE = 4.2, 6.5, 38, 38


def lines_of(text):
    for raw in text.splitlines():
        raw = raw.rstrip()
        if raw.startswith("#"):
            continue
        # One TextObject per line of the source; a long line runs past the margin, as a
        # paragraph set in one text object does in converter output.
        yield raw


def main(src, out):
    lines = [l for l in lines_of(open(src, encoding="utf-8").read())]
    pages = [lines[i:i + PER_PAGE] for i in range(0, len(lines), PER_PAGE)] or [[]]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>letter</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        page_refs = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/PublicRes.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" FontName="SimSun" FamilyName="SimSun"/></ofd:Fonts></ofd:Res>')
        uid = 100
        for n, page in enumerate(pages):
            objects = []
            for k, line in enumerate(page):
                if not line.strip():
                    continue
                uid += 1
                y = 25 + k * LINE
                deltas = " ".join([str(WIDTH)] * (len(line) - 1))
                objects.append(f'<ofd:TextObject ID="{uid}" Boundary="20 {y:.1f} 170 {LINE}" Font="1" Size="{WIDTH}"><ofd:TextCode X="0" Y="{WIDTH}" DeltaX="{deltas}">{escape(line)}</ofd:TextCode></ofd:TextObject>')
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="{n + 2}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
