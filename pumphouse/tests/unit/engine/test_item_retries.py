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

"""A plan item that fails with a transient fault of a cloud is tried
again in the same run, adopting what its failed attempt made; on
in-memory clouds, with real plan items and events."""

import threading
import time

import fixtures
import tenacity
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.common import cloud_session
from pumphouse.conf import CONF
from pumphouse.db import migration_api
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import item_retry
from pumphouse.tests.unit.engine import memory
from pumphouse.tests.unit.engine import test_apply


def reset(url='http://dst/v3/teams'):
    """What keystoneauth raises when a connection is reset."""
    return ksa_exc.ConnectFailure(f'Unable to establish connection to '
                                  f'{url}: Connection aborted.')


class FlakyTeamDriver(memory.TeamDriver):
    """Teams whose creation meets the faults a test lines up: each is
    ``(when, error)``, ``when`` ``before`` (nothing made) or ``after``
    (the cloud made the team, the answer was lost: a POST reset after
    the cloud acted)."""

    def __init__(self) -> None:
        self.faults: list[tuple[str, Exception]] = []
        #: What ctx.retry_planned answered for each fault, in order.
        self.planned: list[bool] = []
        self.found_by_search = True

    def create(self, ctx, resource, attrs):
        if not self.faults:
            return super().create(ctx, resource, attrs)
        when, error = self.faults.pop(0)
        if when == 'after':
            super().create(ctx, resource, attrs)
        self.planned.append(ctx.retry_planned(error))
        raise error

    def find_destination(self, ctx, resource, attrs):
        if not self.found_by_search:
            return None
        return super().find_destination(ctx, resource, attrs)


class ItemRetryTestCase(test_apply.ApplyTestCase):

    def setUp(self):
        super().setUp()
        self.config(item_retry_delay=0.0, item_retry_max_delay=0.0,
                    group='conductor')
        self.teams = FlakyTeamDriver()
        self.teams.resource_type = 'test.team'
        self.drivers['test.team'] = self.teams
        #: Told the type of every event of a run, as it is recorded.
        self.on_event = lambda event_type: None

    def ctx(self, **options):
        ctx = super().ctx(**options)
        emit = ctx._emit

        def sink(event_type, message, level, item):
            emit(event_type, message, level, item)
            self.on_event(event_type)

        ctx._emit = sink
        return ctx

    def events_of(self, migration, event_type):
        return [e.message for e in migration_api.list_events(migration.id)
                if e.event_type == event_type]

    def run_red(self, should_stop=lambda: False):
        migration = self.migration('red')
        return migration, self.run_apply(migration, should_stop)

    def run_apply(self, migration, should_stop=lambda: False):
        self.emitted = []
        ctx = memory.context(self.source, self.destination, {},
                             self.emitted)
        ctx.migration_id = migration.id
        # Events in the database, as the runner's context records them.
        emit = ctx._emit

        def sink(event_type, message, level, item):
            migration_api.add_event(migration.id, event_type, message,
                                    level=level,
                                    plan_item_id=getattr(item, 'id', None))
            emit(event_type, message, level, item)
            self.on_event(event_type)

        ctx._emit = sink
        return apply_mod.apply(ctx, self.drivers, migration, 2, should_stop)


