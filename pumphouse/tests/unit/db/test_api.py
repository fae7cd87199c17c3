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

"""pumphouse.db.api on every backend, against the migrated schema."""

import contextlib
import datetime
import json
import sqlite3
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from oslo_utils import timeutils
from oslo_utils import uuidutils
from sqlalchemy import orm

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import owner_api

pytestmark = pytest.mark.usefixtures('migrated_db')

UNKNOWN_UUID = '1b1d5bd5-5cb5-4a4b-8a30-7d0e8b9f6c21'


@contextlib.contextmanager
def _session() -> Iterator[orm.Session]:
    """A transaction outside the API, to set up or inspect rows."""
    with orm.Session(db_api.get_engine()) as session, session.begin():
        yield session


def _cloud(name: str, **values) -> models.Cloud:
    return db_api.create_cloud({'name': name, 'config': {}, **values})


# Clouds

def test_create_and_get_cloud() -> None:
    created = _cloud('east', description='The east region',
                     config={'auth_url': 'https://east:5000/v3'},
                     credentials='encrypted-blob')

    assert uuidutils.is_uuid_like(created.uuid)
    for ident in (created.uuid, 'east'):
        cloud = db_api.get_cloud(ident)
        assert cloud.id == created.id
        assert cloud.uuid == created.uuid
        assert cloud.name == 'east'
        assert cloud.description == 'The east region'
        assert cloud.config == {'auth_url': 'https://east:5000/v3'}
        assert cloud.credentials == 'encrypted-blob'
        assert cloud.created_at is not None


def test_create_cloud_keeps_a_given_uuid() -> None:
    uuid = uuidutils.generate_uuid()

    assert _cloud('west', uuid=uuid).uuid == uuid
    assert db_api.get_cloud(uuid).name == 'west'


def test_list_clouds() -> None:
    assert db_api.list_clouds() == []
    for name in ('one', 'two', 'three'):
        _cloud(name)

    assert [c.name for c in db_api.list_clouds()] == ['one', 'two', 'three']


def test_duplicate_cloud_name_is_rejected() -> None:
    first = _cloud('east')

    with pytest.raises(exception.CloudAlreadyExists, match='east'):
        _cloud('east', config={'other': True})

    assert [c.uuid for c in db_api.list_clouds()] == [first.uuid]
    assert db_api.get_cloud('east').config == {}


@pytest.mark.parametrize('ident', ['missing', UNKNOWN_UUID])
def test_unknown_cloud_is_not_found(ident: str) -> None:
    _cloud('east')

    with pytest.raises(exception.CloudNotFound, match=ident):
        db_api.get_cloud(ident)
    with pytest.raises(exception.CloudNotFound, match=ident):
        db_api.delete_cloud(ident)
    assert [c.name for c in db_api.list_clouds()] == ['east']


def test_cloud_names_are_case_sensitive(migrated_db) -> None:
    lower = _cloud('east')

    upper = _cloud('East')

    assert db_api.get_cloud('East').uuid == upper.uuid
    assert db_api.get_cloud('east').uuid == lower.uuid
    with pytest.raises(exception.CloudNotFound):
        db_api.get_cloud('EAST')


def test_delete_cloud_by_name_and_by_uuid() -> None:
    _cloud('by-name')
    by_uuid = _cloud('by-uuid')
    _cloud('kept')

    db_api.delete_cloud('by-name')
    db_api.delete_cloud(by_uuid.uuid)

    assert [c.name for c in db_api.list_clouds()] == ['kept']
    for ident in ('by-name', by_uuid.uuid):
        with pytest.raises(exception.CloudNotFound):
            db_api.get_cloud(ident)


class TestListCloudsPagination:

    @pytest.fixture(autouse=True)
    def clouds(self, migrated_db) -> list[models.Cloud]:
        # Created in an order that differs from the order of the names.
        self.by_id = [_cloud(name) for name in ('c', 'a', 'e', 'b', 'd')]
        return self.by_id

    def _names(self, **kwargs) -> list[str]:
        return [c.name for c in db_api.list_clouds(**kwargs)]

    def test_limit(self) -> None:
        assert self._names(limit=2) == ['c', 'a']
        assert self._names(limit=10) == ['c', 'a', 'e', 'b', 'd']

    def test_marker_pages_through(self) -> None:
        pages, marker = [], None
        while page := db_api.list_clouds(limit=2, marker=marker):
            pages.append([c.name for c in page])
            marker = page[-1].uuid

        assert pages == [['c', 'a'], ['e', 'b'], ['d']]

    def test_marker_by_name(self) -> None:
        assert self._names(limit=2, marker='a') == ['e', 'b']

    def test_sort_dir_desc(self) -> None:
        assert self._names(sort_dir='desc') == ['d', 'b', 'e', 'a', 'c']
        marker = self.by_id[2].uuid  # 'e'
        assert self._names(limit=1, marker=marker, sort_dir='desc') == ['a']

    def test_sort_key(self) -> None:
        assert self._names(sort_key='name') == ['a', 'b', 'c', 'd', 'e']
        assert self._names(sort_key='name', sort_dir='desc',
                           marker='c', limit=5) == ['b', 'a']

    @pytest.mark.parametrize('marker', ['missing', UNKNOWN_UUID])
    def test_unknown_marker(self, marker: str) -> None:
        with pytest.raises(exception.InvalidParameterValue, match=marker):
            db_api.list_clouds(limit=2, marker=marker)


