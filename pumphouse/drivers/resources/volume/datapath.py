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

"""The data of one volume: from the source volume to a destination volume.

Every temporary object of the copy of source volume ``S`` is called
``pumphouse-tmp-S`` (:func:`common.temp_name`):

1. **Source image.** An ``available`` volume is uploaded to a Glance
   image directly (``os-volume_upload_image``, ``raw``). Cinder refuses to
   upload an ``in-use`` volume (``force`` is ignored unless the cloud sets
   ``enable_force_upload``), so an attached volume is first cloned (owned
   by the source admin's project) and the clone is uploaded. The image is
   owned by the source admin's project. Before its data is read, the
   servers the volume is attached to that this run migrates are quiesced
   (:func:`quiesce_servers`), so that the copy holds what they last
   wrote; the copy of a volume of a server that keeps running is only
   crash-consistent, which a warning says.
2. **Destination image.** The source image is streamed into a new
   private destination image owned by the *destination project* (so that
   Cinder, called with that project's token, may read it), its MD5 and
   multihash checked on the way (:func:`image.transfer.stream_image`).
   The source image's checksum and hash are recorded in the destination
   image's properties, so a later run can tell a complete image from a
   half-streamed one. The source temporaries are then removed. The bytes
   streamed are the volume item's progress (``bytes_done`` of
   ``bytes_total``, the source image's size; :func:`progress`).
3. **Destination volume.** Created from that image by a token scoped to
   the destination project, with the source's size, name, description,
   metadata, type and availability zone; its metadata also carries
   :data:`common.SOURCE_KEY` (the source volume id; kept) and
   :data:`common.COPY_KEY` (removed when finished).
4. **Finish.** Wait until the volume is available, set the bootable flag
   and the volume image metadata as in the source, remove the
   temporaries on both sides, drop :data:`common.COPY_KEY`.

Resuming after a crash at any point, or trying again after a transient
fault of a cloud (nothing is cleaned up then: see
:meth:`EngineContext.retry_planned`): the destination volume, if the
create request went out, is found by its :data:`common.SOURCE_KEY` and
finished (:func:`finish`); otherwise each step looks for what an earlier
attempt left under the deterministic name and reuses it when complete
(an active source image, a destination image whose checksum is the one it
records, an available clone) or removes it (a half-written image, a
clone in error). A source upload still running in Cinder is waited for.

A finished copy is removed again (:func:`remove_copy`) when the item of
the server it is attached to fails or is blocked and the server runs
again in the source: its item is then pending again, and a resumed run
copies the volume anew (see :func:`server_path.give_back`).
"""

from openstack import exceptions as sdk_exc
from oslo_utils import excutils

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.drivers.resources import common as helpers
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.compute import server_quiesce
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.image import transfer
from pumphouse.drivers.resources.volume import common

#: Statuses in which a destination volume can be deleted (detached).
DELETABLE = ('available', 'error')


class CopyInUse(exception.PumphouseException):
    _msg_fmt = ('destination volume %(volume)s is attached to server(s) '
                '%(servers)s')


#: Destination image properties: what the source image held.
EXPECTED_CHECKSUM = 'pumphouse_checksum'
EXPECTED_HASH = 'pumphouse_hash'
#: Microversion of the upload call (``visibility`` needs 3.1).
UPLOAD_MICROVERSION = '3.1'
DISK_FORMAT = 'raw'
CONTAINER_FORMAT = 'bare'
#: The type of the plan items whose data this module copies.
VOLUME = 'volume.volume'


def copy_volume(ctx, source_volume_id: str, attrs: dict) -> str:
    """Make the destination volume of ``source_volume_id``; its id.

    ``attrs`` are the volume driver's attributes, translated. The copy
    holds one slot of the run's ``transfer`` semaphore.
    """
    volume_id = None
    with ctx.semaphore('transfer', CONF.conductor.max_transfers):
        try:
            image = reusable_destination_image(ctx, source_volume_id,
                                               attrs['project'])
            if image is not None:
                # Streamed whole by an earlier attempt.
                ctx.progress((VOLUME, source_volume_id), image.size,
                             image.size, final=True)
            else:
                source_image = prepare_source_image(ctx, source_volume_id)
                image = stream_to_destination(ctx, source_volume_id,
                                              source_image, attrs['project'])
            remove_source_temporaries(ctx, source_volume_id)
            volume_id = create_volume(ctx, source_volume_id, attrs,
                                      image.id).id
            finish(ctx, volume_id, source_volume_id, attrs)
        except Exception as e:
            with excutils.save_and_reraise_exception():
                if not ctx.retry_planned(e):
                    after_failure(ctx, source_volume_id, volume_id)
                # Else the engine tries again at once: what this attempt
                # made is reused as after a crash (the destination image,
                # the upload, the clone, the volume by its mark).
    return volume_id


