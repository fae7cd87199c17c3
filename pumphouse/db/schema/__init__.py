# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Schema migrations of Pumphouse's database (alembic); not to be
confused with the product's migrations (:mod:`pumphouse.db.migration_api`)."""

import os

import alembic
from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from pumphouse.common import exception
from pumphouse.db import api as db_api

_ALEMBIC_INI = os.path.join(os.path.dirname(__file__), 'alembic.ini')


def _config() -> alembic_config.Config:
    config = alembic_config.Config(_ALEMBIC_INI)
    config.set_main_option(
        'script_location', 'pumphouse.db.schema:alembic_migrations')
    return config


def upgrade(revision: str = 'head') -> None:
    """Upgrade the database to ``revision`` (the latest by default)."""
    config = _config()
    with db_api.get_engine().begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, revision)


def current() -> str | None:
    """The revision the database is at, or None for an empty database."""
    with db_api.get_engine().connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def head() -> str:
    """The latest revision this code knows."""
    script = alembic.script.ScriptDirectory.from_config(_config())
    return script.get_current_head()


def revision(message: str, autogenerate: bool = False) -> None:
    """Write a new revision file (``autogenerate`` diffs the models)."""
    config = _config()
    if autogenerate:
        with db_api.get_engine().begin() as connection:
            config.attributes['connection'] = connection
            alembic_command.revision(config, message, autogenerate=True)
    else:
        alembic_command.revision(config, message)


def check_current() -> None:
    """Raise DatabaseNotUpgraded unless the schema is at the head."""
    current_revision, head_revision = current(), head()
    if current_revision != head_revision:
        raise exception.DatabaseNotUpgraded(current=current_revision,
                                            head=head_revision)
