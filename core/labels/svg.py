"""Render laid-out label sheets as self-contained SVG files, one per sheet."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from core.labels.fonts import PT
from core.labels.layout import LINE, PAGE_H, PAGE_W, Box, Qr, Text

# SVG cannot carry the font, so name the same face and its usual stand-ins.
SVG_FONTS = (
    "'Noto Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif"
)


def write_svgs(pages: list, out_dir: Path, name: str) -> list[Path]:
    """Write one self-contained SVG per sheet and drop stale pages of an older run."""
    paths = []
    for number, page in enumerate(pages, start=1):
        path = out_dir / f"{name}-p{number}.svg"
        path.write_text(_document(page), encoding="utf-8")
        paths.append(path)
    number = len(pages) + 1
    while (stale := out_dir / f"{name}-p{number}.svg").exists():
        stale.unlink()
        number += 1
    return paths


def _document(items: list) -> str:
    """Return an A4 SVG whose user unit is one millimetre."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W:g}mm" height="{PAGE_H:g}mm" '
        f'viewBox="0 0 {PAGE_W:g} {PAGE_H:g}" font-family={quoteattr(SVG_FONTS)}>\n'
    )
    return head + "\n".join(_element(item) for item in items) + "\n</svg>\n"


def _element(item) -> str:
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
