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

"""Database API of migrations, plan items, events and issued passwords."""

import collections
import functools
from collections.abc import Iterable
from collections.abc import Sequence

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
from sqlalchemy import orm

from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import owner_api


@db_api.retry_on_deadlock
def create_migration(values: dict) -> models.Migration:
    """Store a new migration (its plan comes with :func:`add_plan_items`)."""
    migration = models.Migration(uuid=uuidutils.generate_uuid(), **values)
    with db_api._writer() as session:
        session.add(migration)
    db_api.state_changed('migration', None, migration)
    return migration


@db_api.retry_on_deadlock
def add_plan_items(migration_id: int, items: list[dict]) -> None:
    """Store a plan, replacing any earlier one, in one transaction.

    ``items`` carry ``key`` (a unique string per item) and ``depends_on``
    as a list of other items' keys; stored ``depends_on`` are item ids.
    """
    with db_api._writer() as session:
        session.query(models.PlanItem).filter_by(
            migration_id=migration_id).delete()
        rows = {}
        for item in items:
            fields = {k: v for k, v in item.items()
                      if k not in ('key', 'depends_on')}
            row = models.PlanItem(migration_id=migration_id, depends_on=[],
                                  attempts=0, bytes_done=0, **fields)
            session.add(row)
            rows[item['key']] = row
        session.flush()
        for item in items:
            rows[item['key']].depends_on = sorted(
                rows[key].id for key in item['depends_on'])


def _migration_query(session, ident: str):
    return session.query(models.Migration).filter_by(uuid=ident)


def get_migration(ident: str) -> models.Migration:
    with db_api._reader() as session:
        migration = _migration_query(session, ident).one_or_none()
    if migration is None:
        raise exception.MigrationNotFound(migration=ident)
    return migration


def list_migrations(project_id: str | None = None, limit: int | None = None,
                    marker: str | None = None, sort_key: str = 'id',
                    sort_dir: str = 'asc',
                    states: Iterable[str] | None = None,
                    unread: Iterable[str] = ()
                    ) -> list[models.Migration]:
    """Migrations, a page at a time; ``unread``: columns not loaded
    (reading them raises), such as JSON that a list does not show."""
    with db_api._reader() as session:
        query = session.query(models.Migration).options(*(
            orm.defer(getattr(models.Migration, name), raiseload=True)
            for name in unread))
        if project_id is not None:
            query = query.filter_by(project_id=project_id)
        if states is not None:
            query = query.filter(models.Migration.state.in_(list(states)))
        marker_obj = None
        if marker is not None:
            marker_obj = _migration_query(session, marker).one_or_none()
            if marker_obj is None:
                raise exception.InvalidParameterValue(
                    reason=f'Marker migration {marker} could not be found.')
        return db_api._paginate(query, models.Migration, limit, marker_obj,
                                sort_key, sort_dir)


@db_api.retry_on_deadlock
def update_migration(ident: str, values: dict,
                     expected_state: str | None = None) -> models.Migration:
    """Update a migration; with ``expected_state`` only if it still is."""
    with db_api._writer() as session:
        migration = _migration_query(session, ident).with_for_update() \
            .one_or_none()
        if migration is None:
            raise exception.MigrationNotFound(migration=ident)
        if expected_state is not None and migration.state != expected_state:
            raise exception.InvalidStateTransition(
                migration=ident, state=migration.state,
                target=values.get('state', '?'))
        old_state = migration.state
        migration.update(values)
    db_api.state_changed('migration', old_state, migration)
    return migration


def migration_for_update(session, ident: str) -> models.Migration:
    """The migration, locked in ``session``; MigrationNotFound if none."""
    migration = _migration_query(session, ident).with_for_update() \
        .one_or_none()
    if migration is None:
        raise exception.MigrationNotFound(migration=ident)
    return migration


def list_unheld_migrations(states: Iterable[str],
                           or_held_by: str | None = None
                           ) -> list[models.Migration]:
    """Migrations in ``states`` that no live owner (other than
    ``or_held_by``) holds."""
    with db_api._reader() as session:
        query = session.query(models.Migration).filter(
            models.Migration.state.in_(list(states)))
        return owner_api.unheld(models.Migration, query,
                                or_held_by).order_by(
            models.Migration.id).all()


