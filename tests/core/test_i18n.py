from core.i18n import LANGUAGES, from_accept_language, negotiate, translations


def test_it_prefers_query_then_cookie_then_header():
    assert negotiate("en", "zh_Hans", "zh-CN") == "en"
    assert negotiate(None, "en", "zh-CN") == "en"
    assert negotiate("xx", None, "en-GB,en;q=0.9") == "en"
    assert negotiate(None, None, None) == "zh_Hans"


def test_it_ranks_accept_language_by_quality():
    assert from_accept_language("en;q=0.2, zh-CN;q=0.8") == "zh_Hans"
    assert from_accept_language("fr, de;q=0.9") is None
    assert from_accept_language("zh-TW") is None
    assert from_accept_language("en;q=abc, zh") == "zh_Hans"
    assert from_accept_language("x" * 10000) is None


def test_it_translates_outside_any_web_request():
    assert translations("zh_Hans").ugettext("Maintenance history") == "维保记录"
    assert translations("en").ugettext("Maintenance history") == "Maintenance history"
    assert translations("zh_Hans").ungettext("%(interval)s maintenance due in %(num)d day",
                                             "%(interval)s maintenance due in %(num)d days", 3) == "%(interval)s维保还有 %(num)d 天到期"


def test_it_has_every_message_translated_in_every_language():
    from babel.messages.pofile import read_po
    from core.i18n import LOCALES_DIR
    for lang in LANGUAGES:
        with open(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
        assert missing == [], lang
        compiled = translations(lang)
        for message in catalog:
            if message.id and isinstance(message.id, str):
                assert compiled.ugettext(message.id) == message.string, (lang, message.id)
