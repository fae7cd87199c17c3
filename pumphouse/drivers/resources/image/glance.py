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

"""Raw Glance v2 calls the image driver makes.

Images are read as the JSON Glance returns (custom properties at the top
level) rather than as openstacksdk ``Image`` objects, which move some
well-known properties out of ``properties`` into attributes of their
own.
"""

import time
from collections.abc import Iterator

from openstack import exceptions as sdk_exc

from pumphouse.conf import CONF
from pumphouse.drivers.resources import common

#: The largest page Glance serves by default (``api_limit_max``).
PAGE_SIZE = 1000

_PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}


def list_images(conn, **filters) -> Iterator[dict]:
    """Every image matching ``filters``, hidden ones included.

    ``visibility=all`` is needed for community images, and Glance leaves
    ``os_hidden`` images out of a list unless asked for them alone: two
    listings, each followed page by page.
    """
    for hidden in ('false', 'true'):
        params = dict(filters, visibility='all', os_hidden=hidden,
                      limit=PAGE_SIZE)
        while True:
            body = common.check(conn.image.get('/images',
                                               params=params)).json()
            images = body.get('images', [])
            yield from images
            if not images or 'next' not in body:
                break
            params['marker'] = images[-1]['id']


def get_image(conn, image_id: str) -> dict | None:
    """An image record, or None when there is none (or it was deleted)."""
    response = conn.image.get(f'/images/{image_id}')
    return response.json() if common.exists(response) else None


def wait_while_saving(conn, image_id: str, timeout: float | None = None,
                      interval: float = 1.0) -> dict | None:
    """The image once it is no longer ``saving``, or as it is then.

    Glance puts an image whose upload was cut off (its uploader killed)
    back to ``queued`` when it notices, which may take a moment; one
    still ``saving`` after ``timeout`` (default ``[timeouts]
    image_settle``) has lost its Glance process.
    """
    if timeout is None:
        timeout = CONF.timeouts.image_settle
    deadline = time.monotonic() + timeout
    image = get_image(conn, image_id)
    while image is not None and image.get('status') == 'saving' and \
            time.monotonic() < deadline:
        time.sleep(interval)
        image = get_image(conn, image_id)
    return image


def create_image(conn, body: dict) -> dict:
    """``POST /v2/images``; raises ConflictException when the id is
    taken (also by a deleted image, until Glance's database is purged)."""
    return common.check(conn.image.post('/images', json=body)).json()


def set_protected(conn, image_id: str, protected: bool) -> None:
    common.check(conn.image.patch(
        f'/images/{image_id}', headers=_PATCH,
        json=[{'op': 'replace', 'path': '/protected',
               'value': protected}]))


def members(conn, image_id: str) -> list[dict]:
    """The member records of a shared image."""
    return common.check(conn.image.get(
        f'/images/{image_id}/members')).json().get('members', [])


def add_member(conn, image_id: str, project_id: str, status: str) -> None:
    """Share the image with a project and give the membership ``status``
    (an admin may answer for the member)."""
    common.check(conn.image.post(f'/images/{image_id}/members',
                                 json={'member': project_id}))
    if status != 'pending':
        set_member_status(conn, image_id, project_id, status)


def set_member_status(conn, image_id: str, project_id: str,
                      status: str) -> None:
    common.check(conn.image.put(f'/images/{image_id}/members/{project_id}',
                                json={'status': status}))


def delete_image(conn, image_id: str) -> None:
    """Delete an image, unprotecting it first; gone already is fine."""
    image = get_image(conn, image_id)
    if image is None:
        return
    if image.get('protected'):
        set_protected(conn, image_id, False)
    try:
        common.check(conn.image.delete(f'/images/{image_id}'))
    except sdk_exc.NotFoundException:
        pass
