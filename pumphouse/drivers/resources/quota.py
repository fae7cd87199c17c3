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

"""compute.quota, volume.quota, network.quota: per-project quotas.

One resource per project and service. Its attributes are the project's
effective limits in the source; creating it sets, in the destination,
only the limits that differ from what the destination project has (for a
new project: its defaults), so that afterwards the effective limits are
equal. Limits only one of the clouds has (an older or newer release, a
service's extension) are neither set nor compared. The drivers also
answer the quota pre-check of the plan: limits, usage and defaults of a
destination project.
"""

import abc

import tenacity
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.identity import project as project_mod
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

#: Nova's microversion for quota calls: from 2.57 the network quotas are
#: gone from the API (Neutron owns them).
COMPUTE_MICROVERSION = '2.79'
#: Cinder's keys migrated; per-volume-type keys (``volumes_<type>``)
#: depend on volume types and are left to the volume migration.
VOLUME_KEYS = ('volumes', 'gigabytes', 'snapshots', 'backups',
               'backup_gigabytes', 'per_volume_gigabytes', 'groups')

Limits = dict[str, int]


class QuotaDriver(base.ResourceDriver):
    """Quotas of one service for the workload's projects."""

    strategies = ('tenant', 'all', 'specific', 'depend')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    renamable = False
    #: ``compute``, ``volume`` or ``network``.
    service = ''

    # -- service calls ---------------------------------------------------
    @abc.abstractmethod
    def _limits(self, conn, project_id: str) -> Limits:
        """Effective limits of a project."""

    @abc.abstractmethod
    def _usage(self, conn, project_id: str) -> dict[str, tuple[int, int]]:
        """``{name: (limit, in use)}`` of a project."""

    @abc.abstractmethod
    def _defaults(self, conn, project_id: str) -> Limits:
        """The limits a project has when nothing is set for it."""

    @abc.abstractmethod
    def _set(self, conn, project_id: str, limits: Limits) -> None:
        """Set the given limits of a project."""

    @abc.abstractmethod
    def _reset(self, conn, project_id: str) -> None:
        """Remove every limit set for a project (back to defaults)."""

    # -- what the pre-checks ask -----------------------------------------
    def usage(self, ctx, project_id: str) -> dict[str, tuple[int, int]]:
        """Limits and usage of a destination project."""
        return self._usage(ctx.destination, project_id)

    def defaults(self, ctx) -> Limits:
        """The destination's default limits (for projects it lacks)."""
        return ctx.cached(f'destination:{self.service}-quota-defaults',
                          lambda: self._defaults(
                              ctx.destination,
                              ctx.destination.current_project_id))

    # -- the driver interface --------------------------------------------
    def _resource(self, ctx, project_id: str) -> res.Resource:
        limits = ctx.cached(
            f'source:{self.service}-quota:{project_id}',
            lambda: self._limits(ctx.source, project_id))
        project = project_mod.source_projects(ctx).get(project_id)
        return res.Resource(
            self.resource_type, project_id,
            project.name if project is not None else None,
            {'project': res.ref('identity.project', project_id),
             'limits': dict(sorted(limits.items()))})

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        if strategy == 'tenant':
            wanted = set(selection.scope_projects)
        elif strategy == 'all':
            wanted = {r.id for r in graph.of_type('identity.project')}
        elif strategy == 'specific':
            wanted = selection.specific_ids(self.resource_type)
        else:
            wanted = set()
        return [self._resource(ctx, project_id)
                for project_id in sorted(wanted)
                if (self.resource_type, project_id) not in graph]

    def fetch(self, ctx, ids):
        return [self._resource(ctx, project_id) for project_id in sorted(ids)]

    def _describe(self, ctx, project_id: str) -> dict:
        return {'id': project_id, 'project': project_id,
                'limits': self._limits(ctx.destination, project_id)}

    def get_destination(self, ctx, destination_id):
        # The quotas of a project the destination no longer has are gone
        # with it: Nova answers 400 ("not a valid project") for them, not
        # 404, which would fail planning a migration again.
        if common.get_or_none(ctx.destination.identity.get_project,
                              destination_id) is None:
            return None
        return common.get_or_none(lambda i: self._describe(ctx, i),
                                  destination_id)

    def find_destination(self, ctx, resource, attrs):
        project_id = attrs['project']
        if isinstance(project_id, res.Unresolved):
            return None
        current = self._describe(ctx, project_id)
        # Limits that differ are not a conflict: creating sets them.
        return current if not self.compare(attrs, current) else None

    def compare(self, expected: dict, actual: dict) -> dict:
        """Differences of the limits both clouds know.

        A limit only one of the clouds has (the source's Nova network
        quotas, a newer destination Neutron's ``router_route``) is no
        difference: there is nothing to copy it from, or to.
        """
        source, destination = shared_limits(expected.get('limits', {}),
                                            actual.get('limits', {}))
        return super().compare(dict(expected, limits=source),
                               dict(actual, limits=destination))

    def create(self, ctx, resource, attrs) -> str:
        project_id = attrs['project']
        source, current = shared_limits(
            attrs['limits'], self._limits(ctx.destination, project_id))
        # Only limits both clouds know: a destination-only one keeps the
        # destination's value, a source-only one has nowhere to go.
        changed = {k: v for k, v in source.items() if current[k] != v}
        if changed:
            self._set(ctx.destination, project_id, changed)
        return project_id

    def delete(self, ctx, destination_id) -> None:
        self._reset(ctx.destination, destination_id)


