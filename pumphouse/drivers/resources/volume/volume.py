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

"""volume.volume: Cinder volumes with their data.

A volume is migrated as a new destination volume created from an image
of its data (see :mod:`.datapath` for the chain, the temporary objects
and how an interrupted copy is resumed). The destination volume keeps the
source volume's id in its metadata (:data:`common.SOURCE_KEY`): that is
how it is found again, by a resumed run or a later migration; volume
names need not be unique and are never used to match.

Strategies: ``tenant`` (the volumes of the workload's projects, the
default for project and domain workloads), ``used`` (the volumes attached
to the workload's servers), ``all``, ``specific`` and ``depend`` (the
volumes servers refer to).
"""

from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.drivers.resources.volume import common
from pumphouse.drivers.resources.volume import datapath
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

TYPE = 'volume.type'
#: Differences :meth:`VolumeDriver.complete` can finish: those of a
#: volume whose copy was interrupted.
FINISHABLE = frozenset({'copy', 'bootable', 'image_metadata'})


def _fields(volume) -> dict:
    """Attributes read the same way from both clouds (not references).

    Name and description are taken as they are: Cinder shows null for one
    never given and keeps ``""`` when it is given, and an operator's
    scripts may tell them apart, so verification does too.
    """
    return {'name': volume.name,
            'description': volume.description,
            'size': int(volume.size or 0),
            'metadata': common.user_metadata(volume.metadata),
            'bootable': bool(volume.is_bootable),
            'availability_zone': volume.availability_zone,
            'multiattach': bool(volume.is_multiattach),
            'image_metadata': dict(volume.volume_image_metadata or {})}


def _type_id(conn, volume) -> str | None:
    """A destination volume's type id (by name below microversion 3.63)."""
    if volume.volume_type_id:
        return volume.volume_type_id
    return next((t.id for t in common.list_types(conn)
                 if volume.volume_type in (t.name, t.id)), None)


def describe_destination(conn, volume) -> dict:
    """A destination volume in the driver's terms; an unfinished copy
    has a ``copy`` attribute, which no source volume has."""
    described = dict(_fields(volume), id=volume.id,
                     volume_type=_type_id(conn, volume),
                     project=volume.project_id)
    if common.COPY_KEY in (volume.metadata or {}):
        described['copy'] = f'unfinished (status {volume.status})'
    return described


