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

"""Apply: run the plan's DAG as a taskflow graph flow on threads.

Each plan item is one task. A task commits its item's state as it goes
and, on success, the mapping in the same transaction as the item's
completion. A failing item deletes what it created and marks itself
failed; its dependants see that and mark themselves blocked, while
independent branches go on. Tasks never raise into taskflow, so taskflow
never reverts other items' work. A driver may remove what a done item
created when it is a half-built part of a failed item's move (the copy
of a volume of a server that runs again in the source): it says so
(:meth:`EngineContext.removed`) and the engine puts that item back to
pending (:func:`reopen`); its dependants that have not started are then
blocked, the run ends with it pending, and a resume creates it again.

Before creating, a task always looks for the destination resource and
adopts it, finishing it first if an interrupted attempt left it half made:
this is what makes a resumed migration (after a crash at any point) create
nothing twice. A destination resource that differs in more than that
fails the item instead.

An item that fails with a transient fault of a cloud (a connection
failed, reset or timed out, a 5xx: :mod:`pumphouse.common.faults`) is
tried again in the same run, up to ``[conductor] item_retries`` times
after a growing, jittered pause (:mod:`pumphouse.engine.item_retry`),
each retry an event (type ``retry``). Requests safe to repeat have been
retried by then (:mod:`pumphouse.common.cloud_session`); a POST never
is, so the cloud may have acted on it. The next attempt is a resume: the
driver that saw the fault left what it made
(:meth:`EngineContext.retry_planned`), and the attempt adopts it, or the
resource an earlier attempt's create returned, before it would create.
Only when the item fails for good is its work undone.

A run told to stop (cancelled, taken over, or its owner stopping) starts
no item and no attempt: the items not started stay ``pending``, and an
item waiting to be tried again wakes (its pause asks whether to stop) and
is ``pending`` again, what its failed attempt made left in the destination
for the resume to adopt.
"""

import tenacity
from openstack import exceptions as sdk_exc
from oslo_log import log
from taskflow import engines
from taskflow import task
from taskflow.patterns import graph_flow

from pumphouse.common import exception
from pumphouse.common import faults
from pumphouse.conf import CONF
from pumphouse.db import migration_api
from pumphouse.engine import estimate
from pumphouse.engine import item_retry
from pumphouse.engine import ready_queue
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)

OK = 'ok'
NOT_OK = 'not-ok'
TERMINAL_STATES = ('done', 'skipped')


def _symbol(item_id: int) -> str:
    return f'item_{item_id}'


class ItemTask(task.Task):
    """Migrates one plan item."""

    def __init__(self, runner: 'ItemRunner', item, needs: list[int],
                 priority: float = 0.0) -> None:
        super().__init__(name=f'{item.resource_type}:{item.source_id}',
                         provides=_symbol(item.id),
                         requires=[_symbol(n) for n in needs])
        self.runner = runner
        self.item_id = item.id
        # Which ready task a free worker takes first (ready_queue).
        self.priority = priority

    def execute(self, **needed):
        blocked_by = [name for name, result in needed.items()
                      if result != OK]
        return self.runner.run(self.item_id, blocked_by)


