"""Alembic environment: the engine comes from the app (see widget.db.migrate)."""

from alembic import context

from widget import models  # noqa: F401  (registers every table on Base.metadata)
from widget.db import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
