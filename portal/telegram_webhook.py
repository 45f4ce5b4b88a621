"""The technician bot's webhook: Telegram posts each update here when `liftwatch serve` runs the bot."""

import hmac
import logging

from quart import Blueprint, current_app, request
from telegram import Update

blueprint = Blueprint("telegram_webhook", __name__)
log = logging.getLogger(__name__)


def _secret_ok(config):
    """Tell whether the request carries the secret token given to setWebhook."""
    sent = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    # Without a configured secret anyone could post updates in a technician's name: refuse them all.
    return bool(config.telegram_webhook_secret) and hmac.compare_digest(sent, config.telegram_webhook_secret)


@blueprint.post("/telegram/webhook")
async def update_posted():
    """Check the secret, decode the update and handle it before answering."""
    if not _secret_ok(current_app.config["LIFTWATCH"]):
        return {"error": "forbidden"}, 403
    data = await request.get_json(silent=True)
    if not isinstance(data, dict) or "update_id" not in data:
        return {"error": "not an update"}, 400
    application = current_app.telegram
    # Handled before the 200: Telegram retries an update that got no answer, and the update id
    # recorded in MongoDB makes that retry harmless, whereas a queued update lost in a crash is gone.
    await application.process_update(Update.de_json(data, application.bot))
    return {"ok": True}, 200
