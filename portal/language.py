"""Per-request language choice and the template helpers that use it."""

from quart import current_app, g, request

from core import i18n
from portal.rendering import html_lang, language_context, local_time_filters, request_language_filters

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 86400


def first(values, key):
    """Return the first value of a key in request args or cookies, or None.

    Werkzeug's `.get()` builds a BadRequestKeyError for every missing key (about 2 us each),
    and most requests carry no `?lang=` and no language cookie.
    """
    return values[key] if key in values else None


def current_translations():
    """Return the catalogue of the request's language."""
    return i18n.translations(getattr(g, "lang", i18n.DEFAULT_LANGUAGE))


def _gettext(message, **variables):
    text = current_translations().ugettext(message)
    return text % variables if variables else text


def _ngettext(singular, plural, n, **variables):
    text = current_translations().ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def init_app(app):
    """Choose each request's language and give templates gettext and local-time filters."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    app.jinja_env.filters.update(local_time_filters(app.config["LIFTWATCH"].timezone))
    app.jinja_env.filters.update(request_language_filters())

    @app.before_request
    async def choose_language():
        config = current_app.config["LIFTWATCH"]
        g.lang = i18n.negotiate(first(request.args, "lang"), first(request.cookies, COOKIE),
                                request.headers.get("Accept-Language"), config.default_lang)

    @app.after_request
    async def remember_language(response):
        chosen = i18n.canonical(first(request.args, "lang"))
        if chosen and chosen != first(request.cookies, COOKIE):
            secure = current_app.config["LIFTWATCH"].public_url.startswith("https://")
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                                secure=secure)
            # A shared cache must not keep a response that sets a cookie and hand it to others.
            response.headers["Cache-Control"] = "private, no-store"
        if request.endpoint != "static":
            headers = response.headers
            if not any(name.lower() == "content-language" for name, _ in headers.items()):
                headers["Content-Language"] = html_lang(g.get("lang", i18n.DEFAULT_LANGUAGE))
            response.vary.update(("Accept-Language", "Cookie"))  # one parse of Vary, not one per name
        return response

    @app.context_processor
    async def template_language():  # async: Quart runs sync context processors in a thread pool
        return language_context(g.get("lang", i18n.DEFAULT_LANGUAGE))
