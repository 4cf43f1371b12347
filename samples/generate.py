#!/usr/bin/python3
"""Reproducible generator of the exadoc sample documents and test inputs.

Run from the repository root with Debian's python (it needs python3-reportlab,
python3-pil, python3-numpy, fonts-nanum and poppler-utils):

    /usr/bin/python3 samples/generate.py

It rewrites everything under samples/ (except the sources) and tests/data/.
The document *content* lives in samples/sources/*.json; this file only holds
layout and drawing code.  Output is byte-identical between runs on the same
machine (reportlab invariant mode, fixed seeds, no timestamps).
"""

import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# Must be set before reportlab.lib.pdfencrypt is imported (it picks its
# "random" source at import time).
from reportlab import rl_config

rl_config.invariant = 1

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A3, A4, landscape  # noqa: E402
from reportlab.lib.pdfencrypt import StandardEncryption  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SOURCES = os.path.join(HERE, "sources")
SAMPLES = HERE
TESTDATA = os.path.join(ROOT, "tests", "data")

FONT_DIR = "/usr/share/fonts/truetype/nanum"
FONT_REGULAR = "NanumGothic"
FONT_BOLD = "NanumGothicBold"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

SCAN_DPI = 200
# Positive = counter-clockwise as seen on screen (PIL Image.rotate convention).
SCAN_PNG_ROTATION = 2.7
SCAN_TIFF_PAGE2_ROTATION = -1.8
SOURCE_TEXT_ORDER = (
    "header left, header right, then the body blocks in reading order (one string per "
    "paragraph / heading / caption / table row with cells joined by ' | ' / figure label), "
    "then footer left, footer right"
)
ROTATION_CONVENTION = (
    "degrees, counter-clockwise positive as seen when the image is displayed "
    "(PIL Image.rotate convention), rotated about the image centre, canvas size "
    "unchanged (expand=False), uncovered corners filled white; to deskew, rotate "
    "by -rotation_deg"
)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def load_source(name):
    with open(os.path.join(SOURCES, name), encoding="utf-8") as f:
        return json.load(f)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_json(path, obj):
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    write_bytes(path, text.encode("utf-8"))


def register_fonts():
    pdfmetrics.registerFont(TTFont(FONT_REGULAR, os.path.join(FONT_DIR, "NanumGothic.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(FONT_DIR, "NanumGothicBold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR, boldItalic=FONT_BOLD
    )


def plain(text):
    """Text of a source string as it appears on the page (markup removed)."""
    return text.replace("<b>", "").replace("</b>", "")


def esc(text):
    """Escape a source string for a reportlab Paragraph, keeping <b> markup."""
    t = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return t.replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>")


def pts(v):
    return round(float(v), 2)


# --------------------------------------------------------------------------
# manual.pdf
# --------------------------------------------------------------------------

PAGE_W, PAGE_H = A4
MARGIN_L = 22 * mm
MARGIN_R = 20 * mm
MARGIN_T = 24 * mm
MARGIN_B = 22 * mm
COL_GAP = 8 * mm

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=24, leading=30, spaceAfter=4),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT_REGULAR, fontSize=14, leading=19, spaceAfter=2),
    "docinfo": ParagraphStyle("docinfo", fontName=FONT_REGULAR, fontSize=9, leading=12,
                              textColor=colors.HexColor("#444444"), spaceBefore=6, spaceAfter=10),
    "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=16, leading=20, spaceBefore=10, spaceAfter=6,
                         keepWithNext=1),
    "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4,
                         keepWithNext=1),
    "body": ParagraphStyle("body", fontName=FONT_REGULAR, fontSize=10, leading=14, spaceAfter=6,
                           alignment=TA_LEFT),
    "body2col": ParagraphStyle("body2col", fontName=FONT_REGULAR, fontSize=10, leading=14, spaceAfter=6,
                               alignment=TA_JUSTIFY),
    "warning": ParagraphStyle("warning", fontName=FONT_BOLD, fontSize=10, leading=14, spaceBefore=10,
                              spaceAfter=16, borderWidth=1, borderColor=colors.black, borderPadding=6,
                              leftIndent=6, rightIndent=6, backColor=colors.HexColor("#eeeeee")),
    "step": ParagraphStyle("step", fontName=FONT_REGULAR, fontSize=10, leading=14, spaceAfter=3,
                           leftIndent=16, firstLineIndent=-16),
    "caption": ParagraphStyle("caption", fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=4,
                              spaceAfter=8, alignment=TA_LEFT),
    "cell": ParagraphStyle("cell", fontName=FONT_REGULAR, fontSize=9, leading=11),
}


class Heading(Paragraph):
    """Paragraph that remembers its heading level/number for the manifest."""
    heading_info = None


class Caption(Paragraph):
    caption_kind = None


class PumpFigure(Flowable):
    """Schematic vector cross-section of a back pull-out centrifugal pump."""

    def __init__(self, fig, height=290):
        super().__init__()
        self.fig = fig
        self.fig_height = height
        self.labels = [c["label"] for c in fig["callouts"]]

    def wrap(self, aw, ah):
        self.fig_width = aw
        return aw, self.fig_height

    def _hatch(self, c, path, x0, y0, x1, y1, step=5):
        c.saveState()
        c.clipPath(path, stroke=0, fill=0)
        c.setLineWidth(0.35)
        span = (x1 - x0) + (y1 - y0)
        k = 0.0
        while k < span:
            c.line(x0 + k, y0, x0 + k - (y1 - y0), y1)
            k += step
        c.restoreState()

    def draw(self):
        c = self.canv
        w, h = self.fig_width, self.fig_height
        c.saveState()
        c.setLineWidth(0.6)
        c.rect(0, 0, w, h)  # figure frame
        ax = h * 0.46  # shaft axis height
        ox = 60  # x of suction flange
        # --- casing (volute) in section: upper and lower walls
        c.setLineWidth(1.1)
        for sgn in (1, -1):
            p = c.beginPath()
            pts_ = [(ox, ax + sgn * 28), (ox + 40, ax + sgn * 28), (ox + 48, ax + sgn * 40),
                    (ox + 52, ax + sgn * 95), (ox + 70, ax + sgn * 105), (ox + 110, ax + sgn * 105),
                    (ox + 128, ax + sgn * 95), (ox + 128, ax + sgn * 70), (ox + 118, ax + sgn * 70),
                    (ox + 118, ax + sgn * 90), (ox + 108, ax + sgn * 95), (ox + 72, ax + sgn * 95),
                    (ox + 62, ax + sgn * 88), (ox + 60, ax + sgn * 38), (ox + 50, ax + sgn * 20),
                    (ox, ax + sgn * 20)]
            p.moveTo(*pts_[0])
            for q in pts_[1:]:
                p.lineTo(*q)
            p.close()
            c.drawPath(p, stroke=1, fill=0)
            self._hatch(c, p, ox, ax - 110, ox + 130, ax + 110)
        # discharge nozzle on top
        c.rect(ox + 78, ax + 105, 24, 25)
        c.rect(ox + 70, ax + 130, 40, 6)
        # suction flange
        c.rect(ox - 8, ax - 34, 8, 68)
        # --- impeller
        c.setLineWidth(0.9)
        for sgn in (1, -1):
            p = c.beginPath()
            p.moveTo(ox + 66, ax + sgn * 22)
            p.lineTo(ox + 70, ax + sgn * 85)
            p.lineTo(ox + 104, ax + sgn * 85)
            p.lineTo(ox + 104, ax + sgn * 10)
            p.lineTo(ox + 94, ax + sgn * 10)
            p.lineTo(ox + 94, ax + sgn * 70)
            p.lineTo(ox + 80, ax + sgn * 70)
            p.lineTo(ox + 76, ax + sgn * 22)
            p.close()
            c.drawPath(p, stroke=1, fill=0)
        # --- casing cover and seal chamber
        cx = ox + 128
        for sgn in (1, -1):
            p = c.beginPath()
            p.moveTo(cx, ax + sgn * 100)
            p.lineTo(cx + 14, ax + sgn * 100)
            p.lineTo(cx + 14, ax + sgn * 50)
            p.lineTo(cx + 40, ax + sgn * 50)
            p.lineTo(cx + 40, ax + sgn * 14)
            p.lineTo(cx + 30, ax + sgn * 14)
            p.lineTo(cx + 30, ax + sgn * 34)
            p.lineTo(cx, ax + sgn * 34)
            p.close()
            c.drawPath(p, stroke=1, fill=0)
            self._hatch(c, p, cx, ax - 100, cx + 40, ax + 100, step=4)
            # mechanical seal (rotating + stationary ring)
            c.setFillColor(colors.HexColor("#777777"))
            c.rect(cx + 8, ax + (sgn * 9 if sgn > 0 else -31), 10, 22, stroke=1, fill=1)
            c.setFillColor(colors.white)
            c.rect(cx + 18, ax + (sgn * 9 if sgn > 0 else -31), 10, 22, stroke=1, fill=1)
            c.setFillColor(colors.black)
        # --- bearing housing with two ball bearings
        bx = cx + 50
        c.setLineWidth(1.0)
        c.rect(bx, ax - 55, 120, 110)
        c.rect(bx + 6, ax - 49, 108, 98)
        for xb in (bx + 10, bx + 88):
            for sgn in (1, -1):
                yb = ax + (12 if sgn > 0 else -34)
                c.rect(xb, yb, 22, 22)
                c.circle(xb + 11, yb + 11, 7)
        # --- shaft
        c.setLineWidth(1.0)
        c.rect(ox + 60, ax - 9, bx + 150 - (ox + 60), 18)
        # coupling half
        c.rect(bx + 150, ax - 30, 26, 60)
        # centre line of the shaft (dash-dot)
        c.saveState()
        c.setLineWidth(0.4)
        c.setDash([10, 3, 2, 3])
        c.line(ox - 20, ax, bx + 190, ax)
        c.restoreState()
        # --- callouts: (label, label position, target point)
        targets = {
            1: (ox + 95, ax + 100),
            2: (ox + 72, ax + 55),
            3: (bx + 135, ax - 9),
            4: (cx + 14, ax + 31),
            8: (bx + 99, ax + 34),
        }
        label_pos = {
            1: (ox + 150, h - 18),
            2: (14, h - 40),
            3: (bx + 60, 14),
            4: (cx + 60, h - 40),
            8: (bx + 120, h - 18),
        }
        c.setFont(FONT_REGULAR, 9)
        c.setLineWidth(0.5)
        for co in self.fig["callouts"]:
            it = co["item"]
            tx, ty = targets[it]
            lx, ly = label_pos[it]
            c.drawString(lx, ly, co["label"])
            anchor_x = lx + 4 if lx < tx else lx + 4
            c.line(anchor_x, ly + (10 if ly < ty else -3), tx, ty)
            c.circle(tx, ty, 1.6, stroke=0, fill=1)
        c.restoreState()