@db_api.retry_on_deadlock
def delete_migration(ident: str,
                     refuse_states: Iterable[str] = ()) -> None:
    """Delete a migration unless (checked under lock) it is in
    ``refuse_states`` or a live owner still holds it (a cancelled one
    whose last items are finishing)."""
    with db_api._writer() as session:
        migration = migration_for_update(session, ident)
        owner_api.refuse_if_held(session, migration, exception.MigrationBusy,
                                 migration=ident)
        if migration.state in refuse_states:
            raise exception.MigrationInProgress(migration=ident,
                                                state=migration.state)
        session.delete(migration)


def migration_uuids(ids: Iterable[int]) -> dict[int, str]:
    """UUIDs of migrations by their database ids."""
    ids = set(ids)
    if not ids:
        return {}
    with db_api._reader() as session:
        rows = session.query(models.Migration.id, models.Migration.uuid) \
            .filter(models.Migration.id.in_(ids))
        return {r.id: r.uuid for r in rows}


# Plan items

def list_plan_items(migration_id: int) -> list[models.PlanItem]:
    with db_api._reader() as session:
        return session.query(models.PlanItem).filter_by(
            migration_id=migration_id).order_by(models.PlanItem.id).all()


@functools.cache
def _row_class(columns: tuple[str, ...]) -> type:
    return collections.namedtuple('PlanItemRow', columns)


def plan_item_rows(migration_id: int, columns: Sequence[str],
                   raw: Sequence[str] = ()) -> list[tuple]:
    """The plan items of a migration in id order, as read-only named
    tuples of only ``columns`` (read as the attributes of
    :class:`.PlanItem`); the JSON columns named in ``raw`` as their
    stored text, not decoded.

    For reading whole plans: making 2,000 ORM objects, parsing the time
    stamps nobody reads and decoding every item's details cost most of
    ``GET /v1/migrations/{id}/plan`` (and reading the attributes of
    SQLAlchemy's rows costs ten times a named tuple's).
    """
    table = models.PlanItem.__table__
    selected = [sa.type_coerce(table.c[name], sa.Text()).label(name)
                if name in raw else table.c[name] for name in columns]
    make = _row_class(tuple(columns))._make
    with db_api._reader() as session:
        return [make(row) for row in session.execute(
            sa.select(*selected).where(table.c.migration_id == migration_id)
            .order_by(table.c.id)).all()]


def get_plan_item(item_id: int) -> models.PlanItem:
    with db_api._reader() as session:
        return session.query(models.PlanItem).filter_by(id=item_id).one()


@db_api.retry_on_deadlock
def update_plan_item(item_id: int, values: dict) -> None:
    with db_api._writer() as session:
        session.query(models.PlanItem).filter_by(id=item_id).update(values)


@db_api.retry_on_deadlock
def start_plan_item(item_id: int, new_run: bool = True) -> models.PlanItem:
    """Mark an item running and count the attempt.

    ``new_run``: the item's first attempt in this run, whose clock
    (``started_at``) starts now; a retry in the same run keeps it.
    """
    with db_api._writer() as session:
        item = session.query(models.PlanItem).filter_by(
            id=item_id).with_for_update().one()
        item.state = 'running'
        item.attempts += 1
        item.error = None
        if new_run or item.started_at is None:
            item.started_at = timeutils.utcnow()
            item.finished_at = None
            item.work_seconds = None
    return item


@db_api.retry_on_deadlock
@db_api.retry_on_duplicate
def complete_plan_item(item: models.PlanItem, destination_id: str,
                       source_cloud_id: int,
                       destination_cloud_id: int,
                       waited: float = 0.0) -> None:
    """Mark an item done and record its mapping, in one transaction.

    Two migrations may record the mapping of one shared resource (a role,
    a flavor) at once: neither finds a row to lock, and the second
    insert fails on the unique mapping; that transaction is tried again
    and finds the first one's row.

    Its ``work_seconds`` are the time since ``item.started_at`` (see
    :func:`start_plan_item`) less ``waited``, the seconds it waited for
    others (a transfer slot, its source host's turn).
    """
    finished_at = timeutils.utcnow()
    work_seconds = None
    if item.started_at is not None:
        work_seconds = max(
            (finished_at - item.started_at).total_seconds() - waited, 0.0)
    with db_api._writer() as session:
        session.query(models.PlanItem).filter_by(id=item.id).update(
            {'state': 'done', 'destination_id': destination_id,
             'error': None, 'finished_at': finished_at,
             'work_seconds': work_seconds})
        mapping = session.query(models.Mapping).filter_by(
            source_cloud_id=source_cloud_id,
            destination_cloud_id=destination_cloud_id,
            resource_type=item.resource_type,
            source_id=item.source_id).with_for_update().one_or_none()
        if mapping is None:
            session.add(models.Mapping(
                source_cloud_id=source_cloud_id,
                destination_cloud_id=destination_cloud_id,
                resource_type=item.resource_type, source_id=item.source_id,
                destination_id=destination_id,
                migration_id=item.migration_id))
        elif mapping.destination_id != destination_id:
            mapping.destination_id = destination_id
            mapping.migration_id = item.migration_id
        # An unchanged mapping keeps naming the migration that made it.


