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

"""compute.flavor: Nova flavors with extra specs and project access.

Strategies: ``tenant`` (the default of project and domain workloads: the
flavors the workload's servers use, and the private flavors whose access
list holds a project of the workload, used or not), ``used`` (only the
flavors of the servers), ``public``, ``all``, ``specific`` and
``depend``.

A private flavor's access list names projects by optional references: a
project outside the migration is not taken in for it, and the planner
leaves it out of the destination's list with a warning
(:func:`pumphouse.engine.planner.settle`).
"""

import functools

from oslo_log import log

from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)


def _access(conn, flavor) -> list[str]:
    """Project ids with access to a private flavor (one request)."""
    if flavor.is_public:
        return []
    return sorted(a['tenant_id']
                  for a in conn.compute.get_flavor_access(flavor.id))


def _source_access(ctx, flavor) -> list[str]:
    """:func:`_access` in the source, where a flavor listed a moment ago
    may be deleted by the time its access is read (the cloud is in use):
    gone, it has no access, and planning goes on."""
    access = common.get_or_none(functools.partial(_access, ctx.source),
                                flavor)
    if access is None:
        LOG.info('Flavor %(name)s (%(id)s) was deleted from the source '
                 'while it was read; no project has access to it',
                 {'name': flavor.name, 'id': flavor.id})
        return []
    return access


def _fields(flavor) -> dict:
    """Everything but access, the same for source and destination."""
    return {'name': flavor.name,
            # As it is: null when never given (microversion 2.55 and
            # later), or "" (Nova keeps it).
            'description': flavor.description,
            'vcpus': int(flavor.vcpus or 0),
            'ram': int(flavor.ram or 0),
            'disk': int(flavor.disk or 0),
            'ephemeral': int(flavor.ephemeral or 0),
            'swap': int(flavor.swap or 0),
            'rxtx_factor': float(flavor.rxtx_factor or 1.0),
            'public': bool(flavor.is_public),
            'extra_specs': dict(flavor.extra_specs or {})}


