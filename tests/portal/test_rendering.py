"""The elevator page's fast synchronous rendering says exactly what Quart's own rendering says."""

from quart import g, render_template

from core.public import elevator_view, firm_view


async def test_it_renders_pages_identically_to_quarts_environment(app, codes):
    db, config = app.app.store.db, app.app.config["LIFTWATCH"]
    async with app.app.test_request_context("/"):
        for lang in ("zh_Hans", "en"):
            g.lang = lang
            for code in codes.values():
                view = await elevator_view(db, code, config)
                fast = app.app.renderer.render("elevator.html", lang, **view)
                assert fast == await render_template("elevator.html", **view), (lang, code)
            view = await firm_view(db, "F1", config)
            assert app.app.renderer.render("firm.html", lang, **view) == await render_template("firm.html", **view)
    assert "维保记录" in fast or "Maintenance history" in fast


def test_it_translates_constant_messages_when_a_template_loads(app):
    source = app.app.renderer.environments["zh_Hans"].loader.get_source(None, "elevator.html")[0]
    assert "维保记录" in source and '_("Maintenance history")' not in source
