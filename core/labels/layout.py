"""The geometry of a label sheet, laid out as boxes, lines of text and QR symbols."""

from __future__ import annotations

from dataclasses import dataclass

import segno

from core.codes import code_kind, group_digits
from core.labels.fonts import PT, Font, fit, wrap_to

EMERGENCY_NUMBER = "96333"
TITLE = "电梯安全信息 · Lift safety information"
# The 20-digit registration code is older; newer lifts carry an 18-digit equipment code.
CODE_CAPTIONS = {
    "registration": "电梯注册代码 Registration code",
    "equipment": "电梯设备代码 Equipment code",
}
EMERGENCY_CAPTION = "电梯困人救援 Lift rescue"
INSTRUCTION_ZH = "扫码查看电梯维保信息、报修、投诉；被困请扫码求救或拨打 96333"
INSTRUCTION_EN = (
    "Scan for this lift's maintenance record, to report a fault or complain; "
    "trapped? scan for rescue or call 96333"
)

# Geometry in millimetres. The label size matches common 8-up A4 sticker stock
# (99.1 x 67.7 mm, two columns, no gap between rows), so a sheet prints onto
# die-cut labels as well as onto plain paper cut along the outlines.
PAGE_W, PAGE_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
LABELS_PER_PAGE = COLUMNS * ROWS
LABEL_W, LABEL_H = 99.1, 67.7
COLUMN_GAP = 2.5
LEFT = (PAGE_W - COLUMNS * LABEL_W - COLUMN_GAP) / 2
TOP = (PAGE_H - ROWS * LABEL_H) / 2
PAD = 4.0
HEADER_H = 8.5
FOOTER_H = 14.5  # the band with the scan instruction
LINE = 0.18  # width of outlines
QR_SIZE = 43.0  # includes the 4-module quiet zone
QR_BORDER = 4
DETAILS_X = 45.5

INK = "#1a1a1a"
MUTED = "#5f6368"
BRAND = "#0b4f8a"
ALERT = "#c62828"
PAPER = "#ffffff"
CUT_LINE = "#b5b5b5"


@dataclass(frozen=True)
class Label:
    """One lift to label: its code and where it stands."""

    code: str
    address: str
    building: str


@dataclass(frozen=True)
class Box:
    """A rectangle in page millimetres."""

    x: float
    y: float
    w: float
    h: float
    fill: str | None
    stroke: str | None = None


@dataclass(frozen=True)
class Text:
    """One line of text; y is the baseline, size is in points."""

    x: float
    y: float
    size: float
    text: str
    color: str = INK
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Qr:
    """A QR symbol drawn as runs of dark modules (x, y, length) in module units."""

    x: float
    y: float
    size: float
    modules: int
    runs: tuple[tuple[int, int, int], ...]


def label_url(public_url: str, code: str) -> str:
    """Return the public page address a label's QR code leads to."""
    return public_url.rstrip("/") + "/e/" + code


def label_qr(url: str) -> segno.QRCode:
    """Make a full-size QR symbol with the highest error correction."""
    # segno.make may choose Micro QR for short data, which most phones cannot read;
    # level H survives dirt and scratches on a sticker in a public lift.
    return segno.make_qr(url, error="h")


def page_items(labels: list[Label], public_url: str, font: Font, footer: str) -> list:
    """Lay out one sheet: its labels in reading order and a footer."""
    items: list = [Box(0, 0, PAGE_W, PAGE_H, PAPER)]
    for slot, label in enumerate(labels):
        x = LEFT + (slot % COLUMNS) * (LABEL_W + COLUMN_GAP)
        y = TOP + (slot // COLUMNS) * LABEL_H
        items += _label_items(label, label_url(public_url, label.code), font, x, y)
    items.append(Text(PAGE_W / 2, PAGE_H - 5, 6, footer, MUTED, align="center"))
    return items


def _label_items(label: Label, url: str, font: Font, x: float, y: float) -> list:
    """Lay out one label with its top-left corner at (x, y)."""
    return [
        *_header(x, y),
        _qr_block(url, x, y),
        *_details(label, font, x + DETAILS_X, y),
        *_emergency(x + DETAILS_X, y),
        *_instructions(font, x, y),
        Box(x, y, LABEL_W, LABEL_H, None, CUT_LINE),
    ]


def _header(x: float, y: float) -> list:
    """Draw the coloured title band."""
    return [
        Box(x, y, LABEL_W, HEADER_H, BRAND),
        Text(x + PAD, y + 5.9, 9, TITLE, PAPER, bold=True),
    ]


def _qr_block(url: str, x: float, y: float) -> Qr:
    """Place the QR symbol, quiet zone included, under the header."""
    qr = label_qr(url)
    modules = qr.symbol_size(border=QR_BORDER)[0]
    top = y + HEADER_H + (LABEL_H - HEADER_H - FOOTER_H - QR_SIZE) / 2
    return Qr(x + 1.5, top, QR_SIZE, modules, _dark_runs(qr))


def _dark_runs(qr: segno.QRCode) -> tuple[tuple[int, int, int], ...]:
    """Merge each row's dark modules into runs so the symbol draws fast and seamless."""
    runs = []
    for row, modules in enumerate(qr.matrix_iter(scale=1, border=QR_BORDER)):
        start = None
        for col, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((start, row, col - start))
                start = None
    return tuple(runs)


def _details(label: Label, font: Font, x: float, y: float) -> list:
    """Write the lift's code, address and building beside the QR code."""
    width = LABEL_W - DETAILS_X - PAD
    code = group_digits(label.code)
    items = [
        Text(x, y + 13.5, 6.5, CODE_CAPTIONS[code_kind(label.code)], MUTED),
        Text(x, y + 19.0, fit(font, code, width, 12, 8), code, INK, bold=True),
    ]
    size, lines = wrap_to(font, label.address, width, 9, 7, max_lines=2)
    for n, line in enumerate(lines):
        items.append(Text(x, y + 24.6 + n * size * PT * 1.3, size, line, INK, bold=True))
    building_y = y + 24.6 + len(lines) * size * PT * 1.3 + 0.4
    size, lines = wrap_to(font, label.building, width, 8, 6.5, max_lines=1)
    items += [Text(x, building_y, size, line, MUTED) for line in lines]
    return items


def _emergency(x: float, y: float) -> list:
    """Draw the red box with the emergency number."""
    width = LABEL_W - DETAILS_X - PAD
    top = y + 36.8
    return [
        Box(x, top, width, 14.2, ALERT),
        Text(x + width / 2, top + 4.3, 7, EMERGENCY_CAPTION, PAPER, align="center"),
        Text(x + width / 2, top + 12.0, 22, EMERGENCY_NUMBER, PAPER, bold=True, align="center"),
    ]


def _instructions(font: Font, x: float, y: float) -> list:
    """Write the scan instruction in Chinese and English along the bottom."""
    width = LABEL_W - 2 * PAD
    top = y + LABEL_H - FOOTER_H
    items: list = [Box(x + PAD, top, width, 0.25, CUT_LINE)]
    size = fit(font, INSTRUCTION_ZH, width, 7.5, 5)
    items.append(Text(x + PAD, top + 4.4, size, INSTRUCTION_ZH))
    size, lines = wrap_to(font, INSTRUCTION_EN, width, 6.5, 5, max_lines=2)
    for n, line in enumerate(lines):
        items.append(Text(x + PAD, top + 8.1 + n * size * PT * 1.25, size, line, MUTED))
    return items
