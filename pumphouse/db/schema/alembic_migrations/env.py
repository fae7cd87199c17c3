"""Alembic environment: runs migrations on Pumphouse's engine."""

from alembic import context

from pumphouse.db import api as db_api
from pumphouse.db import models

target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    with db_api.get_engine().begin() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
