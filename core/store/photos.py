"""Storage of passengers' photos in GridFS, shared by every portal host."""

from bson import ObjectId
from bson.errors import InvalidId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile

BUCKET = "photos"


def _bucket(db):
    return AsyncGridFSBucket(db, bucket_name=BUCKET)


async def insert_photo(db, photo, report_id, public):
    """Store a cleaned photo and its thumbnail; return the photo's id as text."""
    bucket = _bucket(db)
    meta = {"report_id": report_id, "public": public, "width": photo.width, "height": photo.height}
    full_id = await bucket.upload_from_stream(f"{report_id}.jpg", photo.full,
                                              metadata={**meta, "size": "full"})
    await bucket.upload_from_stream(f"{report_id}.thumb.jpg", photo.thumb,
                                    metadata={**meta, "size": "thumb", "of": full_id})
    return str(full_id)


async def find_photo(db, photo_id, size):
    """Return (bytes, metadata) of a photo ("full") or its thumbnail ("thumb"), or None."""
    try:
        full_id = ObjectId(photo_id)
    except (InvalidId, TypeError):
        return None
    query = {"_id": full_id} if size == "full" else {"metadata.of": full_id}
    doc = await db[f"{BUCKET}.files"].find_one(query)
    if doc is None:
        return None
    try:
        stream = await _bucket(db).open_download_stream(doc["_id"])
        return await stream.read(), doc["metadata"]
    except NoFile:
        return None
