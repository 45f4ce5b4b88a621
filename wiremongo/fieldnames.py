"""Which field names may be stored: MongoDB 5+'s rules for '$'-prefixed and dotted names.

Inserted, upserted and replacement documents may hold '$'-prefixed and dotted names at any
depth, except inside _id, where a '$'-prefixed name is refused (a DBRef aside). An operator
update on an existing document may not write a top-level '$'-prefixed field; the values it
writes may hold such names in nested documents.
"""

from wiremongo.errors import CommandError, not_supported

_DBREF_ORDER = ("$ref", "$id", "$db")
# Operators that write no named field into the document: nothing of theirs to check.
_REMOVING = {"$unset", "$pull", "$pullAll", "$pop"}


def check_id_names(value, path="_id"):
    """Refuse '$'-prefixed field names anywhere inside an _id value, a well-formed DBRef aside."""
    if isinstance(value, list):
        for item in value:
            check_id_names(item, path)
        return
    if not isinstance(value, dict):
        return
    dbref = _is_dbref(value)
    for key, item in value.items():
        if key.startswith("$") and not dbref:
            raise dollar_prefixed(f"_id fields may not contain '$'-prefixed fields: {key} is not valid for storage.")
        check_id_names(item, f"{path}.{key}")


def _is_dbref(doc):
    """Tell whether doc's '$' names are a DBRef's: $ref (a string), then $id, then optionally $db (a string)."""
    names = [key for key in doc if key.startswith("$")]
    keys = list(doc)
    if names != list(_DBREF_ORDER[:len(names)]) or len(names) < 2 or keys[:len(names)] != names:
        return False
    return isinstance(doc["$ref"], str) and isinstance(doc.get("$db", ""), str)


def check_update_paths(update):
    """Refuse an operator update that writes a top-level '$'-prefixed field of an existing document."""
    for operator, fields in update.items():
        if operator in _REMOVING or operator == "$setOnInsert":
            continue
        targets = fields.values() if operator == "$rename" else fields
        for path in targets:
            top = str(path).split(".", 1)[0]
            if top.startswith("$"):
                raise dollar_prefixed(f"The dollar ($) prefixed field '{top}' in '{path}' is not valid for storage.")


def split_top_level_dollars(update):
    """Split an upsert's update into what mongomock applies and the top-level '$' fields it sets directly."""
    if not any(str(path).startswith("$") for fields in update.values() for path in fields):
        return update, {}
    rest, direct = {operator: {} for operator in update}, {}
    for operator, fields in update.items():
        for path, value in fields.items():
            if not str(path).split(".", 1)[0].startswith("$") or operator in _REMOVING:
                rest[operator][path] = value
            elif operator in ("$set", "$setOnInsert") and "." not in path:
                direct[path] = value
            else:
                raise not_supported(f"{operator} of the '$'-prefixed path {path!r} in an upsert")
    return rest, direct


def dollar_prefixed(message):
    """Return MongoDB's DollarPrefixedFieldName (52) error."""
    return CommandError(message, 52, "DollarPrefixedFieldName")