def _add_migration(source: models.Cloud,
                   destination: models.Cloud) -> None:
    with _session() as session:
        session.add(models.Migration(
            uuid=uuidutils.generate_uuid(), project_id='project',
            source_cloud_id=source.id, destination_cloud_id=destination.id,
            workload={'servers': ['s1']}, options={}, state='running'))


def test_delete_cloud_in_use() -> None:
    source, destination, unused = _cloud('src'), _cloud('dst'), _cloud('x')
    _add_migration(source, destination)
    _add_migration(source, destination)

    for cloud in (source, destination):
        with pytest.raises(exception.CloudInUse,
                           match=f'{cloud.name} is used by 2 migration'):
            db_api.delete_cloud(cloud.name)
        assert db_api.get_cloud(cloud.uuid).id == cloud.id

    db_api.delete_cloud(unused.uuid)
    assert [c.name for c in db_api.list_clouds()] == ['src', 'dst']


def test_config_round_trips_non_ascii_text() -> None:
    config = {
        'region_name': 'Région-Ω',
        'project_name': '雲プロジェクト',
        'emoji': 'storm 🌩️ ☁',
        'nested': {'values': [1, 2.5, None, True, 'ü'], 'empty': {}},
    }
    name = 'nuage-été-🌩'

    created = _cloud(name, description='Описание ☁', config=config)

    cloud = db_api.get_cloud(name)
    assert cloud.uuid == created.uuid
    assert cloud.name == name
    assert cloud.description == 'Описание ☁'
    assert cloud.config == config
    with db_api.get_engine().connect() as conn:
        stored = conn.execute(sa.text(
            'SELECT config FROM clouds WHERE id = :id'),
            {'id': created.id}).scalar_one()
    assert json.loads(stored) == config


# Owners: conductors and command-line processes

CONDUCTOR = owner_api.CONDUCTOR
T0 = datetime.datetime(2026, 11, 22, 12, 0, 0)
TIMEOUT = 30


