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

"""What the API and the command line show of a migration and its events:
one view for both (the API adds its links, the command line its plan and
report)."""

import collections

from oslo_log import log

from pumphouse.db import migration_api
from pumphouse.engine import checks
from pumphouse.engine import estimate

LOG = log.getLogger(__name__)


def timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


#: The columns of a migration that :func:`migration_view` does not read:
#: a list need not load them (JSON, the report can be long).
NOT_LISTED = ('report', 'checks', 'estimate')


def migration_view(migration, clouds: dict[int, str]) -> dict:
    """A migration as listed; ``clouds`` names the clouds by their ids
    (UUIDs in the API, names on the command line)."""
    selection = migration.workload
    view = {key: getattr(migration, key) for key in (
        'uuid', 'name', 'project_id', 'user_id', 'options', 'state',
        'last_error')}
    # Who works on it now: a conductor or a command-line process.
    view['conductor'] = migration.owner
    view.update({key: timestamp(getattr(migration, key)) for key in (
        'created_at', 'updated_at', 'started_at', 'finished_at')})
    view.update({
        'source': clouds.get(migration.source_cloud_id),
        'destination': clouds.get(migration.destination_cloud_id),
        'workload': selection['workload'],
        'strategies': selection.get('strategies', {}),
        'supplementary': selection.get('supplementary', 'depend'),
    })
    return view


def detailed_view(migration, clouds: dict[int, str],
                  items: list | None = None) -> dict:
    """A migration with the counts of its plan items, its pre-checks,
    what waits for the operator, the plan's estimate and its time
    (elapsed and left: :func:`pumphouse.engine.estimate.time_left`)."""
    view = migration_view(migration, clouds)
    if items is None:
        items = migration_api.list_plan_items(migration.id)
    view['items'] = {
        'total': len(items),
        'by_state': dict(collections.Counter(i.state for i in items)),
        'by_action': dict(collections.Counter(i.action for i in items))}
    view['passwords_available'] = migration_api.count_issued_passwords(
        migration.id)
    view['report_available'] = bool(migration.report)
    view['checks'] = check_views(migration)
    view['estimate'] = migration.estimate or None
    view['time'] = time_view(migration, items)
    return view


def time_view(migration, items) -> dict:
    """:func:`pumphouse.engine.estimate.time_left`; all None, with a
    warning, if it cannot be told: the time only informs."""
    try:
        return estimate.time_left(migration, items)
    except Exception:  # noqa: BLE001
        LOG.warning('Could not tell the time left of migration %s',
                    migration.uuid, exc_info=True)
        return {'elapsed_s': None, 'remaining_low_s': None,
                'remaining_high_s': None, 'scale': None,
                'observed_items': 0}


def check_views(migration) -> list[dict]:
    """The pre-checks of a migration; failed ones say if overridden."""
    overrides = (migration.options or {}).get('override_checks', [])
    return [dict(c, overridden=checks.overridden(c, overrides))
            if c['status'] == checks.FAILED else c
            for c in migration.checks or ()]


def event_view(event) -> dict:
    view = {key: getattr(event, key) for key in (
        'id', 'level', 'event_type', 'message', 'plan_item_id', 'conductor')}
    view['created_at'] = timestamp(event.created_at)
    return view
