"""Open311 GeoReport v2: discovery, services, requests in JSON and XML, API keys, errors."""

import xml.etree.ElementTree as ET

from core.notify.contacts import add_contact
from core.open311 import add_api_key
from tests.factories import ON_TIME

REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


async def test_it_lists_services_in_json_and_xml(client):
    services = await (await client.get("/open311/v2/services.json?lang=en")).get_json()
    assert [list(s) for s in services] == [SERVICE_FIELDS] * len(services)
    assert services[0] == {"service_code": "fault-doors", "service_name": "Doors", "description": "Fault report: Doors",
                           "metadata": False, "type": "realtime", "keywords": "fault,doors", "group": "Fault report"}
    assert {s["service_code"] for s in services} >= {"complaint-firm-attitude", "complaint-unit-other"}
    root = ET.fromstring(await (await client.get("/open311/v2/services.xml")).get_data())
    assert root.tag == "services" and [c.tag for c in root[0]] == SERVICE_FIELDS and root[0].find("metadata").text == "false"
    definition = await (await client.get("/open311/v2/services/fault-doors.json")).get_json()
    assert definition == {"service_code": "fault-doors", "attributes": []}
    missing = await client.get("/open311/v2/services/nope.xml")
    assert missing.status_code == 404 and ET.fromstring(await missing.get_data()).find("error/code").text == "404"


async def test_it_describes_itself(client):
    found = await (await client.get("/open311/v2/discovery.json")).get_json()
    assert found["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = ET.fromstring(await (await client.get("/open311/v2/discovery.xml")).get_data())
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


async def test_it_takes_a_request_with_a_key_and_lists_it_back(client, app):
    db = app.app.store.db
    key = await add_api_key(db, "city hotline")
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    refused = await client.post("/open311/v2/requests.json", form={"service_code": "fault-doors", "address_id": ON_TIME,
                                                                   "description": "门坏了"})
    assert refused.status_code == 403 and (await refused.get_json())[0]["code"] == 403
    created = await client.post("/open311/v2/requests.xml", form={
        "api_key": key, "service_code": "fault-doors", "address_id": ON_TIME, "description": "门 <坏了> & 响"})
    assert created.status_code == 201
    rid = ET.fromstring(await created.get_data()).find("request/service_request_id").text
    listed = await (await client.get(f"/open311/v2/requests.json?service_request_id={rid}")).get_json()
    assert [list(r) for r in listed] == [REQUEST_FIELDS]
    request = listed[0]
    assert request["status"] == "open" and request["address_id"] == ON_TIME and request["lat"] == 24.9
    assert request["description"] == "门 <坏了> & 响" and request["requested_datetime"].endswith("Z")
    root = ET.fromstring(await (await client.get(f"/open311/v2/requests/{rid}.xml")).get_data())
    assert root.find("request/description").text == "门 <坏了> & 响"  # escaped in transit, intact after parsing
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    token = await (await client.get(f"/open311/v2/tokens/{rid}.json")).get_json()
    assert token == [{"service_request_id": rid, "token": rid}]
    told = await db.deliveries.find({}).to_list(None)
    assert [d["address"] for d in told] == ["duty@f1.example.com"]  # routed like a form report


async def test_it_refuses_bad_posts_and_keeps_complaints_private(client, app):
    db = app.app.store.db
    key = await add_api_key(db, "hotline")
    operator = await client.post("/open311/v2/requests.json", json={"api_key": key, "service_code": {"$ne": ""}})
    assert operator.status_code == 400
    bad_code = await client.post("/open311/v2/requests.json", form={"api_key": key, "service_code": "fault-doors",
                                                                    "address_id": "123", "description": "x"})
    assert bad_code.status_code == 400 and "address_id" in (await bad_code.get_json())[0]["description"]
    complaint = await client.post("/open311/v2/requests.json", form={
        "api_key": key, "service_code": "complaint-firm-attitude", "address_id": ON_TIME,
        "description": "态度差", "phone": "13800001234"})
    rid = (await complaint.get_json())[0]["service_request_id"]
    assert (await client.get(f"/open311/v2/requests/{rid}.json")).status_code == 404
    assert await (await client.get("/open311/v2/requests.json")).get_json() == []
    assert (await client.get("/open311/v2/requests.json?start_date=yesterday")).status_code == 400
