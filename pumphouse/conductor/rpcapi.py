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

"""Client side of the conductor RPC API.

During a rolling upgrade ``[upgrade_levels] conductor`` caps the version
the API sends (:func:`version_cap`): conductors of the previous release
keep serving what they know, and a request that needs a newer call is
refused with a clear 503 until the cap is lifted.
"""

import re
from collections.abc import Mapping

import oslo_messaging as messaging
from oslo_log import log

from pumphouse.common import exception
from pumphouse.common import release_mappings
from pumphouse.common import rpc
from pumphouse.conf import CONF
from pumphouse.db import owner_api

LOG = log.getLogger(__name__)

TOPIC = 'pumphouse.conductor'
#: Seconds the API waits for a validation beyond [clouds]
#: validation_timeout: the conductor's own work and the round trip.
VALIDATION_MARGIN = 5.0

#: How oslo.messaging appends the conductor's traceback to the message of
#: an exception it re-raises here.
_REMOTE_TRACEBACK = '\nTraceback (most recent call last):'


def _without_remote_traceback(
        error: exception.PumphouseException) -> exception.PumphouseException:
    """The conductor's exception as raised there: same class, its message
    without the conductor's traceback (which must not reach a user)."""
    if not type(error).__name__.endswith('_Remote'):
        return error
    cls = type(error).__mro__[1]
    message = str(error).split(_REMOTE_TRACEBACK, 1)[0].rstrip()
    return cls(message, **dict(getattr(error, 'kwargs', {}) or {}))


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split('.')
    return int(major), int(minor)


def version_cap(level: str | None,
                live: Mapping[str, str | None] | None = None) -> str | None:
    """The highest version ``level`` (``[upgrade_levels] conductor``)
    lets the API send; None for no cap (this release's own version).

    ``level`` is a version (``1.3``), a release of
    :data:`~pumphouse.common.release_mappings.RELEASE_MAPPING` (``0.1``)
    or ``auto``: the oldest version among ``live`` (conductor name ->
    the version it announced; those that announced none are left out).
    Raises InvalidUpgradeLevel for anything else.
    """
    ours = ConductorAPI.RPC_API_VERSION
    if not level:
        return None
    if level == 'auto':
        announced = [v for v in (live or {}).values()
                     if v and re.fullmatch(r'\d+\.\d+', v)
                     and _version(v)[0] == _version(ours)[0]]
        oldest = min(announced, key=_version, default=None)
        if oldest is None or _version(oldest) >= _version(ours):
            return None
        return oldest
    cap = release_mappings.rpc_version_of(level) or level
    if (re.fullmatch(r'\d+\.\d+', cap)
            and _version(cap)[0] == _version(ours)[0]
            and _version(cap) <= _version(ours)):
        return None if cap == ours else cap
    raise exception.InvalidUpgradeLevel(
        level=level, releases=', '.join(release_mappings.RELEASE_MAPPING),
        major=_version(ours)[0], ours=ours)


def check_upgrade_levels() -> None:
    """Raise InvalidUpgradeLevel when ``[upgrade_levels] conductor``
    means nothing (at start-up, rather than at the first request)."""
    version_cap(CONF.upgrade_levels.conductor)


