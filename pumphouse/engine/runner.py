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

"""Running a migration: the engine's entry points.

``create`` stores a migration (state ``planning``), ``plan`` discovers and
plans it (``planned``), ``start`` checks it may run (``running``), ``run``
applies and verifies it (``running`` -> ``verifying`` -> ``completed`` or
``failed``); started again, a failed, cancelled or interrupted migration
resumes from its plan items.

They are called by whoever holds the migration (see
:mod:`pumphouse.conductor.migration_work`), never on a migration nobody
holds.
"""

import threading
from collections.abc import Callable

from oslo_log import log
from oslo_utils import timeutils

from pumphouse.common import cloud_config
from pumphouse.common import durations
from pumphouse.common import exception
from pumphouse.common import faults
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import timing_api
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import checks as checks_mod
from pumphouse.engine import context as context_mod
from pumphouse.engine import discovery
from pumphouse.engine import estimate as estimate_mod
from pumphouse.engine import estimate_calibration
from pumphouse.engine import estimate_params
from pumphouse.engine import host_turns
from pumphouse.engine import planner
from pumphouse.engine import registry
from pumphouse.engine import selection as selection_mod
from pumphouse.engine import states
from pumphouse.engine import verify as verify_mod

LOG = log.getLogger(__name__)

DEFAULT_OPTIONS = {
    'conflict_resolution': 'fail',
    'rename_suffix': '-migrated',
}

Emit = Callable[[str, str, str, object], None] | None

#: Failures of the clouds or of the request, logged without a traceback.
EXPECTED_ERRORS = faults.EXPECTED_ERRORS


def create(source: str, destination: str, selection: dict,
           options: dict | None, project_id: str,
           user_id: str | None = None, name: str | None = None,
           owner: str | None = None):
    """Store a new migration between two registered clouds; ``owner``
    holds it from the start (else the first conductor to see it plans
    it)."""
    source_cloud = db_api.get_cloud(source)
    destination_cloud = db_api.get_cloud(destination)
    if source_cloud.id == destination_cloud.id:
        raise exception.Invalid(
            reason='the source and the destination are the same cloud')
    parsed = selection_mod.Selection.from_dict(selection)
    parsed.validate(registry.load_drivers())
    return migration_api.create_migration({
        'name': name, 'project_id': project_id, 'user_id': user_id,
        'source_cloud_id': source_cloud.id,
        'destination_cloud_id': destination_cloud.id,
        'workload': parsed.to_dict(),
        # The configured password mode is recorded with the migration, so
        # a resume later does what the plan said.
        'options': {**DEFAULT_OPTIONS,
                    'password_mode': CONF.identity.password_mode,
                    **(options or {})},
        'state': states.PLANNING,
        'owner': owner,
    })


def _context(migration, emit: Emit,
             owner: str | None = None) -> context_mod.EngineContext:
    """The engine's context of ``migration``; ``owner``: who runs it (the
    turns of source hosts it takes are recorded as its)."""
    clouds = {c.id: c for c in db_api.list_clouds()}
    source = clouds[migration.source_cloud_id]
    destination = clouds[migration.destination_cloud_id]

    def sink(event_type, message, level, item):
        migration_api.add_event(migration.id, event_type, message,
                                level=level,
                                plan_item_id=getattr(item, 'id', None),
                                conductor=migration.owner)
        if emit is not None:
            emit(event_type, message, level, item)

    ctx = context_mod.EngineContext(
        cloud_config.connect(source.config, source.credentials,
                             name=f'{source.name} (source)'),
        cloud_config.connect(destination.config, destination.credentials,
                             name=f'{destination.name} (destination)'),
        source.id, destination.id, options=migration.options, emit=sink,
        migration_id=migration.id, owner=owner)
    return ctx


def _fail(migration, error: Exception) -> None:
    message = str(error) or type(error).__name__
    migration_api.update_migration(migration.uuid, {
        'state': states.FAILED, 'last_error': message[:4000],
        'finished_at': timeutils.utcnow()})
    migration_api.add_event(migration.id, 'failed', message, level='ERROR',
                            conductor=migration.owner)


