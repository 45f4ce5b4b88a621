"""The Quart application factory."""

import asyncio
import logging
from pathlib import Path

from flask.templating import _default_template_ctx_processor as flask_default_context
from quart import Quart

from core import report_jobs
from core.config import Config
from core.store.client import open_store
from core.worker import Worker
from portal import (actions, compression, confirm, edge, errors, forms, health, language, open311, photos, public,
                    reports, rescue, telegram_webhook)
from portal.pagecache import PageCache
from portal.rendering import Renderer

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config=None):
    """Build the portal for a configuration (from the environment when not given)."""
    config = config or Config.from_env()
    app = Quart(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config["LIFTWATCH"] = config
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 86400
    # Three photos of up to 8 MB each, plus the form's text fields.
    app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    language.init_app(app)
    errors.init_app(app)
    compression.init_app(app)
    edge.init_app(app, config.public_url)
    app.url_map.strict_slashes = False  # /e/<code>/ and /firms/F01/ serve the page, not a 404
    forms.init_app(app)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(rescue.blueprint)
    app.register_blueprint(actions.blueprint)
    app.register_blueprint(photos.blueprint)
    app.register_blueprint(open311.blueprint)
    app.register_blueprint(health.blueprint)
    app.renderer = Renderer(config.timezone)
    app.register_blueprint(confirm.blueprint)
    if config.telegram_token:
        app.register_blueprint(telegram_webhook.blueprint)
    _drop_blueprint_sync_context(app)

    def bot_username():
        """Return the bot's username, for the technician check-in link ("" without a bot)."""
        telegram = getattr(app, "telegram", None)
        return config.telegram_bot_username or (telegram.bot.username if telegram else "")

    app.bot_username = bot_username

    @app.context_processor
    async def bot_context():
        """Give pages rendered by Quart the bot's username."""
        return {"bot_username": bot_username()}

    app.page_cache = PageCache(config.page_cache_entries, config.page_cache_seconds)

    @app.before_serving
    async def connect():
        app.store = await open_store(config)
        # The worker's deliver jobs send through this one: opened now, the first report of a
        # burst does not wait for the Telegram and robot clients to be built (bench/README.md).
        app.notifier = await report_jobs.shared_notifier()
        app.telegram = await _start_bot(config, app.store.db)
        app.worker_stop = asyncio.Event()
        # One job worker per serving process; claims are atomic, so several processes are safe.
        app.worker_task = (asyncio.create_task(Worker(app.store.db, config).run(app.worker_stop))
                           if config.worker_in_serve else None)

    @app.after_serving
    async def disconnect():
        app.worker_stop.set()
        if app.worker_task is not None:
            await app.worker_task
        if app.telegram is not None:
            await app.telegram.shutdown()
        await report_jobs.close_notifier()
        await app.store.close()

    return app


def _drop_blueprint_sync_context(app):
    """Keep only Quart's async default context processor, not the one each blueprint brings.

    Each blueprint starts with Flask's synchronous default processor, which Quart runs in a
    thread of its pool on every render_template: a thread hop per page that adds nothing,
    since the app's own (async) default already gives g, request and session.
    """
    for name, processors in app.template_context_processors.items():
        if name is not None:
            processors[:] = [p for p in processors if p is not flask_default_context]


async def _start_bot(config, db):
    """Build and initialise the technician bot for the webhook, when a token is configured."""
    if not config.telegram_token:
        return None
    from bot.app import build_application
    application = build_application(config, db)
    await application.initialize()
    return application
