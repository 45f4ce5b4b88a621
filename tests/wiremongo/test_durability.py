"""A write the engine acknowledged survives kill -9 of its process."""

import os
import signal
import subprocess
import sys
import textwrap

from tests.wiremongo.replies import ok
from wiremongo.commands import Commands

WRITER = textwrap.dedent("""
    import sys
    from wiremongo.commands import Commands
    cmds = Commands(sys.argv[1])
    cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"n": 1}, "name": "n_1", "unique": True}]})
    n = 0
    while True:
        reply = cmds.run("t", {"insert": "c", "documents": [{"n": n + i} for i in range(50)]})
        assert reply["n"] == 50, reply
        n += 50
        print(n, flush=True)
""")


def test_it_keeps_every_acknowledged_write_through_kill_9(tmp_path):
    acknowledged = 0
    with subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True) as child:
        try:
            for line in child.stdout:
                acknowledged = int(line)
                if acknowledged >= 5_000:
                    break
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    cmds = Commands(tmp_path)
    try:
        count = ok(cmds.run("t", {"count": "c", "query": {}}))["n"]
        assert count >= acknowledged
        assert ok(cmds.run("t", {"count": "c", "query": {"n": {"$lt": acknowledged}}}))["n"] == acknowledged
    finally:
        cmds.close()