def after_failure(ctx, source_volume_id: str,
                  volume_id: str | None) -> None:
    """Clean up after a failed copy, unless a resume can finish it.

    A destination volume still being made is left with its temporaries
    (a resumed run finishes it); one this attempt made that went to
    ``error`` is deleted. Then, the temporaries are removed as far as
    Cinder and Glance allow.
    """
    try:
        made = common.marked_volumes(ctx.destination, source_volume_id)
        if any(v.status not in common.ERROR_STATUSES for v in made):
            return
        for volume in made:
            if volume.id == volume_id:
                ctx.destination.block_storage.delete_volume(
                    volume, ignore_missing=True)
        remove_temporaries(ctx, source_volume_id, best_effort=True)
    except Exception as e:  # noqa: BLE001 - the first error is the one
        ctx.event('volume_copy', f'volume {source_volume_id}: could not '
                  f'clean up after a failed copy: {e}', level='WARNING')


def remove_copy(ctx, source_volume_id: str, volume_id: str) -> None:
    """Delete the destination volume ``volume_id`` made from
    ``source_volume_id``, wait until it is gone, then remove what is
    left of the temporaries of its copy.

    A detach under way is waited for (the server the copy was attached
    to has just been deleted); a copy attached to a destination server
    that still exists is not deleted (:class:`CopyInUse`). A volume
    already gone is not an error.
    """
    conn = ctx.destination
    try:
        volume = common.wait_for(
            lambda: _unless_in_use(conn, volume_id),
            lambda v: v.status in DELETABLE or v.status == 'deleting',
            lambda v: v.status in common.ERROR_STATUSES,
            common.status_timeout(),
            f'destination volume {volume_id} (to be detached)')
    except sdk_exc.ResourceNotFound:
        volume = None
    if volume is not None:
        if volume.status != 'deleting':
            conn.block_storage.delete_volume(volume, ignore_missing=True)
        common.wait_volume_gone(conn, volume_id, common.status_timeout(),
                                f'destination volume {volume_id} (deleted)')
    remove_temporaries(ctx, source_volume_id, best_effort=True)


def _unless_in_use(conn, volume_id: str):
    """A destination volume, or None if it is gone; raises CopyInUse if a
    server that is not being deleted has it attached."""
    volume = helpers.get_or_none(conn.block_storage.get_volume, volume_id)
    if volume is None:
        return None
    servers = sorted({a.get('server_id') for a in volume.attachments or ()
                      if a.get('server_id')})
    live = [s for s in servers if _server_stays(conn, s)]
    if live:
        raise CopyInUse(volume=volume_id, servers=', '.join(live))
    return volume


def _server_stays(conn, server_id: str) -> bool:
    server = server_state.get_or_none(conn, server_id)
    return server is not None and server.task_state != 'deleting' and \
        server.status not in ('DELETED', 'SOFT_DELETED')


# 1. Source image ---------------------------------------------------------

def prepare_source_image(ctx, source_volume_id: str):
    """An active source image holding the volume's data.

    Reuses the image an earlier attempt uploaded, waits for an upload
    still running, otherwise uploads the volume (or a clone of it).
    """
    source = ctx.source
    volume = source.block_storage.get_volume(source_volume_id)
    found = settled_source_image(ctx, volume)
    if found is not None:
        return found
    quiesce_servers(ctx, volume)
    uploader = uploadable(ctx, volume)
    name = common.temp_name(source_volume_id)
    ctx.event('volume_copy', f'volume {source_volume_id}: uploading '
              f'{"a clone" if uploader.id != volume.id else "it"} to '
              f'source image {name}')
    image_id = upload(source, uploader.id, name)
    timeout = common.data_timeout(volume.size)
    common.wait_volume(source, uploader.id, common.COPYABLE, timeout,
                       f'source volume {uploader.id} (upload to an image)')
    return common.wait_image_active(source, image_id, timeout,
                                    f'source image {image_id} ({name})')


def quiesce_servers(ctx, volume) -> None:
    """Quiesce the source servers ``volume`` is attached to that this
    run migrates (suspended or stopped as ``server_stop_mode`` says, as
    their own items would; see :func:`server_quiesce.quiesce_ahead`); warn
    about those that keep running."""
    servers = sorted({a.get('server_id')
                      for a in getattr(volume, 'attachments', None) or ()
                      if a.get('server_id')})
    for server_id in servers:
        if not server_quiesce.quiesce_ahead(ctx, server_id):
            ctx.event('volume_copy', f'volume {volume.id}: attached to '
                      f'server {server_id}, which this migration does not '
                      'quiesce now (not migrated by this run, or started '
                      'since it was planned): the copy of its data is '
                      'crash-consistent only', level='WARNING')


