"""Storage: SQLAlchemy models, Alembic migrations, the event log."""
