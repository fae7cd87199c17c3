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

"""identity.role and identity.role_inference: roles and implied roles."""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.identity import common
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


class RoleDriver(common.IdentityDriver):
    """Roles, global or domain-specific. By default only the roles the
    workload's assignments use (and the roles those imply) move; a domain
    workload also takes its domains' own roles, used or not (they belong
    to the domain as its projects do)."""

    collection = 'roles'
    strategies = ('depend', 'tenant', 'all', 'specific')
    workload_strategies = {'domain': 'tenant'}

    def list_source(self, ctx):
        roles = list(ctx.source.identity.roles())
        # Domain-specific roles are listed per domain.
        for domain_id in helpers.source_list(ctx, 'domains',
                                             ctx.source.identity.domains):
            roles += list(ctx.source.identity.roles(domain_id=domain_id))
        return roles

    def describe_source(self, role) -> res.Resource:
        # As it is: null for a role created without one, or "".
        attrs = {'name': role.name, 'description': role.description,
                 'domain': res.ref('identity.domain', role.domain_id)}
        return res.Resource(self.resource_type, role.id, role.name, attrs)

    def expand(self, ctx, selection, graph):
        return self.new(ctx, graph, self.chosen(
            ctx, selection, tenant=lambda roles: {
                r.id for r in roles.values()
                if r.domain_id and r.domain_id in selection.scope_domains}))

    @staticmethod
    def _describe(role) -> dict:
        return {'id': role.id, 'name': role.name,
                'description': role.description,
                'domain': role.domain_id}

    def get_destination(self, ctx, destination_id):
        role = helpers.get_or_none(ctx.destination.identity.get_role,
                                   destination_id)
        return self._describe(role) if role else None

    def find_destination(self, ctx, resource, attrs):
        domain = attrs['domain']
        if isinstance(domain, res.Unresolved):
            return None
        query = {'name': attrs['name']}
        if domain:
            query['domain_id'] = domain
        roles = [r for r in ctx.destination.identity.roles(**query)
                 if r.name == attrs['name'] and (r.domain_id or None) ==
                 (domain or None)]
        role = helpers.one_or_none(roles)
        return self._describe(role) if role else None

    def create(self, ctx, resource, attrs) -> str:
        kwargs = {'name': attrs['name']}
        if attrs['description'] is not None:
            # Left out when null: a role gets none then, as in the source.
            kwargs['description'] = attrs['description']
        if attrs['domain']:
            kwargs['domain_id'] = attrs['domain']
        return ctx.destination.identity.create_role(**kwargs).id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.identity.delete_role(destination_id,
                                             ignore_missing=True)


class RoleInferenceDriver(common.IdentityDriver):
    """Implied roles (``prior`` implies ``implied``). Every inference of a
    migrated role moves with it, so its meaning stays the same."""

    collection = 'role_inferences'
    strategies = ('depend',)
    renamable = False
    api_needs = base.on_both('identity', 'implied roles', version='3.7')

    def list_source(self, ctx):
        response = helpers.check(ctx.source.identity.get('/role_inferences'))
        return [_Inference(rule['prior_role']['id'], implied['id'])
                for rule in response.json()['role_inferences']
                for implied in rule['implies']]

    def describe_source(self, inference) -> res.Resource:
        attrs = {'prior': res.ref('identity.role', inference.prior),
                 'implied': res.ref('identity.role', inference.implied)}
        return res.Resource(self.resource_type, inference.id, None, attrs)

    def expand(self, ctx, selection, graph):
        return [self.describe_source(i) for i in self.all_source(ctx).values()
                if ('identity.role', i.prior) in graph
                and (self.resource_type, i.id) not in graph]

    @staticmethod
    def _url(prior: str, implied: str) -> str:
        return f'/roles/{prior}/implies/{implied}'

    def get_destination(self, ctx, destination_id):
        prior, implied = destination_id.split(':')
        if not helpers.exists(ctx.destination.identity.get(
                self._url(prior, implied))):
            return None
        return {'id': destination_id, 'prior': prior, 'implied': implied}

    def find_destination(self, ctx, resource, attrs):
        if any(isinstance(v, res.Unresolved) for v in attrs.values()):
            return None
        return self.get_destination(
            ctx, f'{attrs["prior"]}:{attrs["implied"]}')

    def create(self, ctx, resource, attrs) -> str:
        helpers.check(ctx.destination.identity.put(
            self._url(attrs['prior'], attrs['implied'])))
        return f'{attrs["prior"]}:{attrs["implied"]}'

    def delete(self, ctx, destination_id) -> None:
        prior, implied = destination_id.split(':')
        response = ctx.destination.identity.delete(self._url(prior, implied))
        helpers.exists(response)


class _Inference:
    def __init__(self, prior: str, implied: str) -> None:
        self.prior = prior
        self.implied = implied
        self.id = f'{prior}:{implied}'