class ItemRunner:
    """The work of one item, shared by the tasks of one apply."""

    def __init__(self, ctx, drivers: dict, migration,
                 should_stop) -> None:
        self.ctx = ctx
        self.drivers = drivers
        self.migration = migration
        self.should_stop = should_stop

    def run(self, item_id: int, blocked_by: list[str]) -> str:
        """Migrate one item, then settle what its driver removed of other
        items (before the items that wait for this one start)."""
        try:
            return self._run(item_id, blocked_by)
        finally:
            self.settle_removals()

    def settle_removals(self) -> None:
        """Every destination resource a driver removed
        (:meth:`EngineContext.removed`): its item is pending again
        (:func:`reopen`); a failure to say so is reported."""
        for removal in self.ctx.take_removals():
            item_id = self.ctx.item_id(removal.key)
            try:
                if not reopen(self.ctx, removal):
                    continue
            except Exception as e:
                LOG.warning('Could not reopen %(key)s: %(err)s',
                            {'key': removal.key, 'err': e}, exc_info=True)
                self._event(migration_api.get_plan_item(item_id),
                            'reopen_failed',
                            f'{removal.destination_id} was removed from the '
                            f'destination ({removal.reason}), but the item '
                            f'could not be made pending again: '
                            f'{type(e).__name__}: {e}', level='ERROR')
                continue
            self._event(migration_api.get_plan_item(item_id), 'reopened',
                        f'{removal.destination_id} was removed from the '
                        f'destination; pending again: {removal.reason}',
                        level='WARNING')

    def _run(self, item_id: int, blocked_by: list[str]) -> str:
        item = migration_api.get_plan_item(item_id)
        if item.state in TERMINAL_STATES:
            if item.destination_id:
                self.ctx.record((item.resource_type, item.source_id),
                                item.destination_id)
            return OK
        if self.should_stop():
            # Cancelled, taken over or its owner stopping: leave it for a
            # resume.
            migration_api.update_plan_item(item.id, {'state': 'pending'})
            return NOT_OK
        self.ctx.item_started((item.resource_type, item.source_id))
        # A need done before may have been removed again since (the copy
        # of a volume whose server failed): taskflow still says it is OK.
        if blocked_by or self.ctx.reopened(item.depends_on or ()):
            self._abandon(item)
            return self._block(item, 'a resource it needs was not migrated')
        if item.action == 'conflict':
            return self._block(item, 'unresolved conflict')
        self.ctx.start_clock()
        item = migration_api.start_plan_item(item.id)
        driver = self.drivers[item.resource_type]
        resource = res.Resource.from_item(item)
        retry = item_retry.ItemRetry(CONF.conductor.item_retries,
                                     self.should_stop)
        made = _Made()
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(retry.attempts),
            retry=tenacity.retry_if_exception(retry.will_retry),
            wait=tenacity.wait_random_exponential(
                multiplier=CONF.conductor.item_retry_delay,
                max=CONF.conductor.item_retry_max_delay),
            before_sleep=lambda state: self._retrying(item, retry, state),
            reraise=True, sleep=retry.pause)
        try:
            destination_id, created = retrying(
                self._attempt, item, driver, resource, retry, made)
        except item_retry.Stopped:
            return self._leave(item, retry, made)
        except exception.WaitStopped as e:
            # Stopped before it changed anything (waiting for its turn).
            retry.close()
            return self._left(item, f'{e}: left pending for a resume')
        except Exception as e:
            retry.close()
            LOG.warning('%(type)s %(id)s failed: %(err)s',
                        {'type': item.resource_type, 'id': item.source_id,
                         'err': e}, exc_info=not faults.is_expected(e))
            with self.ctx.attempt(item, retry):
                self._revert(item, driver, made.id)
            error = f'{type(e).__name__}: {e}' + retry.outcome(e)
            migration_api.update_plan_item(
                item.id, {'state': 'reverted' if made.id else 'failed',
                          'error': error[:4000]})
            self._event(item, 'failed', error, level='ERROR')
            return NOT_OK
        self.ctx.record(resource.key, destination_id)
        verb = 'created' if created else (
            'adopted' if item.action == 'create' else 'reused')
        self._event(item, 'done', f'{verb} {destination_id}')
        return OK

    def _attempt(self, item, driver, resource, retry: item_retry.ItemRetry,
                 made: '_Made') -> tuple[str, bool]:
        """One attempt at an item: adopt what is in the destination (an
        earlier attempt's work included), else create; then what comes
        after. Returns the destination id and whether it was created
        now."""
        retry.begin()
        if retry.attempt > 1:
            # Counts the attempt; the item's clock runs on.
            migration_api.start_plan_item(item.id, new_run=False)
        with self.ctx.attempt(item, retry):
            attrs = self.ctx.translate(resource.attrs)
            if item.action == 'reuse':
                destination_id = item.destination_id
                created = False
            else:
                existing = driver.find_destination(self.ctx, resource, attrs)
                if existing is None and made.id is not None:
                    # Made by an earlier attempt of this run: adopted even
                    # if the driver's search does not find it.
                    existing = driver.get_destination(self.ctx, made.id)
                ours = True
                if existing is None:
                    try:
                        made.id = driver.create(self.ctx, resource, attrs)
                    except sdk_exc.ConflictException as conflict:
                        existing = self._made_meanwhile(
                            item, driver, resource, attrs, conflict)
                        ours = False
                    else:
                        destination_id, created = made.id, True
                if existing is not None:
                    destination_id = self._adopt(item, driver, resource,
                                                 attrs, existing)
                    created = False
            # An adopted resource was made by an interrupted earlier attempt
            # of this very item: it is this migration's creation too; one
            # another migration made meanwhile is not.
            driver.after_create(self.ctx, resource, destination_id,
                                item.action == 'create' and ours)
            migration_api.complete_plan_item(
                item, destination_id, self.ctx.source_cloud_id,
                self.ctx.destination_cloud_id, waited=self.ctx.waited())
        return destination_id, created

    def _made_meanwhile(self, item, driver, resource, attrs: dict,
                        conflict: Exception) -> dict:
        """The destination refused a create as a conflict (409): another
        migration sharing the resource (a role, a flavor, a public
        image) created it between this one's look and its create. What
        it made is found now and adopted, never deleted by this item;
        a conflict with nothing to find is the item's failure."""
        existing = driver.find_destination(self.ctx, resource, attrs)
        if existing is None:
            raise conflict
        self._event(item, 'conflict', f'the destination refused the create '
                    f'({faults.describe(conflict)}): made meanwhile by '
                    f'another migration, found {existing["id"]}')
        return existing

    def _retrying(self, item, retry: item_retry.ItemRetry,
                  state: tenacity.RetryCallState) -> None:
        error = retry.failure = state.outcome.exception()
        self._event(item, 'retry',
                    f'attempt {retry.attempt}/{retry.attempts} failed '
                    f'({faults.describe(error)}); attempt '
                    f'{retry.attempt + 1}/{retry.attempts} in '
                    f'{state.next_action.sleep:.1f} s, adopting what the '
                    'failed one made', level='WARNING')

    def _leave(self, item, retry: item_retry.ItemRetry, made: '_Made') -> str:
        """The run stopped while ``item`` waited to be tried again: the
        item is pending again, for a resume, which adopts what the failed
        attempt made (found in the destination) as after an interrupted
        run."""
        failure = (faults.describe(retry.failure)
                   if retry.failure is not None else 'failed')
        return self._left(
            item, f'attempt {retry.attempt}/{retry.attempts} failed '
            f'({failure}) and the run stops: left pending for a resume, '
            'which adopts what the attempt made'
            + (f' ({made.id})' if made.id else ''))

    def _left(self, item, message: str) -> str:
        """``item`` is pending again, with ``message`` as its error and
        event, for whoever runs the migration next."""
        migration_api.update_plan_item(item.id, {'state': 'pending',
                                                 'error': message[:4000]})
        self._event(item, 'left', message, level='WARNING')
        return NOT_OK

    def _adopt(self, item, driver, resource, attrs: dict,
               existing: dict) -> str:
        """Take over the destination resource ``existing`` (made by an
        interrupted earlier attempt, or equal anyway), finishing it if it
        is half made; never create a second one next to it."""
        differences = driver.compare(attrs, existing)
        if not differences:
            self._event(item, 'adopted', f'found {existing["id"]} already '
                        'in the destination; adopted it')
            return existing['id']
        completed = driver.complete(self.ctx, resource, attrs, existing,
                                    differences)
        if completed is None:
            raise exception.DestinationChanged(
                resource=f'{item.resource_type} '
                         f'{item.source_name or item.source_id}',
                destination_id=existing['id'],
                attributes=', '.join(sorted(differences)))
        self._event(item, 'adopted', f'found {completed} half made in the '
                    'destination; completed and adopted it')
        return completed

    def _revert(self, item, driver, created_id: str | None) -> None:
        if created_id is None:
            return
        try:
            driver.delete(self.ctx, created_id)
            self._event(item, 'reverted', f'deleted {created_id}',
                        level='WARNING')
        except Exception as e:
            LOG.exception('Could not delete %(id)s after a failure',
                          {'id': created_id})
            self._event(item, 'revert_failed',
                        f'could not delete {created_id}: {e}', level='ERROR')

    def _abandon(self, item) -> None:
        """Let the driver of a blocked item give back what was taken on
        its behalf (see :meth:`ResourceDriver.abandon`); a failure there
        is reported, the item is blocked all the same."""
        if item.action != 'create':
            return
        try:
            self.drivers[item.resource_type].abandon(
                self.ctx, res.Resource.from_item(item))
        except Exception as e:
            LOG.warning('Could not abandon %(type)s %(id)s: %(err)s',
                        {'type': item.resource_type, 'id': item.source_id,
                         'err': e}, exc_info=not faults.is_expected(e))
            self._event(item, 'abandon_failed', f'{type(e).__name__}: {e}',
                        level='ERROR')

    def _block(self, item, reason: str) -> str:
        migration_api.update_plan_item(item.id, {'state': 'blocked',
                                                 'error': reason})
        self._event(item, 'blocked', reason, level='WARNING')
        return NOT_OK

    def _event(self, item, event_type: str, message: str,
               level: str = 'INFO') -> None:
        name = item.source_name or item.source_id
        self.ctx.event(event_type, f'{item.resource_type} {name}: {message}',
                       level=level, item=item)


