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


"""migration_api.complete_plan_item on every backend: the item done and
its mapping recorded, also when two migrations record the mapping of one
shared resource at once."""

from unittest import mock

import pytest
from sqlalchemy import orm

from pumphouse.db import api as db_api
from pumphouse.db import mapping_api
from pumphouse.db import migration_api

pytestmark = pytest.mark.usefixtures('migrated_db')

ROLE = ('identity.role', 'role-reader-src')


@pytest.fixture
def clouds() -> tuple[int, int]:
    return (db_api.create_cloud({'name': 'src', 'config': {}}).id,
            db_api.create_cloud({'name': 'dst', 'config': {}}).id)


def _item(clouds: tuple[int, int], project: str):
    """A started item of a new migration of ``project`` for the shared
    role."""
    migration = migration_api.create_migration({
        'project_id': project, 'source_cloud_id': clouds[0],
        'destination_cloud_id': clouds[1], 'workload': {}, 'options': {},
        'state': 'running'})
    migration_api.add_plan_items(migration.id, [
        {'key': 'role', 'resource_type': ROLE[0], 'source_id': ROLE[1],
         'action': 'reuse', 'state': 'pending', 'depends_on': [],
         'details': None}])
    [item] = migration_api.list_plan_items(migration.id)
    return migration_api.start_plan_item(item.id)


def _mappings(clouds) -> list[tuple[str, int]]:
    return [(m.destination_id, m.migration_id) for m in
            mapping_api.list_mappings(clouds[0], clouds[1], *ROLE)]


def test_two_migrations_map_one_shared_resource(clouds) -> None:
    first, second = _item(clouds, 'p1'), _item(clouds, 'p2')
    migration_api.complete_plan_item(first, 'role-reader-dst', *clouds)
    migration_api.complete_plan_item(second, 'role-reader-dst', *clouds)
    assert _mappings(clouds) == [('role-reader-dst', first.migration_id)]
    for item in (first, second):
        done = migration_api.get_plan_item(item.id)
        assert (done.state, done.destination_id) == ('done',
                                                     'role-reader-dst')


def test_a_mapping_inserted_meanwhile_is_found_on_the_next_try(
        clouds) -> None:
    """The race: the second migration looked before the first one
    committed (no row), then inserts after it: the unique mapping refuses
    that insert, the transaction is tried again, finds the row and the
    item is done."""
    first, second = _item(clouds, 'p1'), _item(clouds, 'p2')
    migration_api.complete_plan_item(first, 'role-reader-dst', *clouds)
    real = orm.Query.one_or_none
    looked: list[bool] = []

    def before_the_first_commit(query):
        found = real(query)
        if not looked and query.column_descriptions[0]['name'] == \
                'Mapping':
            looked.append(True)
            return None
        return found

    with mock.patch.object(orm.Query, 'one_or_none',
                           before_the_first_commit):
        migration_api.complete_plan_item(second, 'role-reader-dst',
                                         *clouds)
    assert looked == [True]
    assert _mappings(clouds) == [('role-reader-dst', first.migration_id)]
    done = migration_api.get_plan_item(second.id)
    assert (done.state, done.destination_id) == ('done', 'role-reader-dst')