class TestItemRetries(ItemRetryTestCase):

    def test_created_before_the_answer_was_lost_is_adopted(self):
        self.teams.faults = [('after', reset())]
        migration, counts = self.run_red()
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual(2, self.destination.creates)  # red and ann
        red = self.items(migration)['red']
        self.assertEqual(2, red.attempts)
        retries = self.events_of(migration, 'retry')
        self.assertEqual(1, len(retries))
        self.assertIn('test.team red: attempt 1/4 failed (connection '
                      'failed); attempt 2/4 in 0.0 s', retries[0])
        self.assertEqual(1, len(self.events_of(migration, 'adopted')))
        self.assertEqual([True], self.teams.planned)

    def test_a_5xx_before_anything_was_made(self):
        self.teams.faults = [
            ('before', sdk_exc.HttpException('busy', http_status=503)),
            ('before', ksa_exc.ConnectTimeout('Request timed out'))]
        migration, counts = self.run_red()
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(2, self.destination.creates)  # red and ann
        self.assertEqual(2, len(self.events_of(migration, 'retry')))
        self.assertEqual(3, self.items(migration)['red'].attempts)

    def test_retries_end_after_the_bound_with_a_clear_error(self):
        self.teams.faults = [('before', reset())] * 10
        migration, counts = self.run_red()
        self.assertEqual({'failed': 1, 'blocked': 1}, counts)
        red = self.items(migration)['red']
        self.assertEqual('failed', red.state)
        self.assertEqual(
            'ConnectFailure: Unable to establish connection to '
            'http://dst/v3/teams: Connection aborted. (gave up after 4 '
            'attempts)', red.error)
        self.assertEqual(3, len(self.events_of(migration, 'retry')))
        self.assertEqual([True, True, True, False], self.teams.planned)
        self.assertEqual([], self.dest_names('test.team'))
        self.assertEqual(6, len(self.teams.faults))

    def test_made_by_an_earlier_attempt_is_reverted_when_the_item_fails(self):
        self.teams.found_by_search = False
        self.teams.after_create = self._after_create_fails
        migration, counts = self.run_red()
        red = self.items(migration)['red']
        self.assertEqual('reverted', red.state)
        # Made once, adopted by the next attempts by its id, deleted.
        self.assertEqual(1, self.destination.creates)
        self.assertEqual([], self.dest_names('test.team'))
        self.assertEqual(1, len(self.events_of(migration, 'reverted')))

    @staticmethod
    def _after_create_fails(ctx, resource, destination_id, created):
        raise sdk_exc.HttpException('bad gateway', http_status=502)

    def test_adopted_by_id_when_the_search_does_not_find_it(self):
        self.teams.found_by_search = False
        calls = []

        def after_create(ctx, resource, destination_id, created):
            calls.append(destination_id)
            if len(calls) == 1:
                raise reset()

        self.teams.after_create = after_create
        migration, counts = self.run_red()
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual(calls[0], calls[1])
        self.assertEqual(calls[0], self.items(migration)['red'].destination_id)

    def test_other_failures_are_not_retried(self):
        self.teams.faults = [('before', RuntimeError('a bug'))]
        migration, counts = self.run_red()
        self.assertEqual('failed', self.items(migration)['red'].state)
        self.assertEqual('RuntimeError: a bug',
                         self.items(migration)['red'].error)
        self.assertEqual([], self.events_of(migration, 'retry'))
        self.assertEqual([False], self.teams.planned)
        for status in (400, 404, 409, 501):
            self.assertFalse(item_retry.ItemRetry(3, lambda: False).will_retry(
                sdk_exc.HttpException('no', http_status=status)))

    def test_three_retries_by_default(self):
        self.assertEqual(3, CONF.conductor.item_retries)
        self.assertEqual(4, item_retry.ItemRetry(
            CONF.conductor.item_retries, lambda: False).attempts)

    def test_turned_off(self):
        self.config(item_retries=0, group='conductor')
        self.teams.faults = [('before', reset())]
        migration, _counts = self.run_red()
        self.assertEqual('failed', self.items(migration)['red'].state)
        self.assertEqual([], self.events_of(migration, 'retry'))

    def test_not_retried_when_the_run_is_told_to_stop(self):
        retry = item_retry.ItemRetry(3, lambda: True)
        retry.begin()
        self.assertFalse(retry.will_retry(reset()))

    def test_a_transient_fault_is_logged_without_a_traceback(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='pumphouse.engine.apply'))
        self.config(item_retries=0, group='conductor')
        self.teams.faults = [('before', reset())]
        self.run_red()
        self.assertIn('test.team', logger.output)
        self.assertNotIn('Traceback', logger.output)

    def test_one_decision_per_failure(self):
        stopping = iter([True, False])
        retry = item_retry.ItemRetry(3, lambda: next(stopping))
        retry.begin()
        error = reset()
        self.assertFalse(retry.will_retry(error))
        self.assertFalse(retry.will_retry(error))  # not asked again
        retry.close()
        self.assertFalse(retry.will_retry(reset()))


