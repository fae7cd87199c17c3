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

"""Database API of the times plan items took: the history estimates
learn from (:mod:`pumphouse.engine.estimate`): each finished item's time
(:func:`item_times`), and the plans of the latest completed migrations,
which calibrate the estimate (:func:`finished_plans`)."""

import dataclasses

from pumphouse.db import api as db_api
from pumphouse.db import models

#: The state of a migration applied and verified
#: (:data:`pumphouse.engine.states.COMPLETED`).
COMPLETED = 'completed'


@dataclasses.dataclass(frozen=True)
class ItemTime:
    """How long one finished plan item of an earlier migration worked."""

    migration_id: int
    resource_type: str
    action: str
    work_seconds: float
    bytes_total: int | None
    #: How a server was booted (``image``, ``volume``, ``snapshot``):
    #: a snapshot's copy is in its time but not in its bytes.
    boot: str | None = None


def item_times(source_cloud_id: int, destination_cloud_id: int,
               migrations: int,
               excluded_migration_id: int | None = None
               ) -> list[ItemTime]:
    """The timed, done items of the latest ``migrations`` migrations from
    ``source_cloud_id`` to ``destination_cloud_id`` (but
    ``excluded_migration_id``), newest migration first."""
    if migrations <= 0:
        return []
    with db_api._reader() as session:
        ids = [row.id for row in _latest(
            session, source_cloud_id, destination_cloud_id, migrations,
            excluded_migration_id)]
        if not ids:
            return []
        item = models.PlanItem
        rows = session.query(
            item.id, item.migration_id, item.resource_type, item.action,
            item.work_seconds, item.bytes_total).filter(
            item.migration_id.in_(ids), item.state == 'done',
            item.work_seconds.isnot(None)).order_by(
            item.migration_id.desc(), item.id).all()
        servers = [r.id for r in rows if r.resource_type == 'compute.server']
        boots = {}
        if servers:
            boots = {r.id: ((r.details or {}).get('data') or {}).get('boot')
                     for r in session.query(item.id, item.details).filter(
                         item.id.in_(servers))}
    return [ItemTime(r.migration_id, r.resource_type, r.action,
                     float(r.work_seconds), r.bytes_total, boots.get(r.id))
            for r in rows]


def _latest(session, source_cloud_id: int, destination_cloud_id: int,
            migrations: int, excluded_migration_id: int | None) -> list:
    """The id and state of the latest ``migrations`` migrations between
    the two clouds (but ``excluded_migration_id``), newest first."""
    query = session.query(
        models.Migration.id, models.Migration.state).filter_by(
        source_cloud_id=source_cloud_id,
        destination_cloud_id=destination_cloud_id)
    if excluded_migration_id is not None:
        query = query.filter(models.Migration.id != excluded_migration_id)
    return query.order_by(models.Migration.id.desc()).limit(
        migrations).all()


@dataclasses.dataclass(frozen=True)
class FinishedPlan:
    """The plan of a completed migration, and how it ran."""

    migration_id: int
    #: Its plan items (rows of :class:`pumphouse.db.models.PlanItem`).
    items: list
    #: The estimate it stored (its parallelism: that of its last run).
    estimate: dict | None
    options: dict


def finished_plans(source_cloud_id: int, destination_cloud_id: int,
                   migrations: int, latest: int,
                   excluded_migration_id: int | None = None
                   ) -> list[FinishedPlan]:
    """The plans of the ``latest`` completed migrations among the latest
    ``migrations`` from ``source_cloud_id`` to ``destination_cloud_id``
    (but ``excluded_migration_id``), newest first."""
    if migrations <= 0 or latest <= 0:
        return []
    with db_api._reader() as session:
        ids = [row.id for row in _latest(
            session, source_cloud_id, destination_cloud_id, migrations,
            excluded_migration_id) if row.state == COMPLETED][:latest]
        if not ids:
            return []
        found = session.query(
            models.Migration.id, models.Migration.estimate,
            models.Migration.options).filter(
            models.Migration.id.in_(ids)).order_by(
            models.Migration.id.desc()).all()
        items = session.query(models.PlanItem).filter(
            models.PlanItem.migration_id.in_(ids)
        ).order_by(models.PlanItem.id).all()
    by_migration: dict[int, list] = {r.id: [] for r in found}
    for item in items:
        by_migration[item.migration_id].append(item)
    return [FinishedPlan(r.id, by_migration[r.id], r.estimate,
                         r.options or {}) for r in found]