def plan(migration_uuid: str, emit: Emit = None):
    """Discover the source and store the plan (planning -> planned)."""
    migration = migration_api.get_migration(migration_uuid)
    if migration.state != states.PLANNING:
        if migration_api.list_plan_items(migration.id):
            raise exception.InvalidStateTransition(
                migration=migration_uuid, state=migration.state,
                target=states.PLANNING)
        states.check(migration_uuid, migration.state, states.PLANNING)
        migration = migration_api.update_migration(
            migration_uuid, {'state': states.PLANNING, 'last_error': None},
            expected_state=migration.state)
    ctx = None
    try:
        ctx = _context(migration, emit)
        drivers = registry.load_drivers()
        selection = selection_mod.Selection.from_dict(migration.workload)
        selection.validate(drivers)
        checks_mod.announce(ctx)
        graph = discovery.discover(ctx, selection, drivers)
        items = planner.plan(ctx, graph, drivers)
        found = checks_mod.run(ctx, graph, items, drivers)
        migration_api.add_plan_items(migration.id, items)
    except Exception as e:
        LOG.warning('Planning migration %(uuid)s failed: %(err)s',
                    {'uuid': migration_uuid, 'err': e},
                    exc_info=not isinstance(e, EXPECTED_ERRORS))
        _fail(migration, e)
        raise
    finally:
        # Discovery may have borrowed scoped access (a source project's
        # stacks are listed with a temporary role there).
        if ctx is not None:
            ctx.release()
    return migration_api.update_migration(
        migration_uuid, {'state': states.PLANNED, 'checks': found,
                         'estimate': _estimate(ctx, migration)},
        expected_state=states.PLANNING)


def _estimate(ctx, migration, workers: int | None = None) -> dict | None:
    """How long the plan of ``migration`` should take with ``workers``
    (by default its own), learnt from the latest migrations between the
    same clouds and calibrated by the latest completed ones (see
    :mod:`pumphouse.engine.estimate`); announced as an event. None, with
    a warning, if it cannot be made: an estimate only informs."""
    try:
        items = migration_api.list_plan_items(migration.id)
        stored = migration.estimate
        if stored and workers is not None:
            # The plan's costs and calibration, for this run's workers.
            costs = estimate_mod.stored_costs(stored, items)
            history = stored.get('history')
            calibration = estimate_params.Calibration.from_dict(
                stored.get('calibration'))
        else:
            costs, history, calibration = _learn(migration, items)
        made = estimate_mod.estimate(
            items, costs, estimate_mod.Parallelism.configured(
                workers or apply_workers(migration)), history, calibration)
    except Exception as e:  # noqa: BLE001 - an estimate only informs
        LOG.warning('Could not estimate the time of migration %(uuid)s: '
                    '%(err)s', {'uuid': migration.uuid, 'err': e},
                    exc_info=True)
        return None
    ctx.event('estimate', 'Estimated time: '
              + durations.estimate_text(made))
    return made


def _learn(migration, items: list) -> tuple:
    """The costs of ``items``, the summary of the history they come
    from and the calibration of the latest completed migrations, from
    the latest migrations between the clouds of ``migration``."""
    clouds = (migration.source_cloud_id, migration.destination_cloud_id,
              CONF.estimate.history_migrations)
    found = timing_api.item_times(*clouds,
                                  excluded_migration_id=migration.id)
    plans = timing_api.finished_plans(*clouds, estimate_calibration.LATEST,
                                      excluded_migration_id=migration.id)
    return (estimate_mod.learn_costs(items, found),
            estimate_mod.history_summary(found),
            estimate_calibration.calibrate(plans, found))


def conflicts(migration) -> list:
    return [i for i in migration_api.list_plan_items(migration.id)
            if i.action == 'conflict']


def start(migration_uuid: str, override_checks: list[str] | None = None):
    """Move a migration to running.

    Refuses unresolved conflicts and failed pre-checks that neither the
    migration's ``override_checks`` option nor ``override_checks`` name;
    the latter are added to the option.
    """
    migration = migration_api.get_migration(migration_uuid)
    states.check(migration_uuid, migration.state, states.RUNNING)
    if not migration_api.list_plan_items(migration.id):
        raise exception.MigrationHasNoPlan(migration=migration_uuid)
    found = conflicts(migration)
    if found:
        raise exception.PlanConflict(count=len(found), items=', '.join(
            f'{i.resource_type} {i.source_name or i.source_id}'
            for i in found[:10]))
    options = dict(migration.options)
    overrides = sorted(set(options.get('override_checks', [])) |
                       set(override_checks or []))
    checks_mod.refuse_unless_overridden(migration_uuid, migration.checks,
                                        overrides)
    values = {'state': states.RUNNING, 'last_error': None}
    if overrides != options.get('override_checks', []):
        values['options'] = dict(options, override_checks=overrides)
    if migration.started_at is None:
        values['started_at'] = timeutils.utcnow()
    return migration_api.update_migration(migration_uuid, values,
                                          expected_state=migration.state)


