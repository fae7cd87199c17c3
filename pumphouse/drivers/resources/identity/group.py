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

"""identity.group and identity.group_membership."""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.identity import common
from pumphouse.engine import resource as res


class GroupDriver(common.IdentityDriver):
    """Groups: name, description and domain."""

    collection = 'groups'
    strategies = ('depend', 'tenant', 'all', 'specific')
    workload_strategies = {'domain': 'tenant'}

    def list_source(self, ctx):
        return ctx.source.identity.groups()

    def describe_source(self, group) -> res.Resource:
        # The description as it is: Keystone gives "" to a group created
        # without one, null only when null is asked for, and keeps both.
        attrs = {'name': group.name, 'description': group.description,
                 'domain': res.ref('identity.domain', group.domain_id)}
        return res.Resource(self.resource_type, group.id, group.name, attrs)

    def expand(self, ctx, selection, graph):
        return self.new(ctx, graph, self.chosen(
            ctx, selection, tenant=lambda groups: {
                g.id for g in groups.values()
                if g.domain_id in selection.scope_domains}))

    @staticmethod
    def _describe(group) -> dict:
        return {'id': group.id, 'name': group.name,
                'description': group.description,
                'domain': group.domain_id}

    def get_destination(self, ctx, destination_id):
        group = helpers.get_or_none(ctx.destination.identity.get_group,
                                    destination_id)
        return self._describe(group) if group else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['domain'], res.Unresolved):
            return None
        group = helpers.one_or_none(
            g for g in ctx.destination.identity.groups(
                name=attrs['name'], domain_id=attrs['domain'])
            if g.name == attrs['name'])
        return self._describe(group) if group else None

    def create(self, ctx, resource, attrs) -> str:
        return ctx.destination.identity.create_group(
            name=attrs['name'], description=attrs['description'],
            domain_id=attrs['domain']).id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.identity.delete_group(destination_id,
                                              ignore_missing=True)


class GroupMembershipDriver(common.IdentityDriver):
    """A user's membership of a group; every member of a migrated group
    moves with it (and so the member users)."""

    collection = 'group_memberships'
    strategies = ('depend',)
    renamable = False

    def _members(self, ctx, group_id: str) -> list:
        return ctx.cached(f'source:group_users:{group_id}', lambda: list(
            ctx.source.identity.group_users(group_id)))

    def list_source(self, ctx):
        return []

    def describe_source(self, membership) -> res.Resource:
        group_id, user_id = membership
        attrs = {'group': res.ref('identity.group', group_id),
                 'user': res.ref('identity.user', user_id)}
        return res.Resource(self.resource_type, f'{group_id}:{user_id}',
                            None, attrs)

    def expand(self, ctx, selection, graph):
        found = []
        for group in graph.of_type('identity.group'):
            for user in self._members(ctx, group.id):
                resource = self.describe_source((group.id, user.id))
                if resource.key not in graph:
                    found.append(resource)
        return found

    def fetch(self, ctx, ids):
        return [self.describe_source(tuple(i.split(':'))) for i in ids]

    def get_destination(self, ctx, destination_id):
        group_id, user_id = destination_id.split(':')
        identity = ctx.destination.identity
        try:
            member = identity.check_user_in_group(user_id, group_id)
        except common.sdk_exc.NotFoundException:
            member = False
        if not member:
            return None
        return {'id': destination_id, 'group': group_id, 'user': user_id}

    def find_destination(self, ctx, resource, attrs):
        if any(isinstance(v, res.Unresolved) for v in attrs.values()):
            return None
        return self.get_destination(ctx, f'{attrs["group"]}:{attrs["user"]}')

    def create(self, ctx, resource, attrs) -> str:
        ctx.destination.identity.add_user_to_group(attrs['user'],
                                                   attrs['group'])
        return f'{attrs["group"]}:{attrs["user"]}'

    def delete(self, ctx, destination_id) -> None:
        group_id, user_id = destination_id.split(':')
        try:
            ctx.destination.identity.remove_user_from_group(user_id,
                                                            group_id)
        except common.sdk_exc.NotFoundException:
            pass
