"""The elevator page in a real browser (Debian's Chromium), as a passenger's phone shows it."""

import asyncio
import os
import socket

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from playwright.async_api import async_playwright

from tests.factories import OVERDUE

CHROMIUM = os.environ.get("LIFTWATCH_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by tests/run.sh")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def started_already(app):
    """Return the app for Hypercorn without its lifespan: the test app has opened its store already."""

    async def serve_http(scope, receive, send):
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return serve_http


@pytest.fixture
async def base_url(app):
    """Serve the started app over real HTTP with Hypercorn."""
    config = HypercornConfig()
    port = free_port()
    config.bind = [f"127.0.0.1:{port}"]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(started_already(app.app), config, shutdown_trigger=stop.wait))
    await asyncio.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    stop.set()
    await task


@pytest.fixture
async def phone():
    """Yield a Chromium page sized like a phone, JavaScript off as in a locked-down in-app browser."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = await browser.new_context(viewport={"width": 375, "height": 667}, java_script_enabled=False,
                                            locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
        yield await context.new_page()
        await browser.close()


async def test_it_shows_overdue_and_rescue_above_the_fold_on_a_phone(base_url, phone):
    requested = []
    phone.on("request", lambda request: requested.append(request))
    await phone.goto(f"{base_url}/e/{OVERDUE}")
    overdue = phone.get_by_text("维保已超期 5 天")
    assert await overdue.is_visible()
    rescue = phone.get_by_role("link", name="被困？一键求救")
    box = await rescue.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 667
    assert await phone.locator('a[href="tel:96333"]').count() >= 2
    assert all(r.url.startswith(base_url) for r in requested)
    transferred = 0
    for request in requested:
        sizes = await request.sizes()
        transferred += sizes["responseBodySize"]
    assert 0 < transferred <= 15 * 1024
    await phone.screenshot(path=os.environ.get("LIFTWATCH_SCREENSHOT", "/tmp/liftwatch-elevator.png"), full_page=True)


async def test_it_switches_to_english_with_one_tap(base_url, phone):
    await phone.goto(f"{base_url}/e/{OVERDUE}")
    await phone.get_by_role("link", name="English").click()
    assert await phone.get_by_text("Maintenance overdue by 5 days").is_visible()
    await phone.goto(f"{base_url}/e/{OVERDUE}")
    assert await phone.get_by_text("Maintenance overdue by 5 days").is_visible()  # remembered by cookie


async def test_it_renders_the_elevator_page_within_its_content_security_policy(base_url, phone):
    console = []
    phone.on("console", lambda message: console.append(message.text))
    response = await phone.goto(f"{base_url}/e/{OVERDUE}")
    assert "default-src 'self'" in (await response.all_headers())["content-security-policy"]
    for path in (f"/e/{OVERDUE}/complaint", "/firms/F1", "/"):
        await phone.goto(f"{base_url}{path}")
    assert not [text for text in console if "Content Security Policy" in text], console
    sos = phone.locator("a.sos")
    assert await sos.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(198, 40, 40)"  # app.css applied
