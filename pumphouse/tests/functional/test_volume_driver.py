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

"""The Cinder drivers (volume.volume, volume.type) between the real clouds.

Each test makes a project of its own in the source with a private volume
type and volumes holding known bytes (written into the harness's
file-backed volumes, or taken from an image of known bytes), and removes
everything it made, in both clouds, at the end; seeded objects are never
touched. The data is compared byte for byte through the backing files of
the harness's Cinder (``.minicloud/<cloud>/cinder/volumes``).
"""

import pathlib
import runpy
import signal
import sqlite3
import subprocess
import types
import uuid
from unittest import mock

import pytest

from pumphouse.db import migration_api
from pumphouse.drivers.resources.image import transfer
from pumphouse.drivers.resources.volume import common as vol_common
from pumphouse.drivers.resources.volume import datapath
from pumphouse.engine import registry
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures

MINE = ('volume.volume', 'volume.type')
mc = types.SimpleNamespace(**runpy.run_path(
    str(fixtures.REPO / 'tools' / 'minicloud' / 'testing.py')))
MIB_PER_GIB = mc.content.VOLUME_BYTES_PER_GIB


class Killed(BaseException):
    """Stands for the process dying: no ``except Exception`` sees it."""


def selection(project_name: str, *wanted: str) -> dict:
    """The project, identity by its defaults, ``wanted`` types by theirs,
    every other type only as far as these need it."""
    strategies = {name: 'depend' for name, driver in
                  registry.load_drivers().items()
                  if not name.startswith('identity.') and name not in wanted
                  and 'depend' in driver.strategies}
    return {'workload': {'kind': 'project', 'names': [project_name]},
            'strategies': strategies}


def migrate(project_name: str, *wanted: str):
    migration = runner.create('source', 'destination',
                              selection(project_name, *wanted), {},
                              project_id='admin')
    runner.plan(migration.uuid)
    return engine_fixtures.run(migration.uuid, workers=4)


def planned(project_name: str):
    migration = runner.create('source', 'destination',
                              selection(project_name, *MINE), {},
                              project_id='admin')
    return runner.plan(migration.uuid)


def assert_clean(migration) -> None:
    assert migration.state == 'completed', migration.last_error
    assert migration.report['differences'] == []
    assert migration.report['not_migrated'] == []


def items_by_key(migration) -> dict:
    return {(i.resource_type, i.source_id): i
            for i in migration_api.list_plan_items(migration.id)}


def events_of(migration) -> list[str]:
    return [e.message for e in migration_api.list_events(migration.id)]


def backing_file(cloud: str, volume_id: str) -> pathlib.Path:
    return (mc.STATE / cloud / 'cinder' / 'volumes' /
            f'volume-{volume_id}')


def volume_bytes(cloud: str, volume_id: str) -> bytes:
    return backing_file(cloud, volume_id).read_bytes()


def wait_volume(conn, volume_id: str, status: str = 'available'):
    return conn.block_storage.wait_for_status(
        conn.block_storage.get_volume(volume_id), status,
        failures=['error'], interval=1, wait=300)


def temporaries(source, destination, volume_id: str) -> list[str]:
    """What is left of a volume's temporary objects, in both clouds."""
    name = vol_common.temp_name(volume_id)
    left = [f'source image {i.id}' for i in
            vol_common.named_images(source, name)]
    left += [f'destination image {i.id}' for i in
             vol_common.named_images(destination, name)]
    left += [f'source volume {v.id}' for v in
             vol_common.named_volumes(source, name)]
    left += [f'destination volume {v.id}' for v in
             vol_common.named_volumes(destination, name)]
    return left


def copies(destination, volume_id: str) -> list:
    """Destination volumes made from the source volume ``volume_id``."""
    return vol_common.marked_volumes(destination, volume_id)


