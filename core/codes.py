"""Elevator identification codes: the 20-digit registration code and the 18-digit equipment code."""

import re

REGISTRATION_LENGTH = 20
EQUIPMENT_LENGTH = 18
# Phone keyboards in Chinese input mode type full-width digits (０-９) and separators.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212\u30fb\uff0d\uff0e\uff3f]")


class InvalidCode(ValueError):
    """A string that is not an elevator code."""


def normalise_code(text):
    """Return the code's digits without separators, or raise InvalidCode."""
    if not isinstance(text, str) or len(text) > 64:
        raise InvalidCode("not a code")
    digits = _SEPARATORS.sub("", text.translate(_FULL_WIDTH_DIGITS))
    if not digits.isascii() or not digits.isdigit():
        raise InvalidCode("a code has digits only")
    if len(digits) not in (REGISTRATION_LENGTH, EQUIPMENT_LENGTH):
        raise InvalidCode("a code has 20 (registration) or 18 (equipment) digits")
    return digits


def code_kind(code):
    """Return 'registration' or 'equipment' for a normalised code."""
    return "registration" if len(code) == REGISTRATION_LENGTH else "equipment"


def category_of(code):
    """Return the 4-digit equipment category a code starts with."""
    return code[:4]


def division_of(code):
    """Return the 6-digit administrative division of a registration code, else None."""
    return code[4:10] if len(code) == REGISTRATION_LENGTH else None


def make_registration_code(category, division, year, month, sequence):
    """Compose a registration code from its parts."""
    return f"{category:0>4}{division:0>6}{year:04d}{month:02d}{sequence:04d}"


def make_equipment_code(category, manufacturer, year, serial):
    """Compose an equipment code from its parts."""
    return f"{category:0>4}{manufacturer:0>5}{year:04d}{serial:05d}"


def group_digits(code):
    """Split a code into readable groups (4-6-6-4 or 4-5-4-5)."""
    widths = (4, 6, 6, 4) if len(code) == REGISTRATION_LENGTH else (4, 5, 4, 5)
    parts, start = [], 0
    for width in widths:
        parts.append(code[start:start + width])
        start += width
    return " ".join(parts)
