"""MongoDB filter, projection and update semantics, from mongomock's query engine.

mongomock's matcher is exact for the subset in docs/storage.md; every candidate an index
yields is checked by it. Its update and projection code are methods of its in-memory
collection; one scratch collection is used only for those methods, never to store data.
"""

import copy
import functools
import re

import bson
import mongomock
from mongomock import filtering
from pymongo.errors import OperationFailure

from wiremongo import fieldnames, keys
from wiremongo.errors import CommandError, bad_value, not_supported

_REFUSED_OPERATORS = {"$where": "$where", "$text": "$text search", "$near": "$near (geo queries)",
                      "$nearSphere": "$nearSphere (geo queries)", "$geoWithin": "$geoWithin (geo queries)",
                      "$geoIntersects": "$geoIntersects (geo queries)", "$jsonSchema": "$jsonSchema",
                      "$expr": "$expr in a query filter"}
UPDATE_OPERATORS = {"$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$setOnInsert",
                    "$currentDate", "$push", "$pull", "$pullAll", "$addToSet", "$pop"}
_REGEX_TYPES = (re.Pattern, bson.regex.Regex)
NOTHING = filtering.NOTHING
_scratch = mongomock.MongoClient().get_database("wiremongo").get_collection("scratch")


class _ParsedVersions:
    """mongomock parses the same version strings for every field an update sets: parse each once."""

    parse = staticmethod(functools.lru_cache(maxsize=64)(mongomock.collection.version.parse))


mongomock.collection.version = _ParsedVersions


def check_filter(filter_doc):
    """Refuse operators wiremongo does not evaluate, naming them; refuse a non-document filter."""
    if not isinstance(filter_doc, dict):
        raise bad_value("filter must be an object")
    _check_operators(filter_doc)
    return filter_doc


def _check_operators(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _REFUSED_OPERATORS:
                raise not_supported(_REFUSED_OPERATORS[key])
            if key in ("$and", "$or", "$nor") and (not isinstance(item, list) or not item or
                                                  not all(isinstance(part, dict) for part in item)):
                raise bad_value(f"{key} must be a nonempty array of objects")
            _check_operators(item)
    elif isinstance(value, list):
        for item in value:
            _check_operators(item)


def matches(filter_doc, doc):
    """Tell whether doc matches filter_doc as MongoDB would."""
    if not filter_doc:
        return True
    return _matcher.apply(filter_doc, doc)


def _key(value):
    return keys.encode(keys.MISSING if value is NOTHING else value)


def _strict_eq(doc_val, search_val):
    return _key(doc_val) == _key(search_val)


def _strict_in(doc_val, search_val):
    if not isinstance(search_val, (list, tuple)):
        raise OperationFailure("$in needs an array")
    regexes = [value for value in search_val if isinstance(value, _REGEX_TYPES)]
    wanted = {_key(value) for value in search_val if not isinstance(value, _REGEX_TYPES)}
    candidates = list(doc_val) + [doc_val] if isinstance(doc_val, list) and doc_val else [doc_val]
    for candidate in candidates:
        if _key(candidate) in wanted:
            return True
        if isinstance(candidate, str) and any(filtering._regex(candidate, regex) for regex in regexes):
            return True
    return False


_TYPE_NAMES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData", 7: "objectId", 8: "bool",
               9: "date", 10: "null", 11: "regex", 13: "javascript", 16: "int", 17: "timestamp", 18: "long",
               19: "decimal", -1: "minKey", 127: "maxKey"}
_TAG_NAMES = {keys.STRING: "string", keys.OBJECT: "object", keys.ARRAY: "array", keys.BINARY: "binData",
              keys.OID: "objectId", keys.BOOL: "bool", keys.DATE: "date", keys.NULL: "null", keys.REGEX: "regex",
              keys.CODE: "javascript", keys.TIMESTAMP: "timestamp", keys.MINKEY: "minKey", keys.MAXKEY: "maxKey"}


def _type_name(value):
    """Return MongoDB's $type alias of a stored value."""
    if isinstance(value, float):
        return "double"
    if isinstance(value, bson.Decimal128):
        return "decimal"
    if isinstance(value, int) and not isinstance(value, bool):
        return "long" if type(value) is bson.Int64 or not -2**31 <= value < 2**31 else "int"
    return _TAG_NAMES[keys.type_byte(value)]