class Space:
    """A project of the test's own in the source, its volume type and
    volumes, and what they need; :meth:`purge` removes it all, in both
    clouds, whoever made it there."""

    def __init__(self, source, destination) -> None:
        self.source = source
        self.destination = destination
        self.tag = uuid.uuid4().hex[:8]
        self.project = source.identity.create_project(
            name=self.name('project'), domain_id='default',
            description='volume driver test')
        admin_role = source.identity.find_role('admin')
        source.identity.assign_project_role_to_user(
            self.project, source.current_user_id, admin_role)
        self.scoped = source.connect_as(project_id=self.project.id)
        self.volume_type = source.block_storage.create_type(
            name=self.name('type'), description='private test type',
            is_public=False,
            extra_specs={'pumphouse:tier': 'gold', 'pumphouse:n': '1'})
        source.block_storage.add_type_access(self.volume_type,
                                             self.project.id)
        self.flavor = None
        self.image = None
        self.server = None
        self.network = None

    def name(self, kind: str) -> str:
        return f'pv-{self.tag}-{kind}'

    def volume(self, kind: str, size: int = 1, data: bytes | None = None,
               **kwargs):
        """A volume of the project; ``data`` is written at its start."""
        volume = self.scoped.block_storage.create_volume(
            name=self.name(kind), size=size,
            volume_type=self.volume_type.id, **kwargs)
        volume = wait_volume(self.source, volume.id)
        if data is not None:
            with open(backing_file('source', volume.id), 'r+b') as f:
                f.write(data)
        return volume

    def image_of(self, data: bytes, **properties):
        """An image of the project holding ``data``."""
        self.image = self.scoped.image.create_image(
            name=self.name('image'), disk_format='raw',
            container_format='bare', visibility='private', data=data,
            wait=True, **properties)
        return self.image

    def attach(self, volume):
        """Boot a server in the project (fake virt driver) and attach
        ``volume`` to it; the volume is then in-use."""
        compute = self.scoped.compute
        self.flavor = self.source.compute.create_flavor(
            name=self.name('flavor'), vcpus=1, ram=64, disk=1)
        boot_image = self.image or self.image_of(b'\0' * 4096)
        self.network = self.scoped.network.create_network(
            name=self.name('net'))
        self.scoped.network.create_subnet(
            network_id=self.network.id, ip_version=4, cidr='10.198.0.0/24',
            name=self.name('subnet'))
        server = compute.create_server(
            name=self.name('server'), flavor_id=self.flavor.id,
            image_id=boot_image.id, networks=[{'uuid': self.network.id}])
        self.server = compute.wait_for_server(server, wait=180)
        compute.create_volume_attachment(self.server, volume_id=volume.id)
        return wait_volume(self.source, volume.id, 'in-use')

    # -- clean-up ------------------------------------------------------------
    def purge(self) -> None:
        errors = []
        for step in (self._purge_temporaries, self._purge_source,
                     self._purge_destination):
            try:
                step()
            except Exception as e:  # noqa: BLE001 - clean the rest too
                errors.append(e)
        if errors:
            raise errors[0]

    def _source_volume_ids(self) -> list[str]:
        return [v.id for v in self.source.block_storage.volumes(
            all_projects=True) if v.project_id == self.project.id]

    def _purge_temporaries(self) -> None:
        for volume_id in self._source_volume_ids():
            name = vol_common.temp_name(volume_id)
            for conn in (self.source, self.destination):
                for image in vol_common.named_images(conn, name):
                    conn.image.delete_image(image, ignore_missing=True)
                delete_volumes(conn, vol_common.named_volumes(conn, name))

    def _purge_source(self) -> None:
        source = self.source
        if self.server is not None:
            source.compute.delete_server(self.server)
            source.compute.wait_for_delete(self.server, wait=180)
        delete_volumes(source, [
            v for v in source.block_storage.volumes(all_projects=True)
            if v.project_id == self.project.id])
        if self.image is not None:
            source.image.delete_image(self.image, ignore_missing=True)
        if self.flavor is not None:
            source.compute.delete_flavor(self.flavor, ignore_missing=True)
        if self.network is not None:
            for port in source.network.ports(network_id=self.network.id):
                source.network.delete_port(port, ignore_missing=True)
            source.network.delete_network(self.network,
                                          ignore_missing=True)
        purge_project(source, self.project.id,
                      self.volume_type.name)

    def _purge_destination(self) -> None:
        destination = self.destination
        project = destination.identity.find_project(
            self.project.name, domain_id='default', ignore_missing=True)
        if project is not None:
            delete_volumes(destination, [
                v for v in destination.block_storage.volumes(
                    all_projects=True) if v.project_id == project.id])
        purge_project(destination, project and project.id,
                      self.volume_type.name)


#: Statuses a volume leaves by itself before it can be deleted.
_BUSY = ('creating', 'downloading', 'uploading', 'attaching', 'detaching',
         'reserved', 'in-use')