class ContinuedTable(Table):
    """Table that, when split across pages, inserts a page break and a
    'continued' caption before the remainder (the header row is repeated by
    repeatRows)."""
    continued_caption = None
    table_id = None
    first_row = 0  # index into the original data of this part's first body row

    def split(self, aw, ah):
        parts = Table.split(self, aw, ah)
        if len(parts) < 2:
            return parts
        first, rest = parts[0], parts[-1]
        n_first_body = len(first._cellvalues) - self.repeatRows
        for p in parts:
            p.continued_caption = self.continued_caption
            p.table_id = self.table_id
        first.first_row = self.first_row
        rest.first_row = self.first_row + n_first_body
        cap = Caption(esc(self.continued_caption), STYLES["caption"])
        cap.caption_kind = "table_continued"
        return [first, PageBreak(), cap, rest]


def para_text(f):
    """Plain text of a (possibly split) Paragraph as laid out on the page.

    Parts of a paragraph split across frames/pages carry their text only in
    the wrapped lines, so rebuild it from those."""
    bl = getattr(f, "blPara", None)
    if bl is None:
        return f.getPlainText()
    if bl.kind == 0:
        lines = [" ".join(words) for _, words in bl.lines]
    else:
        lines = ["".join(w.text for w in ln.words).strip() for ln in bl.lines]
    text = " ".join(ln.strip() for ln in lines if ln.strip())
    full = " ".join(f.getPlainText().split())
    if full:
        assert text == full, (text, full)
    return text


def cell_text(v):
    if isinstance(v, Paragraph):
        return v.getPlainText()
    return str(v)


class ManualDoc(BaseDocTemplate):
    def __init__(self, buf, src, total_pages):
        meta = src["meta"]
        super().__init__(
            buf, pagesize=A4, leftMargin=MARGIN_L, rightMargin=MARGIN_R, topMargin=MARGIN_T,
            bottomMargin=MARGIN_B, title=meta["title"], author=meta["author"], subject=meta["subject"],
            creator="exadoc samples/generate.py", producer="ReportLab", invariant=1,
            initialFontName=FONT_REGULAR,
        )
        self.src = src
        self.meta = meta
        self.total_pages = total_pages
        fw = PAGE_W - MARGIN_L - MARGIN_R
        fh = PAGE_H - MARGIN_T - MARGIN_B
        one = Frame(MARGIN_L, MARGIN_B, fw, fh, id="body", leftPadding=0, rightPadding=0,
                    topPadding=0, bottomPadding=0)
        cw = (fw - COL_GAP) / 2
        col1 = Frame(MARGIN_L, MARGIN_B, cw, fh, id="col1", leftPadding=0, rightPadding=0,
                     topPadding=0, bottomPadding=0)
        col2 = Frame(MARGIN_L + cw + COL_GAP, MARGIN_B, cw, fh, id="col2", leftPadding=0,
                     rightPadding=0, topPadding=0, bottomPadding=0)
        self.frame_geometry = {
            "one_column": [[pts(MARGIN_L), pts(MARGIN_B), pts(fw), pts(fh)]],
            "two_column": [[pts(MARGIN_L), pts(MARGIN_B), pts(cw), pts(fh)],
                           [pts(MARGIN_L + cw + COL_GAP), pts(MARGIN_B), pts(cw), pts(fh)]],
        }
        self.addPageTemplates([
            PageTemplate(id="one_column", frames=[one], onPage=self.decorate),
            PageTemplate(id="two_column", frames=[col1, col2], onPage=self.decorate),
        ])
        # tracking for the manifest
        self.page_body = {}      # page -> list of text blocks in reading order
        self.page_template = {}  # page -> template id
        self.page_frames = {}    # page -> set of frame ids used
        self.headings = []
        self.table_parts = []
        self.figures = []
        self.captions = []

    def header_footer_text(self, page):
        m = self.meta
        total = self.total_pages if self.total_pages else 0
        return {
            "header": [m["header_left"], m["header_right"]],
            "footer": [m["footer_left"], m["footer_center"].format(page=page, pages=total)],
        }

    def decorate(self, c, doc):
        page = doc.page
        hf = self.header_footer_text(page)
        self.page_template[page] = doc.pageTemplate.id
        c.saveState()
        c.setFont(FONT_REGULAR, 8.5)
        top = PAGE_H - 14 * mm
        c.drawString(MARGIN_L, top, hf["header"][0])
        c.drawRightString(PAGE_W - MARGIN_R, top, hf["header"][1])
        c.setLineWidth(0.6)
        c.line(MARGIN_L, top - 4, PAGE_W - MARGIN_R, top - 4)
        bottom = 12 * mm
        c.line(MARGIN_L, bottom + 11, PAGE_W - MARGIN_R, bottom + 11)
        c.drawString(MARGIN_L, bottom, hf["footer"][0])
        c.drawRightString(PAGE_W - MARGIN_R, bottom, hf["footer"][1])
        c.restoreState()

    def afterFlowable(self, f):
        page = self.page
        if self.frame is None or not isinstance(f, (Paragraph, Table, PumpFigure)):
            return
        frame_id = self.frame.id
        self.page_frames.setdefault(page, [])
        if frame_id not in self.page_frames[page]:
            self.page_frames[page].append(frame_id)
        body = self.page_body.setdefault(page, [])
        if isinstance(f, Heading):
            level, number, text = f.heading_info
            self.headings.append({"level": level, "number": number, "text": text,
                                  "full_text": f.getPlainText(), "page": page})
            body.append(f.getPlainText())
        elif isinstance(f, Caption):
            self.captions.append({"kind": f.caption_kind, "text": f.getPlainText(), "page": page})
            body.append(f.getPlainText())
        elif isinstance(f, Paragraph):
            body.append(para_text(f))
        elif isinstance(f, Table):
            rows = [[cell_text(v) for v in row] for row in f._cellvalues]
            for row in rows:
                body.append(" | ".join(row))
            if getattr(f, "table_id", None):
                self.table_parts.append({"table": f.table_id, "page": page, "frame": frame_id,
                                         "rows": rows, "first_row": f.first_row,
                                         "repeat_rows": f.repeatRows})
        elif isinstance(f, PumpFigure):
            body.extend(f.labels)
            self.figures.append({"page": page})


