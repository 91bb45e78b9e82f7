"""Alembic environment of the platform database: the engine comes from sync.hub.db."""

from alembic import context

from sync.hub.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
