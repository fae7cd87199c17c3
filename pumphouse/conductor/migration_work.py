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

"""What a held migration needs next: the work function of the migration
dispatcher, for conductors and the command line alike.

It runs inside :func:`pumphouse.conductor.task_manager.acquire`: the
migration cannot be worked on by anybody else meanwhile, so every state
transition made here is the owner's.
"""

import threading

from oslo_log import log
from oslo_utils import timeutils

from pumphouse.common import exception
from pumphouse.conductor import task_manager
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.engine import states

LOG = log.getLogger(__name__)

#: States a migration is started (or resumed) from when asked to drive.
_STARTABLE = (states.PLANNED, states.FAILED, states.CANCELLED)


def create(request: dict, owner: str | None = None):
    """Validate and store a migration (``request`` as
    :meth:`pumphouse.conductor.rpcapi.ConductorAPI.create_migration`
    takes it); ``owner`` holds it from the start."""
    try:
        return runner.create(
            request['source'], request['destination'],
            request['selection'], request.get('options'),
            project_id=request['project_id'],
            user_id=request.get('user_id'), name=request.get('name'),
            owner=owner)
    except exception.CloudNotFound as e:
        raise exception.Invalid(reason=str(e)) from e


def transition(migration_uuid: str, owner: str, target: str,
               override_checks: list[str] | None = None):
    """Start (``running``) or plan again (``planning``, only a migration
    whose planning failed) a migration, under the task manager's lock;
    returns it. The work itself is left to the dispatcher."""
    # A transition that cannot be is refused as such, held or not.
    current = migration_api.get_migration(migration_uuid)
    states.check(migration_uuid, current.state, target)
    with task_manager.acquire(task_manager.MIGRATION, migration_uuid,
                              owner) as migration:
        if target == states.RUNNING:
            return runner.start(migration_uuid,
                                override_checks=override_checks)
        states.check(migration_uuid, migration.state, target)
        if target != states.PLANNING or \
                migration_api.list_plan_items(migration.id):
            raise exception.InvalidStateTransition(
                migration=migration_uuid, state=migration.state,
                target=target)
        return migration_api.update_migration(
            migration_uuid, {'state': target, 'last_error': None,
                             'finished_at': None},
            expected_state=migration.state)


def work(migration, owner: str, reason: str | None = None,
         expected: tuple[str, ...] = states.ACTIVE_STATES,
         emit: runner.Emit = None, workers: int | None = None,
         start: bool = False, override_checks: list[str] | None = None,
         plan_only: bool = False, verify: bool = False,
         stopping: threading.Event | None = None):
    """Take a held migration as far as its state says; returns it.

    ``expected``: the states to act on (else nothing is done). ``start``:
    a planned, failed or cancelled migration is started (pre-checks and
    conflicts permitting) and run; ``plan_only``: stop once planned.
    ``verify``: only verify it again (a completed one too).
    ``reason``: why this owner took it over, recorded as an event.
    ``stopping``: set when the owner stops; a run then finishes the items
    under way, starts no other and returns the migration ``running``
    (see :func:`pumphouse.engine.runner.run`).
    Failures are recorded on the migration and raised.
    """
    uuid = migration.uuid
    if verify:
        return runner.verify(uuid, emit=emit)
    if migration.state not in expected and not (
            start and migration.state in _STARTABLE):
        LOG.info('Migration %(uuid)s is %(state)s: nothing to do',
                 {'uuid': uuid, 'state': migration.state})
        return migration
    if reason:
        message = (f'{owner} takes the migration over ({migration.state}): '
                   f'{reason}')
        LOG.info('%(message)s: %(uuid)s', {'message': message, 'uuid': uuid})
        migration_api.add_event(migration.id, 'takeover', message,
                                level='WARNING', conductor=owner)
    workers = workers or runner.apply_workers(migration)
    try:
        if migration.state == states.PLANNING or (
                start and migration.state == states.FAILED and
                not migration_api.list_plan_items(migration.id)):
            migration = runner.plan(uuid, emit=emit)
            if plan_only or not start:
                return migration
        if start and migration.state in _STARTABLE:
            migration = runner.start(uuid, override_checks=override_checks)
        if migration.state == states.RUNNING:
            return runner.run(uuid, workers=workers, emit=emit, owner=owner,
                              stopping=stopping)
        if migration.state == states.VERIFYING:
            migration_api.add_event(migration.id, 'verify',
                                    'Verification was interrupted; '
                                    'verifying again', level='WARNING',
                                    conductor=owner)
            return runner.verify(uuid, emit=emit)
        return migration
    except Exception as e:
        LOG.warning('Migration %(uuid)s stopped: %(err)s',
                    {'uuid': uuid, 'err': e},
                    exc_info=not isinstance(e, runner.EXPECTED_ERRORS))
        fail_if_active(uuid, e, owner)
        raise


def fail_if_active(migration_uuid: str, error: Exception,
                   owner: str) -> None:
    """Mark failed a migration the engine left in an active state, so
    that the take-over does not resume it again and again."""
    try:
        migration = migration_api.get_migration(migration_uuid)
        if migration.state not in states.ACTIVE_STATES:
            return
        message = (str(error) or type(error).__name__)[:4000]
        migration_api.update_migration(
            migration_uuid, {'state': states.FAILED, 'last_error': message,
                             'finished_at': timeutils.utcnow()},
            expected_state=migration.state)
        migration_api.add_event(migration.id, 'failed', message,
                                level='ERROR', conductor=owner)
    except Exception:
        LOG.exception('Could not mark migration %s failed', migration_uuid)
