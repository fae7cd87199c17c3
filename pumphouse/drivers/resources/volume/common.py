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

"""Shared pieces of the Cinder drivers.

* Source lists (volumes, volume types), read once per engine context.
* The names and marks of what the volume copy makes along the way, so
  that a resumed run finds it again (see :mod:`.datapath`).
* Bounded waits for a status.
"""

import json
import time
from collections.abc import Callable
from collections.abc import Iterable

from openstack import exceptions as sdk_exc
from openstack.block_storage.v3 import type as type_mod
from oslo_log import log

from pumphouse.common import faults
from pumphouse.conf import CONF
from pumphouse.drivers.resources import common

LOG = log.getLogger(__name__)

#: Name of every temporary object of one volume's copy (source clone,
#: source image, destination image): the prefix and the source volume id.
TEMP_PREFIX = 'pumphouse-tmp-'
#: Metadata key on a destination volume (and on temporaries) naming the
#: source volume it was made from. Kept on the volume: it lets
#: find_destination recognise the copy, whatever state it is in.
SOURCE_KEY = 'pumphouse_source_volume'
#: Metadata key on a destination volume until its copy is finished
#: (bootable flag, image metadata, temporaries removed).
COPY_KEY = 'pumphouse_copy'
COPY_UNFINISHED = 'unfinished'
#: Keys Pumphouse adds to a volume's metadata: never compared, never
#: copied.
MARKER_KEYS = (SOURCE_KEY, COPY_KEY)

#: Source volume statuses whose data can be copied (once the copy is
#: under way, the volume is uploaded or cloned).
COPYABLE = ('available', 'in-use')
#: Statuses in which a volume will not become usable by waiting.
ERROR_STATUSES = frozenset({
    'error', 'error_deleting', 'error_restoring', 'error_extending',
    'error_managing', 'deleting'})
#: Glance statuses of an image that will never become active by waiting.
IMAGE_DEAD = frozenset({'killed', 'deleted', 'pending_delete'})

#: Seconds between two polls of a status (the first poll waits less).
POLL_INTERVAL = 2.0


def temp_name(source_volume_id: str) -> str:
    """The name of the temporary objects of one volume's copy."""
    return f'{TEMP_PREFIX}{source_volume_id}'


def is_temporary(name: str | None) -> bool:
    """Whether a volume or image is one of Pumphouse's temporaries."""
    return bool(name) and name.startswith(TEMP_PREFIX)


def user_metadata(metadata: dict | None) -> dict:
    """A volume's metadata without what Pumphouse adds."""
    return {k: v for k, v in (metadata or {}).items()
            if k not in MARKER_KEYS}


def status_timeout() -> float:
    """Seconds a status change that moves no data may take (a volume
    being attached or detached, a clone on a copy-on-write backend, an
    image becoming active): ``[timeouts] volume_status``."""
    return CONF.timeouts.volume_status


def data_timeout(size_gb: int) -> float:
    """How long a data move of ``size_gb`` GiB may take (clone, upload to
    an image, volume from an image): :func:`status_timeout` plus
    ``[timeouts] volume_seconds_per_gib`` per GiB."""
    return status_timeout() + CONF.timeouts.volume_seconds_per_gib * max(
        int(size_gb or 0), 1)


# Source lists -------------------------------------------------------------

def source_volumes(ctx) -> dict:
    """Every source volume of every project, by id (listed once)."""
    return common.source_list(
        ctx, 'cinder:volumes',
        lambda: ctx.source.block_storage.volumes(all_projects=True))


def list_types(conn) -> list:
    """Every volume type, public and private (admin; not cached)."""
    # Without is_public=none an admin sees only the public types.
    body = common.check(conn.block_storage.get(
        '/types?is_public=none')).json()
    return [type_mod.Type.existing(**t) for t in body['volume_types']]


def source_types(ctx) -> dict:
    """Every source volume type by id (listed once)."""
    return common.source_list(ctx, 'cinder:types',
                              lambda: list_types(ctx.source))


