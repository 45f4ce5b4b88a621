"""Photos on reports: cleaned of metadata, bombs and non-images refused, complaint photos never public."""

import io
import re

from PIL import Image

from tests.factories import ON_TIME
from tests.portal.test_reports import form_token


def jpeg_with_gps(size=(640, 480)):
    """Return a JPEG carrying EXIF with a GPS position, as a phone camera writes it."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (24.0, 54.0, 0.0), 3: "E", 4: (118.0, 35.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb():
    """Return a small PNG whose header claims far more pixels than any photo."""
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")
    return out.getvalue()


class Pairs(list):
    """Several files under one field name: Quart's test client reads files.items()."""

    def items(self):
        return self


async def post_with_photos(client, kind, photos, **fields):
    from quart.datastructures import FileStorage
    token = await form_token(client, f"/e/{ON_TIME}/{kind}")
    files = Pairs(("photos", FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg"))
                  for name, data in photos)
    form = {"csrf": token, "category": "doors" if kind == "fault" else "attitude", "about": "firm",
            "description": "照片见附件", "phone": "13800001234", "new": "1", **fields}
    return await client.post(f"/e/{ON_TIME}/{kind}", form=form, files=files)


async def test_it_strips_exif_and_serves_fault_thumbnails(client, app):
    response = await post_with_photos(client, "fault", [("a.jpg", jpeg_with_gps())])
    assert response.status_code == 303
    report = await app.app.store.db.reports.find_one({"kind": "fault"})
    assert len(report["photo_ids"]) == 1
    thumb = await client.get(f"/photos/{report['photo_ids'][0]}/thumb")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(await thumb.get_data()))
    assert max(image.size) <= 320 and not image.getexif()


async def test_it_never_serves_complaint_photos_publicly(client, app):
    assert (await post_with_photos(client, "complaint", [("a.jpg", jpeg_with_gps())])).status_code == 303
    report = await app.app.store.db.reports.find_one({"kind": "complaint"})
    assert (await client.get(f"/photos/{report['photo_ids'][0]}/thumb")).status_code == 404
    assert (await client.get("/photos/not-an-id/thumb")).status_code == 404


async def test_it_refuses_a_decompression_bomb_with_a_clear_message(client, app):
    response = await post_with_photos(client, "fault", [("bomb.png", png_bomb())])
    assert response.status_code == 400
    assert "像素过多" in await response.get_data(as_text=True)
    assert await app.app.store.db.reports.count_documents({}) == 0


async def test_it_refuses_a_file_that_is_not_a_photo(client):
    response = await post_with_photos(client, "fault", [("x.jpg", b"%PDF-1.4 not a photo")])
    page = await response.get_data(as_text=True)
    assert response.status_code == 400 and "不是 JPEG" in page and "照片见附件" in page


async def test_it_refuses_more_than_three_photos(client):
    photo = jpeg_with_gps((32, 32))
    response = await post_with_photos(client, "fault", [(f"{n}.jpg", photo) for n in range(4)])
    assert response.status_code == 400 and "最多上传 3 张" in await response.get_data(as_text=True)


async def test_it_serves_full_size_only_through_the_signed_link_in_the_notification(client, app):
    from core.notify.contacts import add_contact
    db = app.app.store.db
    await add_contact(db, "F1", "complaint_maintenance", "email", "duty@f1.example.com", "zh_Hans")
    assert (await post_with_photos(client, "complaint", [("a.jpg", jpeg_with_gps())])).status_code == 303
    report = await db.reports.find_one({"kind": "complaint"})
    photo_id = report["photo_ids"][0]
    delivery = await db.deliveries.find_one({"address": "duty@f1.example.com"})
    link = next(k["url"] for k in delivery["message"]["links"] if f"/photos/{photo_id}/full" in k["url"])
    full = await client.get(link.replace("http://127.0.0.1:8000", ""))
    assert full.status_code == 200 and Image.open(io.BytesIO(await full.get_data())).size == (640, 480)
    assert (await client.get(f"/photos/{photo_id}/full")).status_code == 403
    assert (await client.get(link.replace("http://127.0.0.1:8000", "").replace("sig=", "sig=x"))).status_code == 403
