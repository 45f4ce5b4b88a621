"""Common checks of command fields: what is ignored, what is refused by name, what is unknown."""

from wiremongo import names
from wiremongo.errors import CommandError, bad_value

_ENVELOPE = {"lsid", "$clusterTime", "$readPreference", "readConcern", "writeConcern", "comment", "maxTimeMS",
             "apiVersion", "apiStrict", "apiDeprecationErrors", "$db", "txnNumber", "$audit",
             "mayBypassWriteBlocking", "bypassDocumentValidation"}


def check_fields(cmd, allowed, refused=()):
    """Refuse options wiremongo does not implement (by name) and fields MongoDB does not know."""
    name = next(iter(cmd))
    for field, value in cmd.items():
        if field == name or field in _ENVELOPE or field in allowed:
            continue
        if field == "collation" and value in ({}, {"locale": "simple"}):
            continue
        if field in ("collation", "let") or field in refused:
            raise CommandError(f"the option '{field}' of {name} is not supported by wiremongo", 115,
                               "CommandNotSupported")
        raise CommandError(f"BSON field '{name}.{field}' is an unknown field.", 40415, "Location40415")


def collection_name(db_name, cmd):
    """Return the checked collection name a command names in its first field."""
    return names.check_collection_name(db_name, cmd[next(iter(cmd))])


def number(cmd, field, default=0):
    """Return an integer option, refusing other types."""
    value = cmd.get(field, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise CommandError(f"BSON field '{next(iter(cmd), '')}.{field}' is the wrong type", 14, "TypeMismatch")
    return int(value)


def document(cmd, field, default=None):
    """Return an object option, refusing other types."""
    value = cmd.get(field, default)
    if value is not None and not isinstance(value, dict):
        raise CommandError(f"BSON field '{next(iter(cmd))}.{field}' must be an object", 14, "TypeMismatch")
    return value


def check_collation(value):
    """Refuse a collation other than the simple binary one."""
    if value not in (None, {}, {"locale": "simple"}):
        raise CommandError("collation is not supported by wiremongo", 115, "CommandNotSupported")


def check_hint_type(hint):
    """Refuse a hint that is neither an index name nor a key pattern."""
    if hint is not None and not isinstance(hint, (str, dict)):
        raise bad_value("hint must be a string or an object")
    return hint or None


def cursor_batch_size(cmd):
    """Return the batchSize of a command's cursor option (None if absent), refusing bad types."""
    cursor = document(cmd, "cursor") or {}
    return number(cursor, "batchSize", None) if "batchSize" in cursor else None
