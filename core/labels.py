"""Printable A4 sheets of QR labels that lead people at a lift to its public page."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import PathPaintRule, TextMode

EMERGENCY_NUMBER = "96333"
TITLE = "电梯安全信息 · Lift safety information"
# The 20-digit registration code is older; newer lifts carry an 18-digit equipment code.
CODE_CAPTIONS = {20: "电梯注册代码 Registration code", 18: "电梯设备代码 Equipment code"}
CODE_FIELDS = {20: (4, 6, 6, 4), 18: (4, 5, 4, 5)}
EMERGENCY_CAPTION = "电梯困人救援 Lift rescue"
INSTRUCTION_ZH = "扫码查看电梯维保信息、报修、投诉；被困请扫码求救或拨打 96333"
INSTRUCTION_EN = (
    "Scan for this lift's maintenance record, to report a fault or complain; "
    "trapped? scan for rescue or call 96333"
)
FONT_PACKAGE = "pylopdf-fonts-zh-cn"

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
PT = 25.4 / 72  # millimetres per typographic point

INK = "#1a1a1a"
MUTED = "#5f6368"
BRAND = "#0b4f8a"
ALERT = "#c62828"
PAPER = "#ffffff"
CUT_LINE = "#b5b5b5"
# SVG cannot carry the font, so name the same face and its usual stand-ins.
SVG_FONTS = (
    "'Noto Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif"
)


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


@dataclass(frozen=True)
class Font:
    """Advance widths of the embedded font, so both outputs wrap text alike."""

    path: Path
    cmap: dict[int, str]
    advances: dict[str, int]
    units_per_em: int

    def width(self, text: str, size: float) -> float:
        """Return the width of text in millimetres at size points."""
        units = sum(self.advances.get(self.cmap.get(ord(c), ".notdef"), 0) for c in text)
        return units / self.units_per_em * size * PT


def write_label_sheets(
    labels: Iterable[Label], public_url: str, out_dir: Path, name: str
) -> list[Path]:
    """Write <name>.pdf and one <name>-pN.svg per page; return their paths."""
    labels = list(labels)
    _check_request(labels, public_url, name)
    font = load_font(font_path())
    sheets = [labels[i : i + LABELS_PER_PAGE] for i in range(0, len(labels), LABELS_PER_PAGE)]
    pages = [
        _page_items(sheet, public_url, font, f"{name} · {n}/{len(sheets)}")
        for n, sheet in enumerate(sheets, start=1)
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"{name}.pdf"
    _write_pdf(pages, font, pdf_path, name)
    return [pdf_path, *_write_svgs(pages, out_dir, name)]


def label_url(public_url: str, code: str) -> str:
    """Return the public page address a label's QR code leads to."""
    return public_url.rstrip("/") + "/e/" + code


def label_qr(url: str) -> segno.QRCode:
    """Make a full-size QR symbol with the highest error correction."""
    # segno.make may choose Micro QR for short data, which most phones cannot read;
    # level H survives dirt and scratches on a sticker in a public lift.
    return segno.make_qr(url, error="h")


