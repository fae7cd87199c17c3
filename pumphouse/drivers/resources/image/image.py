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

"""image.image: Glance images, data streamed from cloud to cloud.

What is kept: the id (when the destination has never used it), name,
disk and container formats, minimum disk and RAM, visibility (public,
private, shared with its members and their status, community),
``os_hidden``, ``protected``, custom properties, tags, the owner project
and ``kernel_id``/``ramdisk_id`` (references to the migrated kernel and
ramdisk images). The data is streamed (:mod:`.transfer`) and checked
against the source's size, ``checksum`` and ``os_hash_value``; those are
attributes too, so verification compares the bytes.

Only ``active`` images are migrated: any other, an image of a project
that no longer exists and the data-less image of a volume-backed server
snapshot are planned as ``skip`` with the reason. Images named
``pumphouse-tmp-*`` (Pumphouse's own, e.g. server snapshots on their
way) are left out of every strategy but ``specific`` and ``depend``.
"""

from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.conf import CONF
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.drivers.resources.image import fields
from pumphouse.drivers.resources.image import glance
from pumphouse.drivers.resources.image import transfer
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)


def source_images(ctx) -> dict:
    """Every source image record by id: one listing per run (all pages,
    every visibility, hidden ones too). Other drivers may use it to know
    which images exist."""
    return ctx.cached('source:images',
                      lambda: {i['id']: i
                               for i in glance.list_images(ctx.source)})