@db_api.retry_on_deadlock
def reopen_plan_item(item_id: int, destination_id: str,
                     source_cloud_id: int, destination_cloud_id: int,
                     reason: str) -> bool:
    """Put a done item back to pending once what it created is gone from
    the destination (removed because another item failed), and forget
    its mapping, in one transaction.

    Only an item that still is done with ``destination_id`` is reopened,
    and only a mapping to ``destination_id`` is removed. ``reason`` is
    kept as the item's error until it runs again. True if it was
    reopened.
    """
    with db_api._writer() as session:
        item = session.query(models.PlanItem).filter_by(
            id=item_id).with_for_update().one_or_none()
        if item is None or item.state != 'done' or \
                item.destination_id != destination_id:
            return False
        item.state = 'pending'
        item.destination_id = None
        item.error = reason[:4000]
        item.finished_at = None
        item.work_seconds = None
        session.query(models.Mapping).filter_by(
            source_cloud_id=source_cloud_id,
            destination_cloud_id=destination_cloud_id,
            resource_type=item.resource_type, source_id=item.source_id,
            destination_id=destination_id).delete()
    return True


# Events

@db_api.retry_on_deadlock
def add_event(migration_id: int | None, event_type: str, message: str,
              level: str = 'INFO', plan_item_id: int | None = None,
              conductor: str | None = None) -> None:
    with db_api._writer() as session:
        session.add(models.Event(
            migration_id=migration_id, plan_item_id=plan_item_id,
            level=level, event_type=event_type, message=message,
            conductor=conductor))


def list_events(migration_id: int, after_id: int | None = None,
                limit: int | None = None) -> list[models.Event]:
    with db_api._reader() as session:
        query = session.query(models.Event).filter_by(
            migration_id=migration_id)
        if after_id is not None:
            query = query.filter(models.Event.id > after_id)
        query = query.order_by(models.Event.id)
        if limit is not None:
            query = query.limit(limit)
        return query.all()


# Passwords issued to migrated users

@db_api.retry_on_deadlock
def add_issued_password(migration_id: int, user_source_id: str,
                        user_destination_id: str, user_name: str,
                        domain_name: str | None, secret: str) -> None:
    try:
        with db_api._writer() as session:
            session.add(models.IssuedPassword(
                migration_id=migration_id, user_source_id=user_source_id,
                user_destination_id=user_destination_id,
                user_name=user_name, domain_name=domain_name, secret=secret))
    except db_exc.DBDuplicateEntry:
        with db_api._writer() as session:
            session.query(models.IssuedPassword).filter_by(
                migration_id=migration_id,
                user_source_id=user_source_id).update(
                    {'user_destination_id': user_destination_id,
                     'secret': secret})


@db_api.retry_on_deadlock
def pop_issued_passwords(migration_id: int) -> list[models.IssuedPassword]:
    """Return the issued passwords and delete them: they are read once."""
    with db_api._writer() as session:
        rows = session.query(models.IssuedPassword).filter_by(
            migration_id=migration_id).with_for_update().all()
        for row in rows:
            session.delete(row)
        return rows


def put_back_issued_passwords(migration_id: int, rows) -> None:
    """Store again what :func:`pop_issued_passwords` returned (when it
    could not be handed out)."""
    for row in rows:
        add_issued_password(migration_id, row.user_source_id,
                            row.user_destination_id, row.user_name,
                            row.domain_name, row.secret)


def count_issued_passwords(migration_id: int) -> int:
    with db_api._reader() as session:
        return session.query(sa.func.count(models.IssuedPassword.id)) \
            .filter_by(migration_id=migration_id).scalar()


