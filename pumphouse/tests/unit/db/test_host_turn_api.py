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

"""pumphouse.db.host_turn_api on every backend: the turns of source hosts
shared by every migration."""

import datetime
from unittest import mock

import pytest
from oslo_utils import timeutils

from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_turn_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.db import owner_api

pytestmark = pytest.mark.usefixtures('migrated_db')


@pytest.fixture
def clouds() -> tuple[int, int]:
    """A source and a destination cloud's ids."""
    return (db_api.create_cloud({'name': 'src', 'config': {}}).id,
            db_api.create_cloud({'name': 'dst', 'config': {}}).id)


def _migration(clouds: tuple[int, int], owner: str | None = 'c1',
               state: str = 'running') -> int:
    if owner is not None:
        owner_api.register_owner(owner, owner_api.CONDUCTOR,
                                 update_existing=True)
    return migration_api.create_migration({
        'project_id': 'p', 'source_cloud_id': clouds[0],
        'destination_cloud_id': clouds[1], 'workload': {}, 'options': {},
        'state': state, 'owner': owner}).id


def _set(model, ident, **values) -> None:
    with db_api._writer() as session:
        session.query(model).filter_by(**ident).update(values)


def _held(cloud_id: int, host: str) -> list[tuple[int, int]]:
    return [(t.slot, t.migration_id)
            for t in host_turn_api.list_turns(cloud_id, host)]


def test_two_migrations_share_the_slots_of_a_host(clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]

    first = host_turn_api.take(source, 'h1', 2, m1, 'c1')
    second = host_turn_api.take(source, 'h1', 2, m2, 'c2')
    third = host_turn_api.take(source, 'h1', 2, m2, 'c2')

    assert first is not None and second is not None
    assert first != second
    assert third is None
    assert _held(source, 'h1') == [(0, m1), (1, m2)]


def test_size_is_respected_within_one_migration(clouds) -> None:
    m1 = _migration(clouds)
    source = clouds[0]

    taken = [host_turn_api.take(source, 'h1', 3, m1, 'c1')
             for _ in range(4)]

    assert [t is not None for t in taken] == [True, True, True, False]
    assert [slot for slot, _ in _held(source, 'h1')] == [0, 1, 2]


def test_a_slot_taken_meanwhile_fails_its_insert_the_next_is_tried(
        clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 2, m1, 'c1')

    # As if slot 0 was free when m2 looked, and m1 took it just after.
    with mock.patch.object(host_turn_api, '_remove_stale',
                           return_value=set()):
        assert host_turn_api.take(source, 'h1', 2, m2, 'c2') is not None
        assert host_turn_api.take(source, 'h1', 2, m2, 'c2') is None

    assert _held(source, 'h1') == [(0, m1), (1, m2)]


def test_give_back_frees_the_slot(clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    turn = host_turn_api.take(source, 'h1', 1, m1, 'c1')
    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None

    host_turn_api.give_back(turn)
    host_turn_api.give_back(turn)  # gone already: nothing

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is not None
    assert _held(source, 'h1') == [(0, m2)]


def test_hosts_and_clouds_are_independent(clouds) -> None:
    other = db_api.create_cloud({'name': 'src2', 'config': {}}).id
    m1 = _migration(clouds, 'c1')
    m2 = migration_api.create_migration({
        'project_id': 'p', 'source_cloud_id': other,
        'destination_cloud_id': clouds[1], 'workload': {}, 'options': {},
        'state': 'running', 'owner': 'c1'}).id

    assert host_turn_api.take(clouds[0], 'h1', 1, m1, 'c1') is not None
    assert host_turn_api.take(clouds[0], 'h2', 1, m1, 'c1') is not None
    assert host_turn_api.take(clouds[0], 'H1', 1, m1, 'c1') is not None
    assert host_turn_api.take(other, 'h1', 1, m2, 'c1') is not None
    assert host_turn_api.take(clouds[0], 'h1', 1, m1, 'c1') is None


@pytest.mark.parametrize('state', ['failed', 'cancelled', 'completed',
                                   'verifying'])
def test_the_turn_of_a_migration_not_running_is_taken_back(
        clouds, state) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 1, m1, 'c1')
    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None

    _set(models.Migration, {'id': m1}, state=state)

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is not None
    assert _held(source, 'h1') == [(0, m2)]


def test_the_turn_of_a_holder_no_longer_holding_is_taken_back(
        clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 1, m1, 'c1')
    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None

    # c3 (live) took m1 over: c1's turn can never be given back by c3.
    owner_api.register_owner('c3', owner_api.CONDUCTOR)
    _set(models.Migration, {'id': m1}, owner='c3')

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is not None
    assert _held(source, 'h1') == [(0, m2)]


@pytest.mark.parametrize('how', ['stopped', 'heartbeat'])
def test_the_turn_of_an_owner_gone_is_taken_back(clouds, how) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 1, m1, 'c1')
    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None

    if how == 'stopped':
        owner_api.unregister_owner('c1')
    else:
        old = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.heartbeat_timeout + 1)
        _set(models.Owner, {'name': 'c1'}, heartbeat_at=old)

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is not None
    assert _held(source, 'h1') == [(0, m2)]


def test_a_live_holder_keeps_its_turn(clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 1, m1, 'c1')
    owner_api.touch_owner('c1', owner_api.CONDUCTOR)

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None
    assert _held(source, 'h1') == [(0, m1)]


def test_a_turn_without_holder_is_stale_by_its_migration_only(
        clouds) -> None:
    m1, m2 = _migration(clouds, None), _migration(clouds, 'c2')
    source = clouds[0]
    assert host_turn_api.take(source, 'h1', 1, m1, None) is not None
    # Nobody owns m1 and its turn has no holder: it is kept while m1 runs.
    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is None

    _set(models.Migration, {'id': m1}, state='failed')

    assert host_turn_api.take(source, 'h1', 1, m2, 'c2') is not None


def test_release_migration_gives_back_all_its_turns(clouds) -> None:
    m1, m2 = _migration(clouds, 'c1'), _migration(clouds, 'c2')
    source = clouds[0]
    for host in ('h1', 'h1', 'h2'):
        host_turn_api.take(source, host, 2, m1, 'c1')
    host_turn_api.take(source, 'h2', 2, m2, 'c2')

    assert host_turn_api.release_migration(m1) == 3
    assert host_turn_api.release_migration(m1) == 0

    assert _held(source, 'h1') == []
    assert _held(source, 'h2') == [(1, m2)]
    assert host_turn_api.take(source, 'h2', 2, m2, 'c2') is not None


def test_release_by_a_holder_leaves_the_turns_of_another(clouds) -> None:
    m1 = _migration(clouds, 'c1')
    source = clouds[0]
    host_turn_api.take(source, 'h1', 2, m1, 'c1')
    # c2 took m1 over and took a turn; then c1's run ends.
    owner_api.register_owner('c2', owner_api.CONDUCTOR)
    _set(models.Migration, {'id': m1}, owner='c2')
    host_turn_api.take(source, 'h1', 2, m1, 'c2')

    assert host_turn_api.release_migration(m1, 'c1') == 0
    assert [t.holder for t in host_turn_api.list_turns(source, 'h1')] \
        == ['c2']
