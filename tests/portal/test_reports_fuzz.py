"""Hostile input to every passenger route and the firm's links: never a 5xx, never an operator stored."""

import json
import random
import re

from tests.factories import ON_TIME
from tests.portal.test_reports import form_token

HOSTILE = ["", " ", "\x00", "%00", "' OR 1=1 --", '{"$ne": null}', "$where", "<script>alert(1)</script>",
           "a" * 5000, "１３８０００００１２３", "13800001234\n", "../../etc/passwd", "\ud7ff\u202e", "😀" * 300,
           "0", "-1", "6", "1e9", "NaN", "[]", "{}", "null"]
FIELDS = ["csrf", "category", "about", "description", "phone", "stars", "comment", "website", "new",
          "report_id", "fixed", "note", "$ne", "description[$ne]", "category.$gt", "people", "hurt", "key"]
ROUTES = [f"/e/{ON_TIME}/fault", f"/e/{ON_TIME}/complaint", f"/e/{ON_TIME}/rating", f"/e/{ON_TIME}/fault/metoo",
          "/e/0/fault", "/e/%00/rating", "/r/x", "/r/" + "A" * 30, "/a/x/fixed", "/a/x/nope?exp=1&sig=a",
          "/photos/x/thumb", "/photos/000000000000000000000000/thumb", f"/e/{ON_TIME}/rescue", "/e/0/rescue",
          "/rescue/x", "/rescue/" + "A" * 30, "/rescue/x/events", "/dispatch/F1?v=0&sig=x", "/dispatch/x?v=-1&sig="]


def hostile_form(rng, token):
    form = {name: rng.choice(HOSTILE) for name in rng.sample(FIELDS, rng.randint(1, len(FIELDS)))}
    if rng.random() < 0.5:
        form["csrf"] = token
    return form


async def test_it_answers_hostile_forms_without_a_server_error(client, app):
    rng = random.Random(7)
    token = await form_token(client, f"/e/{ON_TIME}/fault")
    for n in range(150):
        route = rng.choice(ROUTES)
        if rng.random() < 0.2:
            response = await client.post(route, data=json.dumps({"category": {"$ne": None}, "phone": {"$gt": ""}}),
                                         headers={"Content-Type": "application/json"})
        elif rng.random() < 0.3:
            path, _, query = route.partition("?")
            args = {k: rng.choice(HOSTILE)[:50] for k in FIELDS[:4]} | dict(p.split("=") for p in query.split("&") if p)
            response = await client.get(path, query_string=args)
        else:
            response = await client.post(route, form=hostile_form(rng, token))
        assert response.status_code < 500, (route, response.status_code)
    async for doc in app.app.store.db.reports.find({}):
        assert all(isinstance(doc[k], str) for k in ("category", "description"))
        assert doc["category"] in ("doors", "stopped", "noise", "buttons", "light", "alarm", "other",
                                   "not_done", "done_badly", "slow_repair", "slow_rescue", "attitude")
    # Hostile rescue calls are all taken, one per elevator, with only what could be used of them.
    calls = await app.app.store.db.rescues.find({}).to_list(None)
    assert len(calls) <= 1
    for caller in (c for call in calls for c in call["callers"]):
        assert caller["people"] is None or 1 <= caller["people"] <= 50
        assert caller["phone"] is None or re.fullmatch(r"1[3-9]\d{9}", caller["phone"])
        assert caller["hurt"] in (None, True, False) and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", caller["key"])


async def test_it_refuses_operator_shaped_json_as_a_form(client, app):
    response = await client.post(f"/e/{ON_TIME}/fault", data=json.dumps({"csrf": {"$ne": ""}, "category": {"$ne": ""}}),
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    assert await app.app.store.db.reports.count_documents({}) == 0