def manual_story(src, parts):
    story = []
    layout = "one_column"  # layout of the page being filled (changes after a page break)
    pending_layout = layout
    for block in src["story"]:
        t = block["type"]
        if t == "title":
            story.append(Paragraph(esc(block["text"]), STYLES["title"]))
        elif t == "subtitle":
            story.append(Paragraph(esc(block["text"]), STYLES["subtitle"]))
        elif t == "docinfo":
            story.append(Paragraph(esc(block["text"]), STYLES["docinfo"]))
        elif t == "heading":
            style = STYLES["h1"] if block["level"] == 1 else STYLES["h2"]
            hp = Heading(esc(f'{block["number"]} {block["text"]}'), style)
            hp.heading_info = (block["level"], block["number"], block["text"])
            story.append(hp)
        elif t == "para":
            style = STYLES["body2col"] if layout == "two_column" else STYLES["body"]
            story.append(Paragraph(esc(block["text"]), style))
        elif t == "warning":
            story.append(Paragraph(esc(block["text"]), STYLES["warning"]))
        elif t == "steps":
            for i, s in enumerate(block["items"], 1):
                story.append(Paragraph(esc(f"{i}. {s}"), STYLES["step"]))
            story.append(Spacer(1, 4))
        elif t == "figure":
            fig = src["figures"][block["id"]]
            cap = Caption(esc(fig["caption"]), STYLES["caption"])
            cap.caption_kind = "figure"
            story.append(KeepTogether([Spacer(1, 4), PumpFigure(fig), cap]))
        elif t == "table":
            story.extend(make_table(src, block["id"], parts))
        elif t == "template":
            story.append(NextPageTemplate(block["name"]))
            pending_layout = block["name"]
        elif t == "page_break":
            story.append(PageBreak())
            layout = pending_layout
        else:
            raise ValueError(f"unknown block type {t}")
    return story


def make_table(src, table_id, parts):
    spec = src["tables"][table_id]
    if table_id == "spare_parts":
        header = parts["columns"]
        rows = [[str(p["item"]), p["part_no"], p["description"], str(p["qty"]), p["material"]]
                for p in parts["parts"]]
        widths = [12 * mm, 32 * mm, 66 * mm, 12 * mm, 46 * mm]
    else:
        header = spec["columns"]
        rows = spec["rows"]
        widths = [70 * mm, 60 * mm]
    data = [header] + rows
    tbl = ContinuedTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    tbl.table_id = table_id
    tbl.continued_caption = spec.get("continued_caption", spec["caption"] + " (continued)")
    tbl.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT_REGULAR, 9),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9d9d9")),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    cap = Caption(esc(spec["caption"]), STYLES["caption"])
    cap.caption_kind = "table"
    return [cap, tbl]


def build_manual():
    src = load_source("manual.json")
    parts = load_source("parts.json")
    total = None
    for _ in range(2):  # pass 1 counts pages, pass 2 writes "Page N of M"
        buf = io.BytesIO()
        doc = ManualDoc(buf, src, total)
        doc.build(manual_story(src, parts))
        total = doc.page
    pdf = buf.getvalue()
    check_manual(doc, src, parts)
    return pdf, doc, src, parts


def check_manual(doc, src, parts):
    # every page must have its text tracked; two-column page must use both columns;
    # the spare parts table must continue onto a second page.
    two = [p for p, t in doc.page_template.items() if t == "two_column"]
    assert two, "no two-column page"
    for p in two:
        assert doc.page_frames.get(p) == ["col1", "col2"], (p, doc.page_frames.get(p))
    sp = [t for t in doc.table_parts if t["table"] == "spare_parts"]
    assert len(sp) >= 2, "spare parts table did not continue on a second page"
    alltext = "\n".join("\n".join(v) for v in doc.page_body.values())
    for v in src["part_number_variants"]:
        assert v["text"] in alltext, v
    assert src["referenced_drawing"]["number"] in alltext


def manual_manifest(pdf_path, doc, src, parts):
    total = doc.page
    pages = []
    for p in range(1, total + 1):
        hf = doc.header_footer_text(p)
        pages.append({
            "page": p,
            "template": doc.page_template[p],
            "text_blocks": hf["header"] + doc.page_body.get(p, []) + hf["footer"],
        })
    sp = [t for t in doc.table_parts if t["table"] == "spare_parts"]
    td = [t for t in doc.table_parts if t["table"] == "technical_data"]
    cont = [c for c in doc.captions if c["kind"] == "table_continued"]
    fig = src["figures"]["fig1"]
    fig_cap = [c for c in doc.captions if c["kind"] == "figure"]
    canonical = [p["part_no"] for p in parts["parts"]]
    return {
        "name": "manual.pdf",
        "type": "pdf",
        "title": src["meta"]["title"],
        "page_count": total,
        "page_size_pt": [pts(PAGE_W), pts(PAGE_H)],
        "page_size_name": "A4 portrait",
        "fonts": [FONT_REGULAR, FONT_BOLD],
        "fonts_embedded": True,
        "headings": [{k: h[k] for k in ("level", "number", "text", "full_text", "page")}
                     for h in doc.headings],
        "two_column_pages": sorted(p for p, t in doc.page_template.items() if t == "two_column"),
        "frame_geometry_pt": {
            "comment": "[x, y, width, height] of text frames, PDF coordinates (origin bottom-left)",
            **doc.frame_geometry,
        },
        "header_footer": {
            "header": [src["meta"]["header_left"], src["meta"]["header_right"]],
            "footer_pattern": [src["meta"]["footer_left"], src["meta"]["footer_center"]],
        },
        "tables": [
            {
                "id": "technical_data",
                "caption": src["tables"]["technical_data"]["caption"],
                "columns": src["tables"]["technical_data"]["columns"],
                "pages": [t["page"] for t in td],
                "rows": src["tables"]["technical_data"]["rows"],
                "ruled": True,
            },
            {
                "id": "spare_parts",
                "caption": src["tables"]["spare_parts"]["caption"],
                "continued_caption": src["tables"]["spare_parts"]["continued_caption"],
                "continued_caption_pages": [c["page"] for c in cont],
                "columns": parts["columns"],
                "pages": [t["page"] for t in sp],
                "body_rows_per_page": {str(t["page"]): len(t["rows"]) - t["repeat_rows"] for t in sp},
                "header_row_repeated": True,
                "row_count": len(parts["parts"]),
                "ruled": True,
            },
        ],
        "parts_table_pages": [t["page"] for t in sp],
        "figures": [{
            "caption": fig["caption"],
            "page": fig_cap[0]["page"] if fig_cap else None,
            "callout_labels": [c["label"] for c in fig["callouts"]],
            "vector": True,
        }],
        "part_numbers": canonical,
        "part_number_variants": src["part_number_variants"],
        "referenced_drawing": src["referenced_drawing"],
        "standards": src["standards"],
        "languages": ["en", "ko"],
        "pages_text_order": SOURCE_TEXT_ORDER,
        "pages": pages,
    }


