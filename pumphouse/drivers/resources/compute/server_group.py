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

"""compute.server_group: Nova server groups (policy and rules).

Members are not copied: the servers join their group when they are
created in the destination.
"""

from pumphouse.drivers.resources import common
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


def _fields(group) -> dict:
    return {'name': group.name,
            'policy': group.policy or (group.policies or [None])[0],
            'rules': dict(group.rules or {})}


class ServerGroupDriver(base.ResourceDriver):
    """Server groups: name, policy, rules (e.g. ``max_server_per_host``)
    and project. A group belongs to the project of the token that creates
    it, so it is created through a connection scoped to its project."""

    strategies = ('tenant', 'depend', 'all', 'used', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    quota = ('compute', 'server_groups')
    api_needs = (base.ApiNeed('destination', 'compute',
                              'a server group policy with rules',
                              microversion='2.64'),)

    @staticmethod
    def all_source(ctx) -> dict:
        """Every source server group of every project, by id."""
        return common.source_list(
            ctx, 'server_groups',
            lambda: ctx.source.compute.server_groups(all_projects=True))

    def describe_source(self, group) -> res.Resource:
        attrs = dict(_fields(group),
                     project=res.ref('identity.project', group.project_id))
        return res.Resource(self.resource_type, group.id, group.name,
                            attrs)

    def _chosen(self, ctx, selection) -> set[str]:
        strategy = selection.strategy(self)
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        if strategy not in ('all', 'tenant', 'used'):
            return set()
        groups = self.all_source(ctx)
        if strategy == 'all':
            projects = compute.source_project_ids(ctx)
            return {i for i, g in groups.items() if g.project_id in projects}
        in_scope = {i for i, g in groups.items()
                    if g.project_id in selection.scope_projects}
        if strategy == 'tenant':
            return in_scope
        # used: groups holding a server of the workload's projects.
        servers = {s.id for s in compute.servers_of_projects(
            ctx, selection.scope_projects)}
        return {i for i in in_scope
                if servers & set(groups[i].member_ids or [])}

    def expand(self, ctx, selection, graph):
        return self.fetch(ctx, {i for i in self._chosen(ctx, selection)
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        groups = self.all_source(ctx)
        return [self.describe_source(groups[i]) for i in sorted(ids)
                if i in groups]

    @staticmethod
    def _describe(group) -> dict:
        return dict(_fields(group), id=group.id, project=group.project_id)

    def get_destination(self, ctx, destination_id):
        group = common.get_or_none(ctx.destination.compute.get_server_group,
                                   destination_id)
        return self._describe(group) if group else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['project'], res.Unresolved):
            return None
        # Nova filters server groups by nothing but the token's project;
        # listed afresh every time: apply must see what it just created.
        candidates = [
            self._describe(g) for g in
            ctx.destination.compute.server_groups(all_projects=True)
            if g.project_id == attrs['project'] and g.name == attrs['name']]
        return compute.pick(candidates, attrs, self.compare)

    def create(self, ctx, resource, attrs) -> str:
        conn = scoped.destination_in(ctx, attrs['project'])
        kwargs = {'name': attrs['name'], 'policy': attrs['policy']}
        if attrs['rules']:
            kwargs['rules'] = attrs['rules']
        return conn.compute.create_server_group(**kwargs).id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.compute.delete_server_group(destination_id,
                                                    ignore_missing=True)