class TestStopDuringThePause(ItemRetryTestCase):
    """The run is told to stop while an item waits to be tried again
    (its owner stopping, the migration cancelled): the item wakes, starts
    no other attempt and is pending again; a resume adopts what the
    failed attempt made."""

    PAUSE = 30.0

    def setUp(self):
        super().setUp()
        self.config(item_retry_delay=self.PAUSE,
                    item_retry_max_delay=self.PAUSE, group='conductor')
        # tenacity's jitter at the top of its range: every pause between
        # attempts is PAUSE seconds long.
        self.useFixture(fixtures.MockPatchObject(
            tenacity.wait.random, 'uniform',
            side_effect=lambda low, high: high))
        self.teams.faults = [('after', reset())]
        self.stop_requested = None

    def stop_during_the_pause(self, stop) -> None:
        """``stop()`` half a second into the first pause (the ``retry``
        event announces it, once the retry is decided)."""
        def stop_now():
            self.stop_requested = time.monotonic()
            stop()

        def on_event(event_type):
            if event_type == 'retry' and self.stop_requested is None:
                timer = threading.Timer(0.5, stop_now)
                timer.daemon = True
                self.addCleanup(timer.cancel)
                timer.start()

        self.on_event = on_event

    def assert_woke_at_once(self):
        woke = time.monotonic() - self.stop_requested
        self.assertLess(woke, 2.5)

    def assert_left_pending_after_one_attempt(self, migration, messages):
        red = self.items(migration)['red']
        self.assertEqual(('pending', 1), (red.state, red.attempts))
        self.assertIn('left pending for a resume', red.error)
        # The failed attempt made the team; no other attempt ran.
        self.assertEqual(1, self.destination.creates)
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual(['test.team red: attempt 1/4 failed (connection '
                          'failed) and the run stops: left pending for a '
                          'resume, which adopts what the attempt made'],
                         messages('left'))
        self.assertEqual([], messages('failed'))
        self.assertEqual([], messages('reverted'))

    def test_the_item_wakes_and_is_left_pending_for_a_resume(self):
        stop = threading.Event()
        self.stop_during_the_pause(stop.set)
        migration = self.migration('red')
        counts = self.run_apply(migration, stop.is_set)
        self.assert_woke_at_once()
        self.assertEqual({'pending': 2}, counts)
        self.assert_left_pending_after_one_attempt(
            migration, lambda t: self.events_of(migration, t))

        counts = self.run_apply(migration)
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(2, self.destination.creates)  # and ann
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual(2, self.items(migration)['red'].attempts)
        self.assertEqual(1, len(self.events_of(migration, 'adopted')))

    def test_a_stopping_owner_leaves_the_migration_running(self):
        stopping = threading.Event()
        self.stop_during_the_pause(stopping.set)
        migration = self.migration('red')
        stopped = self.run_migration(migration, workers=2,
                                     stopping=stopping)
        self.assert_woke_at_once()
        self.assertEqual(('running', None), (stopped.state,
                                             stopped.last_error))
        self.assertEqual('pending', self.items(migration)['ann'].state)
        self.assert_left_pending_after_one_attempt(migration, self.emitted_of)
        self.assertEqual(1, len(self.emitted_of('stopped')))

    def test_a_cancelled_migration_wakes_too(self):
        migration = self.migration('red')
        self.stop_during_the_pause(lambda: migration_api.update_migration(
            migration.uuid, {'state': 'cancelled'}, expected_state='running'))
        cancelled = self.run_migration(migration, workers=2)
        self.assert_woke_at_once()
        self.assertEqual('cancelled', cancelled.state)
        self.assertEqual('pending', self.items(migration)['ann'].state)
        self.assert_left_pending_after_one_attempt(migration, self.emitted_of)
        self.assertEqual([], self.emitted_of('stopped'))

    def test_without_a_stop_the_pause_is_waited_out(self):
        self.config(item_retry_delay=1.5, item_retry_max_delay=1.5,
                    group='conductor')
        migration = self.migration('red')
        started = time.monotonic()
        counts = self.run_apply(migration)
        self.assertGreaterEqual(time.monotonic() - started, 1.5)
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(2, self.items(migration)['red'].attempts)
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual([], self.events_of(migration, 'left'))

    def emitted_of(self, event_type):
        """The messages of the run's events of ``event_type`` (the
        runner's own context, see run_migration)."""
        return [m for t, m in self.events if t == event_type]


class TestRequestRetriesAreEventsOfTheItem(ItemRetryTestCase):
    """A retry of a request to a cloud (told by the connection's
    observer, see test_cloud_session) is an event of the item whose
    attempt made the request, else of the migration."""

    def setUp(self):
        super().setUp()
        self.observer = cloud_session.Observer('mem-destination')
        self.destination.session.retry_observer = self.observer
        retry = cloud_session.Retry('mem-destination', 'GET',
                                    '/teams (test API)', 'HTTP 503',
                                    2, 5, 0.5)
        original = self.teams.create

        def create(ctx, resource, attrs):
            self.observer(retry)
            return original(ctx, resource, attrs)

        self.teams.create = create

    def test_retry_event_of_the_item(self):
        migration, counts = self.run_red()
        self.assertEqual({'done': 2}, counts)
        events = [e for e in migration_api.list_events(migration.id)
                  if e.event_type == 'retry']
        self.assertEqual(1, len(events))
        self.assertEqual(self.items(migration)['red'].id,
                         events[0].plan_item_id)
        self.assertEqual('WARNING', events[0].level)
        self.assertEqual('test.team red: cloud mem-destination: GET /teams '
                         '(test API): HTTP 503; attempt 2/5 in 0.5 s',
                         events[0].message)

    def test_outside_an_item_an_event_of_the_migration(self):
        events = []
        memory.context(self.source, self.destination, {}, events)
        self.observer(cloud_session.Retry('mem-destination', 'GET', '/x',
                                          'HTTP 502', 3, 5, 1.0))
        self.assertEqual([('retry', 'cloud mem-destination: GET /x: HTTP '
                                    '502; attempt 3/5 in 1.0 s')], events)