class VolumeDriver(base.ResourceDriver):
    """Volumes: name, description, size, metadata, bootable flag, volume
    image metadata, type, availability zone, project, multi-attach (which
    follows the type); and the data."""

    strategies = ('tenant', 'used', 'all', 'specific', 'depend')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    quota = ('volume', 'volumes')
    api_needs = (base.ApiNeed('source', 'block-storage',
                              'copying volumes through images',
                              microversion=datapath.UPLOAD_MICROVERSION),)

    # -- source -------------------------------------------------------------
    def describe_source(self, ctx, volume) -> res.Resource:
        type_id = common.source_type_id(
            ctx, volume.volume_type_id or volume.volume_type)
        attrs = dict(_fields(volume),
                     volume_type=res.ref(TYPE, type_id),
                     project=res.ref('identity.project', volume.project_id))
        resource = res.Resource(self.resource_type, volume.id, volume.name,
                                attrs, data={'status': volume.status})
        if volume.status in common.ERROR_STATUSES:
            resource.data['skip'] = (f'the volume is {volume.status}: its '
                                     'data cannot be copied')
        elif getattr(volume, 'is_encrypted', False):
            resource.data['skip'] = ('the volume is encrypted: its key '
                                     "stays in the source's key manager")
        return resource

    def _chosen(self, ctx, selection, graph) -> set[str]:
        strategy = selection.strategy(self)
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        volumes = {i: v for i, v in common.source_volumes(ctx).items()
                   if not common.is_temporary(v.name)}
        if strategy == 'all':
            # Cinder keeps the volumes of deleted projects: leave them.
            projects = compute.source_project_ids(ctx)
            return {i for i, v in volumes.items() if v.project_id in projects}
        if strategy == 'tenant':
            return {i for i, v in volumes.items()
                    if v.project_id in selection.scope_projects}
        if strategy == 'used':
            servers = {s.id for s in compute.servers_of_projects(
                ctx, selection.scope_projects)}
            servers |= {r.id for r in graph.of_type('compute.server')}
            return {i for i, v in volumes.items()
                    if any(a.get('server_id') in servers
                           for a in v.attachments or ())}
        return set()

    def expand(self, ctx, selection, graph):
        return self.fetch(ctx, {i for i in self._chosen(ctx, selection, graph)
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        volumes = common.source_volumes(ctx)
        return [self.describe_source(ctx, volumes[i]) for i in sorted(ids)
                if i in volumes]

    def demand(self, ctx, resource, graph):
        """One volume and its size in gigabytes, in its project."""
        project = resource.attrs.get('project')
        if not res.is_ref(project):
            return {}
        project_id = res.ref_key(project)[1]
        return {('quota', 'volume', project_id, 'volumes'): 1,
                ('quota', 'volume', project_id, 'gigabytes'):
                    int(resource.attrs.get('size') or 0)}

    # -- destination ----------------------------------------------------------
    def compare(self, expected, actual):
        if expected.get('volume_type') is None:
            # No type in the source: the destination gives its default.
            actual = {k: v for k, v in actual.items() if k != 'volume_type'}
        return super().compare(expected, actual)

    def get_destination(self, ctx, destination_id):
        volume = helpers.get_or_none(ctx.destination.block_storage.get_volume,
                                     destination_id)
        return describe_destination(ctx.destination, volume) if volume \
            else None

    def find_destination(self, ctx, resource, attrs):
        """The destination volume made from this source volume (found by
        its mark, in whatever state an interrupted copy left it)."""
        conn = ctx.destination
        candidates = [describe_destination(conn, v)
                      for v in common.marked_volumes(conn, resource.id)]
        if len(candidates) > 1:
            own = [c for c in candidates if c['project'] == attrs['project']]
            candidates = own or candidates
        return compute.pick(candidates, attrs, self.compare)

    def create(self, ctx, resource, attrs) -> str:
        return datapath.copy_volume(ctx, resource.id, attrs)

    def complete(self, ctx, resource, attrs, existing, differences):
        """Finish the copy an interrupted attempt left: wait for the volume
        to be made from the image, then what :meth:`create` does after.

        A copy that went to an error state is not finished (None): its
        temporaries are removed and the volume is left to the operator.
        """
        if 'copy' not in differences or \
                not set(differences) <= FINISHABLE:
            return None
        conn = ctx.destination
        volume = helpers.get_or_none(conn.block_storage.get_volume,
                                     existing['id'])
        if volume is None:
            return None
        if volume.status in common.ERROR_STATUSES:
            datapath.remove_temporaries(ctx, resource.id, best_effort=True)
            ctx.event('volume_copy', f'volume {resource.name or resource.id}:'
                      f' the destination volume {volume.id} an interrupted '
                      f'copy left is {volume.status}; delete it and resume',
                      level='ERROR')
            return None
        datapath.finish(ctx, volume.id, resource.id, attrs)
        return volume.id

    def after_create(self, ctx, resource, destination_id, created) -> None:
        """Finish a copy that a reused (planned) volume still lacks."""
        volume = helpers.get_or_none(ctx.destination.block_storage.get_volume,
                                     destination_id)
        if volume is None or common.COPY_KEY not in (volume.metadata or {}):
            return
        datapath.finish(ctx, destination_id, resource.id,
                        ctx.translate(resource.attrs))

    def delete(self, ctx, destination_id) -> None:
        block_storage = ctx.destination.block_storage
        volume = helpers.get_or_none(block_storage.get_volume, destination_id)
        if volume is None:
            return
        source_id = (volume.metadata or {}).get(common.SOURCE_KEY)
        block_storage.delete_volume(volume, ignore_missing=True)
        if source_id:
            datapath.remove_temporaries(ctx, source_id, best_effort=True)