class ImageDriver(base.ResourceDriver):
    """Glance images with their data, members and properties.

    A ``project`` or ``domain`` workload takes the images its projects
    own (``tenant``); ``used`` takes the images the workload projects'
    servers were booted from; ``public`` the public ones.

    An image is found in the destination by its kept id, else by name
    and owner: one with the same data is reused, one with other data or
    properties is a conflict.
    """

    strategies = ('tenant', 'depend', 'all', 'public', 'used', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}

    # Discovery.

    def _skip_reason(self, ctx, image: dict) -> str | None:
        return fields.skip_reason(image, compute.source_project_ids(ctx))

    def _members(self, ctx, image: dict) -> list[dict]:
        if image.get('visibility') != 'shared':
            return []
        return ctx.cached(f'source:image_members:{image["id"]}',
                          lambda: glance.members(ctx.source, image['id']))

    def _image_ref(self, ctx, image_id: str | None):
        """A reference to a migrated image, else the id as it is (an
        image the source lacks or does not migrate is not followed)."""
        if not image_id:
            return None
        referred = source_images(ctx).get(image_id)
        if referred is None or self._skip_reason(ctx, referred):
            return image_id
        return res.ref(self.resource_type, image_id)

    def describe_source(self, ctx, image: dict) -> res.Resource:
        reason = self._skip_reason(ctx, image)
        if reason:
            # No references: a skipped image pulls nothing in.
            return res.Resource(
                self.resource_type, image['id'], image.get('name'),
                {'name': image.get('name'), 'status': image.get('status')},
                data={'skip': reason})
        projects = compute.source_project_ids(ctx)
        members = [
            {'project': res.ref('identity.project', m['project']),
             'status': m['status']}
            for m in fields.member_entries(self._members(ctx, image))
            if m['project'] in projects]
        attrs = fields.common_attrs(image)
        attrs.update({name: self._image_ref(ctx, image.get(prop))
                      for name, prop in fields.IMAGE_REFERENCES.items()})
        attrs['owner'] = res.ref('identity.project', image.get('owner'))
        attrs['members'] = sorted(
            members, key=lambda m: (res.ref_key(m['project'])[1],
                                    m['status']))
        data = {'client_properties': fields.client_properties(image)}
        return res.Resource(self.resource_type, image['id'],
                            image.get('name'), attrs, data=data)

    def _chosen(self, ctx, selection) -> set[str]:
        strategy = selection.strategy(self)
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        if strategy not in ('all', 'public', 'tenant', 'used'):
            return set()  # depend: only what others refer to
        images = {i: image for i, image in source_images(ctx).items()
                  if not fields.is_temporary(image)}
        if strategy == 'all':
            return set(images)
        if strategy == 'public':
            return {i for i, image in images.items()
                    if image.get('visibility') == 'public'}
        if strategy == 'tenant':
            return {i for i, image in images.items()
                    if image.get('owner') in selection.scope_projects}
        # used: what the workload projects' servers were booted from.
        servers = compute.servers_of_projects(ctx, selection.scope_projects)
        return {fields.server_image_id(s) for s in servers} & set(images)

    def expand(self, ctx, selection, graph):
        return self.fetch(ctx, {i for i in self._chosen(ctx, selection)
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        images = source_images(ctx)
        return [self.describe_source(ctx, images[i]) for i in sorted(ids)
                if i in images]

    # The destination.

    def _describe(self, ctx, image: dict) -> dict:
        members = []
        if image.get('visibility') == 'shared':
            members = fields.member_entries(
                glance.members(ctx.destination, image['id']))
        return fields.destination_attrs(image, members)

    def get_destination(self, ctx, destination_id):
        image = glance.get_image(ctx.destination, destination_id)
        return self._describe(ctx, image) if image else None

    def find_destination(self, ctx, resource, attrs):
        """The image with the kept id; else one of the same name and
        owner: with the same data and properties, else one an interrupted
        create left ``queued``, else any (a conflict)."""
        found = glance.get_image(ctx.destination, resource.id)
        if found is not None:
            return self._describe(ctx, found)
        owner = attrs.get('owner')
        if isinstance(owner, res.Unresolved):
            return None  # the owner project is not there yet
        filters = {'name': attrs['name']}
        if owner:
            filters['owner'] = owner
        candidates = [self._describe(ctx, i) for i in
                      glance.list_images(ctx.destination, **filters)]
        for candidate in candidates:
            if not self.compare(attrs, candidate):
                return candidate
        unfinished = [c for c in candidates
                      if c['checksum'] is None and c['size'] is None]
        return (unfinished or candidates or [None])[0]

    def compare(self, expected, actual):
        expected, actual = fields.comparable(expected, actual)
        return res.differences(expected, actual, ignore=self.verify_ignore)

    def create(self, ctx, resource, attrs) -> str:
        """Create the image (with the source id if Glance takes it), then
        stream its data, add its members, protect it last.

        On a failure the image is deleted again, unless the engine tries
        the item again (a transient fault: :meth:`EngineContext.
        retry_planned`): the image is then left ``queued`` (Glance puts
        it back there when an upload is cut off) for the next attempt to
        find by its id and complete (:meth:`complete`). Deleting it would
        burn the id: Glance never gives out a deleted image's id again,
        and the next attempt would make the image under a new one.
        """
        image = self._post(ctx, resource, attrs)
        try:
            self._finish(ctx, resource, attrs, image, [])
        except Exception as e:
            if not ctx.retry_planned(e):
                self.delete(ctx, image['id'])
            raise
        return image['id']

    def _post(self, ctx, resource, attrs) -> dict:
        extra = resource.data.get('client_properties', {})
        try:
            return glance.create_image(
                ctx.destination,
                fields.create_body(attrs, extra, image_id=resource.id))
        except sdk_exc.ConflictException:
            # find_destination saw no live image with the id. One there
            # now was made by this very request sent twice (an API or a
            # proxy in front of it repeated it): it is ours, queued.
            taken = glance.get_image(ctx.destination, resource.id)
            if taken is not None:
                ctx.event('image_id', f'image {resource.name or resource.id}'
                          f': {resource.id} appeared in the destination '
                          'while it was being created (the request was '
                          'repeated); continuing with it')
                return taken
            # Only a deleted image holds the id: Glance never gives it
            # out again.
            ctx.event('image_id', f'image {resource.name or resource.id}: '
                      f'id {resource.id} was used by an image deleted from '
                      'the destination; it gets a new id')
            return glance.create_image(ctx.destination,
                                       fields.create_body(attrs, extra))

    def _finish(self, ctx, resource, attrs, image: dict,
                members: list[dict]) -> None:
        """Data (if still ``queued``), members, then ``protected``."""
        conn, image_id = ctx.destination, image['id']
        if image.get('status') == 'queued':
            with ctx.semaphore('transfer', CONF.conductor.max_transfers):
                LOG.info('Copying the data of image %(src)s into %(dst)s '
                         '(%(size)s bytes)', {'src': resource.id,
                                              'dst': image_id,
                                              'size': attrs['size']})
                transfer.stream_image(
                    ctx.source, fields.data_of(attrs, resource.id), conn,
                    image_id, progress=lambda done, final: ctx.progress(
                        resource.key, done, attrs['size'], final))
        add, update, _extra = fields.member_changes(attrs['members'],
                                                    members)
        for member in add:
            glance.add_member(conn, image_id, member['project'],
                              member['status'])
        for member in update:
            glance.set_member_status(conn, image_id, member['project'],
                                     member['status'])
        if attrs['protected'] and not image.get('protected'):
            glance.set_protected(conn, image_id, True)

    def complete(self, ctx, resource, attrs, existing, differences):
        """Finish what an interrupted create left: upload the data of a
        ``queued`` image, add its members, protect it.

        An upload cut off a moment ago is given time to turn back from
        ``saving`` to ``queued``. An image in any other half state
        (``saving`` because its Glance died, ``killed``) is not touched:
        the item fails and names it, for the operator to delete it.
        """
        if not set(differences) <= fields.UNFINISHED_FIELDS:
            return None
        if 'protected' in differences and not attrs['protected']:
            return None  # protected by someone else, not by a create
        image = glance.wait_while_saving(ctx.destination, existing['id'])
        if image is None:
            return None
        data_missing = bool(set(differences) & set(fields.DATA_FIELDS))
        if image.get('status') not in (('queued',) if data_missing
                                       else ('active',)):
            return None
        _add, _update, extra = fields.member_changes(attrs['members'],
                                                     existing['members'])
        if extra:
            return None  # not what a create of ours leaves
        self._finish(ctx, resource, attrs, image, existing['members'])
        return image['id']

    def delete(self, ctx, destination_id) -> None:
        glance.delete_image(ctx.destination, destination_id)

