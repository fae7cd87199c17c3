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

"""Connections scoped to one project of a cloud.

Some resources belong to the project of the token that creates them
(server groups, servers): an admin token scoped to its own project cannot
make them for another project. The cloud's user is given a role on the
destination project for the duration of the run and a connection scoped to
that project is used; grants Pumphouse added are removed by
:meth:`ProjectAccess.release`, which the engine calls when the run ends
(the access is borrowed from the run's context:
:meth:`EngineContext.borrowed`).

The source is read through such a connection only where its API lists
nothing across projects (Heat's stacks): any role the user has on the
project will do; else it is given ``[identity] source_project_role``
(``reader``), which goes when the planning ends.
"""

import threading

from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: The name the access is borrowed under for a run.
BORROWED = 'destination:project-access'
#: The same for the source.
SOURCE_BORROWED = 'source:project-access'


def access(ctx) -> 'ProjectAccess':
    """The run's project access to the destination."""
    return ctx.borrowed(BORROWED, lambda: ProjectAccess(
        ctx.destination, CONF.identity.destination_project_role),
        ProjectAccess.release)


def destination_in(ctx, project_id: str):
    """A destination connection scoped to ``project_id`` for the run."""
    return access(ctx).connection(project_id)


def source_in(ctx, project_id: str):
    """A source connection scoped to ``project_id``, for reading."""
    return ctx.borrowed(SOURCE_BORROWED, lambda: ProjectAccess(
        ctx.source, CONF.identity.source_project_role, side='source'),
        ProjectAccess.release).connection(project_id)


def keep_grant(ctx, project_id: str, user_id: str, role_id: str) -> None:
    """A role grant the migration made its own: never released."""
    access(ctx).keep(project_id, user_id, role_id)


class ProjectAccess:
    """Project-scoped connections made from one admin connection."""

    def __init__(self, connection, role_name: str,
                 side: str = 'destination') -> None:
        self._conn = connection
        self._role_name = role_name
        self._side = side
        self._lock = threading.Lock()
        self._connections: dict[str, object] = {}
        self._granted: list[tuple[str, str, str]] = []
        self._kept: set[tuple[str, str, str]] = set()

    def connection(self, project_id: str):
        """A connection whose token is scoped to ``project_id``."""
        with self._lock:
            found = self._connections.get(project_id)
            if found is not None:
                return found
            self._ensure_role(project_id)
            try:
                scoped = self._conn.connect_as(project_id=project_id)
            except Exception as e:
                raise exception.CloudConfigError(
                    reason=f'cannot scope a {self._side} connection to '
                           f'project {project_id}: {e}') from e
            self._connections[project_id] = scoped
            return scoped

    def _ensure_role(self, project_id: str) -> None:
        identity = self._conn.identity
        user_id = self._conn.current_user_id
        role = identity.find_role(self._role_name, ignore_missing=True)
        if role is None:
            raise exception.CloudConfigError(
                reason=f'the {self._side} has no role {self._role_name!r} '
                       f'([identity] {self._side}_project_role)')
        # Reading takes any role on the project; creating, the one asked.
        wanted = {} if self._side == 'source' else {'role_id': role.id}
        held = list(identity.role_assignments(
            user_id=user_id, scope_project_id=project_id, **wanted))
        if held:
            return
        identity.assign_project_role_to_user(project_id, user_id, role.id)
        self._granted.append((project_id, user_id, role.id))
        LOG.info('Gave the %(side)s user role %(role)s on project '
                 '%(project)s for this run',
                 {'side': self._side, 'role': self._role_name,
                  'project': project_id})

    def keep(self, project_id: str, user_id: str, role_id: str) -> None:
        """Do not remove this grant: it is also a migrated assignment."""
        with self._lock:
            self._kept.add((project_id, user_id, role_id))

    def release(self) -> None:
        """Remove the role grants this object added and nobody kept."""
        with self._lock:
            granted = [g for g in self._granted if g not in self._kept]
            self._granted = []
            self._connections.clear()
        for project_id, user_id, role_id in granted:
            try:
                self._conn.identity.unassign_project_role_from_user(
                    project_id, user_id, role_id)
            except Exception:
                LOG.warning('Could not remove the temporary role of the '
                            '%s user on project %s', self._side, project_id,
                            exc_info=True)