def reopen(ctx, removal) -> bool:
    """Decide on a destination resource a driver removed
    (:class:`~pumphouse.engine.context.Removal`): the item of this
    migration that created it, if it is still done with it, is pending
    again with the removal's reason (a resumed run creates it anew) and
    its mapping is forgotten, in the database and in ``ctx``; items of
    the run that need it and have not started are blocked. True if the
    item was reopened, False if no item of this migration is done with
    that resource (nothing changes then)."""
    item_id = ctx.item_id(removal.key)
    if item_id is None or not migration_api.reopen_plan_item(
            item_id, removal.destination_id, ctx.source_cloud_id,
            ctx.destination_cloud_id, removal.reason):
        return False
    ctx.forget_removed(removal.key, removal.destination_id)
    return True


class _Made:
    """The destination id the last create of an item's attempts
    returned (adopted, or reverted when the item fails for good)."""

    id: str | None = None


def _priorities(migration, todo: list, workers: int) -> dict[int, float]:
    """Each item's tail of estimated work (:func:`ready_queue.tails`),
    with the costs of the migration's estimate and the turns a source
    host gives ``workers``."""
    costs = estimate.stored_costs(getattr(migration, 'estimate', None), todo)
    turns = min(CONF.conductor.max_servers_per_host, workers)
    return ready_queue.tails([
        estimate.work_of(i, costs) if i.action in estimate.WORK_ACTIONS
        else estimate.work_of_nothing(i) for i in todo], turns)


