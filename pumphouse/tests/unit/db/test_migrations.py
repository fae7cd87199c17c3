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

"""The alembic revisions on every backend, and their agreement with models."""

import contextlib
import datetime
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import autogenerate
from alembic import migration as alembic_migration
from oslo_db import exception as db_exc

from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import schema

EXPECTED_TABLES = {'clouds', 'migrations', 'plan_items', 'mappings',
                   'events', 'owners', 'issued_passwords', 'hosts',
                   'host_operations', 'host_turns'}


def _schema_diff(metadata: sa.MetaData) -> list:
    """What autogenerate would put in a new revision for ``metadata``."""
    with db_api.get_engine().connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts={'compare_type': True})
        return autogenerate.compare_metadata(context, metadata)


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements run on the engine inside the block."""
    seen: list[str] = []
    engine = db_api.get_engine()

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(engine, 'before_cursor_execute', record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'before_cursor_execute', record)


def test_upgrade_from_empty_database_to_head(db_backend) -> None:
    assert schema.current() is None
    assert sa.inspect(db_api.get_engine()).get_table_names() == []

    schema.upgrade()

    assert schema.head() is not None
    assert schema.current() == schema.head()


def test_upgrade_twice_is_a_no_op(migrated_db) -> None:
    cloud = db_api.create_cloud({'name': 'kept', 'config': {'a': 1}})

    with _statements() as statements:
        schema.upgrade()

    writes = [s for s in statements
              if s.lstrip().split(None, 1)[0].upper()
              in {'CREATE', 'ALTER', 'DROP', 'INSERT', 'UPDATE', 'DELETE'}]
    assert writes == []
    assert schema.current() == schema.head()
    assert db_api.get_cloud('kept').uuid == cloud.uuid


def test_expected_tables_exist(migrated_db) -> None:
    tables = set(sa.inspect(db_api.get_engine()).get_table_names())

    assert tables == EXPECTED_TABLES | {'alembic_version'}
    assert set(models.Base.metadata.tables) == EXPECTED_TABLES


def test_models_and_migrations_agree(migrated_db) -> None:
    """Fails when a model changed without an alembic revision."""
    assert _schema_diff(models.Base.metadata) == []


def test_model_comparison_detects_drift(migrated_db) -> None:
    """The comparison above really sees a model/schema difference."""
    metadata = sa.MetaData()
    for table in models.Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables['clouds'].append_column(
        sa.Column('added', sa.Integer(), nullable=True))
    metadata.tables['owners'].c.name.type = sa.String(100)

    diff = _schema_diff(metadata)

    assert ('add_column', None, 'clouds',
            metadata.tables['clouds'].c.added) in diff
    type_changes = [change for group in diff if isinstance(group, list)
                    for change in group if change[0] == 'modify_type']
    assert [(c[2], c[3]) for c in type_changes] == [('owners', 'name')]


# Unique constraints: each case inserts a row, then one differing only in
# a column outside the key (accepted), then a duplicate key (rejected).

def _insert(conn: sa.Connection, model: type[models.Base],
            **values) -> int:
    result = conn.execute(sa.insert(model.__table__).values(**values))
    return result.inserted_primary_key[0]


def _cloud(conn: sa.Connection, name: str) -> int:
    return _insert(conn, models.Cloud, uuid=f'uuid-of-{name}', name=name,
                   config={})


def _migration(conn: sa.Connection, uuid: str) -> int:
    source = _cloud(conn, f'src-{uuid}')
    destination = _cloud(conn, f'dst-{uuid}')
    return _insert(conn, models.Migration, uuid=uuid, project_id='p',
                   source_cloud_id=source, destination_cloud_id=destination,
                   workload={}, options={}, state='new')


def _mapping_rows(conn):
    a, b = _cloud(conn, 'a'), _cloud(conn, 'b')
    key = dict(source_cloud_id=a, destination_cloud_id=b,
               resource_type='server', source_id='s1')
    return (models.Mapping,
            [dict(key, destination_id='d1'),
             dict(key, resource_type='volume', destination_id='d1'),
             dict(key, destination_cloud_id=a, destination_id='d1')],
            dict(key, destination_id='d2'))


def _plan_item_rows(conn):
    migration_id = _migration(conn, 'm1')
    key = dict(migration_id=migration_id, resource_type='server',
               source_id='s1', action='create', depends_on=[],
               state='pending')
    return (models.PlanItem,
            [key, dict(key, source_id='s2')],
            dict(key, action='skip'))


def _cloud_name_rows(conn):
    return (models.Cloud,
            [dict(uuid='u1', name='c1', config={}),
             dict(uuid='u2', name='c2', config={})],
            dict(uuid='u3', name='c1', config={}))


def _cloud_uuid_rows(conn):
    return (models.Cloud,
            [dict(uuid='u1', name='c1', config={})],
            dict(uuid='u1', name='c2', config={}))


def _migration_uuid_rows(conn):
    source, destination = _cloud(conn, 'a'), _cloud(conn, 'b')
    row = dict(uuid='m1', project_id='p', source_cloud_id=source,
               destination_cloud_id=destination, workload={}, options={},
               state='new')
    return (models.Migration,
            [row, dict(row, uuid='m2')],
            dict(row, project_id='other'))


def _owner_rows(conn):
    row = dict(name='h1', kind='conductor', online=True,
               heartbeat_at=sa.func.current_timestamp())
    return (models.Owner,
            [row, dict(row, name='h2')],
            dict(row, kind='command', online=False))


def _host_turn_rows(conn):
    migration_id = _migration(conn, 'm1')
    other = _cloud(conn, 'other')
    key = dict(source_cloud_id=_cloud(conn, 'a'), host='h1', slot=0,
               migration_id=migration_id, holder='c1')
    return (models.HostTurn,
            [key, dict(key, slot=1), dict(key, host='H1'),
             dict(key, source_cloud_id=other)],
            dict(key, migration_id=_migration(conn, 'm2'), holder='c2'))


@pytest.mark.parametrize('rows', [
    _mapping_rows, _plan_item_rows, _cloud_name_rows, _cloud_uuid_rows,
    _migration_uuid_rows, _owner_rows, _host_turn_rows,
], ids=lambda f: f.__name__.strip('_').removesuffix('_rows'))
def test_unique_constraint_rejects_duplicates(migrated_db, rows) -> None:
    engine = db_api.get_engine()
    with engine.begin() as conn:
        model, accepted, duplicate = rows(conn)
        for values in accepted:
            _insert(conn, model, **values)

    with pytest.raises(db_exc.DBDuplicateEntry):
        with engine.begin() as conn:
            _insert(conn, model, **duplicate)

    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(model.__table__)).scalar()
    assert count == len(accepted)


# MariaDB/MySQL compare text case-insensitively and cap TEXT at 64 KiB
# unless the schema says otherwise; these hold on every backend.

def test_mapping_source_ids_are_case_sensitive(migrated_db) -> None:
    engine = db_api.get_engine()
    with engine.begin() as conn:
        a, b = _cloud(conn, 'a'), _cloud(conn, 'b')
    for source_id in ('my-key', 'My-Key'):  # two distinct nova keypairs
        with engine.begin() as conn:
            _insert(conn, models.Mapping, source_cloud_id=a,
                    destination_cloud_id=b, resource_type='keypair',
                    source_id=source_id, destination_id=source_id)

    with engine.connect() as conn:
        rows = conn.execute(sa.select(models.Mapping.source_id).where(
            models.Mapping.source_id == 'my-key')).scalars().all()
    assert rows == ['my-key']


def test_text_columns_hold_large_values(migrated_db) -> None:
    workload = {'servers': [f'server-{i:06d}' for i in range(50_000)]}
    assert len(json.dumps(workload)) > 2**19
    engine = db_api.get_engine()
    with engine.begin() as conn:
        migration_id = _migration(conn, 'm1')
        conn.execute(sa.update(models.Migration.__table__).values(
            workload=workload).where(models.Migration.id == migration_id))

    with engine.connect() as conn:
        stored = conn.execute(sa.select(models.Migration.workload)).scalar()
    assert stored == workload


# Revision 0008: plan item times and the migration's estimate.

def _reflected(conn: sa.Connection, name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=conn)


def test_0008_keeps_rows_and_lets_the_previous_code_write(db_backend) -> None:
    schema.upgrade('0007')
    engine = db_api.get_engine()
    with engine.begin() as conn:
        # As the code of revision 0007 sees the tables.
        old_items = _reflected(conn, 'plan_items')
        old_migrations = _reflected(conn, 'migrations')
        migration_id = _migration(conn, 'm1')
        _insert(conn, models.PlanItem, migration_id=migration_id,
                resource_type='image.image', source_id='i1', action='create',
                depends_on=[], state='done', attempts=1, bytes_done=5,
                bytes_total=5)

    schema.upgrade('0008')

    with engine.begin() as conn:
        row = conn.execute(sa.select(models.PlanItem.__table__)).one()
        assert (row.bytes_total, row.state) == (5, 'done')
        assert (row.started_at, row.finished_at, row.work_seconds) == (
            None, None, None)
        assert conn.execute(sa.select(
            models.Migration.estimate)).scalar() is None
        # The previous release's code still writes what it knows.
        conn.execute(sa.insert(old_items).values(
            migration_id=migration_id, resource_type='image.image',
            source_id='i2', action='create', depends_on='[]',
            state='pending', attempts=0, bytes_done=0))
        conn.execute(sa.update(old_migrations).values(state='running'))
    assert schema.current() == '0008'


def test_item_times_keep_their_microseconds(migrated_db) -> None:
    started = datetime.datetime(2026, 12, 4, 10, 0, 0, 123456)
    engine = db_api.get_engine()
    with engine.begin() as conn:
        migration_id = _migration(conn, 'm1')
        _insert(conn, models.PlanItem, migration_id=migration_id,
                resource_type='server', source_id='s1', action='create',
                depends_on=[], state='done', started_at=started,
                finished_at=started + datetime.timedelta(seconds=1.5),
                work_seconds=1.25, attempts=1, bytes_done=0)
        conn.execute(sa.update(models.Migration.__table__).values(
            estimate={'low_s': 1, 'high_s': 2, 'basis': 'defaults'}))

    with engine.connect() as conn:
        row = conn.execute(sa.select(models.PlanItem.__table__)).one()
        estimate = conn.execute(sa.select(models.Migration.estimate)).scalar()
    assert row.started_at == started
    assert (row.finished_at - row.started_at).total_seconds() == 1.5
    assert row.work_seconds == 1.25
    assert estimate == {'low_s': 1, 'high_s': 2, 'basis': 'defaults'}


# Revision 0009: the turns of source hosts.

def test_0009_keeps_rows_and_turns_go_with_their_migration(
        db_backend) -> None:
    schema.upgrade('0008')
    engine = db_api.get_engine()
    with engine.begin() as conn:
        migration_id = _migration(conn, 'm1')

    schema.upgrade()

    assert schema.current() == schema.head() == '0009'
    with engine.begin() as conn:
        source = conn.execute(sa.select(
            models.Migration.source_cloud_id)).scalar()
        _insert(conn, models.HostTurn, source_cloud_id=source, host='h1',
                slot=0, migration_id=migration_id, holder=None)
    with engine.begin() as conn:
        conn.execute(sa.delete(models.Migration.__table__))
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(
            models.HostTurn.__table__)).scalar()
    assert count == 0
