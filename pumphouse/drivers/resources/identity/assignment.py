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

"""identity.role_assignment: grants of roles to users and groups on
projects and domains, direct or inherited to sub-projects."""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.identity import common
from pumphouse.engine import resource as res

ACTORS = ('user', 'group')
SCOPES = ('project', 'domain')
_INHERITED = 'OS-INHERIT:inherited_to'


def assignment_id(role: str, actor_type: str, actor: str, scope_type: str,
                  scope: str, inherited: bool) -> str:
    return (f'{role}|{actor_type}:{actor}|{scope_type}:{scope}|'
            f'{"inherited" if inherited else "direct"}')


def parse_id(value: str) -> dict:
    role, actor, scope, kind = value.split('|')
    actor_type, actor_id = actor.split(':', 1)
    scope_type, scope_id = scope.split(':', 1)
    return {'role': role, 'actor_type': actor_type, 'actor': actor_id,
            'scope_type': scope_type, 'scope': scope_id,
            'inherited': kind == 'inherited'}


def grant_url(role: str, actor_type: str, actor: str, scope_type: str,
              scope: str, inherited: bool) -> str:
    path = f'/{scope_type}s/{scope}/{actor_type}s/{actor}/roles/{role}'
    if inherited:
        return f'/OS-INHERIT{path}/inherited_to_projects'
    return path


def of_user_on_project(ctx, user_id: str, project_id: str) -> list[str]:
    """Ids of a user's direct, not inherited role assignments on a
    source project (a stack's owner needs them to use the stack)."""
    response = helpers.check(ctx.source.identity.get(
        '/role_assignments', params={'user.id': user_id,
                                     'scope.project.id': project_id}))
    found = [RoleAssignmentDriver.parse(raw)
             for raw in response.json()['role_assignments']]
    return sorted(a['id'] for a in found
                  if a is not None and not a['inherited'])


class RoleAssignmentDriver(common.IdentityDriver):
    """Direct role assignments (never the effective ones Keystone derives
    from groups, inheritance and implied roles: those follow)."""

    collection = 'role_assignments'
    strategies = ('tenant', 'depend', 'all', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    renamable = False

    def _list(self, ctx, params: dict) -> list[dict]:
        key = 'source:role_assignments:' + '&'.join(
            f'{k}={v}' for k, v in sorted(params.items()))

        def load():
            response = helpers.check(ctx.source.identity.get(
                '/role_assignments', params=params))
            return response.json()['role_assignments']
        return ctx.cached(key, load)

    def list_source(self, ctx):
        return [a for a in (self.parse(raw) for raw in self._list(ctx, {}))
                if a is not None]

    @staticmethod
    def parse(raw: dict) -> dict | None:
        """The fields of an assignment Keystone listed (None for a
        system-scoped one)."""
        scope = raw.get('scope', {})
        scope_type = next((s for s in SCOPES if s in scope), None)
        actor_type = next((a for a in ACTORS if a in raw), None)
        if scope_type is None or actor_type is None:
            return None  # system scope: not a tenant's business
        fields = {'role': raw['role']['id'], 'actor_type': actor_type,
                  'actor': raw[actor_type]['id'], 'scope_type': scope_type,
                  'scope': scope[scope_type]['id'],
                  'inherited': _INHERITED in scope}
        fields['id'] = assignment_id(**fields)
        return fields

    def describe_source(self, fields: dict) -> res.Resource:
        attrs = {'role': res.ref('identity.role', fields['role']),
                 'inherited': fields['inherited']}
        for actor in ACTORS:
            attrs[actor] = res.ref(f'identity.{actor}', fields['actor']) \
                if fields['actor_type'] == actor else None
        for scope in SCOPES:
            attrs[scope] = res.ref(f'identity.{scope}', fields['scope']) \
                if fields['scope_type'] == scope else None
        return res.Resource(self.resource_type, fields['id'], None, attrs)

    def all_source(self, ctx) -> dict:
        return {a['id']: a for a in self.list_source(ctx)}

    def fetch(self, ctx, ids):
        return [self.describe_source(dict(parse_id(i), id=i)) for i in ids]

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        if strategy == 'all':
            found = self.list_source(ctx)
        elif strategy == 'specific':
            return self.fetch(ctx, {
                i for i in selection.specific_ids(self.resource_type)
                if (self.resource_type, i) not in graph})
        elif strategy == 'tenant':
            raw = []
            for project in sorted(selection.scope_projects):
                raw += self._list(ctx, {'scope.project.id': project})
            for domain in sorted(selection.scope_domains):
                raw += self._list(ctx, {'scope.domain.id': domain})
            found = [a for a in map(self.parse, raw) if a is not None]
        else:
            return []
        return [self.describe_source(a) for a in found
                if (self.resource_type, a['id']) not in graph]

    @staticmethod
    def _fields(attrs: dict) -> dict | None:
        actor_type = next(a for a in ACTORS if attrs.get(a))
        scope_type = next(s for s in SCOPES if attrs.get(s))
        fields = {'role': attrs['role'], 'actor_type': actor_type,
                  'actor': attrs[actor_type], 'scope_type': scope_type,
                  'scope': attrs[scope_type],
                  'inherited': attrs['inherited']}
        if any(isinstance(v, res.Unresolved) for v in fields.values()):
            return None
        return fields

    def get_destination(self, ctx, destination_id):
        fields = parse_id(destination_id)
        if not helpers.exists(ctx.destination.identity.head(
                grant_url(**fields))):
            return None
        attrs = {'id': destination_id, 'role': fields['role'],
                 'inherited': fields['inherited']}
        for actor in ACTORS:
            attrs[actor] = fields['actor'] \
                if fields['actor_type'] == actor else None
        for scope in SCOPES:
            attrs[scope] = fields['scope'] \
                if fields['scope_type'] == scope else None
        return attrs

    def find_destination(self, ctx, resource, attrs):
        fields = self._fields(attrs)
        if fields is None:
            return None
        return self.get_destination(ctx, assignment_id(**fields))

    def create(self, ctx, resource, attrs) -> str:
        fields = self._fields(attrs)
        helpers.check(ctx.destination.identity.put(grant_url(**fields)))
        return assignment_id(**fields)

    def delete(self, ctx, destination_id) -> None:
        helpers.exists(ctx.destination.identity.delete(
            grant_url(**parse_id(destination_id))))

    def after_create(self, ctx, resource, destination_id, created) -> None:
        # The same grant may have been given to Pumphouse's own user for
        # the run (see pumphouse.drivers.resources.scoped); as a migrated
        # assignment it must outlive the run.
        fields = parse_id(destination_id)
        if (fields['actor_type'], fields['scope_type']) == ('user',
                                                            'project') \
                and not fields['inherited']:
            scoped.keep_grant(ctx, fields['scope'], fields['actor'],
                              fields['role'])
