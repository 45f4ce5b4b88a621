import gzip
import re

from tests.factories import EQUIPMENT_CODE, FRESH, ON_TIME, OVERDUE

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


async def page(client, path, **headers):
    response = await client.get(path, headers=headers)
    return response.status_code, (await response.get_data(as_text=True))


async def test_it_shows_days_overdue_in_chinese_by_default(client):
    status, html = await page(client, f"/e/{OVERDUE}")
    assert status == 200
    assert "维保已超期 5 天" in html
    assert 'lang="zh-Hans"' in html
    assert "定期检验已超期 35 天" in html  # inspection past due, with its day count
    assert "责令整改" in html and "维保记录与现场不符" in html


async def test_it_shows_days_until_due_and_ignores_invalid_visits(client):
    status, html = await page(client, f"/e/{ON_TIME}")
    assert status == 200
    assert "半月维保还有 11 天到期" in html  # last valid 4 days ago; the invalid one 2 days ago does not count
    assert "无效" in html and "无作业照片" in html
    assert "泉州鲤城示例电梯工程有限公司" in html and 'href="/firms/F1"' in html
    assert 'href="tel:0595-22000002"' in html


async def test_it_speaks_english_by_query_cookie_and_header(client):
    response = await client.get(f"/e/{OVERDUE}?lang=en")
    html = await response.get_data(as_text=True)
    assert response.status_code == 200 and "Half-monthly maintenance overdue by 5 days" in html and 'lang="en"' in html
    assert "Licheng Example Lift Co." in html
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    assert "maintenance overdue" in (await page(client, f"/e/{OVERDUE}"))[1]  # the cookie now decides


async def test_it_follows_accept_language_without_a_cookie(app):
    english = await page(app.test_client(), f"/e/{OVERDUE}", **{"Accept-Language": "en-US,en;q=0.8,zh;q=0.5"})
    assert "maintenance overdue" in english[1]
    french = await page(app.test_client(), f"/e/{OVERDUE}", **{"Accept-Language": "fr-FR"})
    assert "维保已超期" in french[1]
    ranked = await page(app.test_client(), f"/e/{OVERDUE}", **{"Accept-Language": "en;q=0.3, zh-CN;q=0.9"})
    assert "维保已超期" in ranked[1]


async def test_it_finds_an_elevator_by_its_equipment_code(client):
    status, html = await page(client, f"/e/{EQUIPMENT_CODE}")
    assert status == 200 and "3110 350502 201501 0001" in html


async def test_it_always_offers_rescue_and_96333(client):
    for path in (f"/e/{ON_TIME}", f"/e/{FRESH}", f"/e/{ON_TIME}/rescue", "/e/12345", "/nowhere"):
        _, html = await page(client, path)
        assert 'href="tel:96333"' in html, path
    _, html = await page(client, f"/e/{ON_TIME}")
    assert f'href="/e/{ON_TIME}/rescue"' in html and f'href="/e/{ON_TIME}/fault"' in html


async def test_it_answers_unknown_and_malformed_codes_with_a_helpful_404(client):
    status, html = await page(client, "/e/31103505022099010099")
    assert status == 404 and "本平台没有代码为 31103505022099010099 的电梯" in html
    status, html = await page(client, "/e/not-a-code")
    assert status == 404 and "不是电梯代码" in html
    status, html = await page(client, "/e/not-a-code?lang=en")
    assert status == 404 and "is not an elevator code" in html
    status, html = await page(client, "/e/" + "9" * 5000)
    assert status == 404


async def test_it_escapes_hostile_input(client):
    status, html = await page(client, "/e/%3Cscript%3Ealert(1)")
    assert status == 404 and "<script>" not in html and "&lt;script&gt;" in html
    status, html = await page(client, "/go?code=%3Cimg%20src=x%3E")
    assert status == 404 and "<img src=x>" not in html


async def test_it_redirects_a_typed_code_to_its_page(client):
    response = await client.get(f"/go?code={ON_TIME[:4]}+{ON_TIME[4:10]}+{ON_TIME[10:]}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/e/{ON_TIME}")


async def test_it_keeps_the_page_and_css_under_15_kb_gzipped(client):
    gz = {"Accept-Encoding": "gzip", **ZH}
    response = await client.get(f"/e/{ON_TIME}", headers=gz)
    assert response.headers["Content-Encoding"] == "gzip"
    body = await response.get_data()
    html = gzip.decompress(body).decode()
    assert html.count("<tr") >= 24 and html.count("轿厢应急照明不亮") == 3  # full history and findings
    css = await client.get("/static/app.css", headers=gz)
    css_body = await css.get_data()
    assert len(body) + len(css_body) <= 15 * 1024, (len(body), len(css_body))


async def test_it_loads_nothing_from_other_hosts(client):
    _, css = await page(client, "/static/app.css")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    for lang in ("zh_Hans", "en"):
        _, html = await page(client, f"/e/{ON_TIME}?lang={lang}")
        external = re.findall(r"""(?:src|href|action|srcset)\s*=\s*["']?(?:https?:)?//""", html)
        assert external == []
        assert "@import" not in html and "url(" not in html


async def test_it_sends_gzip_only_to_clients_that_accept_it(client):
    plain = await client.get(f"/e/{ON_TIME}", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in plain.headers
    assert "维保" in await plain.get_data(as_text=True)


async def test_it_answers_odd_requests_with_readable_errors(client):
    response = await client.post(f"/e/{ON_TIME}")
    assert response.status_code == 405 and "GET" in response.headers.get("Allow", "")
    assert "96333" in await response.get_data(as_text=True)
    assert (await client.get("/static/" + "a" * 300 + ".css")).status_code == 404
    assert (await client.get("/e/" + "%E7%94%B5" * 50)).status_code == 404
    odd = await client.get(f"/e/{ON_TIME}", headers={"Accept-Language": ";;q=,zh;q=nan,*"})
    assert odd.status_code == 200
    client.set_cookie("127.0.0.1", "lang", "\u202e" * 100)
    assert (await client.get(f"/e/{ON_TIME}?lang=" + "x" * 3000)).status_code == 200


async def test_it_shows_the_firm_page_with_grade_and_licences(client):
    status, html = await page(client, "/firms/F1?lang=en")
    assert status == 200
    assert "TS3435001-2027" in html and "Credit grade" in html
    assert re.search(r'class="grade g[ABCD]"', html)
    assert f'href="/e/{OVERDUE}"' in html
    assert (await page(client, "/firms/F9"))[0] == 404
    assert (await page(client, "/firms/%24where"))[0] == 404


async def test_it_reports_health(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and (await response.get_json())["status"] == "ok"