def shared_limits(source: Limits, destination: Limits
                  ) -> tuple[Limits, Limits]:
    """``source`` and ``destination`` cut down to the limits both have."""
    shared = source.keys() & destination.keys()
    return ({k: v for k, v in source.items() if k in shared},
            {k: v for k, v in destination.items() if k in shared})


def _limit_values(quota_set: dict, keys=None) -> Limits:
    return {k: v for k, v in quota_set.items()
            if isinstance(v, int) and not isinstance(v, bool)
            and (keys is None or k in keys)}


class ComputeQuotaDriver(QuotaDriver):
    """Nova quotas: instances, cores, RAM, key pairs, server groups, ..."""

    service = 'compute'
    api_needs = base.on_both('compute', 'quotas without network ones',
                             microversion=COMPUTE_MICROVERSION)

    def _get(self, conn, path: str) -> dict:
        response = conn.compute.get(path, microversion=COMPUTE_MICROVERSION)
        return common.check(response).json()['quota_set']

    def _limits(self, conn, project_id):
        return _limit_values(self._get(conn, f'/os-quota-sets/{project_id}'))

    def _usage(self, conn, project_id):
        detail = self._get(conn, f'/os-quota-sets/{project_id}/detail')
        return {k: (v['limit'], v['in_use']) for k, v in detail.items()
                if isinstance(v, dict)}

    def _defaults(self, conn, project_id):
        return _limit_values(self._get(
            conn, f'/os-quota-sets/{project_id}/defaults'))

    def _set(self, conn, project_id, limits):
        common.check(conn.compute.put(
            f'/os-quota-sets/{project_id}', json={'quota_set': limits},
            microversion=COMPUTE_MICROVERSION))

    def _reset(self, conn, project_id):
        response = conn.compute.delete(f'/os-quota-sets/{project_id}',
                                       microversion=COMPUTE_MICROVERSION)
        common.exists(response)


class VolumeQuotaDriver(QuotaDriver):
    """Cinder quotas: volumes, gigabytes, snapshots, backups, ..."""

    service = 'volume'

    def _get(self, conn, path: str) -> dict:
        return common.check(conn.block_storage.get(path)).json()['quota_set']

    def _limits(self, conn, project_id):
        return _limit_values(self._get(conn, f'/os-quota-sets/{project_id}'),
                             VOLUME_KEYS)

    def _usage(self, conn, project_id):
        detail = self._get(conn, f'/os-quota-sets/{project_id}?usage=True')
        return {k: (v['limit'], v['in_use']) for k, v in detail.items()
                if isinstance(v, dict) and k in VOLUME_KEYS}

    def _defaults(self, conn, project_id):
        return _limit_values(self._get(
            conn, f'/os-quota-sets/{project_id}/defaults'), VOLUME_KEYS)

    def _set(self, conn, project_id, limits):
        common.check(conn.block_storage.put(
            f'/os-quota-sets/{project_id}', json={'quota_set': limits}))

    def _reset(self, conn, project_id):
        common.exists(conn.block_storage.delete(
            f'/os-quota-sets/{project_id}'))


#: Neutron was seen answering 403 to the admin's quota calls for a
#: project Keystone created a second earlier, and 200 a moment later:
#: such a refusal is retried for a few seconds before it counts.
_NEW_PROJECT_RETRY = tenacity.retry(
    retry=tenacity.retry_if_exception_type(sdk_exc.ForbiddenException),
    stop=tenacity.stop_after_delay(15),
    wait=tenacity.wait_exponential(multiplier=0.5, max=4), reraise=True)


class NetworkQuotaDriver(QuotaDriver):
    """Neutron quotas: networks, subnets, ports, routers, floating IPs,
    security groups and rules, ..."""

    service = 'network'
    api_needs = base.on_both('network', 'quotas in use', extension='quotas')

    @_NEW_PROJECT_RETRY
    def _get(self, conn, path: str) -> dict:
        return common.check(conn.network.get(path)).json()['quota']

    def _limits(self, conn, project_id):
        return _limit_values(self._get(conn, f'/quotas/{project_id}'))

    def _usage(self, conn, project_id):
        detail = self._get(conn, f'/quotas/{project_id}/details')
        return {k: (v['limit'], v['used']) for k, v in detail.items()
                if isinstance(v, dict)}

    def _defaults(self, conn, project_id):
        return _limit_values(self._get(conn,
                                       f'/quotas/{project_id}/default'))

    @_NEW_PROJECT_RETRY
    def _set(self, conn, project_id, limits):
        common.check(conn.network.put(f'/quotas/{project_id}',
                                      json={'quota': limits}))

    def _reset(self, conn, project_id):
        common.exists(conn.network.delete(f'/quotas/{project_id}'))
