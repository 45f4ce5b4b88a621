"""Read and write MongoDB wire-protocol messages: OP_MSG, OP_QUERY and OP_REPLY."""

import struct

import bson
from bson.codec_options import CodecOptions

OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013

MAX_MESSAGE_BYTES = 48_000_000
HEADER = struct.Struct("<iiii")

CHECKSUM_PRESENT = 1 << 0
MORE_TO_COME = 1 << 1
EXHAUST_ALLOWED = 1 << 16
# Bits 0-15 are "required": a receiver that does not know one must refuse the message.
_KNOWN_REQUIRED = CHECKSUM_PRESENT | MORE_TO_COME

# Datetimes stay naive UTC and documents plain dicts, exactly as the client sent them.
CODEC = CodecOptions(tz_aware=False)


class ProtocolError(Exception):
    """The bytes are not a message this server can read; the connection must close."""


class BadMessage(Exception):
    """The message is framed correctly but its body cannot be used; the client gets an error reply."""


class Request:
    """One client message: the command document, the database, and how to reply."""

    def __init__(self, request_id, op_code, db_name, command, more_to_come=False):
        self.request_id = request_id
        self.op_code = op_code
        self.db_name = db_name
        self.command = command
        self.more_to_come = more_to_come


def read_message(read_exactly):
    """Read one framed message with read_exactly(n); return (request_id, op_code, header, body) or None."""
    header = read_exactly(HEADER.size)
    if header is None:
        return None
    length, request_id, _response_to, op_code = HEADER.unpack(header)
    if length < HEADER.size or length > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message length {length} is outside 16..{MAX_MESSAGE_BYTES} bytes")
    body = read_exactly(length - HEADER.size) if length > HEADER.size else b""
    if body is None:
        raise ProtocolError("connection closed in the middle of a message")
    return request_id, op_code, header, body


def parse(request_id, op_code, header, body):
    """Turn a message into a Request; raise ProtocolError or BadMessage."""
    if op_code == OP_MSG:
        return _parse_msg(request_id, header, body)
    if op_code == OP_QUERY:
        return _parse_query(request_id, body)
    if op_code == OP_COMPRESSED:
        raise ProtocolError("OP_COMPRESSED is refused: this server offers no compressors")
    raise ProtocolError(f"unsupported opCode {op_code}")


def _parse_msg(request_id, header, body):
    if len(body) < 5:
        raise ProtocolError("OP_MSG too short")
    (flags,) = struct.unpack_from("<I", body)
    if flags & 0xFFFF & ~_KNOWN_REQUIRED:
        raise ProtocolError(f"OP_MSG has unknown required flag bits {flags:#x}")
    end = len(body)
    if flags & CHECKSUM_PRESENT:
        end -= 4
        (sent,) = struct.unpack_from("<I", body, end)
        if end < 5 or crc32c(header + body[:end]) != sent:
            raise ProtocolError("OP_MSG checksum does not match")
    command, sequences = _sections(body, 4, end)
    if command is None:
        raise BadMessage("OP_MSG has no body section")
    for identifier, docs in sequences:
        if identifier in command:
            raise BadMessage(f"document sequence {identifier!r} duplicates a field of the command")
        command[identifier] = docs
    db_name = command.pop("$db", None)
    if not isinstance(db_name, str) or not db_name:
        raise BadMessage("OP_MSG command has no $db")
    return Request(request_id, OP_MSG, db_name, command, bool(flags & MORE_TO_COME))


def _sections(body, pos, end):
    """Return (body document, [(identifier, documents)]) of OP_MSG sections."""
    command, sequences = None, []
    while pos < end:
        kind = body[pos]
        pos += 1
        if kind == 0:
            if command is not None:
                raise BadMessage("OP_MSG has two body sections")
            command, pos = _document(body, pos, end)
        elif kind == 1:
            sequence, pos = _sequence(body, pos, end)
            sequences.append(sequence)
        else:
            raise BadMessage(f"OP_MSG section kind {kind} is unknown")
    return command, sequences


def _document(data, pos, end):
    """Decode one BSON document at pos; return (document, position after it)."""
    if pos + 5 > end:
        raise BadMessage("truncated BSON document")
    (size,) = struct.unpack_from("<i", data, pos)
    if size < 5 or pos + size > end:
        raise BadMessage("BSON document size runs past the message")
    try:
        return bson.decode(data[pos:pos + size], CODEC), pos + size
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the client's bad input
        raise BadMessage(f"invalid BSON: {exc}") from None


def _sequence(data, pos, end):
    """Decode a kind-1 document sequence: size, identifier, documents."""
    if pos + 4 > end:
        raise BadMessage("truncated document sequence")
    (size,) = struct.unpack_from("<i", data, pos)
    stop = pos + size
    if size < 5 or stop > end:
        raise BadMessage("document sequence size runs past the message")
    nul = data.find(b"\x00", pos + 4, stop)
    if nul < 0:
        raise BadMessage("document sequence identifier is not terminated")
    identifier = data[pos + 4:nul].decode("utf-8", "replace")
    docs, pos = [], nul + 1
    while pos < stop:
        doc, pos = _document(data, pos, stop)
        docs.append(doc)
    return (identifier, docs), stop


def _parse_query(request_id, body):
    """Read a legacy OP_QUERY; only commands on <db>.$cmd are understood."""
    nul = body.find(b"\x00", 4)
    if len(body) < 4 or nul < 0:
        raise ProtocolError("OP_QUERY has no collection name")
    namespace = body[4:nul].decode("utf-8", "replace")
    query, _ = _document(body, nul + 9, len(body))
    if "$query" in query and isinstance(query["$query"], dict):
        query = query["$query"]
    db_name, _, collection = namespace.partition(".")
    if collection != "$cmd":
        raise BadMessage("OP_QUERY is supported only for commands")
    return Request(request_id, OP_QUERY, db_name, query)


def _crc32c_table():
    table = []
    for n in range(256):
        for _ in range(8):
            n = (n >> 1) ^ 0x82F63B78 if n & 1 else n >> 1
        table.append(n)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    """Return the CRC-32C (Castagnoli) of data, as OP_MSG checksums use."""
    # Pure Python: drivers send checksums only when asked to, and ours never do.
    crc = 0xFFFFFFFF
    table = _CRC32C
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def encode_reply(request, reply):
    """Return the bytes answering request with the reply document."""
    payload = bson.encode(reply, codec_options=CODEC)
    if request.op_code == OP_QUERY:
        body = struct.pack("<iqii", 0, 0, 0, 1) + payload
        op_code = OP_REPLY
    else:
        body = struct.pack("<I", 0) + b"\x00" + payload
        op_code = OP_MSG
    return HEADER.pack(HEADER.size + len(body), 0, request.request_id, op_code) + body


def encode_msg(request_id, command, flags=0, sequences=()):
    """Return an OP_MSG holding command and (identifier, documents) sequences, checksummed if asked."""
    body = struct.pack("<I", flags) + b"\x00" + bson.encode(command)
    for identifier, docs in sequences:
        payload = identifier.encode() + b"\x00" + b"".join(bson.encode(d) for d in docs)
        body += b"\x01" + struct.pack("<i", 4 + len(payload)) + payload
    length = HEADER.size + len(body) + (4 if flags & CHECKSUM_PRESENT else 0)
    message = HEADER.pack(length, request_id, 0, OP_MSG) + body
    if flags & CHECKSUM_PRESENT:
        message += struct.pack("<I", crc32c(message))
    return message