def delete_volumes(conn, volumes) -> None:
    """Delete volumes (once they are not busy) and wait until gone."""
    for volume in volumes:
        if volume.status in _BUSY:
            wait_volume(conn, volume.id)
        conn.block_storage.delete_volume(volume, ignore_missing=True)
    for volume in volumes:
        conn.block_storage.wait_for_delete(volume, interval=1, wait=180)


def purge_project(conn, project_id: str | None, type_name: str) -> None:
    """The volume type, the project's security groups, the project."""
    volume_type = next((t for t in vol_common.list_types(conn)
                        if t.name == type_name), None)
    if volume_type is not None:
        conn.block_storage.delete_type(volume_type, ignore_missing=True)
    if project_id is None:
        return
    for group in conn.network.security_groups(project_id=project_id):
        conn.network.delete_security_group(group, ignore_missing=True)
    conn.identity.delete_project(project_id, ignore_missing=True)


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def space():
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    made = Space(source, destination)
    try:
        yield made
    finally:
        made.purge()


def assert_copied(space, source_volume, dest, dest_project) -> None:
    """``dest`` is the whole copy of ``source_volume``."""
    source_volume = space.source.block_storage.get_volume(source_volume.id)
    assert dest.status == 'available'
    assert (dest.name, dest.size, dest.description, dest.availability_zone,
            dest.volume_type, dest.project_id, dest.is_multiattach) == (
        source_volume.name, source_volume.size, source_volume.description,
        source_volume.availability_zone, space.volume_type.name,
        dest_project.id, False)
    assert dest.is_bootable == source_volume.is_bootable
    assert vol_common.user_metadata(dest.metadata) == source_volume.metadata
    assert dest.metadata[vol_common.SOURCE_KEY] == source_volume.id
    assert vol_common.COPY_KEY not in dest.metadata
    assert (dest.volume_image_metadata or {}) == (
        source_volume.volume_image_metadata or {})
    assert volume_bytes('destination', dest.id) == \
        volume_bytes('source', source_volume.id)
    assert temporaries(space.source, space.destination,
                       source_volume.id) == []


def test_project_volumes_migrate_with_their_data(engine, space):
    source, destination = space.source, space.destination
    size = MIB_PER_GIB
    detached = space.volume(
        'detached', data=mc.content.pattern(f'{space.tag}-detached', size),
        description='plain data volume',
        metadata={'purpose': 'test', 'owner': 'pv'})
    image_data = mc.content.pattern(f'{space.tag}-image', 65536)
    image = space.image_of(image_data, os_distro='cirros',
                           hw_disk_bus='virtio')
    bootable = space.volume('bootable', size=2, image_id=image.id,
                            description='made from an image')
    attached = space.volume(
        'attached', data=mc.content.pattern(f'{space.tag}-attached', size),
        metadata={'role': 'attached'})
    attached = space.attach(attached)
    assert bootable.is_bootable and not detached.is_bootable
    assert volume_bytes('source', bootable.id) == \
        mc.content.volume_bytes(2, image_data)

    migration = migrate(space.project.name, *MINE)
    assert_clean(migration)
    project = destination.identity.find_project(
        space.project.name, domain_id='default', ignore_missing=False)
    items = items_by_key(migration)
    for volume in (detached, bootable, attached):
        item = items[('volume.volume', volume.id)]
        assert item.action == 'create' and item.state == 'done'
        made = copies(destination, volume.id)
        assert [v.id for v in made] == [item.destination_id]
        assert_copied(space, volume, destination.block_storage.get_volume(
            item.destination_id), project)
    assert {v.id for v in destination.block_storage.volumes(
        all_projects=True) if v.project_id == project.id} == {
        items[('volume.volume', v.id)].destination_id
        for v in (detached, bootable, attached)}
    # The in-use volume went through a clone; the source is unchanged.
    messages = events_of(migration)
    assert any(f'volume {attached.id} is in use: cloning' in m
               for m in messages), messages
    assert not any(f'volume {detached.id} is in use' in m
                   for m in messages)
    # Its server is not migrated (nor quiesced): the copy says it is only
    # crash-consistent.
    assert any(f'volume {attached.id}: attached to server '
               f'{space.server.id}' in m and 'crash-consistent' in m
               for m in messages), messages
    assert source.compute.get_server(space.server.id).status == 'ACTIVE'
    assert source.block_storage.get_volume(attached.id).status == 'in-use'
    assert source.block_storage.get_volume(detached.id).status == \
        'available'

    # The private type, by name, with its specs and access.
    volume_type = next(t for t in vol_common.list_types(destination)
                       if t.name == space.volume_type.name)
    assert items[('volume.type', space.volume_type.id)].destination_id == \
        volume_type.id
    assert volume_type.is_public is False
    assert volume_type.description == 'private test type'
    assert volume_type.extra_specs == {'pumphouse:tier': 'gold',
                                       'pumphouse:n': '1'}
    assert [a['project_id'] for a in destination.block_storage
            .get_type_access(volume_type)] == [project.id]

    # A second migration reuses everything and copies nothing.
    second = migrate(space.project.name, *MINE)
    assert_clean(second)
    actions = {k: i.action for k, i in items_by_key(second).items()
               if k[0] in MINE}
    assert set(actions.values()) == {'reuse'}, actions
    for volume in (detached, bootable, attached):
        assert len(copies(destination, volume.id)) == 1


