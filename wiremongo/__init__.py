"""wiremongo: a small MongoDB-compatible database over SQLite, spoken to through the wire protocol."""