# --------------------------------------------------------------------------
# drawing.pdf
# --------------------------------------------------------------------------

def arrow(c, x, y, ang, size=7):
    """Filled arrow head with its tip at (x, y) pointing in direction ang (radians)."""
    a1 = ang + math.pi - 0.28
    a2 = ang + math.pi + 0.28
    p = c.beginPath()
    p.moveTo(x, y)
    p.lineTo(x + size * math.cos(a1), y + size * math.sin(a1))
    p.lineTo(x + size * math.cos(a2), y + size * math.sin(a2))
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def dim_linear(c, x1, y1, x2, y2, offset, text, vertical=False, font_size=10, text_side=1):
    """Linear dimension between two points with extension lines.

    horizontal: measures x distance, dimension line at y = max(y1,y2)+offset (offset may be <0)
    vertical:   measures y distance, dimension line at x = x1+offset (text rotated 90°)
    """
    c.saveState()
    c.setLineWidth(0.35)
    if not vertical:
        yd = (max(y1, y2) if offset > 0 else min(y1, y2)) + offset
        ext = 3 if offset > 0 else -3
        c.line(x1, y1, x1, yd + ext)
        c.line(x2, y2, x2, yd + ext)
        c.line(x1, yd, x2, yd)
        arrow(c, x1, yd, math.pi)
        arrow(c, x2, yd, 0)
        c.setFont(FONT_REGULAR, font_size)
        c.drawCentredString((x1 + x2) / 2, yd + 2.5, text)
    else:
        xd = x1 + offset
        ext = 3 if offset > 0 else -3
        c.line(x1, y1, xd + ext, y1)
        c.line(x2, y2, xd + ext, y2)
        c.line(xd, y1, xd, y2)
        arrow(c, xd, min(y1, y2), -math.pi / 2)
        arrow(c, xd, max(y1, y2), math.pi / 2)
        c.translate(xd - 2.5 if text_side > 0 else xd + 2.5 + font_size * 0.75, (y1 + y2) / 2)
        c.rotate(90)
        c.setFont(FONT_REGULAR, font_size)
        c.drawCentredString(0, 0, text)
    c.restoreState()


def centre_line(c, x1, y1, x2, y2):
    c.saveState()
    c.setLineWidth(0.3)
    c.setDash([14, 3, 2, 3])
    c.line(x1, y1, x2, y2)
    c.restoreState()


def hatch_path(c, path, x0, y0, x1, y1, step=6):
    c.saveState()
    c.clipPath(path, stroke=0, fill=0)
    c.setLineWidth(0.3)
    span = (x1 - x0) + (y1 - y0)
    k = 0.0
    while k < span:
        c.line(x0 + k, y0, x0 + k - (y1 - y0), y1)
        k += step
    c.restoreState()


