"""Translations for web pages and bot replies alike, usable outside any web request."""

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("zh_Hans", "en")
DEFAULT_LANGUAGE = "zh_Hans"
_ALIASES = {"zh": "zh_Hans", "zh_hans": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans",
            "en": "en"}


@functools.cache
def translations(lang):
    """Return the compiled catalogue of a language (English is the source text)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    found = Translations.load(str(LOCALES_DIR), [lang], domain="messages")
    return found if isinstance(found, Translations) else NullTranslations()


def canonical(tag):
    """Map a language tag such as zh-CN or en_US to a supported language, or None."""
    if not tag or len(tag) > 35:
        return None
    tag = tag.strip().replace("-", "_").lower()
    if tag in _ALIASES:
        return _ALIASES[tag]
    if tag.startswith("zh_hant") or tag in ("zh_tw", "zh_hk", "zh_mo"):
        return None
    return _ALIASES.get(tag.split("_")[0])


def from_accept_language(header):
    """Pick the best supported language from an Accept-Language header, or None."""
    choices = []
    for position, part in enumerate((header or "")[:500].split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang = canonical(tag)
        if lang and quality > 0:
            choices.append((-quality, position, lang))
    return min(choices)[2] if choices else None


def negotiate(query=None, cookie=None, accept_language=None, default=DEFAULT_LANGUAGE):
    """Choose the language: ?lang=, then the cookie, then Accept-Language, then the default."""
    return canonical(query) or canonical(cookie) or from_accept_language(accept_language) or default
