"""The label font: finding it, measuring text with it, and fitting text into a width."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_PACKAGE = "pylopdf-fonts-zh-cn"
PT = 25.4 / 72  # millimetres per typographic point


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
    with TTFont(path, lazy=True) as tt:  # lazy keeps the file open until closed
        advances = {glyph: metric[0] for glyph, metric in tt["hmtx"].metrics.items()}
        return Font(path, tt.getBestCmap(), advances, tt["head"].unitsPerEm)


def fit(font: Font, text: str, width: float, size: float, smallest: float) -> float:
    """Return the largest size, in quarter points, at which text fits on one line."""
    while size > smallest and font.width(text, size) > width:
        size -= 0.25
    return size


def wrap_to(font, text, width, size, smallest, max_lines) -> tuple[float, list[str]]:
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
