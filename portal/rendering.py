"""Templates rendered by plain Jinja environments, one per language, compiled once.

Quart's own environment runs in Jinja's async mode, where every block, macro call and
loop goes through async generators, and its gettext looks the language up on each of a
page's ~90 messages. The elevator page is the hot path (every QR scan), so it renders
through a synchronous environment per language with that language's catalogue
installed once. Measured on the demo district while other work loaded the machine:
see `bench/README.md`.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from quart import url_for

from core import i18n, wording

TEMPLATES = Path(__file__).resolve().parent / "templates"


def named(obj, lang, field="name"):
    """Return an object's name (or another field) in a language, falling back to Chinese."""
    english = obj.get(field + "_en") if lang == "en" else None
    return english or obj[field]


def html_lang(lang):
    """Return the BCP 47 tag of a catalogue name (zh_Hans -> zh-Hans)."""
    return lang.replace("_", "-")


def language_context(lang):
    """Return the variables every template gets for a language."""
    return {"lang": lang, "html_lang": html_lang(lang), "other_lang": "en" if lang == "zh_Hans" else "zh_Hans"}


def local_time_filters(timezone):
    """Return the `day` and `minute` filters, which show stored UTC times in the local zone."""
    zone = ZoneInfo(timezone)

    def local(moment, fmt):
        if moment is None:
            return ""
        return moment.astimezone(zone).strftime(fmt) if hasattr(moment, "astimezone") else moment.strftime(fmt)

    return {"day": lambda m: local(m, "%Y-%m-%d"), "minute": lambda m: local(m, "%Y-%m-%d %H:%M")}


TEMPLATE_GLOBALS = {"named": named, "word": wording.word, "headline": wording.headline}


class Renderer:
    """One synchronous Jinja environment per language, sharing the portal's templates."""

    def __init__(self, timezone):
        self.environments = {lang: self._environment(lang, timezone) for lang in i18n.LANGUAGES}

    @staticmethod
    def _environment(lang, timezone):
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                 auto_reload=False, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(i18n.translations(lang), newstyle=True)
        env.filters.update(local_time_filters(timezone))
        env.globals.update(TEMPLATE_GLOBALS, url_for=url_for, **language_context(lang))
        return env

    def render(self, name, lang, **context):
        """Render a template in a language (inside a request or app context, for url_for)."""
        env = self.environments.get(lang) or self.environments[i18n.DEFAULT_LANGUAGE]
        return env.get_template(name).render(**context)
