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

"""compute.keypair: Nova keypairs of every user.

Keypairs have no id of their own: a keypair is named within its user, so
both its source and its destination id are ``<user id>/<name>``. They are
read and created with the admin form of the API that takes a ``user_id``
(microversion 2.10), so no user's password is needed.
"""

from pumphouse.drivers.resources import common
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


def keypair_id(user_id: str, name: str) -> str:
    """The id Pumphouse gives the keypair ``name`` of ``user_id``."""
    return f'{user_id}/{name}'


def parse_id(value: str) -> tuple[str, str]:
    """``(user id, name)`` of a keypair id.

    Nova keypair names cannot hold a ``/``, user ids (LDAP) might.
    """
    user_id, sep, name = value.rpartition('/')
    if not sep or not user_id or not name:
        raise ValueError(f'not a keypair id: {value!r}')
    return user_id, name


def _list(conn, user_id: str) -> list:
    # GET /os-keypairs?user_id=: every keypair of one user, with its key.
    return list(conn.compute.keypairs(user_id=user_id))


class KeypairDriver(base.ResourceDriver):
    """Keypairs: name, type (ssh or x509) and public key, under the
    destination copy of their user. A different key under the same name
    is a conflict."""

    strategies = ('depend', 'user', 'all', 'specific')
    workload_strategies = {'project': 'user', 'domain': 'user'}
    # key_pairs is a per-user quota in Nova: nothing to add up per project.
    quota = None
    api_needs = base.on_both('compute', 'key pairs of other users',
                             microversion='2.10')

    def _source_of(self, ctx, user_id: str) -> dict:
        """The source keypairs of one user by id, listed once."""
        return ctx.cached(
            f'source:keypairs:{user_id}',
            lambda: {keypair_id(user_id, k.name): k
                     for k in _list(ctx.source, user_id)})

    def describe_source(self, user_id: str, keypair) -> res.Resource:
        attrs = {'name': keypair.name,
                 'user': res.ref('identity.user', user_id),
                 'type': keypair.type or 'ssh',
                 'public_key': (keypair.public_key or '').strip()}
        return res.Resource(self.resource_type,
                            keypair_id(user_id, keypair.name),
                            keypair.name, attrs)

    def _of_users(self, ctx, user_ids, graph) -> list[res.Resource]:
        found = []
        for user_id in sorted(user_ids):
            for key, keypair in sorted(self._source_of(ctx,
                                                       user_id).items()):
                if (self.resource_type, key) not in graph:
                    found.append(self.describe_source(user_id, keypair))
        return found

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        if strategy == 'user':
            users = {u.id for u in graph.of_type('identity.user')}
        elif strategy == 'all':
            users = set(common.source_list(ctx, 'users',
                                           ctx.source.identity.users))
        elif strategy == 'specific':
            return self.fetch(ctx, {
                i for i in selection.specific_ids(self.resource_type)
                if (self.resource_type, i) not in graph})
        else:
            return []
        return self._of_users(ctx, users, graph)

    def fetch(self, ctx, ids):
        found = []
        for wanted in sorted(ids):
            user_id, _name = parse_id(wanted)
            keypair = self._source_of(ctx, user_id).get(wanted)
            if keypair is not None:
                found.append(self.describe_source(user_id, keypair))
        return found

    @staticmethod
    def _describe(user_id: str, keypair) -> dict:
        return {'id': keypair_id(user_id, keypair.name),
                'name': keypair.name, 'user': user_id,
                'type': keypair.type or 'ssh',
                'public_key': (keypair.public_key or '').strip()}

    def _destination(self, ctx, user_id: str, name: str) -> dict | None:
        # Listed afresh every time: apply must see what it just created.
        keypair = common.one_or_none(
            k for k in _list(ctx.destination, user_id) if k.name == name)
        return self._describe(user_id, keypair) if keypair else None

    def get_destination(self, ctx, destination_id):
        return self._destination(ctx, *parse_id(destination_id))

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['user'], res.Unresolved):
            return None
        return self._destination(ctx, attrs['user'], attrs['name'])

    def create(self, ctx, resource, attrs) -> str:
        ctx.destination.compute.create_keypair(
            name=attrs['name'], user_id=attrs['user'], type=attrs['type'],
            public_key=attrs['public_key'])
        return keypair_id(attrs['user'], attrs['name'])

    def delete(self, ctx, destination_id) -> None:
        user_id, name = parse_id(destination_id)
        ctx.destination.compute.delete_keypair(name, ignore_missing=True,
                                               user_id=user_id)
