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
confused with the product's migrations (:mod:`pumphouse.db.migration_api`).

Revisions are numbered one after the other (``0001``, ``0002``...), each
the next of the one before, never branching: a unit test holds them to
it. So code that does not know a database's revision still tells how far
ahead it is, and a rolling upgrade works: the database is upgraded first,
while the services of the previous release still run, on a database one
revision ahead of their code (:func:`check_compatible`). A revision must
let the code of the revision before it run: it adds (nullable columns,
or with a server default; tables; indexes) and removes only what that
code no longer uses.
"""

import os
import re

import alembic
from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from oslo_log import log

from pumphouse.common import exception
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)

#: How many revisions ahead of its code a service still starts on.
TOLERATED_AHEAD = 1

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


def is_known(revision_id: str) -> bool:
    """Whether this code has the revision (False for one made by a newer
    release)."""
    script = alembic.script.ScriptDirectory.from_config(_config())
    try:
        return script.get_revision(revision_id) is not None
    except alembic.util.CommandError:
        return False


def next_revision_id() -> str:
    """The number of the next revision (``0008`` after ``0007``)."""
    return f'{int(head()) + 1:04d}'


def revision(message: str, autogenerate: bool = False) -> None:
    """Write a new revision file (``autogenerate`` diffs the models),
    numbered after the head."""
    config = _config()
    rev_id = next_revision_id()
    if autogenerate:
        with db_api.get_engine().begin() as connection:
            config.attributes['connection'] = connection
            alembic_command.revision(config, message, autogenerate=True,
                                     rev_id=rev_id)
    else:
        alembic_command.revision(config, message, rev_id=rev_id)


def revisions_ahead(revision_id: str, head_id: str | None = None
                    ) -> int | None:
    """How many revisions ``revision_id``, which this code does not know,
    is past the head; None when it is not a revision number."""
    head_id = head_id or head()
    if not re.fullmatch(r'[0-9]{4,}', revision_id or ''):
        return None
    ahead = int(revision_id) - int(head_id)
    return ahead if ahead > 0 else None


def check_compatible(
        error: type[exception.DatabaseNotUpgraded] = (
            exception.DatabaseNotUpgraded)) -> str | None:
    """What a service checks at start: raise unless this code runs on
    the database.

    At the head: fine. Behind, or empty: ``error``. One revision ahead
    (the database upgraded for the next release, during a rolling
    upgrade): logs and returns a warning, and the service starts.
    Further ahead, or at a revision that is no number: DatabaseTooNew.
    """
    current_revision, head_revision = current(), head()
    if current_revision == head_revision:
        return None
    if current_revision is None or is_known(current_revision):
        raise error(current=current_revision or 'none (it is empty)',
                    head=head_revision)
    ahead = revisions_ahead(current_revision, head_revision)
    if ahead is None:
        raise exception.DatabaseTooNew(
            current=current_revision, head=head_revision,
            how='this release does not know')
    if ahead > TOLERATED_AHEAD:
        raise exception.DatabaseTooNew(
            current=current_revision, head=head_revision,
            how=f'is {ahead} revisions newer than this code')
    warning = (f'The database is at revision {current_revision}, one '
               f'newer than this code ({head_revision}): a newer release '
               'upgraded it. That is expected during a rolling upgrade; '
               'upgrade this service too.')
    LOG.warning('%s', warning)
    return warning


def check_current(
        error: type[exception.DatabaseNotUpgraded] = (
            exception.DatabaseNotUpgraded)) -> None:
    """Raise ``error`` unless the schema is at the head."""
    current_revision, head_revision = current(), head()
    if current_revision != head_revision:
        raise error(current=current_revision or 'none (it is empty)',
                    head=head_revision)


def upgrade_if_embedded(embedded: bool) -> None:
    """What the ``pumphouse`` command does with its database.

    An ``embedded`` one (the SQLite file of its state directory) is
    upgraded to the latest revision (unless a newer release already took
    it further: then it is checked as a service's is); a configured one
    is only checked: ``pumphouse-dbsync upgrade`` upgrades a deployment's
    database, when its operator decides (ConfiguredDatabaseNotUpgraded
    otherwise).
    """
    if embedded:
        current_revision = current()
        if current_revision is None or is_known(current_revision):
            upgrade()
            return
        check_compatible()
    else:
        check_compatible(exception.ConfiguredDatabaseNotUpgraded)