def settled_source_image(ctx, volume):
    """The active temporary image of ``volume`` in the source, or None.

    Waits while the volume or its clone is uploading (an earlier attempt
    started it and Cinder goes on); removes dead or duplicate images.
    """
    source = ctx.source
    name = common.temp_name(volume.id)
    while True:
        images = common.named_images(source, name)
        pending = [i for i in images if i.status != 'active'
                   and i.status not in common.IMAGE_DEAD]
        current = source.block_storage.get_volume(volume.id)
        uploading = [v for v in [current] + common.named_volumes(source, name)
                     if v.status == 'uploading']
        if not (pending and uploading):
            break
        for busy in uploading:
            common.wait_for(
                lambda v=busy: helpers.get_or_none(
                    source.block_storage.get_volume, v.id),
                lambda v: v.status != 'uploading', lambda v: False,
                common.data_timeout(volume.size),
                f'source volume {busy.id} (upload to an image)')
    keep = next((i for i in images if i.status == 'active'), None)
    for image in images:
        if image is not keep:
            source.image.delete_image(image, ignore_missing=True)
    return keep


def uploadable(ctx, volume):
    """The volume to upload: ``volume`` itself when detached, else a
    clone (an earlier attempt's, if it is usable)."""
    source = ctx.source
    if volume.status not in common.COPYABLE:
        # Attaching, detaching, backing up, someone else's upload...
        volume = common.wait_volume(
            source, volume.id, common.COPYABLE, common.status_timeout(),
            f'source volume {volume.id} (to be copied)')
    if volume.status == 'available':
        return volume
    return clone(ctx, volume)


def clone(ctx, volume):
    """An available clone of the in-use ``volume`` in the source."""
    source = ctx.source
    name = common.temp_name(volume.id)
    keep = None
    for found in common.named_volumes(source, name):
        if keep is None and found.status in ('available', 'creating'):
            keep = found
        else:
            source.block_storage.delete_volume(found, ignore_missing=True)
    if keep is None:
        ctx.event('volume_copy', f'volume {volume.id} is in use: cloning '
                  f'it to {name}')
        keep = source.block_storage.create_volume(
            name=name, size=volume.size, source_volume_id=volume.id,
            availability_zone=volume.availability_zone,
            description='Temporary copy made by Pumphouse',
            metadata={common.SOURCE_KEY: volume.id})
    return common.wait_volume(source, keep.id, ('available',),
                              common.data_timeout(volume.size),
                              f'source clone {keep.id} ({name})')


def upload(conn, volume_id: str, name: str) -> str:
    """Start uploading a volume to a new private raw image; its id."""
    response = conn.block_storage.post(
        f'/volumes/{volume_id}/action',
        json={'os-volume_upload_image': {
            'image_name': name, 'disk_format': DISK_FORMAT,
            'container_format': CONTAINER_FORMAT, 'force': False,
            'visibility': 'private'}},
        microversion=UPLOAD_MICROVERSION)
    return helpers.check(response).json()['os-volume_upload_image'][
        'image_id']


# 2. Destination image ----------------------------------------------------

def is_complete_copy(image, project_id: str) -> bool:
    """Whether a destination temporary image is whole and usable."""
    props = getattr(image, 'properties', None) or {}
    expected_hash = props.get(EXPECTED_HASH)
    return (image.status == 'active' and image.owner == project_id
            and bool(image.checksum)
            and props.get(EXPECTED_CHECKSUM) == image.checksum
            and (not expected_hash or expected_hash == image.hash_value))


def reusable_destination_image(ctx, source_volume_id: str,
                               project_id: str):
    """The destination temporary image an earlier attempt completed, or
    None; any other image of that name is removed."""
    destination = ctx.destination
    keep = None
    for image in common.named_images(destination,
                                     common.temp_name(source_volume_id)):
        if keep is None and is_complete_copy(image, project_id):
            keep = image
        else:
            destination.image.delete_image(image, ignore_missing=True)
    return keep


def stream_to_destination(ctx, source_volume_id: str, source_image,
                          project_id: str):
    """A destination image, owned by ``project_id``, holding the source
    image's data (checked)."""
    destination = ctx.destination
    name = common.temp_name(source_volume_id)
    body = {'name': name,
            'disk_format': source_image.disk_format or DISK_FORMAT,
            'container_format': (source_image.container_format
                                 or CONTAINER_FORMAT),
            'visibility': 'private', 'owner': project_id,
            common.SOURCE_KEY: source_volume_id,
            EXPECTED_CHECKSUM: source_image.checksum or '',
            EXPECTED_HASH: source_image.hash_value or ''}
    image_id = helpers.check(destination.image.post(
        '/images', json=body)).json()['id']
    try:
        copied = transfer.stream_image(
            ctx.source, source_image, destination, image_id,
            transfer.DEFAULT_CHUNK_SIZE,
            progress(ctx, source_volume_id, source_image.size))
        image = common.wait_image_active(destination, image_id,
                                         common.status_timeout(),
                                         f'destination image {image_id}')
    except Exception:
        with excutils.save_and_reraise_exception():
            destination.image.delete_image(image_id, ignore_missing=True)
    ctx.event('volume_copy', f'volume {source_volume_id}: streamed '
              f'{copied.size} bytes (md5 {copied.checksum}) into '
              f'destination image {image_id}')
    return image