def _type_op(doc_val, search_val):
    if doc_val is NOTHING:
        return False
    wanted = set()
    for alias in search_val if isinstance(search_val, list) else [search_val]:
        name = _TYPE_NAMES.get(alias, alias) if isinstance(alias, (int, float)) else alias
        if name not in set(_TYPE_NAMES.values()) | {"number"}:
            raise bad_value(f"Unknown type name alias: {alias}")
        wanted |= {"double", "int", "long", "decimal"} if name == "number" else {name}
    values = [doc_val] + (list(doc_val) if isinstance(doc_val, list) else [])
    return any(_type_name(value) in wanted for value in values)


class _Matcher(filtering._Filterer):
    """mongomock's matcher with equality by BSON value: Python's == takes True for 1 and ignores key order."""

    def __init__(self):
        super().__init__()
        self._operator_map.update({
            "$eq": filtering._list_expand(_strict_eq),
            "$ne": filtering._list_expand(lambda dv, sv: not _strict_eq(dv, sv), negative=True),
            "$in": _strict_in,
            "$nin": lambda dv, sv: not _strict_in(dv, sv),
            "$type": _type_op,
        })

    def apply(self, search_filter, document):
        """Match as mongomock does, then hold plain equalities to BSON equality."""
        return super().apply(search_filter, document) and _equalities_hold(search_filter, document)


_matcher = _Matcher()


def _equalities_hold(filter_doc, doc):
    """Check equality conditions by BSON value, as mongomock's Python == takes True for 1 and ignores key order."""
    for key, cond in filter_doc.items():
        if key == "$and":
            if not all(_equalities_hold(part, doc) for part in cond):
                return False
        elif key.startswith("$") or isinstance(cond, _REGEX_TYPES):
            continue
        elif isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
            if any(not _has_equal(doc, key, values) for values in _alternatives(cond)):
                return False
        elif not _has_equal(doc, key, [cond]):
            return False
    return True


def _alternatives(cond):
    """Return the value lists of a condition's $eq and regex-free $in, each needing one equal value."""
    out = []
    if "$eq" in cond and not isinstance(cond["$eq"], _REGEX_TYPES):
        out.append([cond["$eq"]])
    values = cond.get("$in")
    if isinstance(values, list) and not any(isinstance(v, _REGEX_TYPES) for v in values):
        out.append(values)
    return out


def _has_equal(doc, path, values):
    wanted = {keys.encode(value) for value in values}
    return any(keys.encode(found) in wanted for found in keys.path_values(doc, path, whole_arrays=True))


def project(doc, projection):
    """Return doc with the projection applied (inclusion, exclusion, $slice, $elemMatch)."""
    if not projection:
        return doc
    for key, value in projection.items():
        if key.endswith(".$") or (isinstance(value, dict) and set(value) - {"$slice", "$elemMatch"}):
            raise not_supported(f"the projection {key!r}")
    return _scratch._copy_only_fields(doc, dict(projection), dict)


def is_operator_update(update):
    """Tell an update document ({"$set": ...}) from a replacement."""
    return isinstance(update, dict) and any(key.startswith("$") for key in update)


def check_update(update):
    """Refuse update forms wiremongo does not evaluate, and a replacement's '$'-prefixed names in _id."""
    if isinstance(update, list):
        raise not_supported(f"an aggregation pipeline update (using {', '.join(sorted(_operators_in(update)))})")
    if not isinstance(update, dict):
        raise CommandError("update must be an object", 14, "TypeMismatch")
    if not is_operator_update(update):
        fieldnames.check_id_names(update.get("_id"))
        return
    for operator, fields in update.items():
        if operator not in UPDATE_OPERATORS:
            if operator.startswith("$"):
                raise CommandError(f"Unknown modifier: {operator}", 9, "FailedToParse")
            raise CommandError(f"Unknown modifier: {operator}. Expected a valid update modifier or pipeline-style "
                               "update specified as an array", 9, "FailedToParse")
        if not isinstance(fields, dict):
            raise CommandError(f"Modifiers operate on fields but we found type {type(fields).__name__} instead",
                               9, "FailedToParse")
        if operator == "$rename" and any("." in a or "." in str(b) for a, b in fields.items()):
            raise not_supported("$rename of dotted fields")
        for path in fields:
            if "$[" in path:
                raise not_supported("arrayFilters and the $[] operator")


def _operators_in(value):
    """Return the '$'-prefixed names of stages and expressions in a pipeline."""
    if isinstance(value, list):
        return set().union(*map(_operators_in, value))
    if not isinstance(value, dict):
        return set()
    return {key for key in value if key.startswith("$")}.union(*map(_operators_in, value.values()))


