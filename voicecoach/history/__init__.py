"""History that lasts: SQLite store, resume, progression across sessions."""