def build_drawing():
    src = load_source("drawing.json")
    parts = load_source("parts.json")
    by_no = {p["part_no"]: p for p in parts["parts"]}
    tb = src["title_block"]
    W, H = landscape(A3)
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(W, H), invariant=1, initialFontName=FONT_REGULAR)
    c.setTitle(f'{tb["drawing_number"]} Rev. {tb["revision"]} — {tb["title"]}')
    c.setAuthor(tb["company"])
    c.setSubject("Sample engineering drawing for document-extraction tests")
    c.setCreator("exadoc samples/generate.py")
    info = {"text_items": []}

    def text(x, y, s, size=9, font=FONT_REGULAR, align="left"):
        c.setFont(font, size)
        if align == "left":
            c.drawString(x, y, s)
        elif align == "center":
            c.drawCentredString(x, y, s)
        else:
            c.drawRightString(x, y, s)
        info["text_items"].append(s)

    # ---- border and zones
    outer = (10 * mm, 10 * mm, W - 10 * mm, H - 10 * mm)  # x0, y0, x1, y1
    inner = (20 * mm, 15 * mm, W - 15 * mm, H - 15 * mm)
    # outer frame: 20 mm binding margin on the left is drawn from the trimmed edge
    c.setLineWidth(0.5)
    c.rect(outer[0], outer[1], outer[2] - outer[0], outer[3] - outer[1])
    c.setLineWidth(1.4)
    c.rect(inner[0], inner[1], inner[2] - inner[0], inner[3] - inner[1])
    nx, ny = src["sheet"]["zones_x"], src["sheet"]["zones_y"]
    zw = (inner[2] - inner[0]) / nx
    zh = (inner[3] - inner[1]) / ny
    c.setLineWidth(0.5)
    for i in range(nx):
        x = inner[0] + i * zw
        if i:
            c.line(x, outer[1], x, inner[1])
            c.line(x, inner[3], x, outer[3])
        label = str(i + 1)
        text(x + zw / 2, (outer[1] + inner[1]) / 2 - 3, label, 8, align="center")
        text(x + zw / 2, (inner[3] + outer[3]) / 2 - 3, label, 8, align="center")
    for j in range(ny):
        y = inner[3] - j * zh
        if j:
            c.line(outer[0], y, inner[0], y)
            c.line(inner[2], y, outer[2], y)
        label = "ABCDEFGH"[j]
        text((outer[0] + inner[0]) / 2, y - zh / 2 - 3, label, 8, align="center")
        text((inner[2] + outer[2]) / 2, y - zh / 2 - 3, label, 8, align="center")
    # centring marks
    c.setLineWidth(1.0)
    c.line(W / 2, outer[1] - 5, W / 2, inner[1] + 5)
    c.line(W / 2, inner[3] - 5, W / 2, outer[3] + 5)

    # ---- title block (lower right, ISO 7200 width 180 mm)
    tbw = 180 * mm
    tx1, ty0 = inner[2], inner[1]
    tx0 = tx1 - tbw
    rows_h = [9 * mm, 9 * mm, 9 * mm, 13 * mm, 8 * mm]  # bottom to top
    ys = [ty0]
    for hh in rows_h:
        ys.append(ys[-1] + hh)
    ty1 = ys[-1]
    c.setFillColor(colors.white)
    c.rect(tx0, ty0, tbw, ty1 - ty0, stroke=0, fill=1)
    c.setFillColor(colors.black)
    c.setLineWidth(1.2)
    c.rect(tx0, ty0, tbw, ty1 - ty0)
    c.setLineWidth(0.6)
    for y in ys[1:-1]:
        c.line(tx0, y, tx1, y)
    fields = {}

    def cell(x0, x1, row, label, value, vsize=9, vfont=FONT_REGULAR, key=None):
        y0, y1 = ys[row], ys[row + 1]
        if x0 > tx0:
            c.line(x0, y0, x0, y1)
        text(x0 + 2, y1 - 7, label, 5.5)
        text(x0 + 3, y0 + 3.5, value, vsize, vfont)
        if key:
            fields[key] = {"label": label, "value": value,
                           "bbox_pt": [pts(x0), pts(y0), pts(x1), pts(y1)]}

    u = tbw / 180.0  # one "title block millimetre"
    # row 0 (bottom): drawn / checked / approved / date
    cell(tx0, tx0 + 45 * u, 0, "DRAWN", tb["drawn_by"], key="drawn_by")
    cell(tx0 + 45 * u, tx0 + 90 * u, 0, "CHECKED", tb["checked_by"], key="checked_by")
    cell(tx0 + 90 * u, tx0 + 135 * u, 0, "APPROVED", tb["approved_by"], key="approved_by")
    cell(tx0 + 135 * u, tx1, 0, "DATE", tb["date"], key="date")
    # row 1: scale / size / material / mass
    cell(tx0, tx0 + 30 * u, 1, "SCALE", tb["scale"], key="scale")
    cell(tx0 + 30 * u, tx0 + 55 * u, 1, "SIZE", tb["size"], key="size")
    cell(tx0 + 55 * u, tx0 + 135 * u, 1, "MATERIAL", tb["material"], key="material")
    cell(tx0 + 135 * u, tx1, 1, "MASS", tb["mass"], key="mass")
    # row 2: drawing number / revision / sheet
    cell(tx0, tx0 + 110 * u, 2, "DRAWING NO.", tb["drawing_number"], vsize=12, vfont=FONT_BOLD,
         key="drawing_number")
    cell(tx0 + 110 * u, tx0 + 140 * u, 2, "REV", tb["revision"], vsize=12, vfont=FONT_BOLD, key="revision")
    cell(tx0 + 140 * u, tx1, 2, "SHEET", tb["sheet"], vsize=10, key="sheet")
    # row 3: title
    cell(tx0, tx1, 3, "TITLE", tb["title"], vsize=12, vfont=FONT_BOLD, key="title")
    # row 4 (top): company / units / projection
    cell(tx0, tx0 + 80 * u, 4, "COMPANY", tb["company"], vsize=8, vfont=FONT_BOLD, key="company")
    cell(tx0 + 80 * u, tx0 + 105 * u, 4, "UNITS", tb["units"], vsize=8, key="units")
    cell(tx0 + 105 * u, tx1, 4, "PROJECTION", tb["projection"], vsize=7, key="projection")

    # ---- BOM above the title block (header row on top, items top-down)
    bom_cols = src["bom_columns"]
    bom_w = [14 * u, 40 * u, 111 * u, 15 * u]
    bom_rows = []
    for b in src["bom"]:
        p = by_no[b["part_no"]]
        bom_rows.append({"item": b["item"], "part_no": p["part_no"], "description": p["description"],
                         "qty": p["qty"], "manual_item": p["item"]})
    rh = 6 * mm
    gap = 0
    by0 = ty1 + gap
    nrows = len(bom_rows) + 1
    by1 = by0 + nrows * rh
    c.setFillColor(colors.white)
    c.rect(tx0, by0, tbw, by1 - by0, stroke=0, fill=1)
    c.setFillColor(colors.black)
    c.setLineWidth(1.2)
    c.rect(tx0, by0, tbw, by1 - by0)
    c.setLineWidth(0.5)
    for r in range(1, nrows):
        c.line(tx0, by0 + r * rh, tx1, by0 + r * rh)
    xs = [tx0]
    for wdt in bom_w:
        xs.append(xs[-1] + wdt)
    for x in xs[1:-1]:
        c.line(x, by0, x, by1)
    c.setLineWidth(1.0)
    c.line(tx0, by1 - rh, tx1, by1 - rh)
    for k, name in enumerate(bom_cols):
        text(xs[k] + 3, by1 - rh + 5, name, 8, FONT_BOLD)
    for r, row in enumerate(bom_rows):
        y = by1 - (r + 2) * rh + 5
        vals = [str(row["item"]), row["part_no"], row["description"], str(row["qty"])]
        for k, v in enumerate(vals):
            text(xs[k] + 3, y, v, 8)
    text(tx0, by1 + 4, "PARTS LIST", 9, FONT_BOLD)

    # ---- revision table (upper right)
    rw = [12 * u, 110 * u, 33 * u, 25 * u]
    rxs = [tx0]
    for wdt in rw:
        rxs.append(rxs[-1] + wdt)
    ry1 = inner[3]
    nrr = len(src["revisions"]) + 1
    ry0 = ry1 - nrr * rh
    c.setLineWidth(1.2)
    c.rect(tx0, ry0, tbw, ry1 - ry0)
    c.setLineWidth(0.5)
    for r in range(1, nrr):
        c.line(tx0, ry1 - r * rh, tx1, ry1 - r * rh)
    for x in rxs[1:-1]:
        c.line(x, ry0, x, ry1)
    for k, name in enumerate(["REV", "DESCRIPTION", "DATE", "BY"]):
        text(rxs[k] + 3, ry1 - rh + 5, name, 8, FONT_BOLD)
    for r, rv in enumerate(src["revisions"]):
        y = ry1 - (r + 2) * rh + 5
        for k, v in enumerate([rv["rev"], rv["description"], rv["date"], rv["by"]]):
            text(rxs[k] + 3, y, v, 8)

    # ---- notes block (lower left)
    nxs, nys = inner[0] + 10 * mm, inner[1] + 48 * mm
    text(nxs, nys, src["notes_title"], 10, FONT_BOLD)
    for i, n in enumerate(src["notes"], 1):
        text(nxs, nys - i * 14, f"{i}. {n}", 9)

    # ---- views (scale 1:5)
    g = src["geometry_mm"]
    dl = src["dimension_labels"]
    scale_den = int(tb["scale"].split(":")[1])
    k = mm / scale_den  # points per model millimetre
    R = g["outer_diameter"] / 2 * k
    # front view centre
    fx, fy = (inner[0] + tx0) / 2 - 10 * mm, inner[1] + 170 * mm
    c.setLineWidth(1.2)
    c.circle(fx, fy, R)
    c.circle(fx, fy, g["hub_diameter"] / 2 * k)
    c.circle(fx, fy, g["shaft_bore_diameter"] / 2 * k)
    c.saveState()
    c.setDash([5, 3])
    c.setLineWidth(0.6)
    c.circle(fx, fy, g["seal_bore_diameter"] / 2 * k)  # hidden seal chamber bore
    c.restoreState()
    c.saveState()
    c.setLineWidth(0.3)
    c.setDash([14, 3, 2, 3])
    c.circle(fx, fy, g["bolt_circle_diameter"] / 2 * k)
    c.restoreState()
    rb = g["bolt_circle_diameter"] / 2 * k
    rh_ = g["bolt_hole_diameter"] / 2 * k
    c.setLineWidth(1.0)
    for i in range(g["bolt_hole_count"]):
        a = 2 * math.pi * i / g["bolt_hole_count"] + math.pi / 2
        hx, hy = fx + rb * math.cos(a), fy + rb * math.sin(a)
        c.circle(hx, hy, rh_)
    centre_line(c, fx - R - 12, fy, fx + R + 12, fy)
    centre_line(c, fx, fy - R - 12, fx, fy + R + 12)
    # cutting plane A-A (vertical through the centre)
    c.setLineWidth(1.6)
    c.line(fx, fy + R + 14, fx, fy + R + 26)
    c.line(fx, fy - R - 14, fx, fy - R - 26)
    c.setLineWidth(0.8)
    c.line(fx, fy + R + 26, fx + 16, fy + R + 26)
    arrow(c, fx + 16, fy + R + 26, 0)
    c.line(fx, fy - R - 26, fx + 16, fy - R - 26)
    arrow(c, fx + 16, fy - R - 26, 0)
    text(fx + 20, fy + R + 22, "A", 12, FONT_BOLD)
    text(fx + 20, fy - R - 30, "A", 12, FONT_BOLD)
    # leaders on the front view
    c.setLineWidth(0.35)
    a = math.radians(135)
    px, py = fx + R * math.cos(a), fy + R * math.sin(a)
    c.line(px, py, px - 45, py + 45)
    c.line(px - 45, py + 45, px - 85, py + 45)
    arrow(c, px, py, math.atan2(py - (py + 45), px - (px - 45)))
    text(px - 85, py + 48, dl["outer_diameter"], 10)
    a = 2 * math.pi * 1 / g["bolt_hole_count"] + math.pi / 2  # hole at 135°
    hx, hy = fx + rb * math.cos(a), fy + rb * math.sin(a)
    a2 = 2 * math.pi * 7 / g["bolt_hole_count"] + math.pi / 2  # hole at 45°
    hx2, hy2 = fx + rb * math.cos(a2) + rh_ * math.cos(math.radians(45)), \
        fy + rb * math.sin(a2) + rh_ * math.sin(math.radians(45))
    c.line(hx2, hy2, hx2 + 40, hy2 + 40)
    c.line(hx2 + 40, hy2 + 40, hx2 + 150, hy2 + 40)
    arrow(c, hx2, hy2, math.radians(225))
    text(hx2 + 42, hy2 + 43, dl["bolt_pattern"], 10)
    a3 = math.radians(-45)
    sx, sy = fx + g["hub_diameter"] / 2 * k * math.cos(a3), fy + g["hub_diameter"] / 2 * k * math.sin(a3)
    c.line(sx, sy, sx + 70, sy - 70)
    c.line(sx + 70, sy - 70, sx + 110, sy - 70)
    arrow(c, sx, sy, math.radians(135))
    text(sx + 72, sy - 67, dl["hub_diameter"], 10)
    text(fx, fy - R - 55, src["views"]["front"]["label"], 11, FONT_BOLD, align="center")

    # section view A-A: axis horizontal? -> axis vertical would match the cutting plane;
    # we draw the profile with the shaft axis horizontal, to the right of the front view.
    sx0 = tx0 + 70 * mm  # x of pump-side face (section sits in the right-hand column)
    sy0 = fy  # shaft axis
    t = g["flange_thickness"] * k
    hl = g["hub_length"] * k
    r_out = R
    r_hub = g["hub_diameter"] / 2 * k
    r_seal = g["seal_bore_diameter"] / 2 * k
    d_seal = g["seal_bore_depth"] * k
    r_shaft = g["shaft_bore_diameter"] / 2 * k
    r_bolt0 = (g["bolt_circle_diameter"] - g["bolt_hole_diameter"]) / 2 * k
    r_bolt1 = (g["bolt_circle_diameter"] + g["bolt_hole_diameter"]) / 2 * k
    for sgn in (1, -1):
        poly = [(0, r_seal), (0, r_out), (t, r_out), (t, r_hub), (t + hl, r_hub), (t + hl, r_shaft),
                (d_seal, r_shaft), (d_seal, r_seal)]
        p = c.beginPath()
        p.moveTo(sx0 + poly[0][0], sy0 + sgn * poly[0][1])
        for q in poly[1:]:
            p.lineTo(sx0 + q[0], sy0 + sgn * q[1])
        p.close()
        hatch_path(c, p, sx0 - 5, sy0 - r_out - 5, sx0 + t + hl + 5, sy0 + r_out + 5)
        c.setLineWidth(1.2)
        c.drawPath(p, stroke=1, fill=0)
        # bolt hole cut by the section plane
        y_a, y_b = sy0 + sgn * r_bolt0, sy0 + sgn * r_bolt1
        c.setFillColor(colors.white)
        c.rect(sx0, min(y_a, y_b), t, abs(y_b - y_a), stroke=0, fill=1)
        c.setFillColor(colors.black)
        c.setLineWidth(1.0)
        c.line(sx0, y_a, sx0 + t, y_a)
        c.line(sx0, y_b, sx0 + t, y_b)
        centre_line(c, sx0 - 8, sy0 + sgn * (r_bolt0 + r_bolt1) / 2, sx0 + t + 8,
                    sy0 + sgn * (r_bolt0 + r_bolt1) / 2)
    centre_line(c, sx0 - 20, sy0, sx0 + t + hl + 20, sy0)
    # dimensions on the section
    dim_linear(c, sx0 - 0.0, sy0 + r_out, sx0 + t, sy0 + r_out, 18, dl["flange_thickness"])
    dim_linear(c, sx0 + t, sy0 + r_hub, sx0 + t + hl, sy0 + r_hub, 62, dl["hub_length"])
    dim_linear(c, sx0, sy0 - r_seal, sx0 + d_seal, sy0 - r_seal, r_seal * 0.45,
               dl["seal_bore_depth"], font_size=9)
    dim_linear(c, sx0, sy0 - r_out, sx0, sy0 + r_out, -40, dl["outer_diameter"], vertical=True)
    dim_linear(c, sx0 + d_seal * 0.3, sy0 - r_seal, sx0 + d_seal * 0.3, sy0 + r_seal, 0,
               dl["seal_bore_diameter"], vertical=True, font_size=9)
    dim_linear(c, sx0 + t + hl, sy0 - r_shaft, sx0 + t + hl, sy0 + r_shaft, 30,
               dl["shaft_bore_diameter"], vertical=True, text_side=-1)
    dim_linear(c, sx0 + t + hl, sy0 - r_hub, sx0 + t + hl, sy0 + r_hub, 62,
               dl["hub_diameter"], vertical=True, text_side=-1)
    text(sx0 + (t + hl) / 2, sy0 - r_out - 55, src["views"]["section"]["label"], 11, FONT_BOLD,
         align="center")
    # general tolerance / surface finish reminder next to the section
    c.setLineWidth(0.35)
    lx, ly = sx0 + d_seal * 0.75, sy0 + r_seal
    c.line(lx, ly, sx0 + t + hl + 40, sy0 + r_out + 10)
    c.line(sx0 + t + hl + 40, sy0 + r_out + 10, sx0 + t + hl + 120, sy0 + r_out + 10)
    arrow(c, lx, ly, math.atan2(ly - (sy0 + r_out + 10), lx - (sx0 + t + hl + 40)))
    text(sx0 + t + hl + 42, sy0 + r_out + 13, "Ra 1.6 (SEAL BORE)", 8)
    c.showPage()
    c.save()

    manifest = {
        "name": "drawing.pdf",
        "type": "pdf",
        "page_count": 1,
        "page_size_pt": [pts(W), pts(H)],
        "page_size_name": "A3 landscape",
        "fonts": [FONT_REGULAR, FONT_BOLD],
        "fonts_embedded": True,
        "drawing_number": tb["drawing_number"],
        "revision": tb["revision"],
        "scale": tb["scale"],
        "sheet": tb["sheet"],
        "title": tb["title"],
        "material": tb["material"],
        "drawn_by": tb["drawn_by"],
        "checked_by": tb["checked_by"],
        "approved_by": tb["approved_by"],
        "date": tb["date"],
        "title_block": {
            "position": "lower-right",
            "bbox_pt": [pts(tx0), pts(ty0), pts(tx1), pts(ty1)],
            "bbox_convention": "[x0, y0, x1, y1] in PDF points, origin bottom-left of the page",
            "fields": fields,
        },
        "bom": {
            "position": "directly above the title block",
            "bbox_pt": [pts(tx0), pts(by0), pts(tx1), pts(by1)],
            "columns": bom_cols,
            "rows": bom_rows,
            "comment": "item = drawing item number; manual_item = item number in the manual's Table 2",
        },
        "revisions": src["revisions"],
        "notes_title": src["notes_title"],
        "notes": [f"{i}. {n}" for i, n in enumerate(src["notes"], 1)],
        "standards": ["ISO 2768-m"],
        "dimension_labels": list(dl.values()),
        "zones": {"columns": [str(i + 1) for i in range(nx)], "rows": list("ABCDEFGH"[:ny])},
        "views": [src["views"]["front"]["label"], src["views"]["section"]["label"]],
        "text_items": info["text_items"],
    }
    return buf.getvalue(), manifest


