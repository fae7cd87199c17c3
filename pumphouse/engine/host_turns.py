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

"""The turn of a source host: how many of its servers are moved at once,
by every migration of the deployment.

A server holds its source host's turn while it is suspended and its copy
boots (:mod:`pumphouse.drivers.resources.compute.server_path`). The turn
is taken in two steps: first the run's own semaphore of the host (the
threads of one run queue in the process, not in the database), then one
of the host's turns in the database (:mod:`pumphouse.db.host_turn_api`),
shared with the other migrations whichever conductor runs them. The
database is polled until a turn comes free, every
:data:`POLL_INTERVAL` seconds at first, then less and less often up to
:data:`POLL_MAX_INTERVAL`. Both waits are waits of the item, not its work
(:meth:`pumphouse.engine.context.EngineContext.waited`). A run told to
stop takes no turn: the server waiting for one raises
:class:`~pumphouse.common.exception.WaitStopped` before its next try
(it has changed nothing yet), and is left pending. The turn is given
back when the block ends, however it ends; the runner gives back
whatever a run still holds when it ends (:func:`release`).
"""

import contextlib
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator

from oslo_log import log

from pumphouse.common import exception
from pumphouse.db import host_turn_api

LOG = log.getLogger(__name__)

#: Seconds between two tries at a host's turn in the database, at first.
POLL_INTERVAL = 0.5
#: ... growing by :data:`POLL_BACKOFF` each try, up to this.
POLL_MAX_INTERVAL = 2.0
POLL_BACKOFF = 1.5

#: The pause between two tries (tests replace it).
_sleep = time.sleep


@contextlib.contextmanager
def turn(semaphore: threading.Semaphore, on_wait: Callable[[float], None],
         cloud_id: int, host: str, size: int, migration_id: int | None,
         holder: str | None,
         should_stop: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Hold a turn of source ``host`` (of cloud ``cloud_id``) within the
    block.

    ``semaphore``: the run's own semaphore of the host (its waits are
    counted by the semaphore itself); ``on_wait(seconds)`` is told how
    long the database's turn was waited for. ``migration_id`` and
    ``holder`` (the owner running it, None for a run without an owner)
    are recorded with the turn. A run without a migration (None), or a
    server whose host is not known (``host`` empty), holds the run's
    semaphore only: an unknown host is not one host shared by every
    migration. Once ``should_stop()`` says the run stops, no turn is
    taken: :class:`~pumphouse.common.exception.WaitStopped`.
    """
    with semaphore:
        if migration_id is None or not host:
            yield
            return
        turn_id = _wait(on_wait, cloud_id, host, size, migration_id, holder,
                        should_stop)
        try:
            yield
        finally:
            _give_back(turn_id, host)


def _wait(on_wait: Callable[[float], None], cloud_id: int, host: str,
          size: int, migration_id: int, holder: str | None,
          should_stop: Callable[[], bool]) -> int:
    """Take a turn of ``host`` in the database, polling until one is
    free; its id. The time it took is told to ``on_wait``. Asks
    ``should_stop()`` before each try."""
    began = time.monotonic()
    interval = POLL_INTERVAL
    try:
        while True:
            if should_stop():
                raise exception.WaitStopped(
                    what='a server', turn=f'a turn of source host {host}')
            turn_id = host_turn_api.take(cloud_id, host, size,
                                         migration_id, holder)
            if turn_id is not None:
                return turn_id
            _sleep(interval)
            interval = min(interval * POLL_BACKOFF, POLL_MAX_INTERVAL)
    finally:
        on_wait(time.monotonic() - began)


def _give_back(turn_id: int, host: str) -> None:
    """Give back a turn; a failure is logged, not raised: the turn goes
    back when the run ends (:func:`release`) or once it is stale."""
    try:
        host_turn_api.give_back(turn_id)
    except Exception:  # noqa: BLE001 - freed later by release or staleness
        LOG.warning('Could not give back turn %(turn)s of source host '
                    '%(host)s', {'turn': turn_id, 'host': host},
                    exc_info=True)


def release(migration_id: int, holder: str | None) -> None:
    """Give back every turn the migration still holds by ``holder`` (the
    owner whose run ended; None: a run without an owner, every turn of
    the migration). A failure is logged: the turns are stale once the
    migration no longer runs or ``holder`` is gone."""
    try:
        count = host_turn_api.release_migration(migration_id, holder)
    except Exception:  # noqa: BLE001 - stale once the run is over
        LOG.warning('Could not give back the source host turns of '
                    'migration %s', migration_id, exc_info=True)
        return
    if count:
        LOG.info('Gave back %(count)d source host turn(s) of migration '
                 '%(id)s at the end of its run',
                 {'count': count, 'id': migration_id})
