"""Per-request language choice and the template helpers that use it."""

from zoneinfo import ZoneInfo

from quart import current_app, g, request

from core import i18n

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 86400


def current_translations():
    """Return the catalogue of the request's language."""
    return i18n.translations(getattr(g, "lang", i18n.DEFAULT_LANGUAGE))


def _gettext(message, **variables):
    text = current_translations().ugettext(message)
    return text % variables if variables else text


def _ngettext(singular, plural, n, **variables):
    text = current_translations().ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def _local(moment, fmt):
    if moment is None:
        return ""
    tz = ZoneInfo(current_app.config["LIFTWATCH"].timezone)
    return moment.astimezone(tz).strftime(fmt) if hasattr(moment, "astimezone") else moment.strftime(fmt)


def html_lang(lang):
    """Return the BCP 47 tag of a catalogue name (zh_Hans -> zh-Hans)."""
    return lang.replace("_", "-")


def init_app(app):
    """Choose each request's language and give templates gettext and local-time filters."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    app.jinja_env.filters["day"] = lambda m: _local(m, "%Y-%m-%d")
    app.jinja_env.filters["minute"] = lambda m: _local(m, "%Y-%m-%d %H:%M")

    @app.before_request
    async def choose_language():
        config = current_app.config["LIFTWATCH"]
        g.lang = i18n.negotiate(request.args.get("lang"), request.cookies.get(COOKIE),
                                request.headers.get("Accept-Language"), config.default_lang)

    @app.after_request
    async def remember_language(response):
        chosen = i18n.canonical(request.args.get("lang"))
        if chosen and chosen != request.cookies.get(COOKIE):
            secure = current_app.config["LIFTWATCH"].public_url.startswith("https://")
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                                secure=secure)
            # A shared cache must not keep a response that sets a cookie and hand it to others.
            response.headers["Cache-Control"] = "private, no-store"
        if request.endpoint != "static":
            response.headers.setdefault("Content-Language", html_lang(g.get("lang", i18n.DEFAULT_LANGUAGE)))
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response

    @app.context_processor
    async def language_context():  # async: Quart runs sync context processors in a thread pool
        lang = g.get("lang", i18n.DEFAULT_LANGUAGE)
        return {"lang": lang, "html_lang": html_lang(lang),
                "other_lang": "en" if lang == "zh_Hans" else "zh_Hans"}
