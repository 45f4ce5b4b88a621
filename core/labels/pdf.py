"""Render laid-out label sheets into one PDF with the CJK font embedded."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import PathPaintRule, TextMode

from core.labels.fonts import PT, Font
from core.labels.layout import LINE, PAPER, Box, Qr, Text


def write_pdf(pages: list, font: Font, path: Path, name: str) -> None:
    """Render the sheets into one PDF with the CJK font embedded."""
    # Points as the unit: fpdf2 writes the stroke width of fake-bold text in
    # user units as if they were points, so any other unit distorts it.
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(f"{name} — lift labels")
    pdf.set_creator("liftwatch")
    pdf.set_lang("zh-CN")
    pdf.add_font("cjk", fname=str(font.path))
    for page in pages:
        pdf.add_page()
        for item in page:
            _draw(pdf, item, font)
    pdf.output(str(path))


def _draw(pdf, item, font: Font) -> None:
    """Draw one layout item on the current PDF page."""
    match item:
        case Box():
            style = ("F" if item.fill else "") + ("D" if item.stroke else "")
            paint = {"fill_color": item.fill or PAPER, "draw_color": item.stroke or PAPER}
            with pdf.local_context(line_width=LINE / PT, **paint):
                pdf.rect(item.x / PT, item.y / PT, item.w / PT, item.h / PT, style=style)
        case Text():
            _draw_text(pdf, item, font)
        case Qr():
            _draw_qr(pdf, item)


def _draw_text(pdf, item: Text, font: Font) -> None:
    """Draw a line of text, aligned and optionally emboldened by a thin outline."""
    shift = {"left": 0, "center": 0.5, "right": 1}[item.align] * font.width(item.text, item.size)
    # The font package ships only the regular weight: a thin outline in the
    # text colour makes it bold.
    mode = TextMode.FILL_STROKE if item.bold else TextMode.FILL
    paint = {"text_color": item.color, "draw_color": item.color}
    with pdf.local_context(text_mode=mode, line_width=item.size * 0.045, **paint):
        pdf.set_font("cjk", size=item.size)
        pdf.text((item.x - shift) / PT, item.y / PT, item.text)


def _draw_qr(pdf, item: Qr) -> None:
    """Draw the QR symbol as one filled vector path of module runs."""
    unit = item.size / item.modules / PT
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        for col, row, length in item.runs:
            path.rectangle(item.x / PT + col * unit, item.y / PT + row * unit, length * unit, unit)