# --------------------------------------------------------------------------
# scans
# --------------------------------------------------------------------------

def render_page_gray(pdf_path, page, dpi):
    with tempfile.TemporaryDirectory() as td:
        base = os.path.join(td, "p")
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page),
                        "-singlefile", pdf_path, base], check=True)
        im = Image.open(base + ".pgm")
        im.load()
        return im.convert("L")


def degrade(im, angle, seed, sigma, speck_fraction, levels):
    """Rotate + noise.  Returns an 8-bit 'L' image."""
    rot = im.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    rng = np.random.default_rng(seed)
    a = np.asarray(rot, dtype=np.float32)
    a = a + rng.normal(0.0, sigma, a.shape).astype(np.float32)
    # sparse dark specks (2x2 blobs) and a few light drop-outs
    h, w = a.shape
    n = int(h * w * speck_fraction)
    ys = rng.integers(0, h - 2, n)
    xs = rng.integers(0, w - 2, n)
    vals = rng.integers(0, 90, n).astype(np.float32)
    for dy in (0, 1):
        for dx in (0, 1):
            a[ys + dy, xs + dx] = np.minimum(a[ys + dy, xs + dx], vals)
    a = np.clip(a, 0, 255)
    if levels:
        step = 255.0 / (levels - 1)
        a = np.round(a / step) * step
    return Image.fromarray(np.clip(np.round(a), 0, 255).astype(np.uint8), "L")


