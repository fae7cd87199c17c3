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

"""One owner for every piece of work.

A piece of work is a migration or a host. Whoever works on one -- a
conductor, or the command line acting as its own conductor -- does so
inside :func:`acquire`, which reserves it for an :class:`Owner` under a
row lock and releases it on exit. An owner heart-beats while it lives; its
work is taken over by a conductor only once it is gone (stopped cleanly, or
its heartbeat older than ``[conductor] heartbeat_timeout``).

Owners are typed: a conductor receives work from the API over RPC; a
command-line process (kind ``command``) only holds what it started, and
the API never counts it as a conductor.

This is the only module that writes who holds a piece of work (through
:mod:`pumphouse.db.owner_api`).
"""

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator

from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.db import owner_api
from pumphouse.engine import states

LOG = log.getLogger(__name__)

MIGRATION = 'migration'
HOST = 'host'
KINDS = (MIGRATION, HOST)

CONDUCTOR = owner_api.CONDUCTOR
COMMAND = owner_api.COMMAND


class Owner:
    """A process that may hold work, registered and heart-beating between
    :meth:`start` and :meth:`stop` (or as a context manager)."""

    def __init__(self, name: str, kind: str,
                 rpc_version: str | None = None) -> None:
        self.name = name
        self.kind = kind
        #: The RPC API version a conductor serves, announced with every
        #: heartbeat.
        self.rpc_version = rpc_version
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def command(cls) -> 'Owner':
        """The owner of a command-line process (one per process)."""
        return cls(f'cli-{socket.gethostname()}-{os.getpid()}', COMMAND)

    def start(self, take_over_name: bool = False) -> None:
        """Register and heart-beat every ``[conductor]
        heartbeat_interval`` seconds.

        ``take_over_name``: register even while a live owner of that name
        is registered (a conductor restarted before its heartbeat went
        stale).
        """
        owner_api.register_owner(self.name, self.kind,
                                 update_existing=take_over_name,
                                 rpc_version=self.rpc_version)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._beat, name=f'{self.kind}-heartbeat', daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(CONF.conductor.heartbeat_interval):
            try:
                owner_api.touch_owner(self.name, self.kind,
                                      rpc_version=self.rpc_version)
            except Exception:
                # The database may be briefly away; a missed beat only
                # matters after heartbeat_timeout.
                LOG.exception('Heartbeat of %s failed', self.name)

    def stop(self) -> None:
        """Stop heart-beating and mark this owner gone."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        try:
            owner_api.unregister_owner(self.name)
        except Exception:
            LOG.exception('Could not mark %s offline', self.name)

    def __enter__(self) -> 'Owner':
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _lock(session, kind: str, ident: str):
    if kind == MIGRATION:
        return migration_api.migration_for_update(session, ident)
    if kind == HOST:
        return host_api.host_for_update(session, ident)
    raise ValueError(f'unknown kind of work {kind!r}')


def _busy(kind: str, row) -> tuple[type[exception.Conflict], dict]:
    if kind == MIGRATION:
        return exception.MigrationBusy, {'migration': row.uuid}
    return exception.HostBusy, {'host': row.name, 'target': row.target}


@db_api.retry_on_deadlock
def _reserve(kind: str, ident: str, owner: str):
    with db_api._writer() as session:
        row = _lock(session, kind, ident)
        busy, args = _busy(kind, row)
        owner_api.take(session, row, owner, busy, **args)
    return row


def reserve(kind: str, ident: str, owner: str):
    """Make ``owner`` hold a migration or a host; returns its row.

    MigrationBusy or HostBusy while another live owner holds it;
    MigrationNotFound or HostNotFound when there is no such thing. A
    command-line process of this machine that no longer runs is gone at
    once, whatever its last heartbeat says (``pumphouse resume`` right
    after a ``pumphouse migrate`` was killed).
    """
    try:
        return _reserve(kind, ident, owner)
    except (exception.MigrationBusy, exception.HostBusy) as e:
        holder = e.kwargs.get('owner')
        if not holder or not _command_gone_here(holder):
            raise
        LOG.info('%(holder)s no longer runs on this machine: it is gone',
                 {'holder': holder})
        owner_api.unregister_owner(holder)
        return _reserve(kind, ident, owner)


def _command_gone_here(name: str) -> bool:
    """Whether ``name`` is a command owner (see :meth:`Owner.command`) of
    this machine whose process no longer runs."""
    prefix = f'cli-{socket.gethostname()}-'
    if not name.startswith(prefix) or not name[len(prefix):].isdigit():
        return False
    pid = int(name[len(prefix):])
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            command_line = f.read()
    except FileNotFoundError:
        return True
    except OSError:
        return False  # cannot tell: let its heartbeat decide
    # A new process that reuses the number is not the command.
    return b'pumphouse' not in command_line


@db_api.retry_on_deadlock
def release(kind: str, ident: str, owner: str,
            unfinished: bool = True) -> None:
    """Let go of a migration or host ``owner`` holds (else nothing).

    ``unfinished``: False keeps it held while it is under way (a
    migration in an active state, a host with a target): an owner that
    stops leaves it so, for the take-over.
    """
    model = models.Migration if kind == MIGRATION else models.Host
    with db_api._writer() as session:
        query = session.query(model).filter_by(uuid=ident, owner=owner)
        if not unfinished:
            query = query.filter(
                models.Migration.state.notin_(states.ACTIVE_STATES)
                if kind == MIGRATION else models.Host.target.is_(None))
        query.update({'owner': None}, synchronize_session=False)


def holds(kind: str, ident: str, owner: str) -> bool:
    """Whether ``owner`` still holds it (it may have been taken over)."""
    if kind == MIGRATION:
        return migration_api.get_migration(ident).owner == owner
    return host_api.get_host(ident).owner == owner


@contextlib.contextmanager
def acquire(kind: str, ident: str, owner: str,
            keep: Callable[[], bool] | None = None) -> Iterator:
    """Hold a migration or a host for ``owner`` within the block.

    Yields the row as reserved. The reservation is released on exit,
    unless it was taken over meanwhile (then it is left to its new
    owner) or ``keep()`` is then true (``owner`` is stopping) and the
    work is still under way: that stays held by ``owner``, for the
    take-over once ``owner`` is gone (or restarted).
    """
    row = reserve(kind, ident, owner)
    try:
        yield row
    finally:
        try:
            release(kind, row.uuid, owner,
                    unfinished=keep is None or not keep())
        except Exception:
            # Left held by a live owner until it stops or dies; then the
            # take-over resumes it.
            LOG.exception('Could not release %(kind)s %(uuid)s',
                          {'kind': kind, 'uuid': row.uuid})


def takeable(kind: str, owner: str) -> list[tuple[str, str]]:
    """Work under way that ``owner`` (a conductor) may take over, with
    why: held by nobody, by an owner that is gone, or by ``owner`` itself
    (before it was restarted). Never work of a live owner."""
    if kind == MIGRATION:
        rows = migration_api.list_unheld_migrations(
            states.ACTIVE_STATES, or_held_by=owner)
    else:
        rows = host_api.list_unheld_hosts(or_held_by=owner)
    known = owner_api.kinds([r.owner for r in rows if r.owner])
    found = []
    for row in rows:
        if row.owner is None:
            reason = 'no conductor had it'
        elif row.owner == owner:
            reason = 'it had it before it was restarted'
        else:
            # "conductor conductor-1 ..." or "command cli-host-42 ...".
            kind = known.get(row.owner, 'owner')
            reason = f'{kind} {row.owner} stopped heart-beating'
        found.append((row.uuid, reason))
    return found
