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

"""The light reads the API lists with, on every backend: cloud UUIDs,
migrations without the JSON a list does not show, plan items as rows."""

import json

import pytest
import sqlalchemy as sa

from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import render

pytestmark = pytest.mark.usefixtures('migrated_db')


def _migration(**values):
    clouds = [db_api.create_cloud({'name': n, 'config': {}}).id
              for n in ('src', 'dst')]
    return migration_api.create_migration(dict({
        'project_id': 'p1', 'source_cloud_id': clouds[0],
        'destination_cloud_id': clouds[1],
        'workload': {'workload': {'kind': 'project', 'names': ['p1']}},
        'options': {}, 'state': 'planned'}, **values))


def test_cloud_uuids() -> None:
    clouds = [db_api.create_cloud({'name': n, 'config': {'a': 1}})
              for n in ('east', 'west')]
    assert db_api.cloud_uuids() == {c.id: c.uuid for c in clouds}


def test_unread_columns_are_not_loaded() -> None:
    _migration(report={'checked': 1}, checks=[{'name': 'c'}],
               estimate={'low_s': 1})
    [listed] = migration_api.list_migrations(
        unread=('report', 'checks', 'estimate'))
    assert listed.workload == {'workload': {'kind': 'project',
                                            'names': ['p1']}}
    for name in ('report', 'checks', 'estimate'):
        with pytest.raises(sa.exc.SQLAlchemyError):
            getattr(listed, name)
    [whole] = migration_api.list_migrations()
    assert whole.report == {'checked': 1}


def test_plan_item_rows() -> None:
    migration = _migration()
    details = {'note': 'n\u00e9e \U0001F600', 'attrs': {'size': 1}}
    migration_api.add_plan_items(migration.id, [
        {'key': 'b', 'resource_type': 't', 'source_id': 'b',
         'action': 'create', 'state': 'pending', 'depends_on': [],
         'details': details},
        {'key': 'a', 'resource_type': 't', 'source_id': 'a',
         'source_name': 'A', 'action': 'reuse', 'state': 'done',
         'depends_on': ['b'], 'details': None, 'bytes_total': 2 ** 40}])
    items = migration_api.list_plan_items(migration.id)
    rows = migration_api.plan_item_rows(migration.id, render.VIEW_COLUMNS,
                                        raw=('details',))
    assert [r.id for r in rows] == [i.id for i in items]
    for row, item in zip(rows, items, strict=True):
        for name in render.VIEW_COLUMNS:
            if name != 'details':
                assert getattr(row, name) == getattr(item, name), name
        # The details as stored, not decoded.
        assert isinstance(row.details, str)
        assert json.loads(row.details) == (item.details or {})
    assert rows[1].depends_on == [rows[0].id]
    assert render.row_views(rows) == [render.item_view(i) for i in items]
    assert migration_api.plan_item_rows(migration.id + 1, ('id',)) == []