def progress(ctx, source_volume_id: str,
             total: int | None) -> transfer.Progress:
    """The ``progress`` of :func:`transfer.stream_image` for the copy of
    ``source_volume_id``: written to its plan item (throttled by
    :meth:`EngineContext.progress`)."""
    def report(done: int, final: bool) -> None:
        ctx.progress((VOLUME, source_volume_id), done, total, final)
    return report


# 3. and 4. Destination volume ------------------------------------------

def create_volume(ctx, source_volume_id: str, attrs: dict, image_id: str):
    """Ask the destination project's Cinder for the volume (not waited
    for); it is marked as the unfinished copy of the source volume."""
    metadata = dict(attrs['metadata'])
    metadata[common.SOURCE_KEY] = source_volume_id
    metadata[common.COPY_KEY] = common.COPY_UNFINISHED
    # Name and description as they are, null or "" (Cinder takes both).
    kwargs = {'size': attrs['size'], 'name': attrs['name'],
              'description': attrs['description'],
              'metadata': metadata, 'image_id': image_id}
    if attrs['availability_zone']:
        kwargs['availability_zone'] = attrs['availability_zone']
    if attrs['volume_type']:
        kwargs['volume_type'] = attrs['volume_type']
    conn = scoped.destination_in(ctx, attrs['project'])
    return conn.block_storage.create_volume(**kwargs)


def finish(ctx, volume_id: str, source_volume_id: str, attrs: dict):
    """Bring a destination volume made from the image to ``attrs``, remove
    the temporaries and the unfinished mark; idempotent. Returns it."""
    destination = ctx.destination
    volume = common.wait_volume(
        destination, volume_id, common.COPYABLE,
        common.data_timeout(attrs['size']),
        f'destination volume {volume_id} (created from an image)')
    if bool(volume.is_bootable) != attrs['bootable']:
        destination.block_storage.set_volume_bootable_status(
            volume, attrs['bootable'])
    align_image_metadata(destination, volume, attrs['image_metadata'])
    remove_temporaries(ctx, source_volume_id)
    helpers.exists(destination.block_storage.delete(
        f'/volumes/{volume_id}/metadata/{common.COPY_KEY}'))
    return volume


def align_image_metadata(conn, volume, wanted: dict) -> None:
    """Make a volume's image metadata ``wanted`` (Cinder filled it from
    the temporary image: its id, name, checksum, properties)."""
    current = dict(volume.volume_image_metadata or {})
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        helpers.check(conn.block_storage.post(
            f'/volumes/{volume.id}/action',
            json={'os-set_image_metadata': {'metadata': changed}}))
    for key in sorted(set(current) - set(wanted)):
        helpers.check(conn.block_storage.post(
            f'/volumes/{volume.id}/action',
            json={'os-unset_image_metadata': {'key': key}}))


# Temporaries ---------------------------------------------------------------

def remove_source_temporaries(ctx, source_volume_id: str,
                              best_effort: bool = True) -> None:
    """Remove the source image and clone of one volume's copy."""
    name = common.temp_name(source_volume_id)
    source = ctx.source
    _remove(ctx, best_effort, [
        (lambda i=i: source.image.delete_image(i, ignore_missing=True),
         f'source image {i.id}') for i in common.named_images(source, name)
    ] + [
        (lambda v=v: source.block_storage.delete_volume(
            v, ignore_missing=True), f'source clone {v.id}')
        for v in common.named_volumes(source, name)])


def remove_temporaries(ctx, source_volume_id: str,
                       best_effort: bool = False) -> None:
    """Remove every temporary of one volume's copy, on both sides."""
    name = common.temp_name(source_volume_id)
    destination = ctx.destination
    _remove(ctx, best_effort, [
        (lambda i=i: destination.image.delete_image(i, ignore_missing=True),
         f'destination image {i.id}')
        for i in common.named_images(destination, name)])
    remove_source_temporaries(ctx, source_volume_id, best_effort)


def _remove(ctx, best_effort: bool, deletions: list) -> None:
    for delete, what in deletions:
        try:
            delete()
        except Exception as e:
            if not best_effort:
                raise
            ctx.event('volume_copy', f'could not remove temporary {what}: '
                      f'{e}', level='WARNING')
