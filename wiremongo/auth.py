"""SCRAM-SHA-256 for TCP clients: credentials kept in the data directory, checked with scramp."""

import json
import os
import secrets

import bson

MECHANISM = "SCRAM-SHA-256"
USER = "wiremongo"
CREDENTIALS_FILE = "credentials.json"


def load_or_create_credentials(data_dir):
    """Return {"user", "password"} from the data directory, generating them (mode 0600) the first time."""
    path = data_dir / CREDENTIALS_FILE
    if not path.exists():
        text = json.dumps({"user": USER, "password": secrets.token_urlsafe(24)})
        # O_EXCL and mode 0600 at creation: the password is never readable by others, even briefly.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return json.loads(path.read_text())
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
    os.chmod(path, 0o600)
    return json.loads(path.read_text())


class Authenticator:
    """Check SCRAM-SHA-256 conversations against one user's password."""

    def __init__(self, user, password):
        # Imported here: a server without a TCP listener never needs scramp.
        from scramp import ScramException, ScramMechanism
        self._refused = (ScramException, UnicodeDecodeError)
        self._unknown = ScramException
        self.user = user
        self._mechanism = ScramMechanism(MECHANISM)
        self._auth_info = self._mechanism.make_auth_info(password)

    def _lookup(self, username):
        if username != self.user:
            raise self._unknown("unknown user")
        return self._auth_info

    def start(self, cmd):
        """Answer saslStart; return (reply, conversation or None)."""
        if cmd.get("mechanism") != MECHANISM:
            return _auth_failure(f"only {MECHANISM} is supported"), None
        server = self._mechanism.make_server(self._lookup)
        try:
            server.set_client_first(_payload(cmd))
            first = server.get_server_first()
        except self._refused:
            return _auth_failure("Authentication failed."), None
        return {"conversationId": 1, "done": False, "payload": bson.Binary(first.encode()), "ok": 1}, server

    def finish(self, server, cmd):
        """Answer saslContinue with the client's proof; return (reply, authenticated)."""
        if server is None:
            return _auth_failure("No SASL session state found"), False
        try:
            server.set_client_final(_payload(cmd))
            final = server.get_server_final()
        except self._refused:
            return _auth_failure("Authentication failed."), False
        # Done at once: drivers skip the empty third exchange when done is true (SERVER-44857).
        return {"conversationId": 1, "done": True, "payload": bson.Binary(final.encode()), "ok": 1}, True


def _payload(cmd):
    payload = cmd.get("payload", b"")
    if isinstance(payload, str):
        return payload
    return bytes(payload).decode("utf-8")


def _auth_failure(message):
    return {"ok": 0, "errmsg": message, "code": 18, "codeName": "AuthenticationFailed"}
