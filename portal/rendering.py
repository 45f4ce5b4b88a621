"""Templates rendered by plain Jinja environments, one per language, compiled once.

Quart's own environment runs in Jinja's async mode, where every block, macro call and
loop goes through async generators, and its gettext looks the language up on each of a
page's ~90 messages. The elevator page is the hot path (every QR scan), so it renders
through a synchronous environment per language with that language's catalogue
installed once. Measured on the demo district while other work loaded the machine:
see `bench/README.md`.
"""

import functools
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from quart import current_app, g, url_for

from core import i18n, wording

TEMPLATES = Path(__file__).resolve().parent / "templates"


def named(obj, lang, field="name"):
    """Return an object's name (or another field) in a language, falling back to Chinese."""
    english = obj.get(field + "_en") if lang == "en" else None
    return english or obj[field]


@functools.cache
def language_filters(lang):
    """Return the filters that word domain values in one language."""
    return {"named": lambda obj, field="name": named(obj, lang, field),
            "word": lambda value, kind: wording.word(kind, value, lang),
            "headline": lambda concern: wording.headline(concern, lang)}


def request_language_filters():
    """Return the same filters for an environment shared by all languages: each reads the template's `lang`."""
    # pass_context also keeps Jinja from folding `"overdue"|word("state")` into a constant at compile time.
    return {name: jinja2.pass_context(lambda context, *args, _f=name: language_filters(context["lang"])[_f](*args))
            for name in ("named", "word", "headline")}


def html_lang(lang):
    """Return the BCP 47 tag of a catalogue name (zh_Hans -> zh-Hans)."""
    return lang.replace("_", "-")


def language_context(lang):
    """Return the variables every template gets for a language."""
    return {"lang": lang, "html_lang": html_lang(lang), "other_lang": "en" if lang == "zh_Hans" else "zh_Hans"}


def local_time_filters(timezone):
    """Return the `day` and `minute` filters, which show stored UTC times in the local zone."""
    zone = ZoneInfo(timezone)

    def local(moment, minutes):
        if moment is None:
            return ""
        if not hasattr(moment, "astimezone"):  # a date
            return moment.strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")
        moment = moment.astimezone(zone)
        # The same text as strftime's, about three times faster; an elevator page shows dozens.
        return moment.isoformat(" ", "minutes")[:16] if minutes else moment.date().isoformat()

    return {"day": lambda m: local(m, False), "minute": lambda m: local(m, True)}


# {{ _("a message") }} with no values: translated once, when the template is loaded.
_CONSTANT_MESSAGE = re.compile(r'\{\{ _\("((?:[^"\\]|\\.)*)"\) \}\}')


class TranslatingLoader(jinja2.FileSystemLoader):
    """Load templates with their constant messages already translated into one language."""

    def __init__(self, lang):
        super().__init__(str(TEMPLATES))
        self.translations = i18n.translations(lang)

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return _CONSTANT_MESSAGE.sub(self._translated, source), filename, uptodate

    def _translated(self, match):
        message = match.group(1).encode().decode("unicode_escape") if "\\" in match.group(1) else match.group(1)
        # As newstyle gettext does: the translation is trusted markup, formatted with no values.
        text = self.translations.ugettext(message) % {}
        return "{% raw %}" + text + "{% endraw %}" if "{" in text else text


class Renderer:
    """One synchronous Jinja environment per language, sharing the portal's templates."""

    def __init__(self, timezone):
        self.environments = {lang: self._environment(lang, timezone) for lang in i18n.LANGUAGES}

    @staticmethod
    def _environment(lang, timezone):
        env = jinja2.Environment(loader=TranslatingLoader(lang), autoescape=True,
                                 auto_reload=False, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(i18n.translations(lang), newstyle=True)
        env.filters.update(local_time_filters(timezone), **language_filters(lang))
        env.globals.update(url_for=page_url_for, **language_context(lang))
        return env

    def render(self, name, lang, **context):
        """Render a template in a language (inside a request or app context, for url_for)."""
        env = self.environments.get(lang) or self.environments[i18n.DEFAULT_LANGUAGE]
        return env.get_template(name).render(**context)


@functools.cache
def _static_url(filename):
    return url_for("static", filename=filename)


def page_url_for(endpoint, **values):
    """Return url_for's address; a static file's is built once (every page links the stylesheet)."""
    if endpoint == "static" and values.keys() == {"filename"}:
        return _static_url(values["filename"])
    return url_for(endpoint, **values)


def render_page(name, **context):
    """Render a template in the request's language through the synchronous environments."""
    return current_app.renderer.render(name, g.get("lang", i18n.DEFAULT_LANGUAGE), **context)
