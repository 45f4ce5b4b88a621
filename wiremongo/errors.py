"""Errors a command answers with, in MongoDB's shape (code, codeName, errmsg)."""


class CommandError(Exception):
    """A command failed in a way the client sees as a server error reply."""

    def __init__(self, message, code=2, code_name="BadValue", **extra):
        super().__init__(message)
        self.code = code
        self.code_name = code_name
        self.extra = extra

    def reply(self):
        """Return the error reply document."""
        return {"ok": 0.0, "errmsg": str(self), "code": self.code, "codeName": self.code_name, **self.extra}


def not_supported(feature):
    """Return the error for a MongoDB feature wiremongo refuses rather than get wrong."""
    return CommandError(f"{feature} is not supported by wiremongo", 115, "CommandNotSupported")


def bad_value(message):
    """Return a BadValue (2) error."""
    return CommandError(message, 2, "BadValue")


def duplicate_key(ns, index_name, key_pattern, key_value):
    """Return the E11000 error MongoDB gives for a unique index violation."""
    shown = ", ".join(f"{name}: {value!r}" for name, value in key_value.items())
    return CommandError(f"E11000 duplicate key error collection: {ns} index: {index_name} dup key: {{ {shown} }}",
                        11000, "DuplicateKey", keyPattern=key_pattern, keyValue=key_value)


class DataDirError(Exception):
    """The data directory holds files wiremongo did not write, or wrote in another format."""
