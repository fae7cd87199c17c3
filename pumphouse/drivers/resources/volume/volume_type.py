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

"""volume.type: Cinder volume types with extra specs and project access.

A type is the destination type of the same name (Cinder's names are
unique); different content is a conflict. ``__DEFAULT__``, which every
Cinder has, is reused when equal like any other type. Extra specs are
copied as they are: a spec naming a backend (``volume_backend_name``)
must name one the destination has. Encryption and QoS specs are not
migrated.
"""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.drivers.resources.volume import common
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


def _access(conn, volume_type) -> list[str]:
    """Project ids with access to a private type (one request)."""
    if volume_type.is_public:
        return []
    return sorted(a['project_id']
                  for a in conn.block_storage.get_type_access(volume_type))


def _fields(volume_type) -> dict:
    """Everything but access, the same for source and destination."""
    return {'name': volume_type.name,
            # As it is: null when never given, or "" (Cinder keeps both).
            'description': volume_type.description,
            'is_public': bool(volume_type.is_public),
            'extra_specs': dict(volume_type.extra_specs or {})}


class VolumeTypeDriver(base.ResourceDriver):
    """Volume types: name, description, public or private with the
    projects that have access, extra specs."""

    strategies = ('depend', 'all', 'specific')

    def describe_source(self, ctx, volume_type) -> res.Resource:
        access = ctx.cached(f'source:volume_type_access:{volume_type.id}',
                            lambda: _access(ctx.source, volume_type))
        if access:
            # Access of deleted projects stays in Cinder; it goes no
            # further.
            access = sorted(set(access) & compute.source_project_ids(ctx))
        attrs = dict(_fields(volume_type), access=[
            res.ref('identity.project', p) for p in access])
        return res.Resource(self.resource_type, volume_type.id,
                            volume_type.name, attrs)

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        if strategy == 'all':
            chosen = set(common.source_types(ctx))
        elif strategy == 'specific':
            chosen = selection.specific_ids(self.resource_type)
        else:
            return []
        return self.fetch(ctx, {i for i in chosen
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        types = common.source_types(ctx)
        return [self.describe_source(ctx, types[i]) for i in sorted(ids)
                if i in types]

    def _describe(self, ctx, volume_type) -> dict:
        return dict(_fields(volume_type), id=volume_type.id,
                    access=_access(ctx.destination, volume_type))

    def get_destination(self, ctx, destination_id):
        volume_type = helpers.get_or_none(
            ctx.destination.block_storage.get_type, destination_id)
        return self._describe(ctx, volume_type) if volume_type else None

    def find_destination(self, ctx, resource, attrs):
        # Listed afresh every time: apply must see what it just created.
        volume_type = helpers.one_or_none(
            t for t in common.list_types(ctx.destination)
            if t.name == attrs['name'])
        return self._describe(ctx, volume_type) if volume_type else None

    def create(self, ctx, resource, attrs) -> str:
        block_storage = ctx.destination.block_storage
        kwargs = {'name': attrs['name'], 'is_public': attrs['is_public']}
        if attrs['description'] is not None:  # "" is kept
            kwargs['description'] = attrs['description']
        if attrs['extra_specs']:
            kwargs['extra_specs'] = attrs['extra_specs']
        volume_type = block_storage.create_type(**kwargs)
        try:
            if not attrs['is_public']:
                for project_id in attrs['access']:
                    block_storage.add_type_access(volume_type, project_id)
        except Exception:
            # Half a type would block the next attempt by its name.
            self.delete(ctx, volume_type.id)
            raise
        return volume_type.id

    def complete(self, ctx, resource, attrs, existing, differences):
        """Add the extra specs and access an interrupted create did not."""
        if not set(differences) <= {'extra_specs', 'access'}:
            return None
        block_storage = ctx.destination.block_storage
        missing = {k: v for k, v in attrs['extra_specs'].items()
                   if existing['extra_specs'].get(k) != v}
        if set(existing['extra_specs']) - set(attrs['extra_specs']):
            return None  # specs the source lacks: not half made
        if missing:
            block_storage.update_type_extra_specs(existing['id'], **missing)
        if not attrs['is_public']:
            for project_id in set(attrs['access']) - set(existing['access']):
                block_storage.add_type_access(existing['id'], project_id)
        return existing['id']

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.block_storage.delete_type(destination_id,
                                                  ignore_missing=True)