def group_code(code: str) -> str:
    """Split a lift code into its fields so people can read it out."""
    widths = CODE_FIELDS.get(len(code)) or (4,) * -(-len(code) // 4)
    ends = itertools.accumulate(widths)
    return " ".join(code[end - width : end] for width, end in zip(widths, ends, strict=True))


def font_path() -> Path:
    """Find the CJK font shipped by the font package, or explain how to get it."""
    hint = f"the Chinese label font is missing: install it with `pip install {FONT_PACKAGE}`"
    try:
        # Imported here so that a missing font fails with advice, not at import.
        import pylopdf_fonts_zh_cn
    except ImportError:
        raise ValueError(hint) from None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise ValueError(hint)
    return path


@functools.lru_cache(maxsize=2)
def load_font(path: Path) -> Font:
    """Read the cmap and advance widths of the font at path once."""
    tt = TTFont(path, lazy=True)
    advances = {glyph: metric[0] for glyph, metric in tt["hmtx"].metrics.items()}
    return Font(path, tt.getBestCmap(), advances, tt["head"].unitsPerEm)


def _check_request(labels: list, public_url: str, name: str) -> None:
    """Refuse requests that would print unusable or misleading labels."""
    if not labels:
        raise ValueError("no labels to print")
    if not public_url.startswith(("https://", "http://")):
        raise ValueError(f"public URL must start with https:// or http://: {public_url!r}")
    if not name or Path(name).name != name:
        raise ValueError(f"sheet name must be a plain file name: {name!r}")
    for label in labels:
        if not (label.code.isascii() and label.code.isdigit() and len(label.code) in (18, 20)):
            raise ValueError(f"lift code must be 18 or 20 digits: {label.code!r}")


def _page_items(labels: list[Label], public_url: str, font: Font, footer: str) -> list:
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
    code = group_code(label.code)
    items = [
        Text(x, y + 13.5, 6.5, CODE_CAPTIONS[len(label.code)], MUTED),
        Text(x, y + 19.0, _fit(font, code, width, 12, 8), code, INK, bold=True),
    ]
    size, lines = _wrap_to(font, label.address, width, 9, 7, max_lines=2)
    for n, line in enumerate(lines):
        items.append(Text(x, y + 24.6 + n * size * PT * 1.3, size, line, INK, bold=True))
    building_y = y + 24.6 + len(lines) * size * PT * 1.3 + 0.4
    size, lines = _wrap_to(font, label.building, width, 8, 6.5, max_lines=1)
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
    size = _fit(font, INSTRUCTION_ZH, width, 7.5, 5)
    items.append(Text(x + PAD, top + 4.4, size, INSTRUCTION_ZH))
    size, lines = _wrap_to(font, INSTRUCTION_EN, width, 6.5, 5, max_lines=2)
    for n, line in enumerate(lines):
        items.append(Text(x + PAD, top + 8.1 + n * size * PT * 1.25, size, line, MUTED))
    return items


def _fit(font: Font, text: str, width: float, size: float, smallest: float) -> float:
    """Return the largest size, in quarter points, at which text fits on one line."""
    while size > smallest and font.width(text, size) > width:
        size -= 0.25
    return size


def _wrap_to(font, text, width, size, smallest, max_lines) -> tuple[float, list[str]]:
    """Wrap text into max_lines, shrinking it first and cutting it short last."""
    while True:
        lines = _wrap(font, text, width, size)
        if len(lines) <= max_lines or size <= smallest:
            break
        size -= 0.25
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _shorten(font, lines[-1], width, size)
    return size, lines


def _wrap(font: Font, text: str, width: float, size: float) -> list[str]:
    """Break text greedily at spaces, or between any two Chinese characters."""
    lines, line = [], ""
    for token in _tokens(text):
        if line and font.width((line + token).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def _tokens(text: str) -> list[str]:
    """Split text into words with their trailing space, and single wide characters."""
    tokens, word = [], ""
    for char in " ".join(text.split()):
        if ord(char) >= 0x2E80:
            tokens += [word, char] if word else [char]
            word = ""
        else:
            word += char
            if char == " ":
                tokens.append(word)
                word = ""
    return tokens + [word] if word else tokens


def _shorten(font: Font, line: str, width: float, size: float) -> str:
    """Cut a line so that it ends in an ellipsis within width."""
    while line and font.width(line + "…", size) > width:
        line = line[:-1]
    return line.rstrip() + "…"


def _write_pdf(pages: list, font: Font, path: Path, name: str) -> None:
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
            _draw_pdf(pdf, item, font)
    pdf.output(str(path))


def _draw_pdf(pdf, item, font: Font) -> None:
    """Draw one layout item on the current PDF page."""
    match item:
        case Box():
            style = ("F" if item.fill else "") + ("D" if item.stroke else "")
            paint = {"fill_color": item.fill or PAPER, "draw_color": item.stroke or PAPER}
            with pdf.local_context(line_width=LINE / PT, **paint):
                pdf.rect(item.x / PT, item.y / PT, item.w / PT, item.h / PT, style=style)
        case Text():
            _draw_pdf_text(pdf, item, font)
        case Qr():
            _draw_pdf_qr(pdf, item)


def _draw_pdf_text(pdf, item: Text, font: Font) -> None:
    """Draw a line of text, aligned and optionally emboldened by a thin outline."""
    shift = {"left": 0, "center": 0.5, "right": 1}[item.align] * font.width(item.text, item.size)
    # The font package ships only the regular weight: a thin outline in the
    # text colour makes it bold.
    mode = TextMode.FILL_STROKE if item.bold else TextMode.FILL
    paint = {"text_color": item.color, "draw_color": item.color}
    with pdf.local_context(text_mode=mode, line_width=item.size * 0.045, **paint):
        pdf.set_font("cjk", size=item.size)
        pdf.text((item.x - shift) / PT, item.y / PT, item.text)


def _draw_pdf_qr(pdf, item: Qr) -> None:
    """Draw the QR symbol as one filled vector path of module runs."""
    unit = item.size / item.modules / PT
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        for col, row, length in item.runs:
            path.rectangle(item.x / PT + col * unit, item.y / PT + row * unit, length * unit, unit)


def _write_svgs(pages: list, out_dir: Path, name: str) -> list[Path]:
    """Write one self-contained SVG per sheet and drop stale pages of an older run."""
    paths = []
    for number, page in enumerate(pages, start=1):
        path = out_dir / f"{name}-p{number}.svg"
        path.write_text(_svg_document(page), encoding="utf-8")
        paths.append(path)
    number = len(pages) + 1
    while (stale := out_dir / f"{name}-p{number}.svg").exists():
        stale.unlink()
        number += 1
    return paths


def _svg_document(items: list) -> str:
    """Return an A4 SVG whose user unit is one millimetre."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W:g}mm" height="{PAGE_H:g}mm" '
        f'viewBox="0 0 {PAGE_W:g} {PAGE_H:g}" font-family={quoteattr(SVG_FONTS)}>\n'
    )
    return head + "\n".join(_svg_item(item) for item in items) + "\n</svg>\n"


def _svg_item(item) -> str:
    """Return the SVG element for one layout item."""
    match item:
        case Box():
            paint = f'fill="{item.fill or "none"}"'
            if item.stroke:
                paint += f' stroke="{item.stroke}" stroke-width="{LINE}"'
            place = f'x="{item.x:.3f}" y="{item.y:.3f}" width="{item.w:.3f}" height="{item.h:.3f}"'
            return f"<rect {place} {paint}/>"
        case Text():
            anchor = {"left": "start", "center": "middle", "right": "end"}[item.align]
            weight = ' font-weight="700"' if item.bold else ""
            return (
                f'<text x="{item.x:.3f}" y="{item.y:.3f}" font-size="{item.size * PT:.3f}" '
                f'fill="{item.color}" text-anchor="{anchor}"{weight}>{escape(item.text)}</text>'
            )
        case Qr():
            scale = item.size / item.modules
            path = "".join(f"M{c} {r}h{n}v1h-{n}z" for c, r, n in item.runs)
            place = f'transform="translate({item.x:.3f} {item.y:.3f}) scale({scale:.5f})"'
            return (
                f'<path class="qr" data-modules="{item.modules}" fill="#000000" '
                f'shape-rendering="crispEdges" {place} d="{path}"/>'
            )