def to_bilevel(im, threshold=150):
    return im.point(lambda v: 255 if v >= threshold else 0, mode="L").convert("1", dither=Image.NONE)


def pick_scan_pages(doc):
    """Single-column pages without tables/figures, in page order."""
    busy = {t["page"] for t in doc.table_parts} | {f["page"] for f in doc.figures}
    return [p for p in range(1, doc.page + 1)
            if doc.page_template[p] == "one_column" and p not in busy]


def build_scans(manual_path, doc):
    pages = pick_scan_pages(doc)
    assert len(pages) >= 2, pages
    p1, p2 = pages[0], pages[1]
    src_texts = {}
    for p in (p1, p2):
        hf = doc.header_footer_text(p)
        src_texts[p] = hf["header"] + doc.page_body.get(p, []) + hf["footer"]

    g1 = render_page_gray(manual_path, p1, SCAN_DPI)
    g2 = render_page_gray(manual_path, p2, SCAN_DPI)
    noise = {"seed": 20240315, "gaussian_sigma": 10.0, "speck_fraction": 0.00004, "grey_levels": 8}
    s1 = degrade(g1, SCAN_PNG_ROTATION, noise["seed"], noise["gaussian_sigma"], noise["speck_fraction"],
                 noise["grey_levels"])
    noise2 = dict(noise, seed=noise["seed"] + 1)
    s2 = degrade(g2, SCAN_TIFF_PAGE2_ROTATION, noise2["seed"], noise2["gaussian_sigma"],
                 noise2["speck_fraction"], noise2["grey_levels"])

    png = io.BytesIO()
    s1.save(png, format="PNG", dpi=(SCAN_DPI, SCAN_DPI), optimize=True)
    write_bytes(os.path.join(SAMPLES, "scan.png"), png.getvalue())

    b1 = to_bilevel(s1)
    b2 = to_bilevel(s2)
    tif = io.BytesIO()
    b1.save(tif, format="TIFF", compression="group4", dpi=(SCAN_DPI, SCAN_DPI), save_all=True,
            append_images=[b2])
    write_bytes(os.path.join(SAMPLES, "scan.tiff"), tif.getvalue())

    w, h = s1.size
    common = {
        "dpi": SCAN_DPI,
        "rendered_with": f"pdftoppm -r {SCAN_DPI} -gray",
        "rotation_convention": ROTATION_CONVENTION,
        "rotation_center": "image centre",
        "expand": False,
        "source_document": "manual.pdf",
    }
    png_manifest = {
        "name": "scan.png",
        "type": "png",
        "page_count": 1,
        "width_px": w,
        "height_px": h,
        "dpi": SCAN_DPI,
        "mode": "8-bit grayscale",
        "png_phys_pixels_per_metre": round(SCAN_DPI / 0.0254),
        "rotation_deg": SCAN_PNG_ROTATION,
        **{k: v for k, v in common.items() if k != "dpi"},
        "source_page": p1,
        "noise": noise,
        "source_text_order": SOURCE_TEXT_ORDER,
        "source_text": src_texts[p1],
    }
    tiff_pages = []
    for idx, (p, ang, im, nz) in enumerate(((p1, SCAN_PNG_ROTATION, b1, noise),
                                            (p2, SCAN_TIFF_PAGE2_ROTATION, b2, noise2)), 1):
        tiff_pages.append({
            "index": idx,
            "width_px": im.size[0],
            "height_px": im.size[1],
            "dpi": SCAN_DPI,
            "mode": "bilevel (1 bit)",
            "compression": "CCITT Group 4",
            "rotation_deg": ang,
            **{k: v for k, v in common.items() if k != "dpi"},
            "source_page": p,
            "noise": nz,
            "threshold": 150,
            "derived_from": "scan.png thresholded at 150" if idx == 1 else "own render, same noise model",
            "source_text_order": SOURCE_TEXT_ORDER,
            "source_text": src_texts[p],
        })
    tiff_manifest = {
        "name": "scan.tiff",
        "type": "tiff",
        "page_count": 2,
        "compression": "CCITT Group 4",
        "pages": tiff_pages,
    }
    return png_manifest, tiff_manifest


# --------------------------------------------------------------------------
# tests/data
# --------------------------------------------------------------------------

def pil_font(size, bold=False):
    return ImageFont.truetype(DEJAVU_BOLD if bold else DEJAVU, size)


