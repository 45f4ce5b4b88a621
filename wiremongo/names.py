"""Database and collection names checked as MongoDB checks them; never used as paths."""

from wiremongo.errors import CommandError

_DB_FORBIDDEN = set('/\\. "$*<>:|?\x00')
MAX_DB_NAME = 63
MAX_NAMESPACE = 255


def _invalid(message):
    return CommandError(message, 73, "InvalidNamespace")


def check_db_name(name):
    """Refuse a database name MongoDB would refuse (and anything path-like)."""
    if not isinstance(name, str) or not name:
        raise _invalid("database name must be a non-empty string")
    if len(name.encode("utf-8")) > MAX_DB_NAME:
        raise _invalid(f"db name is too long: {name[:80]!r}")
    if _DB_FORBIDDEN & set(name):
        raise _invalid(f"Invalid database name: {name!r}")
    return name


def check_collection_name(db_name, name):
    """Refuse a collection name MongoDB would refuse; '/' and '\\' too, to be safe."""
    if not isinstance(name, str):
        raise _invalid(f"collection name has invalid type {type(name).__name__}")
    if not name or "\x00" in name or "$" in name or name.startswith(".") or name.startswith("system."):
        raise _invalid(f"Invalid collection name: {name!r}")
    if "/" in name or "\\" in name:
        raise _invalid(f"Invalid collection name (no '/' or '\\\\' in wiremongo): {name!r}")
    if len(f"{db_name}.{name}".encode("utf-8")) > MAX_NAMESPACE:
        raise _invalid(f"Fully qualified namespace is too long: {db_name}.{name[:80]}")
    return name


def db_file_name(name):
    """Return the file name that stores a database: its UTF-8 name in hex, never the name itself."""
    return "d_" + name.encode("utf-8").hex() + ".sqlite"


def db_name_of_file(file_name):
    """Return the database name a file stores, or None if it is not a database file."""
    if not (file_name.startswith("d_") and file_name.endswith(".sqlite")):
        return None
    try:
        return bytes.fromhex(file_name[2:-len(".sqlite")]).decode("utf-8")
    except ValueError:
        return None
