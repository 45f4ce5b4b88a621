"""Printable A4 sheets of QR labels that lead people at a lift to its public page."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.codes import InvalidCode, normalise_code
from core.labels.fonts import font_path, load_font
from core.labels.layout import LABELS_PER_PAGE, Label, label_qr, label_url, page_items
from core.labels.pdf import write_pdf
from core.labels.svg import write_svgs

__all__ = ["Label", "label_qr", "label_url", "write_label_sheets"]


def write_label_sheets(
    labels: Iterable[Label], public_url: str, out_dir: Path, name: str
) -> list[Path]:
    """Write <name>.pdf and one <name>-pN.svg per page; return their paths."""
    labels = list(labels)
    _check_request(labels, public_url, name)
    font = load_font(font_path())
    sheets = [labels[i : i + LABELS_PER_PAGE] for i in range(0, len(labels), LABELS_PER_PAGE)]
    pages = [
        page_items(sheet, public_url, font, f"{name} · {n}/{len(sheets)}")
        for n, sheet in enumerate(sheets, start=1)
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"{name}.pdf"
    write_pdf(pages, font, pdf_path, name)
    return [pdf_path, *write_svgs(pages, out_dir, name)]


def _check_request(labels: list, public_url: str, name: str) -> None:
    """Refuse requests that would print unusable or misleading labels."""
    if not labels:
        raise ValueError("no labels to print")
    if not public_url.startswith(("https://", "http://")):
        raise ValueError(f"public URL must start with https:// or http://: {public_url!r}")
    if not name or Path(name).name != name:
        raise ValueError(f"sheet name must be a plain file name: {name!r}")
    for label in labels:
        _check_code(label.code)


def _check_code(code: str) -> None:
    """Refuse a code that is not already 18 or 20 bare ASCII digits."""
    problem = f"lift code must be 18 or 20 digits: {code!r}"
    try:
        digits = normalise_code(code)
    except InvalidCode as error:
        raise ValueError(problem) from error
    # The code goes into the QR URL and the printed groups as given, so one
    # that only normalises to a valid code (it has separators) is refused too.
    if digits != code:
        raise ValueError(problem)
