"""The ASGI application for `liftwatch serve` (Uvicorn) and its workers: configured from the environment."""

import gc

from portal.app import create_app

app = create_app()

# What is loaded by now lives as long as the worker: keep it out of the collector's scans,
# and collect less often (measured in bench/portal.py: about +20% pages per second).
gc.freeze()
gc.set_threshold(20_000, 50, 100)
