"""The embedded server as it was before wiremongo (mockupdb front, litemongo store), kept as the benchmark's baseline.

A copy of core/store/embedded.py, commands.py and cursors.py as they stood on main; it needs
the `bench` extra (`pip install -e '.[bench]'`). Run it with `python -m bench.baseline`.
"""
