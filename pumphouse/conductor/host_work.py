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

"""What a held host needs next: the work function of the host dispatcher,
for conductors and the command line alike.

It runs inside :func:`pumphouse.conductor.task_manager.acquire`; the host
flow stops between steps should the host be taken over meanwhile, or its
owner stop.
"""

import threading
import time
from collections.abc import Callable

from oslo_log import log

from pumphouse.common import exception
from pumphouse.conductor import dispatch
from pumphouse.conductor import task_manager
from pumphouse.conf import CONF
from pumphouse.db import migration_api
from pumphouse.engine import states
from pumphouse.hosts import context as host_context
from pumphouse.hosts import flow

LOG = log.getLogger(__name__)


def work(host, owner: str, reason: str | None = None,
         emit: host_context.Emit = None,
         migrations: dispatch.Dispatcher | None = None,
         target: str | None = None, values: dict | None = None,
         stopping: threading.Event | None = None):
    """Take a held host to its target; returns it.

    ``target`` (with ``values`` to store with it) gives the host a new
    target first, checked as :func:`pumphouse.hosts.flow.request` does.
    ``migrations``: the migration dispatcher of the same owner, through
    which a migration the host's steps create (its servers moving to the
    destination) is driven to its end. ``stopping``: set when the owner
    stops; the host is then left before its next step (a step running a
    migration as soon as the migration stops between items), its target
    kept, for the take-over. Raises HostStepFailed when a step fails
    (recorded on the host first).
    """
    if target is not None:
        host = flow.request(host.uuid, target, owner=owner, values=values)
    if host.target is None:
        return host
    if reason:
        LOG.info('%(owner)s takes over host %(host)s on its way to '
                 '%(target)s: %(reason)s',
                 {'owner': owner, 'host': host.name, 'target': host.target,
                  'reason': reason})

    def should_stop() -> bool:
        return (stopping is not None and stopping.is_set()) or \
            not task_manager.holds(task_manager.HOST, host.uuid, owner)

    return flow.run(host.uuid, conductor=owner, emit=emit,
                    should_stop=should_stop,
                    run_migration=None if migrations is None else
                    migration_runner(migrations, should_stop))


def migration_runner(dispatcher, should_stop: Callable[[], bool]
                     ) -> Callable[[str], object]:
    """``run_migration`` for host steps: drives a migration to its end
    through ``dispatcher`` (the migration dispatcher of the host's owner),
    waiting while it is under way elsewhere (a take-over of it by the same
    conductor, or an owner not yet known to be gone).

    Once ``should_stop`` says so (the owner stopping, the host taken
    over), a migration left under way interrupts the step
    (:class:`pumphouse.hosts.flow.Interrupted`): the take-over runs it
    again, and the migration on."""
    def run(uuid: str):
        while True:
            try:
                done = dispatcher.run_here(uuid, start=True)
            except (exception.MigrationBusy, dispatch.AlreadyUnderWay) as e:
                if should_stop():
                    raise flow.Interrupted(
                        f'migration {uuid} is under way elsewhere') from e
                LOG.info('Waiting for migration %(uuid)s: %(err)s',
                         {'uuid': uuid, 'err': e})
                time.sleep(CONF.conductor.heartbeat_interval)
                continue
            state = migration_api.get_migration(uuid).state
            if state in states.ACTIVE_STATES and should_stop():
                raise flow.Interrupted(f'migration {uuid} is left {state}')
            return done
    return run
