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

"""Database API of the turns of source hosts, shared by every migration.

A source hypervisor host has ``size`` turns (``[conductor]
max_servers_per_host``), numbered by slot from 0: a migration holds one
for each server of the host it moves now, whichever conductor or
command-line process runs it. The unique key of a turn (source cloud,
host, slot) is the lock: :func:`take` inserts the first free slot, and a
slot another migration holds fails that insert.

A turn is *stale* once nobody can give it back: its migration is no
longer ``running``, or (a turn with a ``holder``) the holder no longer
holds the migration or is gone (see :mod:`.owner_api`). :func:`take`
removes the host's stale turns before it tries the slots, so a crashed
conductor's turns come free once its heartbeat is stale, or sooner when
its migration is taken over or stops. A run without an owner (holder
None) loses its turns only with its migration's state.
"""

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_log import log

from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import owner_api

LOG = log.getLogger(__name__)

#: The state of a migration whose turns are held
#: (:data:`pumphouse.engine.states.RUNNING`; the database package does
#: not import the engine).
RUNNING = 'running'


def _stale(session, cloud_id: int, host: str) -> list[int]:
    """Ids of the stale turns of ``host`` of cloud ``cloud_id``."""
    turn = models.HostTurn
    migration = models.Migration
    still_held = sa.exists().where(
        migration.id == turn.migration_id,
        migration.state == RUNNING,
        sa.or_(turn.holder.is_(None), migration.owner == turn.holder))
    live = owner_api.live_names()
    query = session.query(turn.id).filter(
        turn.source_cloud_id == cloud_id, turn.host == host,
        sa.or_(~still_held,
               sa.and_(turn.holder.is_not(None), turn.holder.not_in(live))))
    return [r.id for r in query]


def _remove_stale(cloud_id: int, host: str) -> set[int]:
    """Remove the stale turns of ``host``; the slots held by the others."""
    with db_api._writer() as session:
        stale = _stale(session, cloud_id, host)
        if stale:
            session.query(models.HostTurn).filter(
                models.HostTurn.id.in_(stale)).delete(
                    synchronize_session=False)
        held = {r.slot for r in session.query(models.HostTurn.slot).filter_by(
            source_cloud_id=cloud_id, host=host)}
    if stale:
        LOG.info('Took back %(count)d stale turn(s) of source host '
                 '%(host)s', {'count': len(stale), 'host': host})
    return held


def _insert(cloud_id: int, host: str, slot: int, migration_id: int,
            holder: str | None) -> int | None:
    """The id of the turn in ``slot``, or None when it is taken."""
    row = models.HostTurn(source_cloud_id=cloud_id, host=host, slot=slot,
                          migration_id=migration_id, holder=holder)
    try:
        with db_api._writer() as session:
            session.add(row)
            session.flush()
            return row.id
    except db_exc.DBDuplicateEntry:
        return None


@db_api.retry_on_deadlock
def take(cloud_id: int, host: str, size: int, migration_id: int,
         holder: str | None) -> int | None:
    """Take a turn of source ``host`` (of cloud ``cloud_id``) for
    ``migration_id``, run by owner ``holder`` (None: a run without an
    owner).

    The host's stale turns are removed first; then the slots from 0 to
    ``size`` - 1 that were free then are tried in order (one another
    process took meanwhile fails its insert: the next is tried). Returns
    the turn's id (for :func:`give_back`), or None when every slot is
    held: the caller tries again later. Each step is a transaction of its
    own; a host whose slots are all held costs no insert.
    """
    held = _remove_stale(cloud_id, host)
    for slot in range(max(size, 1)):
        if slot in held:
            continue
        turn_id = _insert(cloud_id, host, slot, migration_id, holder)
        if turn_id is not None:
            return turn_id
    return None


@db_api.retry_on_deadlock
def give_back(turn_id: int) -> None:
    """Give back a turn :func:`take` returned (nothing if it is gone:
    taken back as stale)."""
    with db_api._writer() as session:
        session.query(models.HostTurn).filter_by(id=turn_id).delete(
            synchronize_session=False)


@db_api.retry_on_deadlock
def release_migration(migration_id: int, holder: str | None = None) -> int:
    """Give back every turn of a migration (its run ended, however);
    returns how many there were.

    ``holder``: only the turns that owner took. An owner whose migration
    was taken over ends its run after the new owner started taking turns:
    those are not its to give back.
    """
    with db_api._writer() as session:
        query = session.query(models.HostTurn).filter_by(
            migration_id=migration_id)
        if holder is not None:
            query = query.filter_by(holder=holder)
        return query.delete(synchronize_session=False)


def list_turns(cloud_id: int, host: str) -> list[models.HostTurn]:
    """The turns of a source host held now (stale ones included), by
    slot."""
    with db_api._reader() as session:
        return session.query(models.HostTurn).filter_by(
            source_cloud_id=cloud_id, host=host).order_by(
                models.HostTurn.slot).all()