def source_type_id(ctx, name_or_id: str | None) -> str | None:
    """The id of a source volume type a volume names (by name below
    microversion 3.63, by id on some clouds)."""
    if not name_or_id:
        return None
    types = source_types(ctx)
    if name_or_id in types:
        return name_or_id
    for type_id, volume_type in types.items():
        if volume_type.name == name_or_id:
            return type_id
    return None


def marked_volumes(conn, source_volume_id: str) -> list:
    """Volumes of any project carrying :data:`SOURCE_KEY` =
    ``source_volume_id`` (a server-side metadata filter, admin)."""
    return list(conn.block_storage.volumes(
        all_projects=True,
        properties=json.dumps({SOURCE_KEY: source_volume_id})))


def named_volumes(conn, name: str) -> list:
    """Volumes of any project called ``name`` (admin)."""
    return [v for v in conn.block_storage.volumes(all_projects=True,
                                                  name=name)
            if v.name == name]


def named_images(conn, name: str) -> list:
    """Images of any owner called ``name`` (admin)."""
    return [i for i in conn.image.images(name=name) if i.name == name]


# Waiting --------------------------------------------------------------------

def wait_for(load: Callable[[], object], ready: Callable[[object], bool],
             failed: Callable[[object], bool], timeout: float,
             what: str) -> object:
    """Poll ``load()`` until ``ready(obj)``; return the object.

    Raises ResourceFailure when ``failed(obj)``, ResourceNotFound when the
    object is gone (``load`` raised it or returned None) and
    ResourceTimeout after ``timeout`` seconds. A transient fault of the
    cloud in ``load`` (its request retried in vain:
    :mod:`pumphouse.common.faults`) counts as one more poll that saw
    nothing new; it is raised only when the time is up.
    """
    deadline = time.monotonic() + timeout
    interval = min(0.5, POLL_INTERVAL)
    while True:
        try:
            obj = load()
        except Exception as e:
            if not faults.is_transient(e) or time.monotonic() >= deadline:
                raise  # the last poll's fault when the time is up
            LOG.warning('A poll of %(what)s failed, polling on: %(err)s',
                        {'what': what, 'err': faults.describe(e)})
            time.sleep(interval)
            interval = min(interval * 2, POLL_INTERVAL)
            continue
        if obj is None:
            raise sdk_exc.ResourceNotFound(f'{what} is gone')
        if ready(obj):
            return obj
        if failed(obj):
            raise sdk_exc.ResourceFailure(
                f'{what} is {getattr(obj, "status", "in error")}')
        if time.monotonic() >= deadline:
            raise sdk_exc.ResourceTimeout(
                f'{what} is still {getattr(obj, "status", "not ready")} '
                f'after {timeout:.0f} s')
        time.sleep(interval)
        interval = min(interval * 2, POLL_INTERVAL)


def wait_volume(conn, volume_id: str, statuses: Iterable[str],
                timeout: float, what: str):
    """Wait until a volume has one of ``statuses``; error states fail."""
    wanted = set(statuses)
    return wait_for(
        lambda: common.get_or_none(conn.block_storage.get_volume, volume_id),
        lambda v: v.status in wanted,
        lambda v: v.status in ERROR_STATUSES, timeout, what)


def wait_volume_gone(conn, volume_id: str, timeout: float,
                     what: str) -> None:
    """Wait until a volume is deleted; ``error_deleting`` fails."""
    gone = object()
    wait_for(
        lambda: common.get_or_none(conn.block_storage.get_volume,
                                   volume_id) or gone,
        lambda v: v is gone,
        lambda v: getattr(v, 'status', None) == 'error_deleting',
        timeout, what)


def wait_image_active(conn, image_id: str, timeout: float, what: str):
    """Wait until an image is active; killed or deleted fails."""
    return wait_for(
        lambda: common.get_or_none(conn.image.get_image, image_id),
        lambda i: i.status == 'active',
        lambda i: i.status in IMAGE_DEAD, timeout, what)
