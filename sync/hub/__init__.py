"""The reference city platform server: FastAPI + SQLAlchemy on PostgreSQL (or SQLite).

See docs/sync-protocol.md for the protocol it speaks.
"""
