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

"""The image driver's create and completion against a fake Glance: an
upload cut off by a transient fault leaves the image for the next
attempt, which completes it under the same id (the source's)."""

import itertools
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources.image import fields
from pumphouse.drivers.resources.image import glance
from pumphouse.drivers.resources.image import image as image_mod
from pumphouse.drivers.resources.image import transfer
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes

SOURCE = {'id': 'img-1', 'name': 'cirros', 'status': 'active',
          'disk_format': 'qcow2', 'container_format': 'bare',
          'visibility': 'private', 'protected': False, 'os_hidden': False,
          'min_disk': 0, 'min_ram': 0, 'tags': [], 'owner': 'p1',
          'checksum': 'c' * 32, 'os_hash_algo': 'sha512',
          'os_hash_value': 'h' * 128, 'size': 1024, 'hw_disk_bus': 'scsi'}


class FakeGlance:
    """The destination Glance, as :mod:`.glance` calls it: images by id;
    a deleted image's id is never given out again (409), as in Glance.
    ``upload_faults`` are raised by the next uploads, which Glance then
    leaves ``queued``."""

    def __init__(self) -> None:
        self.images: dict[str, dict] = {}
        self.deleted: set[str] = set()
        self.created: list[str] = []
        self.upload_faults: list[Exception] = []
        self._ids = (f'new-{n}' for n in itertools.count(1))

    def patch(self, test) -> None:
        for name, fake in (('get_image', self.get_image),
                           ('list_images', self.list_images),
                           ('create_image', self.create_image),
                           ('delete_image', self.delete_image),
                           ('members', lambda conn, image_id: []),
                           ('wait_while_saving', self.wait_while_saving)):
            patcher = mock.patch.object(glance, name, side_effect=fake)
            patcher.start()
            test.addCleanup(patcher.stop)
        patcher = mock.patch.object(transfer, 'stream_image',
                                    side_effect=self.stream_image)
        patcher.start()
        test.addCleanup(patcher.stop)

    def get_image(self, conn, image_id):
        found = self.images.get(image_id)
        return dict(found) if found else None

    def list_images(self, conn, **filters):
        return [dict(i) for i in self.images.values()
                if all(i.get(k) == v for k, v in filters.items())]

    def wait_while_saving(self, conn, image_id, timeout=None, interval=1.0):
        return self.get_image(conn, image_id)

    def create_image(self, conn, body):
        image_id = body.get('id') or next(self._ids)
        if image_id in self.images or image_id in self.deleted:
            raise sdk_exc.ConflictException('409 Conflict')
        self.images[image_id] = dict(
            body, id=image_id, status='queued', checksum=None, size=None,
            os_hash_algo=None, os_hash_value=None, protected=False)
        self.created.append(image_id)
        return dict(self.images[image_id])

    def delete_image(self, conn, image_id):
        self.images.pop(image_id, None)
        self.deleted.add(image_id)

    def stream_image(self, source, source_image, destination, image_id,
                     progress=None):
        if self.upload_faults:
            raise self.upload_faults.pop(0)  # Glance: back to queued
        self.images[image_id].update(
            status='active', size=source_image.size,
            checksum=source_image.checksum,
            os_hash_algo=source_image.hash_algo,
            os_hash_value=source_image.hash_value)


def reset():
    return ksa_exc.ConnectFailure('Unable to establish connection to '
                                  'http://dst:9292/v2/images/img-1/file: '
                                  'Connection aborted.')


class TestUploadCutOff(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.glance = FakeGlance()
        self.glance.patch(self)
        self.driver = fakes.driver(image_mod.ImageDriver, 'image.image')
        attrs = fields.common_attrs(SOURCE)
        attrs.update(kernel=None, ramdisk=None, owner='p1', members=[])
        self.attrs = attrs
        self.resource = res.Resource('image.image', 'img-1', 'cirros',
                                     attrs, data={'client_properties': {}})

    def attempt(self, ctx):
        """One attempt of the engine at the item (apply.ItemRunner)."""
        existing = self.driver.find_destination(ctx, self.resource,
                                                self.attrs)
        if existing is None:
            return self.driver.create(ctx, self.resource, self.attrs)
        differences = self.driver.compare(self.attrs, existing)
        if not differences:
            return existing['id']
        return self.driver.complete(ctx, self.resource, self.attrs,
                                    existing, differences)

    def test_the_next_attempt_completes_the_same_image(self):
        self.glance.upload_faults = [reset()]
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=True)
        self.assertRaises(ksa_exc.ConnectFailure, self.attempt, ctx)
        self.assertEqual('queued', self.glance.images['img-1']['status'])
        self.assertEqual('img-1', self.attempt(ctx))
        self.assertEqual(['img-1'], self.glance.created)
        self.assertEqual({'img-1'}, set(self.glance.images))
        self.assertEqual('active', self.glance.images['img-1']['status'])
        self.assertEqual([], [e for e in ctx.events
                              if e.event_type == 'image_id'])

    def test_failing_for_good_deletes_it(self):
        """The engine does not try again: the image is deleted, and the
        id is lost (what happened on every failure before)."""
        self.glance.upload_faults = [reset()]
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock(), retrying=False)
        self.assertRaises(ksa_exc.ConnectFailure, self.attempt, ctx)
        self.assertEqual({}, self.glance.images)
        self.assertEqual('new-1', self.attempt(ctx))
        self.assertEqual(['image_id'], [e.event_type for e in ctx.events])

    def test_a_409_for_an_image_that_is_there_now_continues_with_it(self):
        """The POST went twice (an API or proxy repeated it): the image
        with the source's id is the one this create made."""
        ctx = fakes.FakeContext(mock.Mock(), mock.Mock())
        original = self.glance.create_image

        def twice(conn, body):
            original(conn, body)
            return original(conn, body)

        glance.create_image.side_effect = twice
        self.assertEqual('img-1', self.driver.create(ctx, self.resource,
                                                     self.attrs))
        self.assertEqual(['img-1'], self.glance.created)
        self.assertEqual('active', self.glance.images['img-1']['status'])