def apply(ctx, drivers: dict, migration, workers: int,
          should_stop=lambda: False) -> dict[str, int]:
    """Run every unfinished item; returns the count of items per state."""
    items = migration_api.list_plan_items(migration.id)
    for item in items:
        if item.state in TERMINAL_STATES and item.destination_id:
            ctx.record((item.resource_type, item.source_id),
                       item.destination_id)
    todo = [i for i in items if i.state not in TERMINAL_STATES]
    todo_ids = {i.id for i in todo}
    ctx.remember_plan(todo)
    ctx.remember_items(items)
    ctx.should_stop = should_stop
    runner = ItemRunner(ctx, drivers, migration, should_stop)
    flow = graph_flow.Flow(f'migration-{migration.uuid}')
    priorities = _priorities(migration, todo, workers)
    for item in todo:
        needs = [d for d in item.depends_on if d in todo_ids]
        flow.add(ItemTask(runner, item, needs, priorities[item.id]))
    if todo:
        # The items run in the context of the migration's work (its
        # request ids in their log lines), longest chain first.
        with ready_queue.PriorityThreadPool(max_workers=workers) as executor:
            engine = engines.load(flow, engine='parallel', executor=executor)
            engine.run()
    runner.settle_removals()
    final = migration_api.list_plan_items(migration.id)
    counts: dict[str, int] = {}
    for item in final:
        counts[item.state] = counts.get(item.state, 0) + 1
    return counts
