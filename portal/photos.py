"""Uploaded photos: read from the form, cleaned in core; public thumbnails, full size by signed link."""

import asyncio

from quart import Blueprint, abort, current_app, request

from core import guard
from core.uploads import MAX_BYTES, TOO_MANY, PhotoRefused, clean_photo
from core.reports import MAX_PHOTOS
from core.store.photos import find_photo

blueprint = Blueprint("photos", __name__)


async def read_photos(files, errors):
    """Return the cleaned photos of a form's `photos` field, noting the first refusal in errors."""
    uploads = [f for f in files.getlist("photos") if f and f.filename]
    if len(uploads) > MAX_PHOTOS:
        errors["photos"] = TOO_MANY
        return []
    cleaned = []
    for upload in uploads:
        data = upload.read(MAX_BYTES + 1)
        try:
            # Decoding and re-encoding take a while on a large photo: off the event loop.
            cleaned.append(await asyncio.to_thread(clean_photo, data))  # refuses more than MAX_BYTES itself
        except PhotoRefused as exc:
            errors["photos"] = exc.reason
            return []
    return cleaned


@blueprint.get("/photos/<photo_id>/thumb")
async def thumbnail(photo_id):
    """Serve the thumbnail of a fault report's photo; complaint photos are never public."""
    found = await find_photo(current_app.store.db, photo_id, "thumb")
    if found is None or not found[1].get("public"):
        abort(404)
    return found[0], 200, {"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=86400",
                           "X-Content-Type-Options": "nosniff"}


@blueprint.get("/photos/<photo_id>/full")
async def full_size(photo_id):
    """Serve a full-size photo to whoever holds the signed link sent with the report's notification."""
    if not guard.check_link(current_app.secret_key_bytes, photo_id, "photo",
                            request.args.get("exp"), request.args.get("sig")):
        abort(403)
    found = await find_photo(current_app.store.db, photo_id, "full")
    if found is None:
        abort(404)
    return found[0], 200, {"Content-Type": "image/jpeg", "Cache-Control": "private, max-age=3600",
                           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