def apply_workers(migration) -> int:
    """How many items of ``migration`` are applied in parallel."""
    return int(migration.options.get('apply_workers')
               or CONF.conductor.apply_workers)


def run(migration_uuid: str, workers: int = 4, emit: Emit = None,
        owner: str | None = None, stopping: threading.Event | None = None):
    """Apply a running migration (see :func:`start`), then verify it.

    ``owner`` is who holds it: should another owner take the migration
    over (this one's heartbeat went stale), this one stops between items
    instead of racing it. So it does once ``stopping`` is set (its owner
    stops) or the migration is cancelled: the items under way finish
    (an item waiting to be tried again does not start another attempt),
    the others stay ``pending``, and the migration is returned as it is
    (``running`` unless cancelled), for a resume.
    """
    migration = migration_api.get_migration(migration_uuid)
    if migration.state != states.RUNNING:
        raise exception.InvalidStateTransition(
            migration=migration_uuid, state=migration.state,
            target='applied (start it first)')
    ctx = None
    try:
        ctx = _context(migration, emit, owner=owner)
        drivers = registry.load_drivers()

        def should_stop() -> bool:
            if stopping is not None and stopping.is_set():
                return True
            current = migration_api.get_migration(migration_uuid)
            return current.state == states.CANCELLED or (
                owner is not None and current.owner != owner)

        ctx.event('apply', f'Applying the plan with {workers} workers')
        _estimate_run(ctx, migration, workers)
        counts = apply_mod.apply(ctx, drivers, migration, workers,
                                 should_stop=should_stop)
        ctx.event('apply', 'Items: ' + ', '.join(
            f'{n} {s}' for s, n in sorted(counts.items())))
        if should_stop():
            if stopping is not None and stopping.is_set():
                ctx.event('stopped', f'{owner or "Its owner"} is stopping: '
                          'the run ends here; what is not done is resumed '
                          'by the take-over', level='WARNING')
            return migration_api.get_migration(migration_uuid)
    except Exception as e:
        LOG.warning('Migration %(uuid)s failed: %(err)s',
                    {'uuid': migration_uuid, 'err': e},
                    exc_info=not isinstance(e, EXPECTED_ERRORS))
        _fail(migration, e)
        raise
    finally:
        if ctx is not None:
            ctx.release()
        # Whatever the run's items still hold (none but after a failure
        # to give one back) is free for the other migrations.
        host_turns.release(migration.id, owner)
    unfinished = {s: n for s, n in counts.items()
                  if s not in apply_mod.TERMINAL_STATES}
    if unfinished:
        error = 'Not every item was migrated: ' + ', '.join(
            f'{n} {s}' for s, n in sorted(unfinished.items()))
        _fail(migration, exception.PumphouseException(error))
        return migration_api.get_migration(migration_uuid)
    return verify(migration_uuid, emit=emit, ctx=ctx, drivers=drivers)


def _estimate_run(ctx, migration, workers: int) -> None:
    """A run with other workers than the plan's estimate assumed
    records the estimate of what it has to do with them."""
    stored = migration.estimate or {}
    if (stored.get('parallelism') or {}).get('workers') in (None, workers):
        return
    made = _estimate(ctx, migration, workers)
    if made is not None:
        migration_api.update_migration(migration.uuid, {'estimate': made})


def verify(migration_uuid: str, emit: Emit = None, ctx=None, drivers=None):
    """Compare destination with source and store the report."""
    migration = migration_api.get_migration(migration_uuid)
    states.check(migration_uuid, migration.state, states.VERIFYING)
    migration = migration_api.update_migration(
        migration_uuid, {'state': states.VERIFYING},
        expected_state=migration.state)
    ctx = ctx or _context(migration, emit)
    drivers = drivers or registry.load_drivers()
    try:
        report = verify_mod.verify(ctx, drivers, migration)
    except Exception as e:
        LOG.warning('Verification of %(uuid)s failed: %(err)s',
                    {'uuid': migration_uuid, 'err': e},
                    exc_info=not isinstance(e, EXPECTED_ERRORS))
        _fail(migration, e)
        raise
    final = states.COMPLETED if not report['not_migrated'] else states.FAILED
    return migration_api.update_migration(migration_uuid, {
        'state': final, 'report': report,
        'finished_at': timeutils.utcnow()})
