"""Helpers that read engine replies."""


def ok(reply):
    """Return a reply after checking it succeeded."""
    assert reply.get("ok") == 1.0, reply
    return reply


def find(cmds, db, command):
    """Run a find (or aggregate) and return every document, following getMore."""
    reply = ok(cmds.run(db, command))
    cursor = reply["cursor"]
    docs = list(cursor["firstBatch"])
    while cursor["id"]:
        cursor = ok(cmds.run(db, {"getMore": cursor["id"], "collection": cursor["ns"].split(".", 1)[1]}))["cursor"]
        docs += cursor["nextBatch"]
    return docs
