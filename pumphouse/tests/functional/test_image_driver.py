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

"""The Glance image driver between the two real clouds.

Each test works in a project of its own (see
:class:`test_compute_drivers.Workspace`) whose images it makes in the
source as the admin, and removes what it made from both clouds at the
end (unprotecting first); the seeded images are never touched.
"""

import hashlib
import random
import time
import types

import pytest
from openstack import exceptions as sdk_exc

from pumphouse.common import exception
from pumphouse.db import migration_api
from pumphouse.drivers.resources.image import fields
from pumphouse.drivers.resources.image import glance
from pumphouse.drivers.resources.image import image as image_mod
from pumphouse.drivers.resources.image import transfer
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import test_compute_drivers as helpers

IMAGE = 'image.image'
MIB = 1024 * 1024


def content(seed: str, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def digests(data: bytes) -> tuple[str, str]:
    return (hashlib.md5(data, usedforsecurity=False).hexdigest(),
            hashlib.sha512(data).hexdigest())


def stored_digests(conn, image_id: str) -> tuple[int, str, str]:
    """Size, MD5 and SHA-512 of an image's bytes as Glance serves them."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha512 = hashlib.sha512()
    size = 0
    response = conn.image.get(f'/images/{image_id}/file', stream=True)
    assert response.status_code == 200, response.text
    for chunk in response.iter_content(MIB):
        md5.update(chunk)
        sha512.update(chunk)
        size += len(chunk)
    return size, md5.hexdigest(), sha512.hexdigest()


def upload(conn, image_id: str, data) -> None:
    response = conn.image.put(
        f'/images/{image_id}/file', data=data,
        headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204, response.text


def settled_status(conn, image_id: str) -> str:
    """The status once Glance has dealt with an upload cut off just now
    (it may not even have started on it yet)."""
    time.sleep(2)
    return glance.wait_while_saving(conn, image_id)['status']


def named(conn, name: str) -> list[dict]:
    return list(glance.list_images(conn, name=name))


class ImageWorkspace(helpers.Workspace):
    """The compute tests' workspace, plus images in both clouds."""

    def __init__(self, source, destination) -> None:
        super().__init__(source, destination, 'pi')
        self.image_names: list[str] = []
        self.data: dict[str, bytes] = {}

    def new_image(self, conn=None, data: bytes | None = None,
                  owner: str | None = None, protected: bool = False,
                  **body) -> dict:
        """An image made as the admin, owned by the workspace's project
        unless told otherwise, with ``data`` uploaded if given."""
        conn = conn or self.source
        body.setdefault('name', self.name('image'))
        body.setdefault('disk_format', 'raw')
        body.setdefault('container_format', 'bare')
        body['owner'] = owner or self.project.id
        self.image_names.append(body['name'])
        image = glance.create_image(conn, body)
        if data is not None:
            upload(conn, image['id'], data)
            self.data[image['id']] = data
        if protected:
            glance.set_protected(conn, image['id'], True)
        return glance.get_image(conn, image['id'])

    def purge_all(self) -> None:
        for conn in (self.destination, self.source):
            for name in self.image_names:
                for image in named(conn, name):
                    glance.delete_image(conn, image['id'])
        super().purge_all()


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def workspace():
    created = ImageWorkspace(fixtures.sdk_connection('source'),
                             fixtures.sdk_connection('destination'))
    yield created
    created.purge_all()


def migrate_project(workspace, **strategies):
    selection = helpers.project_selection(workspace.project.name, IMAGE)
    selection['strategies'].update(strategies)
    return helpers.migrate(selection)


def image_items(migration) -> dict:
    return {k[1]: i for k, i in helpers.items_by_key(migration).items()
            if k[0] == IMAGE}


def assert_same_bytes(workspace, destination_id: str,
                      source_id: str) -> None:
    data = workspace.data[source_id]
    assert stored_digests(workspace.destination, destination_id) == \
        (len(data), *digests(data))


@pytest.fixture
def images(workspace):
    """Images of every kind in the workspace's project, shared with two
    other projects; a queued one and a Pumphouse temporary one too."""
    ws = workspace
    accepting, pending = ws.new_project(), ws.new_project()
    kernel = ws.new_image(data=content('kernel', 4096), disk_format='aki',
                          container_format='aki')
    ramdisk = ws.new_image(data=content('ramdisk', 8192),
                           disk_format='ari', container_format='ari')
    # Several chunks, the last one short.
    shared = ws.new_image(
        data=content('shared', 3 * MIB + 123), visibility='shared',
        min_disk=2, min_ram=128, tags=['tag-a', 'tag-b'],
        kernel_id=kernel['id'], ramdisk_id=ramdisk['id'],
        os_distro='pumphouse', pumphouse_note='ünïcödé value',
        **{'owner_specified.openstack.md5': 'kept, not compared'},
        protected=True)
    glance.add_member(ws.source, shared['id'], accepting.id, 'accepted')
    glance.add_member(ws.source, shared['id'], pending.id, 'pending')
    community = ws.new_image(data=content('community', 1000),
                             visibility='community')
    public = ws.new_image(data=content('public', 2048),
                          visibility='public', os_hidden=True)
    queued = ws.new_image()
    temporary = ws.new_image(data=b'snapshot',
                             name='pumphouse-tmp-' + ws.name('snap'))
    return types.SimpleNamespace(
        kernel=kernel, ramdisk=ramdisk, shared=shared, community=community,
        public=public, queued=queued, temporary=temporary,
        accepting=accepting, pending=pending)


def test_project_images_keep_everything(engine, workspace, images):
    ws, destination = workspace, workspace.destination
    migration = migrate_project(ws)
    helpers.assert_clean(migration)
    items = image_items(migration)
    migrated = [images.kernel, images.ramdisk, images.shared,
                images.community, images.public]
    assert {i['id'] for i in migrated} == {
        i for i, item in items.items() if item.state == 'done'}
    assert items[images.queued['id']].action == 'skip'
    assert 'queued' in items[images.queued['id']].details['note']
    assert images.temporary['id'] not in items

    project = destination.identity.find_project(
        ws.project.name, domain_id='default', ignore_missing=False)
    for source_image in migrated:
        copy = glance.get_image(destination, source_image['id'])  # kept id
        assert copy['status'] == 'active'
        assert items[source_image['id']].destination_id == copy['id']
        assert copy['owner'] == project.id
        for key in ('name', 'disk_format', 'container_format', 'min_disk',
                    'min_ram', 'visibility', 'protected', 'os_hidden',
                    'size', 'checksum', 'os_hash_algo', 'os_hash_value'):
            assert copy[key] == source_image[key], key
        assert sorted(copy['tags']) == sorted(source_image['tags'])
        assert fields.properties(copy) == fields.properties(source_image)
        assert_same_bytes(ws, copy['id'], source_image['id'])

    shared = glance.get_image(destination, images.shared['id'])
    assert (shared['visibility'], shared['protected'], shared['min_disk'],
            shared['min_ram']) == ('shared', True, 2, 128)
    assert (shared['kernel_id'], shared['ramdisk_id']) == (
        images.kernel['id'], images.ramdisk['id'])
    assert shared['pumphouse_note'] == 'ünïcödé value'
    assert shared['owner_specified.openstack.md5'] == 'kept, not compared'
    assert shared['kernel_id'] == images.kernel['id']
    members = {}
    for name, status in ((images.accepting.name, 'accepted'),
                         (images.pending.name, 'pending')):
        member = destination.identity.find_project(
            name, domain_id='default', ignore_missing=False)
        members[member.id] = status
    assert {m['member_id']: m['status'] for m in
            glance.members(destination, shared['id'])} == members
    assert glance.get_image(destination,
                            images.community['id'])['visibility'] == \
        'community'
    assert named(destination, images.queued['name']) == []
    assert named(destination, images.temporary['name']) == []

    # A second run finds everything in place.
    before = {n: len(named(destination, n)) for n in ws.image_names}
    second = migrate_project(ws)
    helpers.assert_clean(second)
    assert {i.action for i in image_items(second).values()} == \
        {'reuse', 'skip'}
    assert {n: len(named(destination, n)) for n in ws.image_names} == \
        before


def test_used_takes_the_images_servers_were_booted_from(engine,
                                                        workspace):
    ws = workspace
    booted = ws.new_image(data=content('booted', 4096))
    ws.new_image(data=content('unused', 4096))
    flavor = ws.new_flavor(vcpus=1, ram=64, disk=1)
    server = ws.member.compute.create_server(
        name=ws.name('server'), flavor_id=flavor.id,
        image_id=booted['id'], networks='none')
    ws.member.compute.wait_for_server(server, wait=120)
    selection = helpers.project_selection(ws.project.name, IMAGE)
    selection['strategies'][IMAGE] = 'used'
    migration = runner.plan(runner.create('source', 'destination', selection,
                                          {}, project_id='admin').uuid)
    assert list(image_items(migration)) == [booted['id']]


def test_equal_image_is_reused_other_data_conflicts(engine, workspace):
    ws, destination = workspace, workspace.destination
    # The project already exists in the destination, with an equal image
    # under another id and a same-named one with other bytes.
    project = ws.new_project(destination, ws.project.name)
    data = content('equal', 5000)
    equal = ws.new_image(data=data, os_distro='x', tags=['t'])
    there = ws.new_image(destination, data=data, owner=project.id,
                         name=equal['name'], os_distro='x', tags=['t'])
    assert there['id'] != equal['id']
    other = ws.new_image(data=content('source side', 5000))
    ws.new_image(destination, data=content('destination side', 5000),
                 owner=project.id, name=other['name'])

    migration = runner.plan(runner.create(
        'source', 'destination',
        helpers.resources_selection(f'{IMAGE}={equal["id"]}',
                                    f'{IMAGE}={other["id"]}'),
        {}, project_id='admin').uuid)
    items = image_items(migration)
    assert (items[equal['id']].action,
            items[equal['id']].destination_id) == ('reuse', there['id'])
    conflict = items[other['id']]
    assert conflict.action == 'conflict'
    assert {'checksum', 'os_hash_value'} <= set(
        conflict.details['differences'])
    with pytest.raises(exception.PlanConflict):
        runner.start(migration.uuid)

    reused = helpers.migrate(helpers.resources_selection(
        f'{IMAGE}={equal["id"]}'))
    helpers.assert_clean(reused)
    assert image_items(reused)[equal['id']].destination_id == there['id']
    assert [i['id'] for i in named(destination, equal['name'])] == \
        [there['id']]
    assert glance.get_image(destination, equal['id']) is None


def test_interrupted_create_is_completed(engine, workspace):
    """A destination image a killed run left ``queued`` (its upload cut
    off midway) gets its data, members and protection; no second one."""
    ws, destination = workspace, workspace.destination
    member = ws.new_project()
    source_image = ws.new_image(data=content('resumed', 2 * MIB + 7),
                                visibility='shared', protected=True,
                                tags=['resumed'])
    glance.add_member(ws.source, source_image['id'], member.id,
                      'accepted')
    selection = helpers.resources_selection(f'{IMAGE}={source_image["id"]}')
    migration = runner.plan(runner.create('source', 'destination',
                                          selection, {},
                                          project_id='admin').uuid)
    item = image_items(migration)[source_image['id']]
    assert item.action == 'create'

    # What the attempt that died while streaming left: both projects
    # (made the same way) and the image, created as the driver does, the
    # upload cut off after a chunk.
    ids = {ws.project.id: ws.new_project(destination, ws.project.name).id,
           member.id: ws.new_project(destination, member.name).id}
    resource = res.Resource.from_item(item)
    attrs = res.translate(resource.attrs, lambda key: ids.get(key[1]))
    made = glance.create_image(destination, fields.create_body(
        attrs, {}, image_id=source_image['id']))

    def cut_off():
        yield b'\0' * MIB
        raise RuntimeError('the conductor was killed')

    with pytest.raises(Exception):  # noqa: B017 - whatever requests makes
        upload(destination, made['id'], cut_off())
    assert settled_status(destination, made['id']) == 'queued'

    migration = engine_fixtures.run(migration.uuid, workers=2)
    helpers.assert_clean(migration)
    assert image_items(migration)[source_image['id']].destination_id == \
        source_image['id']
    assert [i['id'] for i in named(destination, source_image['name'])] == \
        [source_image['id']]
    copy = glance.get_image(destination, source_image['id'])
    assert (copy['status'], copy['protected']) == ('active', True)
    assert_same_bytes(ws, copy['id'], source_image['id'])
    assert [(m['member_id'], m['status']) for m in
            glance.members(destination, copy['id'])] == \
        [(ids[member.id], 'accepted')]
    events = [e.message for e in migration_api.list_events(migration.id)]
    assert any('completed and adopted' in m and source_image['name'] in m
               for m in events), events


def test_deleted_id_gets_a_new_id(engine, workspace):
    ws, destination = workspace, workspace.destination
    source_image = ws.new_image(data=content('new id', 10000))
    # Glance never gives out the id of a deleted image again.
    stale = glance.create_image(destination, {
        'id': source_image['id'], 'name': ws.name('deleted'),
        'disk_format': 'raw', 'container_format': 'bare'})
    glance.delete_image(destination, stale['id'])

    selection = helpers.resources_selection(f'{IMAGE}={source_image["id"]}')
    migration = helpers.migrate(selection)
    helpers.assert_clean(migration)
    copies = named(destination, source_image['name'])
    assert len(copies) == 1
    copy = copies[0]
    assert copy['id'] != source_image['id']
    assert image_items(migration)[source_image['id']].destination_id == \
        copy['id']
    assert_same_bytes(ws, copy['id'], source_image['id'])
    events = [e.message for e in migration_api.list_events(migration.id)]
    assert any('gets a new id' in m for m in events), events

    second = helpers.migrate(selection)
    helpers.assert_clean(second)
    assert image_items(second)[source_image['id']].destination_id == \
        copy['id']
    assert len(named(destination, source_image['name'])) == 1


def test_wrong_data_never_activates_the_destination_image(workspace):
    """The stream is checked before its end: bytes that do not match the
    source image leave the destination image ``queued``."""
    ws, destination = workspace, workspace.destination
    data = content('checked', MIB + 1)
    source_image = ws.new_image(data=data)
    target = ws.new_image(destination, name=source_image['name'])
    wrong = fields.data_of(
        dict(fields.common_attrs(source_image), checksum='0' * 32),
        source_image['id'])
    with pytest.raises(exception.DataMismatch):
        transfer.stream_image(ws.source, wrong, destination, target['id'])
    assert settled_status(destination, target['id']) == 'queued'

    right = fields.data_of(fields.common_attrs(source_image),
                           source_image['id'])
    copied = transfer.stream_image(ws.source, right, destination,
                                   target['id'])
    assert (copied.size, copied.checksum, copied.hash_value) == \
        (len(data), *digests(data))
    assert glance.get_image(destination, target['id'])['status'] == 'active'


def test_failed_create_leaves_nothing(engine, workspace):
    """A create whose data cannot be copied deletes its image again."""
    ws, destination = workspace, workspace.destination
    source_image = ws.new_image(data=content('fails', 4096),
                                protected=True)
    driver = image_mod.ImageDriver()
    driver.resource_type = IMAGE
    ctx = types.SimpleNamespace(
        source=ws.source, destination=destination,
        semaphore=lambda name, size: _NoLimit(), event=lambda *a, **k: None,
        progress=lambda *a, **k: None,
        retry_planned=lambda error: False)  # the item fails for good
    attrs = dict(fields.common_attrs(source_image), owner=None,
                 members=[], kernel=None, ramdisk=None,
                 size=source_image['size'] + 1)  # never matches
    resource = res.Resource(IMAGE, source_image['id'], source_image['name'],
                            attrs)
    with pytest.raises(exception.DataMismatch):
        driver.create(ctx, resource, attrs)
    assert glance.get_image(destination, source_image['id']) is None
    assert named(destination, source_image['name']) == []
    # The id is spent: a real retry creates under a new one.
    try:
        spent = glance.create_image(destination, {'id': source_image['id']})
    except sdk_exc.ConflictException:
        return
    glance.delete_image(destination, spent['id'])
    pytest.fail('Glance gave out the id of a deleted image again')


class _NoLimit:

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
