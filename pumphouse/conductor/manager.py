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

"""Server side of the conductor RPC API: the endpoints, and the work this
conductor does.

Work arrives as casts (``plan_migration``, ``run_migration``,
``reassign_host``) sent to any live conductor, or is found by the take-over
(:meth:`ConductorManager.take_over`): migrations and hosts under way that
no live owner holds, and this conductor's own from before a restart. Either
way it goes to the dispatcher of its kind, which runs it on a worker
thread (so the RPC thread returns at once) inside the task manager's
``acquire``, in the context of the request that asked for it (its
request ids in the log and on every cloud request of the work).
"""

from concurrent import futures

import oslo_messaging as messaging
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conductor import cloud_check
from pumphouse.conductor import cloud_overview
from pumphouse.conductor import dispatch
from pumphouse.conductor import host_work
from pumphouse.conductor import migration_work
from pumphouse.conductor import rpcapi
from pumphouse.conductor import task_manager
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.engine import runner
from pumphouse.engine import states
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import plan_source

LOG = log.getLogger(__name__)


class ConductorManager:
    """The RPC endpoints of a conductor; see rpcapi for the history."""

    RPC_API_VERSION = rpcapi.ConductorAPI.RPC_API_VERSION

    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, name: str) -> None:
        self.name = name
        self.migrations = dispatch.Dispatcher(
            task_manager.MIGRATION, name, CONF.conductor.workers,
            migration_work.work, expected=runner.EXPECTED_ERRORS)
        self.hosts = dispatch.Dispatcher(
            task_manager.HOST, name, CONF.hosts.workers, self._host_work)

    def _host_work(self, host, owner: str, reason: str | None, **kwargs):
        return host_work.work(host, owner, reason,
                              migrations=self.migrations, **kwargs)

    def start(self) -> None:
        """Get ready for work (before the RPC server starts)."""
        described = inventory.describe_missing()
        if described:
            LOG.info('Described the driver info of %d host(s) registered '
                     'before it was kept', described)
        self.migrations.start()
        self.hosts.start()

    def begin_stop(self) -> list[futures.Future]:
        """Take no more work and tell the work under way to stop; what is
        still running (for :meth:`wait_stopped`).

        A migration finishes the items under way and starts no other (an
        item waiting to be tried again, or a server waiting for its
        source host's turn, is left pending at once); a host stops before
        its next step. They stay held by this conductor, in their state,
        as does what is still running after ``graceful_shutdown_timeout``:
        the conductor is marked offline next, so the others take it over
        (or this one once restarted).
        """
        return self.migrations.stop() + self.hosts.stop()

    def wait_stopped(self, running: list[futures.Future]) -> None:
        """Wait up to ``graceful_shutdown_timeout`` for ``running`` (from
        :meth:`begin_stop`)."""
        _done, left = futures.wait(
            running, timeout=CONF.conductor.graceful_shutdown_timeout)
        if left:
            LOG.warning('Conductor %(name)s stops with %(count)d '
                        'migration(s) or host(s) under way; the other '
                        'conductors take them over',
                        {'name': self.name, 'count': len(left)})

    @messaging.expected_exceptions(exception.CloudNotFound)
    def validate_cloud(self, context, cloud_uuid: str) -> dict:
        cloud = db_api.get_cloud(cloud_uuid)
        LOG.info('Validating cloud %(name)s (%(uuid)s)',
                 {'name': cloud.name, 'uuid': cloud.uuid})
        result = cloud_check.check(cloud)
        LOG.info('Cloud %(name)s is %(state)s%(reason)s',
                 {'name': cloud.name,
                  'state': 'valid' if result['valid'] else 'not valid',
                  'reason': '' if result['valid']
                  else f": {result['reason']}"})
        result['conductor'] = self.name
        return result

    @messaging.expected_exceptions(exception.Invalid,
                                   exception.CloudNotFound)
    def create_migration(self, context, request: dict) -> str:
        """Validate and store a migration, then plan it (1.3)."""
        migration = migration_work.create(request)
        self.migrations.submit(migration.uuid, request_context=context,
                               expected=(states.PLANNING,))
        return migration.uuid

    @messaging.expected_exceptions(exception.Conflict, exception.NotFound,
                                   exception.Invalid)
    def start_migration(self, context, migration_uuid: str, target: str,
                        override_checks: list[str] | None = None) -> None:
        """Start or plan again a migration, then work on it (1.3)."""
        migration_work.transition(migration_uuid, self.name, target,
                                  override_checks)
        self.migrations.submit(migration_uuid, request_context=context,
                               expected=(target,))

    def plan_migration(self, context, migration_uuid: str) -> None:
        """Discover and plan a migration in ``planning`` (1.1)."""
        self.migrations.submit(migration_uuid, request_context=context,
                               expected=(states.PLANNING,))

    def run_migration(self, context, migration_uuid: str) -> None:
        """Apply and verify a migration in ``running`` (1.1)."""
        self.migrations.submit(migration_uuid, request_context=context,
                               expected=(states.RUNNING,))

    @messaging.expected_exceptions(exception.Invalid, exception.NotFound,
                                   exception.Conflict)
    def register_host(self, context, body: dict) -> str:
        """Register a host, its driver info checked by its driver (1.3)."""
        return inventory.register(body).uuid

    @messaging.expected_exceptions(exception.Invalid, exception.NotFound,
                                   exception.Conflict)
    def update_host(self, context, host_uuid: str, body: dict) -> None:
        """Change a registered host's facts (1.3)."""
        inventory.update(host_uuid, body)

    @messaging.expected_exceptions(exception.Invalid, exception.NotFound,
                                   exception.Conflict)
    def set_host_target(self, context, host_uuid: str, target: str,
                        values: dict | None = None) -> None:
        """Give a host a target, then take it there (1.3)."""
        flow.request(host_uuid, target, values=values)
        self.hosts.submit(host_uuid, request_context=context)

    @messaging.expected_exceptions(exception.Invalid, exception.NotFound,
                                   exception.Conflict,
                                   exception.CloudUnreachable)
    def plan_host_evacuation(self, context, host_uuid: str,
                             target: str | None = None,
                             choices: dict | None = None,
                             to_destination: bool | None = None) -> dict:
        """A dry run of a host's evacuation plan (1.4). The API waits
        for it: a cloud that fails is reported at once, not retried."""
        host = host_api.get_host(host_uuid)
        try:
            return plan_source.make(host, choices=choices, target=target,
                                    all_to_destination=to_destination,
                                    retries=0)
        except (sdk_exc.SDKException, ksa_exc.ClientException) as e:
            cloud = next((c.name for c in db_api.list_clouds()
                          if c.id == host.source_cloud_id), 'source')
            raise exception.CloudUnreachable(cloud=cloud, reason=str(e)) \
                from None

    @messaging.expected_exceptions(exception.NotFound,
                                   exception.CloudUnreachable)
    def describe_cloud(self, context, cloud_uuid: str,
                       resource_type: str) -> list[dict]:
        """A cloud's projects or compute hosts, read now (1.5)."""
        return _read_cloud(cloud_uuid, cloud_overview.describe,
                           resource_type)

    @messaging.expected_exceptions(exception.NotFound, exception.Invalid,
                                   exception.Conflict,
                                   exception.CloudUnreachable)
    def list_project_stacks(self, context, cloud_uuid: str,
                            project: str) -> dict:
        """A project's Heat stacks, read now with a token scoped to the
        project (1.6); a temporary role given for it is taken back."""
        return _read_cloud(cloud_uuid, cloud_overview.project_stacks,
                           project)

    def reassign_host(self, context, host_uuid: str) -> None:
        """Take a host to its target (1.2)."""
        self.hosts.submit(host_uuid, request_context=context)

    def take_over(self) -> list[str]:
        """Start the migrations, then the hosts, under way that no live
        owner holds; their UUIDs."""
        return self.migrations.take_over() + self.hosts.take_over()


def _read_cloud(cloud_uuid: str, read, *args):
    """``read(cloud_uuid, *args)``; a cloud that fails to answer is
    CloudUnreachable, naming the cloud."""
    try:
        return read(cloud_uuid, *args)
    except (sdk_exc.SDKException, ksa_exc.ClientException) as e:
        cloud = db_api.get_cloud(cloud_uuid)
        raise exception.CloudUnreachable(cloud=cloud.name,
                                         reason=str(e)) from None