class FlavorDriver(base.ResourceDriver):
    """Flavors: sizes, RX/TX factor, description, extra specs, public or
    private with the projects that have access.

    A flavor is the destination flavor of the same name; different
    content is a conflict. The source id is kept when the destination does
    not use it, otherwise Nova picks one.
    """

    strategies = ('tenant', 'depend', 'all', 'public', 'used', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    api_needs = (
        base.ApiNeed('source', 'compute', 'flavor extra specs in the list',
                     microversion='2.61'),
        base.ApiNeed('destination', 'compute', 'flavor descriptions',
                     microversion='2.55'))

    @staticmethod
    def source_access(ctx, flavor) -> list[str]:
        """Ids of the existing source projects with access to ``flavor``
        (none for a public one); one request per private flavor and run.
        """
        access = ctx.cached(f'source:flavor_access:{flavor.id}',
                            lambda: _source_access(ctx, flavor))
        # Access of deleted projects stays in Nova; it goes no further.
        return sorted(set(access) & compute.source_project_ids(ctx)) \
            if access else []

    def describe_source(self, ctx, flavor) -> res.Resource:
        access = self.source_access(ctx, flavor)
        projects = compute.source_projects(ctx) if access else {}
        attrs = dict(_fields(flavor), access=[
            res.optional_ref('identity.project', p,
                             getattr(projects.get(p), 'name', None))
            for p in access])
        return res.Resource(self.resource_type, flavor.id, flavor.name,
                            attrs)

    def _chosen(self, ctx, selection) -> set[str]:
        strategy = selection.strategy(self)
        flavors = compute.source_flavors(ctx)
        if strategy == 'all':
            return set(flavors)
        if strategy == 'public':
            return {i for i, f in flavors.items() if f.is_public}
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        if strategy not in ('used', 'tenant'):
            return set()
        servers = compute.servers_of_projects(ctx, selection.scope_projects)
        chosen = {compute.server_flavor_id(s, flavors)
                  for s in servers} - {None}
        if strategy == 'tenant' and selection.scope_projects:
            # A private flavor a project of the workload may use belongs
            # to it, whether a server uses it or not.
            chosen |= {i for i, f in flavors.items() if not f.is_public
                       and selection.scope_projects
                       & set(self.source_access(ctx, f))}
        return chosen

    def expand(self, ctx, selection, graph):
        chosen = {i for i in self._chosen(ctx, selection)
                  if (self.resource_type, i) not in graph}
        return self.fetch(ctx, chosen) if chosen else []

    def fetch(self, ctx, ids):
        flavors = compute.source_flavors(ctx)
        return [self.describe_source(ctx, flavors[i]) for i in sorted(ids)
                if i in flavors]

    def _describe(self, ctx, flavor) -> dict:
        return dict(_fields(flavor), id=flavor.id,
                    access=_access(ctx.destination, flavor))

    def get_destination(self, ctx, destination_id):
        flavor = common.get_or_none(ctx.destination.compute.get_flavor,
                                    destination_id)
        return self._describe(ctx, flavor) if flavor else None

    def find_destination(self, ctx, resource, attrs):
        # Listed afresh every time: apply must see what it just created.
        flavor = common.one_or_none(
            f for f in ctx.destination.compute.flavors(is_public=None)
            if f.name == attrs['name'])
        return self._describe(ctx, flavor) if flavor else None

    def create(self, ctx, resource, attrs) -> str:
        compute_api = ctx.destination.compute
        kwargs = {'name': attrs['name'], 'vcpus': attrs['vcpus'],
                  'ram': attrs['ram'], 'disk': attrs['disk'],
                  'ephemeral': attrs['ephemeral'], 'swap': attrs['swap'],
                  'rxtx_factor': attrs['rxtx_factor'],
                  'is_public': attrs['public']}
        if attrs['description'] is not None:  # "" is kept
            kwargs['description'] = attrs['description']
        if common.get_or_none(compute_api.get_flavor, resource.id) is None:
            kwargs['id'] = resource.id
        flavor = compute_api.create_flavor(**kwargs)
        try:
            if attrs['extra_specs']:
                compute_api.create_flavor_extra_specs(flavor.id,
                                                      attrs['extra_specs'])
            if not attrs['public']:
                for project_id in attrs['access']:
                    compute_api.flavor_add_tenant_access(flavor.id,
                                                         project_id)
        except Exception:
            # Half a flavor would block the next attempt by its name.
            self.delete(ctx, flavor.id)
            raise
        return flavor.id

    def complete(self, ctx, resource, attrs, existing, differences):
        """Add the extra specs and access an interrupted create did not."""
        if not set(differences) <= {'extra_specs', 'access'}:
            return None
        compute_api = ctx.destination.compute
        missing = {k: v for k, v in attrs['extra_specs'].items()
                   if existing['extra_specs'].get(k) != v}
        if missing:
            compute_api.create_flavor_extra_specs(existing['id'], missing)
        if not attrs['public']:
            for project_id in set(attrs['access']) - set(existing['access']):
                compute_api.flavor_add_tenant_access(existing['id'],
                                                     project_id)
        return existing['id']

    def after_create(self, ctx, resource, destination_id, created) -> None:
        """A reused private flavor gets access for the migrated projects
        it lacks: a flavor an earlier migration made for one project,
        reused by the migration of another that may use it."""
        if created or resource.attrs.get('public', True):
            return
        wanted = {p for p in ctx.translate(resource.attrs)['access']
                  if p and not isinstance(p, res.Unresolved)}
        if not wanted:
            return
        compute_api = ctx.destination.compute
        flavor = common.get_or_none(compute_api.get_flavor, destination_id)
        if flavor is None or flavor.is_public:
            return
        for project_id in sorted(wanted - set(_access(ctx.destination,
                                                      flavor))):
            compute_api.flavor_add_tenant_access(destination_id, project_id)

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.compute.delete_flavor(destination_id,
                                              ignore_missing=True)