class Clock:
    """What timeutils.utcnow() returns while the test runs."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # set_time_override() is deprecated for patching utcnow.
    clock = Clock(T0)
    monkeypatch.setattr(timeutils, 'utcnow',
                        lambda with_timezone=False: clock.now)
    return clock


@pytest.fixture(autouse=True)
def heartbeat_timeout() -> Iterator[int]:
    CONF.set_override('heartbeat_timeout', TIMEOUT, group='conductor')
    try:
        yield TIMEOUT
    finally:
        CONF.clear_override('heartbeat_timeout', group='conductor')


def _conductor_rows() -> dict[str, tuple[bool, datetime.datetime]]:
    with _session() as session:
        return {r.name: (r.online, r.heartbeat_at)
                for r in session.query(models.Owner)}


def _set_heartbeat(hostname: str, when: datetime.datetime) -> None:
    with _session() as session:
        count = session.query(models.Owner).filter_by(
            name=hostname).update({'heartbeat_at': when})
    assert count == 1


def test_register_conductor(clock: Clock) -> None:
    row = owner_api.register_owner('c2', CONDUCTOR)
    clock.advance(1)
    owner_api.register_owner('c1', CONDUCTOR)

    assert (row.name, row.online, row.heartbeat_at) == ('c2', True, T0)
    assert owner_api.list_live_conductors() == ['c1', 'c2']
    assert _conductor_rows() == {
        'c1': (True, T0 + datetime.timedelta(seconds=1)),
        'c2': (True, T0)}


def test_register_live_conductor_twice_is_rejected(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    clock.advance(TIMEOUT - 1)

    with pytest.raises(exception.ConductorAlreadyRegistered, match='c1'):
        owner_api.register_owner('c1', CONDUCTOR)
    assert _conductor_rows() == {'c1': (True, T0)}


def test_conductor_without_heartbeat_is_not_live(clock: Clock) -> None:
    owner_api.register_owner('old', CONDUCTOR)
    owner_api.register_owner('new', CONDUCTOR)
    clock.advance(TIMEOUT - 1)
    assert owner_api.list_live_conductors() == ['new', 'old']

    _set_heartbeat('old', clock.now - datetime.timedelta(seconds=TIMEOUT + 1))

    assert owner_api.list_live_conductors() == ['new']


def test_dead_conductor_can_be_taken_over(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    clock.advance(TIMEOUT + 1)
    assert owner_api.list_live_conductors() == []

    row = owner_api.register_owner('c1', CONDUCTOR)

    assert (row.online, row.heartbeat_at) == (True, clock.now)
    assert owner_api.list_live_conductors() == ['c1']
    assert _conductor_rows() == {'c1': (True, clock.now)}


def test_touch_conductor_updates_heartbeat(clock: Clock) -> None:
    owner_api.register_owner('touched', CONDUCTOR)
    owner_api.register_owner('silent', CONDUCTOR)
    clock.advance(TIMEOUT - 5)

    owner_api.touch_owner('touched', CONDUCTOR)
    touched_at = clock.now
    clock.advance(10)

    assert owner_api.list_live_conductors() == ['touched']
    assert _conductor_rows() == {'touched': (True, touched_at),
                                 'silent': (True, T0)}


def test_touch_conductor_twice_at_the_same_time(clock: Clock) -> None:
    # On MySQL an UPDATE changing nothing reports 0 changed rows; this must
    # not be taken for a missing row.
    owner_api.register_owner('c1', CONDUCTOR)

    owner_api.touch_owner('c1', CONDUCTOR)
    owner_api.touch_owner('c1', CONDUCTOR)

    assert _conductor_rows() == {'c1': (True, T0)}


def test_touch_conductor_recreates_a_removed_row(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    with _session() as session:
        session.query(models.Owner).filter_by(name='c1').delete()
    assert _conductor_rows() == {}
    clock.advance(5)

    owner_api.touch_owner('c1', CONDUCTOR)

    assert _conductor_rows() == {'c1': (True, clock.now)}
    assert owner_api.list_live_conductors() == ['c1']


def test_unregister_conductor(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    owner_api.register_owner('c2', CONDUCTOR)

    owner_api.unregister_owner('c1')
    owner_api.unregister_owner('never-registered')

    assert owner_api.list_live_conductors() == ['c2']
    assert _conductor_rows() == {'c1': (False, T0), 'c2': (True, T0)}

    # A cleanly stopped conductor may come back at once.
    clock.advance(1)
    owner_api.register_owner('c1', CONDUCTOR)
    assert owner_api.list_live_conductors() == ['c1', 'c2']


def test_touch_brings_an_unregistered_conductor_back(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    owner_api.unregister_owner('c1')

    owner_api.touch_owner('c1', CONDUCTOR)

    assert owner_api.list_live_conductors() == ['c1']


def test_command_owners_are_live_but_not_conductors(clock: Clock) -> None:
    owner_api.register_owner('c1', CONDUCTOR)
    owner_api.register_owner('cli-x-1', owner_api.COMMAND)
    owner_api.touch_owner('cli-x-2', owner_api.COMMAND)

    assert owner_api.list_live_conductors() == ['c1']
    assert owner_api.list_live_owners() == ['c1', 'cli-x-1', 'cli-x-2']
    assert owner_api.list_live_owners(owner_api.COMMAND) == [
        'cli-x-1', 'cli-x-2']


def test_unknown_owner_kind_is_refused() -> None:
    with pytest.raises(ValueError, match='unknown owner kind'):
        owner_api.register_owner('x', 'daemon')


# SQLite shared by several processes

def test_sqlite_write_after_another_process_committed_is_retried(
        migrated_db, tmp_path) -> None:
    """``pumphouse serve`` and a command on one state directory: a write
    whose transaction read before the other process committed fails at
    once in SQLite ("database is locked"); it is tried again."""
    if migrated_db.name != 'sqlite':
        pytest.skip('SQLite only')
    cloud = _cloud('c-busy')
    path = migrated_db.url.removeprefix('sqlite:///')
    other_process = sqlite3.connect(path, isolation_level=None)
    engine = db_api.get_engine()
    commits = []

    def commit_elsewhere(conn, cursor, statement, *args):
        # Between this transaction's read and its write, the other
        # "process" commits a write of its own (once).
        if statement.startswith('UPDATE clouds') and not commits:
            other_process.execute(
                "UPDATE clouds SET description = 'elsewhere'")
            commits.append(statement)

    @db_api.retry_on_deadlock
    def describe() -> None:
        with db_api._writer() as session:
            row = session.query(models.Cloud).filter_by(
                id=cloud.id).one()
            row.description = 'here'

    sa.event.listen(engine, 'before_cursor_execute', commit_elsewhere)
    try:
        describe()
    finally:
        sa.event.remove(engine, 'before_cursor_execute', commit_elsewhere)
        other_process.close()
    assert commits, 'the other process never wrote'
    assert db_api.get_cloud(cloud.uuid).description == 'here'


def test_sqlite_busy_is_recognised() -> None:
    locked = sa.exc.OperationalError(
        'UPDATE x', {}, sqlite3.OperationalError('database is locked'))
    assert db_api.is_sqlite_busy(locked)
    assert not db_api.is_sqlite_busy(sa.exc.OperationalError(
        'UPDATE x', {}, sqlite3.OperationalError('no such table: x')))
    assert not db_api.is_sqlite_busy(ValueError('database is locked'))