def _plan_after_identity(space):
    """The project in the destination (an identity-only migration), then
    the plan of its volumes, and a context to act as its apply would."""
    assert_clean(migrate(space.project.name))
    migration = planned(space.project.name)
    ctx = runner._context(migration, None)  # noqa: SLF001 - act as apply
    return migration, ctx


def _resource(migration, volume):
    item = items_by_key(migration)[('volume.volume', volume.id)]
    assert item.action == 'create'
    return res.Resource.from_item(item)


def test_copy_killed_after_the_volume_request_is_finished(engine, space):
    source, destination = space.source, space.destination
    volume = space.volume(
        'killed', data=mc.content.pattern(f'{space.tag}-killed',
                                          MIB_PER_GIB),
        metadata={'stage': 'finish'})
    migration, ctx = _plan_after_identity(space)
    try:
        # Types first, as apply would (the volume refers to its type).
        type_item = items_by_key(migration)[('volume.type',
                                             space.volume_type.id)]
        drivers = registry.load_drivers()
        type_resource = res.Resource.from_item(type_item)
        type_id = drivers['volume.type'].create(
            ctx, type_resource, ctx.translate(type_resource.attrs))
        ctx.record(type_resource.key, type_id)
        resource = _resource(migration, volume)
        attrs = ctx.translate(resource.attrs)
        with mock.patch.object(datapath, 'finish', side_effect=Killed):
            with pytest.raises(Killed):
                drivers['volume.volume'].create(ctx, resource, attrs)
    finally:
        ctx.release()
    # What the dead attempt left: the volume, being made or made from
    # the destination image, unfinished (bootable, temporary image).
    made = copies(destination, volume.id)
    assert len(made) == 1
    assert made[0].metadata[vol_common.COPY_KEY] == 'unfinished'
    assert vol_common.named_images(destination,
                                   vol_common.temp_name(volume.id))
    assert vol_common.named_images(source,
                                   vol_common.temp_name(volume.id)) == []

    migration = engine_fixtures.run(migration.uuid, workers=4)
    assert_clean(migration)
    project = destination.identity.find_project(
        space.project.name, domain_id='default', ignore_missing=False)
    item = items_by_key(migration)[('volume.volume', volume.id)]
    assert item.destination_id == made[0].id
    assert [v.id for v in copies(destination, volume.id)] == [made[0].id]
    assert_copied(space, volume,
                  destination.block_storage.get_volume(made[0].id), project)
    messages = events_of(migration)
    assert any('completed and adopted' in m and volume.name in m
               for m in messages), messages


def test_copy_killed_while_streaming_leaves_nothing_behind(engine, space):
    source, destination = space.source, space.destination
    volume = space.volume(
        'streamed', data=mc.content.pattern(f'{space.tag}-streamed',
                                            MIB_PER_GIB))
    migration, ctx = _plan_after_identity(space)
    name = vol_common.temp_name(volume.id)
    try:
        resource = _resource(migration, volume)
        attrs = ctx.translate(resource.attrs)
        with mock.patch.object(transfer, 'stream_image',
                               side_effect=Killed):
            with pytest.raises(Killed):
                datapath.copy_volume(ctx, volume.id, attrs)
    finally:
        ctx.release()
    # The source image is complete, the destination one never got data.
    uploaded = vol_common.named_images(source, name)
    assert [i.status for i in uploaded] == ['active']
    assert [i.status for i in vol_common.named_images(
        destination, name)] == ['queued']
    assert copies(destination, volume.id) == []

    migration = engine_fixtures.run(migration.uuid, workers=4)
    assert_clean(migration)
    project = destination.identity.find_project(
        space.project.name, domain_id='default', ignore_missing=False)
    made = copies(destination, volume.id)
    assert len(made) == 1
    assert_copied(space, volume, made[0], project)
    # The resumed run reused the uploaded image: one upload in all (the
    # dead attempt's events went to the same migration).
    messages = events_of(migration)
    assert len([m for m in messages
                if f'volume {volume.id}: uploading' in m]) == 1, messages
    assert source.block_storage.get_volume(volume.id).status == 'available'



