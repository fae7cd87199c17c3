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

"""The ``snapshot`` data mode: a server's own disk goes over as an image.

The quiesced source server is snapshotted (``createImage``) into the
temporary image ``pumphouse-tmp-<server id>``, which is streamed into a
private image of the same name owned by the destination project (under
the run's transfer semaphore); the copy boots from it and both temporary
images are deleted afterwards. Images of that name left by an
interrupted run are reused when complete, deleted otherwise.
"""

from openstack import exceptions as sdk_exc

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.image import transfer

TMP_PREFIX = 'pumphouse-tmp-'
#: Nova's createImage answers with the image id from 2.45.
NOVA_CREATE_IMAGE = '2.45'
#: Image properties that describe the guest and go with its disk.
GUEST_PROPERTY_PREFIXES = ('hw_', 'os_', 'img_')
GUEST_PROPERTIES = ('architecture', 'hypervisor_type', 'vm_mode',
                    'auto_disk_config')
NOT_GUEST_PROPERTIES = ('os_hash_algo', 'os_hash_value', 'os_hidden')


class SnapshotFailed(exception.PumphouseException):
    _msg_fmt = 'snapshot %(image)s of server %(server)s is %(status)s'


def tmp_name(source_server_id: str) -> str:
    return f'{TMP_PREFIX}{source_server_id}'


def _named(conn, name: str) -> list:
    return [i for i in conn.image.images(name=name) if i.name == name]


def guest_properties(raw: dict) -> dict:
    """The properties of an image that describe the guest (disk bus,
    OS, ...), without Nova's snapshot bookkeeping."""
    return {k: v for k, v in raw.items()
            if (k.startswith(GUEST_PROPERTY_PREFIXES) or
                k in GUEST_PROPERTIES)
            and k not in NOT_GUEST_PROPERTIES
            and not k.startswith('os_glance')}


def _wait_active(conn, image_id: str, server_id: str):
    """The snapshot once active, within ``[timeouts] server_snapshot``."""
    timeout = CONF.timeouts.server_snapshot

    def check():
        image = conn.image.get_image(image_id)
        if image.status in ('killed', 'deleted', 'deactivated'):
            raise SnapshotFailed(image=image_id, server=server_id,
                                 status=image.status)
        return image if image.status == 'active' else None

    return server_state.poll(check, timeout, lambda: SnapshotFailed(
        image=image_id, server=server_id,
        status=f'not active after {timeout}s'))


def take(ctx, server_id: str):
    """The active temporary snapshot of a (quiesced) source server."""
    source = ctx.source
    for image in _named(source, tmp_name(server_id)):
        if image.status == 'active':
            return image
        if image.status in ('queued', 'saving'):
            return _wait_active(source, image.id, server_id)
        source.image.delete_image(image, ignore_missing=True)
    response = common.check(source.compute.post(
        f'/servers/{server_id}/action',
        json={'createImage': {'name': tmp_name(server_id),
                              'metadata': {}}},
        microversion=NOVA_CREATE_IMAGE))
    return _wait_active(source, response.json()['image_id'], server_id)


def copy(ctx, source_image, server_id: str, project_id: str) -> str:
    """Stream the snapshot into a private image of the destination
    project; returns the destination image's id."""
    destination = ctx.destination
    for image in _named(destination, tmp_name(server_id)):
        if image.status == 'active' and image.checksum == \
                source_image.checksum and image.owner == project_id:
            return image.id
        destination.image.delete_image(image, ignore_missing=True)
    raw = common.check(ctx.source.image.get(
        f'/images/{source_image.id}')).json()
    body = {'name': tmp_name(server_id),
            'disk_format': raw.get('disk_format') or 'raw',
            'container_format': raw.get('container_format') or 'bare',
            'visibility': 'private', 'owner': project_id,
            'min_disk': raw.get('min_disk') or 0,
            'min_ram': raw.get('min_ram') or 0,
            **guest_properties(raw)}
    created = common.check(destination.image.post('/images', json=body))
    image_id = created.json()['id']
    try:
        with ctx.semaphore('transfer', CONF.conductor.max_transfers):
            transfer.stream_image(ctx.source, source_image, destination,
                                  image_id)
    except Exception:
        destination.image.delete_image(image_id, ignore_missing=True)
        raise
    return image_id


def remove(ctx, server_id: str) -> int:
    """Delete the temporary images of a server on both sides; returns
    how many there were."""
    removed = 0
    for conn in (ctx.source, ctx.destination):
        for image in _named(conn, tmp_name(server_id)):
            try:
                conn.image.delete_image(image, ignore_missing=True)
            except sdk_exc.HttpException:
                continue
            removed += 1
    return removed
