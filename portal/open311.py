"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML."""

import json
import xml.etree.ElementTree as ET

from quart import Blueprint, Response, current_app, g, request

from core import followup, open311, reports
from core.store.reports import find_report

blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any('json', 'xml'):fmt>"
CHANGESET = "2026-11-25T00:00:00Z"
SPEC = "http://wiki.open311.org/GeoReport_v2"
# The element name of one item in each XML list.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "endpoints": "endpoint", "formats": "format", "attributes": "attribute"}


def _base():
    return current_app.config["LIFTWATCH"].public_url


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(name, value):
    node = ET.Element(name)
    if isinstance(value, dict):
        for key, inner in value.items():
            node.append(_element(key, inner))
    elif isinstance(value, list):
        for inner in value:
            node.append(_element(ITEMS.get(name, "item"), inner))
    else:
        node.text = _text(value)
    return node


def respond(fmt, root, body, status=200):
    """Answer body as JSON, or as XML under root (ElementTree escapes every text)."""
    if fmt == "json":
        return Response(json.dumps(body, ensure_ascii=False), status, content_type="application/json; charset=utf-8")
    xml = ET.tostring(_element(root, body), encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + xml, status, content_type="text/xml; charset=utf-8")


def error(fmt, exc):
    """Answer an Open311 error list with its status."""
    return respond(fmt, "errors", [{"code": exc.status, "description": exc.description}], exc.status)


@blueprint.get(f"/discovery.{FORMAT}")
async def discovery(fmt):
    """Describe this endpoint."""
    endpoint = {"specification": SPEC, "url": f"{_base()}/open311/v2", "changeset": CHANGESET,
                "type": "production", "formats": ["text/xml", "application/json"]}
    return respond(fmt, "discovery", {"changeset": CHANGESET, "contact": "12315", "key_service": f"{_base()}/",
                                      "endpoints": [endpoint]})


@blueprint.get(f"/services.{FORMAT}")
async def services(fmt):
    """List the services: fault categories and complaint categories per target."""
    return respond(fmt, "services", open311.services(g.lang))


@blueprint.get(f"/services/<code>.{FORMAT}")
async def service_definition(code, fmt):
    """Describe one service (none has extra attributes)."""
    try:
        open311.parse_service(code)
    except open311.Open311Error as exc:
        return error(fmt, exc)
    return respond(fmt, "service_definition", {"service_code": code, "attributes": []})


@blueprint.get(f"/requests.{FORMAT}")
async def list_requests(fmt):
    """List public service requests with the standard filters."""
    try:
        found = await open311.find_requests(current_app.store.db, request.args, g.lang, _base())
    except open311.Open311Error as exc:
        return error(fmt, exc)
    return respond(fmt, "service_requests", found)


@blueprint.post(f"/requests.{FORMAT}")
async def create_request(fmt):
    """Take a fault report or complaint from an API client holding a key."""
    db = current_app.store.db
    try:
        args = await _post_args()
        await open311.check_api_key(db, args.get("api_key"))
        report = await open311.create_request(db, args)
    except open311.Open311Error as exc:
        return error(fmt, exc)
    await followup.notify_report(db, report, reports.notification_kind(report),
                                 key=current_app.secret_key_bytes, base_url=_base())
    return respond(fmt, "service_requests", [{"service_request_id": report["_id"], "service_notice": "",
                                              "account_id": ""}], 201)


async def _post_args():
    """Return a POST's arguments as strings: a form, or a JSON object of strings (operators refused)."""
    if request.is_json:
        body = await request.get_json(silent=True)
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            raise open311.Open311Error(400, "a JSON body must be an object of strings")
        return body
    form = await request.form
    return {key: form.get(key) for key in form}


@blueprint.get(f"/requests/<rid>.{FORMAT}")
async def one_request(rid, fmt):
    """Show one public service request."""
    report = await _public_report(rid)
    if report is None:
        return error(fmt, open311.Open311Error(404, "service_request_id not found"))
    found = await open311.find_requests(current_app.store.db, {"service_request_id": rid,
                                                               "start_date": "2000-01-01T00:00:00Z"}, g.lang, _base())
    return respond(fmt, "service_requests", found)


@blueprint.get(f"/tokens/<token>.{FORMAT}")
async def token(token, fmt):
    """Turn a token into its request id: requests get their id at once, so the token is the id."""
    report = await _public_report(token)
    if report is None:
        return error(fmt, open311.Open311Error(404, "token not found"))
    return respond(fmt, "service_requests", [{"service_request_id": report["_id"], "token": report["_id"]}])


async def _public_report(rid):
    """Return a fault report by id (complaints are not public), or None."""
    if len(rid) > 40:
        return None
    report = await find_report(current_app.store.db, rid)
    return report if report and report["kind"] == "fault" else None