#: Size of the volume the kill test copies: with the harness's 1 MiB of
#: backing file per GiB, enough bytes that the copy takes a moment.
KILLED_COPY_GB = 256
#: Seconds the kill test waits for the copy to be under way.
KILL_WAIT = 300


def _pumphouse(conf, *argv) -> list[str]:
    return [str(fixtures.BIN / 'pumphouse'), '--config-file', str(conf),
            *argv]


def _sqlite_one(database, query: str, *args):
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return db.execute(query, args).fetchone()
    except sqlite3.OperationalError:
        return None  # not made yet, or locked by the writer


def _copy_under_way(space, volume_id: str, database) -> str | None:
    """What shows the data of the volume is on its way, while its plan
    item runs: the temporary destination image being written (the
    stream), or the destination volume being made from it; None until
    then."""
    item = _sqlite_one(
        database, "SELECT state FROM plan_items WHERE resource_type = "
                  "'volume.volume' AND source_id = ?", volume_id)
    if not item or item[0] != 'running':
        return None
    found = [f'destination image {i.status}' for i in vol_common.named_images(
        space.destination, vol_common.temp_name(volume_id))
        if i.status == 'saving']
    found += [f'destination volume {v.status}'
              for v in copies(space.destination, volume_id)]
    return ', '.join(found) or None


def test_cli_killed_while_a_volume_is_copied_resumes_to_one_copy(
        space, tmp_path):
    """SIGKILL ``pumphouse migrate`` while a volume's data is being
    copied; ``pumphouse resume`` ends with one destination volume holding
    the same bytes and no temporary left in either cloud."""
    source, destination = space.source, space.destination
    volume = space.volume('big', size=KILLED_COPY_GB,
                          metadata={'stage': 'killed'})
    nominal = KILLED_COPY_GB * MIB_PER_GIB
    chunk = mc.content.pattern(f'{space.tag}-big', 4 * 1024 * 1024)
    with open(backing_file('source', volume.id), 'r+b') as f:
        for offset in (0, nominal // 2, nominal - len(chunk)):
            f.seek(offset)
            f.write(chunk)
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    database = tmp_path / 'state' / 'pumphouse.sqlite'
    log = tmp_path / 'cli.log'

    with open(log, 'ab') as out:
        process = subprocess.Popen(
            _pumphouse(conf, 'migrate', '--source', 'source',
                       '--destination', 'destination', '--yes',
                       'project', space.project.name),
            stdout=out, stderr=subprocess.STDOUT)
        try:
            under_way = fixtures.wait_until(
                lambda: process.poll() is not None or _copy_under_way(
                    space, volume.id, database),
                timeout=KILL_WAIT, interval=0.05)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
    output = log.read_text(errors='replace')[-3000:]
    assert isinstance(under_way, str), ('the copy was not caught under '
                                        'way', under_way, output)
    assert process.returncode == -signal.SIGKILL, output
    # Killed in the middle: no copy, or one not finished.
    left = copies(destination, volume.id)
    assert len(left) <= 1 and all(
        vol_common.COPY_KEY in (v.metadata or {}) for v in left), (
        under_way, left, temporaries(source, destination, volume.id))

    [uuid] = _sqlite_one(database, 'SELECT uuid FROM migrations')
    result = subprocess.run(_pumphouse(conf, 'resume', uuid, '--yes'),
                            capture_output=True, text=True, timeout=900,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (under_way, result.stdout[-3000:],
                                    result.stderr[-3000:])
    assert f'Migration {uuid}: completed' in result.stdout, result.stdout

    [made] = copies(destination, volume.id)
    project = destination.identity.find_project(
        space.project.name, domain_id='default', ignore_missing=False)
    assert_copied(space, volume, wait_volume(destination, made.id),
                  project)
    assert temporaries(source, destination, volume.id) == []
    assert list(source.block_storage.snapshots(
        details=False, all_projects=True, volume_id=volume.id)) == []
    assert source.block_storage.get_volume(volume.id).status == \
        'available'
