"""Liveness for load balancers and monitors."""

from quart import Blueprint, current_app

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
async def healthz():
    """Answer 200 when the database answers, 503 when not."""
    if await current_app.store.ping():
        return {"status": "ok"}, 200
    return {"status": "database unavailable"}, 503
