"""Alembic environment: the engine comes from kiosk.store.migrate."""

from alembic import context

from kiosk.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # A migration that rebuilds a table (SQLite's only way to change a constraint)
    # drops the old one: with foreign keys on, that would cascade to the rows that
    # refer to it (aliases of items). The pragma only takes effect outside a
    # transaction, so it goes to the driver before the migration's BEGIN; the keys
    # are checked once everything is moved.
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    connection.commit()
    raw.execute("PRAGMA foreign_keys=ON")