def apply_update(doc, filter_doc, update, inserting):
    """Return a new document: doc with the update (operators or replacement) applied."""
    if not is_operator_update(update):
        new = {"_id": doc["_id"]} if "_id" in doc else {}
        replacement = {k: v for k, v in update.items() if k != "_id"}
        if "_id" in update and "_id" in doc and not _same(update["_id"], doc["_id"]):
            raise _immutable_id()
        new.update(copy.deepcopy(replacement))
        if "_id" not in new and "_id" in update:
            new = {"_id": update["_id"], **new}
        return new
    if not inserting:
        fieldnames.check_update_paths(update)
    # mongomock refuses top-level '$' names that MongoDB 5+ stores on an upsert's insert.
    rest, direct = fieldnames.split_top_level_dollars(update) if inserting else (update, {})
    phase = _for_phase(rest, inserting)
    plain = bool(phase) and _plain_sets(phase)
    new = dict(doc) if plain else _copy_for_update(doc, phase)
    if not phase and not direct:
        # Only $setOnInsert, and the filter matched: MongoDB changes nothing (mongomock would
        # take the empty remainder for a replacement by an empty document).
        return new
    try:
        if plain:
            _set_fields(new, phase)
        else:
            _scratch._apply_update_document(new, filter_doc, phase, inserting)
    except (TypeError, KeyError, IndexError, AttributeError) as exc:
        raise CommandError(f"cannot apply the update: {exc}", 14, "TypeMismatch") from None
    new.update(copy.deepcopy(direct))
    if "_id" in doc and not _same(new.get("_id"), doc["_id"]):
        raise _immutable_id()
    _keep_longs(doc, new, update)
    return new


_SETTING = {"$set", "$setOnInsert"}


def _plain_sets(update):
    """Tell whether update only sets top-level fields by plain names ($set, $setOnInsert)."""
    return all(operator in _SETTING for operator in update) and \
        not any("." in name or "$" in name or "\0" in name for fields in update.values() for name in fields)


def _set_fields(doc, update):
    """Apply a _plain_sets update in place, as mongomock's $set does field by field."""
    for fields in update.values():
        bson.encode(fields)  # mongomock checks that each value can be stored
        for name, value in fields.items():
            doc[name] = copy.deepcopy(value) if isinstance(value, (tuple, list)) else value


def _copy_for_update(doc, update):
    """Return a copy of doc that update may change in place: only the top-level fields it names are copied deeply.

    The other fields stay the very objects of doc, which Transaction.replace relies on to
    skip the indexes whose fields an update left alone.
    """
    new = dict(doc)
    for operator, fields in update.items():
        for path in fields:
            top = path.split(".", 1)[0]
            if top in doc and new[top] is doc[top]:
                new[top] = copy.deepcopy(doc[top])
        if operator == "$rename":
            for target in fields.values():
                top = str(target).split(".", 1)[0]
                if top in doc and new[top] is doc[top]:
                    new[top] = copy.deepcopy(doc[top])
    return new


def _keep_longs(old, new, update):
    """Keep 64-bit integers 64-bit through $inc and $mul, as MongoDB does (Python's int + int is int)."""
    for operator in ("$inc", "$mul"):
        for path, operand in update.get(operator, {}).items():
            before, after = _get_path(old, path), _get_path(new, path)
            if type(after) is int and (type(before) is bson.Int64 or type(operand) is bson.Int64):
                _set_path(new, path, bson.Int64(after))


def _get_path(doc, path):
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


def _for_phase(update, inserting):
    if inserting or "$setOnInsert" not in update:
        return update
    return {op: fields for op, fields in update.items() if op != "$setOnInsert"}


def _same(a, b):
    return bson.encode({"v": a}) == bson.encode({"v": b})


def _immutable_id():
    return CommandError("Performing an update on the path '_id' would modify the immutable field '_id'", 66,
                        "ImmutableField")


def upsert_seed(filter_doc):
    """Return the document an upsert starts from: the filter's equality conditions (incl. top-level $and)."""
    seed = {}
    for key, value in _equalities(filter_doc):
        _set_path(seed, key, copy.deepcopy(value))
    return seed


def _equalities(filter_doc):
    for key, value in filter_doc.items():
        if key == "$and" and isinstance(value, list):
            for part in value:
                if isinstance(part, dict):
                    yield from _equalities(part)
        elif key.startswith("$"):
            continue
        elif isinstance(value, dict) and value and all(k.startswith("$") for k in value):
            if set(value) == {"$eq"}:
                yield key, value["$eq"]
        elif not isinstance(value, (re.Pattern, bson.regex.Regex)):
            yield key, value


def _set_path(doc, path, value):
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.setdefault(part, {})
        if not isinstance(doc, dict):
            raise CommandError(f"cannot infer an upsert document from the path {path!r}", 54, "NotSingleValueField")
    doc[parts[-1]] = value
