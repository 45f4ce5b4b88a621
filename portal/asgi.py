"""The ASGI application for Hypercorn workers: configured from the environment."""

from portal.app import create_app

app = create_app()
