"""The HTTP edge: malformed requests, redirects, security headers and cookies."""

import dataclasses
from urllib.parse import quote

from portal.app import create_app
from tests.factories import OVERDUE
from tests.portal.test_fuzz import exchange

ZH = {"Accept-Language": "zh-CN"}


async def raw_get(port, target, **headers):
    """Send one GET over a raw socket; return (status, head and start of the body)."""
    lines = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return await exchange(port, f"GET {target} HTTP/1.1\r\n{lines}Connection: close\r\n\r\n".encode())


async def test_it_answers_400_with_its_own_page_to_an_overlong_host_name_and_a_query_only_target(served):
    port, log_path = served
    status, head = await raw_get(port, "/", Host="a" * 64 + ".example", Accept_Language="en")
    assert status == 400 and "content-security-policy" in head.lower()
    status, head = await raw_get(port, "?x", Host="127.0.0.1")
    assert status == 400 and "text/html" in head
    log = log_path.read_text()
    assert "Traceback" not in log
    assert "400 for 127.0.0.1: unusable Host header" in log and "request target without a path" in log


async def test_it_never_redirects_to_the_host_a_client_names(served):
    port, _ = served
    status, head = await raw_get(port, "/static//app.css", Host="evil.example")
    assert status == 308 and "\r\nlocation: /static/app.css" in head.lower()
    status, head = await raw_get(port, f"//e//{OVERDUE}", Host="evil.example")
    location = head.partition("\r\nlocation: ")[2].partition("\r\n")[0]
    assert status == 308 and location == f"/e/{OVERDUE}"  # a path, never //host


async def test_it_serves_byte_ranges_of_static_files_and_refuses_impossible_ones(client):
    whole = await (await client.get("/static/app.css")).get_data()
    last = await client.get("/static/app.css", headers={"Range": "bytes=-1"})
    assert last.status_code == 206 and await last.get_data() == whole[-1:]
    assert last.headers["Content-Range"] == f"bytes {len(whole) - 1}-{len(whole) - 1}/{len(whole)}"
    for bad in ("bytes=5-1", f"bytes={len(whole)}-", "items=0-1", "bytes=0-1,4-5", "bytes=-0"):
        response = await client.get("/static/app.css", headers={"Range": bad, **ZH})
        assert response.status_code == 416, bad
        assert response.headers["Content-Range"] == f"bytes */{len(whole)}"
        assert "96333" in await response.get_data(as_text=True)


async def test_it_sends_security_headers_on_every_response(client):
    for path in ("/", f"/e/{OVERDUE}", "/static/app.css", "/nothing-here", "/healthz", "/favicon.ico"):
        headers = (await client.get(path)).headers
        policy = headers["Content-Security-Policy"]
        for rule in ("default-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                     "form-action 'self'", "img-src 'self' data:"):
            assert rule in policy, (path, rule)
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "geolocation=()" in headers["Permissions-Policy"]


async def test_it_keeps_a_cookie_setting_answer_out_of_shared_caches(client):
    response = await client.get(f"/e/{OVERDUE}?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"] and "Secure" not in response.headers["Set-Cookie"]
    assert "public" not in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    plain = await client.get(f"/e/{OVERDUE}")
    assert "Set-Cookie" not in plain.headers and "public" in plain.headers["Cache-Control"]
    assert {"Cookie", "Accept-Language"} <= set(plain.vary)


async def test_it_marks_the_language_cookie_secure_behind_https(config, store):
    app = create_app(dataclasses.replace(config, public_url="https://lift.example.cn"))
    async with app.test_app() as running:
        response = await running.test_client().get("/?lang=en")
        assert "Secure" in response.headers["Set-Cookie"]


async def test_it_serves_a_page_at_its_address_with_a_trailing_slash(client):
    assert (await client.get(f"/e/{OVERDUE}/")).status_code == 200
    assert (await client.get("/firms/F1/")).status_code == 200
    assert (await client.get(f"/e/{OVERDUE}/rescue/")).status_code == 200


async def test_it_reads_full_width_digits_in_typed_codes_and_still_tells_malformed_from_unknown(client):
    full = OVERDUE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = await client.get("/e/" + quote(f"{full[:4]}－{full[4:]}"), headers=ZH)
    assert response.status_code == 200 and "维保已超期" in await response.get_data(as_text=True)
    response = await client.get("/go?code=" + quote(f"{full[:10]}　{full[10:]}"))
    assert response.status_code == 302 and response.headers["Location"] == f"/e/{OVERDUE}"
    malformed = await (await client.get("/e/" + quote(full[:-1]), headers={"Accept-Language": "en"})).get_data(as_text=True)
    unknown = await (await client.get("/e/" + quote("３１１０３５０５０２２０９９９９００００"),
                                      headers={"Accept-Language": "en"})).get_data(as_text=True)
    assert "is not an elevator code" in malformed and "No elevator with code" in unknown


async def test_it_names_the_regulators_complaint_line_on_the_complaint_page(client):
    html = await (await client.get(f"/e/{OVERDUE}/complaint", headers=ZH)).get_data(as_text=True)
    assert 'href="tel:12315"' in html and "市场监管投诉举报电话" in html
    assert 'href="tel:0595-22000002"' in html  # the firm's duty phone too


async def test_it_serves_an_icon_at_the_site_root(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert (await response.get_data()).startswith(b"\x00\x00\x01\x00")  # ICO header