def format_test_image(td):
    im = Image.new("RGB", (400, 300), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([10, 10, 389, 289], outline="black", width=2)
    y = 30
    for i, line in enumerate(td["format_image_lines"]):
        d.text((30, y), line, fill="black", font=pil_font(24 if i == 0 else 18, bold=(i == 0)))
        y += 40
    for k in range(5):
        d.line([30, 170 + k * 12, 370, 170 + k * 12], fill="black", width=1)
    d.rectangle([300, 230, 370, 270], fill=(200, 30, 30))  # one coloured patch
    d.ellipse([30, 225, 80, 275], outline="black", width=3)
    return im


def tiny_pdf(lines, size=(300, 200), rotate=0, encrypt=None, title="exadoc test"):
    """One-page PDF with Helvetica text (base-14 font, not embedded).

    size is the MediaBox (width, height); the text is upright in MediaBox
    coordinates.  reportlab swaps the box it writes for /Rotate 90|270, so the
    page size handed to it is swapped back here."""
    buf = io.BytesIO()
    pagesize = (size[1], size[0]) if rotate % 180 == 90 else size
    c = rl_canvas.Canvas(buf, pagesize=pagesize, invariant=1, encrypt=encrypt)
    c.setTitle(title)
    c.setCreator("exadoc samples/generate.py")
    if rotate:
        c.setPageRotation(rotate)
    c.setFont("Helvetica", 12)
    y = size[1] - 40
    for ln in lines:
        c.drawString(30, y, ln)
        y -= 18
    c.showPage()
    c.save()
    return buf.getvalue()


def multi_page_pdf(pages_text):
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle("truncated source")
    for t in pages_text:
        c.setFont("Helvetica", 12)
        c.drawString(72, A4[1] - 72, t)
        for k in range(30):
            c.drawString(72, A4[1] - 100 - k * 18, f"Line {k + 1}: filler text to give the page some content.")
        c.showPage()
    c.save()
    return buf.getvalue()


def zero_pages_pdf():
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objs) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def bomb_png(width=50000, height=50000):
    """1-bit grayscale all-zero PNG; compressed row by row, never held in memory."""
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)))
    comp = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY)
    row = b"\x00" * (1 + (width + 7) // 8)
    block_rows = 1000
    block = row * block_rows
    pending = bytearray()
    remaining = height
    while remaining:
        n = min(block_rows, remaining)
        pending += comp.compress(block if n == block_rows else row * n)
        remaining -= n
        while len(pending) >= 65536:
            out.write(png_chunk(b"IDAT", bytes(pending[:65536])))
            del pending[:65536]
    pending += comp.flush()
    while pending:
        out.write(png_chunk(b"IDAT", bytes(pending[:65536])))
        del pending[:65536]
    out.write(png_chunk(b"IEND", b""))
    return out.getvalue()


def truncate_png_in_idat(data):
    pos = 8
    while pos < len(data):
        ln = struct.unpack(">I", data[pos:pos + 4])[0]
        tag = data[pos + 4:pos + 8]
        if tag == b"IDAT":
            return data[:pos + 8 + ln // 2], pos + 8 + ln // 2
        pos += 12 + ln
    raise ValueError("no IDAT")


def build_test_data():
    td = load_source("testdata.json")
    fmt = os.path.join(TESTDATA, "formats")
    hos = os.path.join(TESTDATA, "hostile")
    for d in (fmt, hos):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    files = {}

    def put(rel, data, **facts):
        write_bytes(os.path.join(TESTDATA, rel), data)
        files[rel] = {"bytes": len(data), **facts}

    def img_bytes(im, fmt_name, **kw):
        b = io.BytesIO()
        im.save(b, format=fmt_name, **kw)
        return b.getvalue()

    im = format_test_image(td)
    W, H = im.size
    base = {"width_px": W, "height_px": H, "page_count": 1, "text": td["format_image_lines"]}
    png = img_bytes(im, "PNG", dpi=(150, 150))
    put("formats/page.png", png, format="png", mode="RGB", dpi=150, **base)
    put("formats/page.jpg", img_bytes(im, "JPEG", quality=85, dpi=(150, 150)), format="jpeg",
        mode="RGB", dpi=150, **base)
    put("formats/page.jp2", img_bytes(im, "JPEG2000", irreversible=True, quality_mode="rates",
                                      quality_layers=[24]),
        format="jpeg2000 (jp2 box format, lossy 9/7 wavelet)", mode="RGB", **base)
    put("formats/page.webp", img_bytes(im, "WEBP", lossless=True, method=6), format="webp (lossless)",
        mode="RGB", **base)
    put("formats/page.bmp", img_bytes(im.convert("L").convert("1", dither=Image.NONE), "BMP"), format="bmp",
        mode="1 bit per pixel (2-entry palette, uncompressed); the red patch becomes black", **base)
    # 3-page bilevel G4 TIFF, pages of different sizes
    g4_pages = []
    for pg in td["g4_pages"]:
        p_im = Image.new("L", tuple(pg["size"]), 255)
        d = ImageDraw.Draw(p_im)
        d.rectangle([5, 5, pg["size"][0] - 6, pg["size"][1] - 6], outline=0, width=2)
        y = 20
        for ln in pg["lines"]:
            d.text((20, y), ln, fill=0, font=pil_font(22, bold=True))
            y += 34
        g4_pages.append(p_im.convert("1", dither=Image.NONE))
    put("formats/page_g4.tiff",
        img_bytes(g4_pages[0], "TIFF", compression="group4", dpi=(200, 200), save_all=True,
                  append_images=g4_pages[1:]),
        format="tiff", compression="CCITT Group 4", mode="bilevel", dpi=200,
        page_count=len(g4_pages), page_sizes_px=[pg["size"] for pg in td["g4_pages"]])
    put("formats/page_lzw.tiff", img_bytes(im, "TIFF", compression="tiff_lzw", dpi=(150, 150)),
        format="tiff", compression="LZW", mode="RGB", dpi=150, **base)
    # wrong extensions
    put("formats/png_named.jpg", png, format="png", mode="RGB", note="PNG content with a .jpg name", **base)
    pdf_tiny = tiny_pdf([td["tiny_pdf_text"]])
    put("formats/pdf_named.png", pdf_tiny, format="pdf", page_count=1, page_size_pt=[300, 200],
        note="PDF content with a .png name", text=[td["tiny_pdf_text"]])
    put("formats/rotated90.pdf", tiny_pdf(td["rotated_pdf_text"], size=(300, 400), rotate=90),
        format="pdf", page_count=1, mediabox_pt=[300, 400], rotate=90,
        displayed_size_pt=[400, 300],
        note="text is upright in MediaBox coordinates; /Rotate 90 turns the page clockwise when "
             "displayed, so the rendered page is landscape with text running top to bottom",
        text=td["rotated_pdf_text"])
    put("formats/empty_password.pdf",
        tiny_pdf(td["empty_password_pdf_text"], size=(420, 200),
                 encrypt=StandardEncryption("", ownerPassword="owner", strength=128)),
        format="pdf", page_count=1, encrypted=True, user_password="", owner_password="owner",
        opens_without_password=True, text=td["empty_password_pdf_text"])

    # hostile inputs
    src_pdf = multi_page_pdf(td["truncated_pdf_pages"])
    cut = int(len(src_pdf) * 0.6)
    put("hostile/truncated.pdf", src_pdf[:cut], format="pdf (truncated)", original_bytes=len(src_pdf),
        expect="error or partial recovery; no crash")
    rng = np.random.default_rng(7)
    put("hostile/corrupt.pdf", b"%PDF-1.4\n" + rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        format="pdf header + garbage", expect="error; no crash")
    put("hostile/encrypted.pdf",
        tiny_pdf(td["encrypted_pdf_text"], encrypt=StandardEncryption("secret", ownerPassword="owner-secret",
                                                                      strength=128)),
        format="pdf", encrypted=True, user_password="secret", owner_password="owner-secret",
        expect="password required error without the password; text readable with user password 'secret'",
        text=td["encrypted_pdf_text"])
    put("hostile/zero_pages.pdf", zero_pages_pdf(), format="pdf", page_count=0,
        expect="valid PDF with zero pages (Pages /Count 0, /Kids [])")
    # truncated png: a noisy image so that the IDAT is reasonably large
    noisy = Image.fromarray(np.random.default_rng(11).integers(0, 256, (120, 160), dtype=np.uint8), "L")
    npng = img_bytes(noisy, "PNG")
    tpng, cut_at = truncate_png_in_idat(npng)
    put("hostile/truncated.png", tpng, format="png (truncated inside IDAT)", width_px=160, height_px=120,
        original_bytes=len(npng), cut_at=cut_at, expect="error; no crash")
    ttif_full = img_bytes(noisy, "TIFF")
    put("hostile/truncated.tiff", ttif_full[:len(ttif_full) // 2], format="tiff (uncompressed, truncated)",
        width_px=160, height_px=120, original_bytes=len(ttif_full),
        expect="error or partial image; no crash")
    put("hostile/zero_bytes.pdf", b"", format="empty file", expect="error; no crash")
    put("hostile/not_a_document.txt", td["not_a_document"].encode("utf-8"), format="plain text",
        expect="unsupported format error")
    bomb = bomb_png()
    put("hostile/bomb.png", bomb, format="png", width_px=50000, height_px=50000, bit_depth=1,
        color_type="grayscale", decoded_bytes_8bit=50000 * 50000,
        expect="rejected by a pixel-count limit before decoding")
    write_json(os.path.join(TESTDATA, "manifest.json"),
               {"generator": "samples/generate.py", "files": dict(sorted(files.items()))})
    return files


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    os.chdir(ROOT)
    register_fonts()
    pdf, doc, src, parts = build_manual()
    manual_path = os.path.join(SAMPLES, "manual.pdf")
    write_bytes(manual_path, pdf)
    man_manual = manual_manifest(manual_path, doc, src, parts)

    dpdf, man_drawing = build_drawing()
    write_bytes(os.path.join(SAMPLES, "drawing.pdf"), dpdf)
    # the drawing BOM must share its part numbers with the manual's parts table
    assert {r["part_no"] for r in man_drawing["bom"]["rows"]} <= set(man_manual["part_numbers"])
    assert man_drawing["drawing_number"] == man_manual["referenced_drawing"]["number"]
    assert man_drawing["revision"] == man_manual["referenced_drawing"]["revision"]

    man_png, man_tiff = build_scans(manual_path, doc)
    manifest = {
        "generator": "samples/generate.py",
        "regenerate": "/usr/bin/python3 samples/generate.py",
        "coordinate_note": "PDF sizes and boxes are in points (1/72 inch), origin bottom-left",
        "files": [man_manual, man_drawing, man_png, man_tiff],
    }
    write_json(os.path.join(SAMPLES, "manifest.json"), manifest)
    build_test_data()
    for name in ("manual.pdf", "drawing.pdf", "scan.png", "scan.tiff", "manifest.json"):
        print(f"{name}: {os.path.getsize(os.path.join(SAMPLES, name))} bytes")


if __name__ == "__main__":
    sys.exit(main())