class ConductorAPI:
    """Client side of the conductor RPC API.

    API version history:

    | 1.0 - Initial version: validate_cloud.
    | 1.1 - Added plan_migration and run_migration (casts).
    | 1.2 - Added reassign_host (cast).
    | 1.3 - Added create_migration, start_migration, register_host,
            update_host and set_host_target (calls): the conductor validates
            with its drivers and makes every state transition, under the
            task manager.
    | 1.4 - Added plan_host_evacuation (call): a dry run of a host's
            evacuation plan, read from its source cloud.
    | 1.5 - Added describe_cloud (call): a cloud's projects or compute
            hosts, for the web UI's source browser.
    | 1.6 - Added list_project_stacks (call): one project's Heat stacks,
            for the web UI's source browser.
    """

    RPC_API_VERSION = '1.6'

    def __init__(self) -> None:
        target = messaging.Target(topic=TOPIC,
                                  version=self.RPC_API_VERSION)
        self.client = rpc.get_client(target,
                                     version_cap=self.RPC_API_VERSION)

    def _prepare(self, conductor: str | None = None, version: str = '1.0',
                 timeout: float | None = None):
        """The one place the API asks whether a conductor is alive: only
        owners of kind ``conductor`` count (a command-line process that
        heart-beats never receives work). ``timeout`` defaults to
        ``[conductor] rpc_timeout``. ``version`` is what the call needs:
        RPCVersionPinned when ``[upgrade_levels] conductor`` caps below
        it."""
        live = owner_api.live_conductor_versions()
        if not live or (conductor is not None and conductor not in live):
            raise exception.NoConductorAvailable()
        level = CONF.upgrade_levels.conductor
        cap = version_cap(level, live)
        if cap is not None and _version(version) > _version(cap):
            raise exception.RPCVersionPinned(needed=version, cap=cap,
                                             level=level)
        return self.client.prepare(
            server=conductor, version=version,
            timeout=timeout or CONF.conductor.rpc_timeout,
            version_cap=cap or self.RPC_API_VERSION)

    def _call(self, cctxt, context, method: str, *,
              timeout: float | None = None, **kwargs):
        """Call ``method``; ``timeout`` is what ``cctxt`` was prepared
        with (for the message), by default ``[conductor] rpc_timeout``."""
        try:
            return cctxt.call(context, method, **kwargs)
        except messaging.MessagingTimeout as e:
            raise exception.ConductorTimeout(
                timeout=f'{timeout or CONF.conductor.rpc_timeout:g}') from e
        except exception.PumphouseException as e:
            raise _without_remote_traceback(e) from None

    def _cast_migration(self, context, method: str,
                        migration_uuid: str) -> None:
        """Cast migration work to the topic: any live conductor takes it.

        The conductor that receives it reserves the migration, so two
        conductors never work on one. Never raises: a cast that reaches no
        conductor leaves the migration in its state with no conductor, and
        the take-over of every conductor looks for exactly those.
        """
        try:
            cctxt = self._prepare(version='1.1')
            cctxt.cast(context, method, migration_uuid=migration_uuid)
        except (exception.NoConductorAvailable,
                exception.RPCVersionPinned,
                messaging.MessagingException) as e:
            LOG.warning('%(method)s of migration %(uuid)s reached no '
                        'conductor (%(err)s); the first conductor to run '
                        'its take-over will do it',
                        {'method': method, 'uuid': migration_uuid,
                         'err': e})

    def validate_cloud(self, context, cloud_uuid: str,
                       conductor: str | None = None) -> dict:
        """Authenticate against a cloud and list its catalog's services.

        Any live conductor may answer unless ``conductor`` names one; the
        conductor takes at most ``[clouds] validation_timeout``, and is
        waited for that long and a little more.
        """
        timeout = CONF.clouds.validation_timeout + VALIDATION_MARGIN
        cctxt = self._prepare(conductor=conductor, timeout=timeout)
        return self._call(cctxt, context, 'validate_cloud', timeout=timeout,
                          cloud_uuid=cloud_uuid)

    def create_migration(self, context, request: dict) -> str:
        """Validate and store a migration, then plan it; its UUID.

        ``request``: source, destination, selection, options, project_id,
        user_id, name. Raises Invalid (and NoConductorAvailable when no
        conductor is alive: nothing is stored then).
        """
        cctxt = self._prepare(version='1.3')
        return self._call(cctxt, context, 'create_migration',
                          request=request)

    def start_migration(self, context, migration_uuid: str,
                        target: str,
                        override_checks: list[str] | None = None) -> None:
        """Start (``running``) or plan again (``planning``) a migration,
        then work on it. Raises what refuses it: InvalidStateTransition,
        PlanConflict, ChecksFailed, MigrationBusy..."""
        cctxt = self._prepare(version='1.3')
        self._call(cctxt, context, 'start_migration',
                   migration_uuid=migration_uuid, target=target,
                   override_checks=override_checks)

    def register_host(self, context, body: dict) -> str:
        """Register a host (its driver info validated by its driver); its
        UUID. Raises Invalid, InvalidHardwareInfo, HostAlreadyRegistered,
        CloudNotFound."""
        cctxt = self._prepare(version='1.3')
        return self._call(cctxt, context, 'register_host', body=body)

    def update_host(self, context, host_uuid: str, body: dict) -> None:
        """Change a registered host's facts (refused while it is worked
        on)."""
        cctxt = self._prepare(version='1.3')
        self._call(cctxt, context, 'update_host', host_uuid=host_uuid,
                   body=body)

    def set_host_target(self, context, host_uuid: str, target: str,
                        values: dict | None = None) -> None:
        """Give a host a target (with ``values`` stored alongside) and
        work on it. Raises InvalidHostTransition, HostBusy, Invalid."""
        cctxt = self._prepare(version='1.3')
        self._call(cctxt, context, 'set_host_target', host_uuid=host_uuid,
                   target=target, values=values)

    def plan_host_evacuation(self, context, host_uuid: str,
                             target: str | None = None,
                             choices: dict | None = None,
                             to_destination: bool | None = None) -> dict:
        """The evacuation plan of a host as it would be now (stored
        nowhere). Raises Invalid (a choice naming no server of the host),
        CloudUnreachable."""
        cctxt = self._prepare(version='1.4')
        return self._call(cctxt, context, 'plan_host_evacuation',
                          host_uuid=host_uuid, target=target,
                          choices=choices, to_destination=to_destination)

    def describe_cloud(self, context, cloud_uuid: str,
                       resource_type: str) -> list[dict]:
        """A registered cloud's projects (with what they hold) or compute
        hosts. Raises CloudNotFound, CloudUnreachable."""
        cctxt = self._prepare(version='1.5')
        return self._call(cctxt, context, 'describe_cloud',
                          cloud_uuid=cloud_uuid, resource_type=resource_type)

    def list_project_stacks(self, context, cloud_uuid: str,
                            project: str) -> dict:
        """The Heat stacks of a registered cloud's project (an id, or a
        name one project has): ``{'project': ..., 'stacks': [...]}``.
        Raises CloudNotFound, CloudProjectNotFound, CloudServiceMissing,
        CloudConfigError, CloudUnreachable."""
        cctxt = self._prepare(version='1.6')
        return self._call(cctxt, context, 'list_project_stacks',
                          cloud_uuid=cloud_uuid, project=project)

    def plan_migration(self, context, migration_uuid: str) -> None:
        """Discover and plan a migration in ``planning`` (cast)."""
        self._cast_migration(context, 'plan_migration', migration_uuid)

    def run_migration(self, context, migration_uuid: str) -> None:
        """Apply and verify a migration in ``running`` (cast)."""
        self._cast_migration(context, 'run_migration', migration_uuid)

    def reassign_host(self, context, host_uuid: str) -> None:
        """Take a host to its target (cast; never raises: a host nobody
        took is found by every conductor's take-over)."""
        try:
            cctxt = self._prepare(version='1.2')
            cctxt.cast(context, 'reassign_host', host_uuid=host_uuid)
        except (exception.NoConductorAvailable,
                exception.RPCVersionPinned,
                messaging.MessagingException) as e:
            LOG.warning('reassign_host of host %(uuid)s reached no '
                        'conductor (%(err)s); the first conductor to run '
                        'its take-over will do it',
                        {'uuid': host_uuid, 'err': e})
