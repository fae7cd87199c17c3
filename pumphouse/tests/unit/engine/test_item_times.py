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

"""The times plan items keep, the history later plans learn from, and
the estimate a plan records."""

import datetime
import time

from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import timing_api
from pumphouse.engine import runner
from pumphouse.tests.unit.engine import test_apply


class ItemTimesTestCase(test_apply.ApplyTestCase):

    def slow_create(self, seconds: float, semaphore: int | None = None):
        """Teams take ``seconds`` to create, inside a semaphore of
        ``semaphore`` slots if given."""
        driver = self.drivers['test.team']
        create = driver.create

        def slow(ctx, resource, attrs):
            if semaphore is None:
                time.sleep(seconds)
            else:
                with ctx.semaphore('transfer', semaphore):
                    time.sleep(seconds)
            return create(ctx, resource, attrs)

        driver.create = slow


class TestItemTimes(ItemTimesTestCase):

    def test_done_items_have_their_times(self):
        self.slow_create(0.05)
        migration = self.migration('red')
        self.apply(migration)
        red = self.items(migration)['red']
        self.assertLessEqual(red.started_at, red.finished_at)
        spent = (red.finished_at - red.started_at).total_seconds()
        self.assertGreaterEqual(red.work_seconds, 0.05)
        self.assertAlmostEqual(spent, red.work_seconds, delta=0.01)

    def test_waiting_for_a_transfer_slot_is_not_work(self):
        self.slow_create(0.3, semaphore=1)
        migration = self.migration('red', 'green')
        self.apply(migration, workers=2)
        teams = [self.items(migration)[n] for n in ('red', 'green')]
        spent = sorted((t.finished_at - t.started_at).total_seconds()
                       for t in teams)
        # One waited for the other's slot: it took twice as long...
        self.assertGreaterEqual(spent[1], 0.55)
        # ...but worked as long.
        for team in teams:
            self.assertLess(team.work_seconds, 0.5)
            self.assertGreaterEqual(team.work_seconds, 0.29)

    def test_a_retry_keeps_the_clock_a_new_run_restarts_it(self):
        migration = self.migration('red')
        red = self.items(migration)['red']
        first = migration_api.start_plan_item(red.id).started_at
        self.assertEqual(first, migration_api.start_plan_item(
            red.id, new_run=False).started_at)
        self.assertLess(first, migration_api.start_plan_item(
            red.id).started_at)

    def test_a_reopened_item_has_no_times(self):
        migration = self.migration('red')
        ctx, _counts = self.apply(migration)
        red = self.items(migration)['red']
        self.assertTrue(migration_api.reopen_plan_item(
            red.id, red.destination_id, ctx.source_cloud_id,
            ctx.destination_cloud_id, 'removed'))
        red = self.items(migration)['red']
        self.assertEqual((None, None), (red.finished_at, red.work_seconds))


class TestHistory(ItemTimesTestCase):

    def test_the_latest_migrations_between_the_same_clouds(self):
        old = self.migration('red')
        self.apply(old)
        new = self.migration('red', 'green')
        self.apply(new)
        ctx = self.ctx()
        found = timing_api.item_times(ctx.source_cloud_id,
                                      ctx.destination_cloud_id, 20)
        self.assertEqual([new.id] * 4 + [old.id] * 2,
                         [t.migration_id for t in found])
        self.assertEqual({('test.team', 'create'), ('test.member', 'create'),
                          ('test.team', 'reuse'), ('test.member', 'reuse')},
                         {(t.resource_type, t.action) for t in found})
        latest = timing_api.item_times(ctx.source_cloud_id,
                                       ctx.destination_cloud_id, 1)
        self.assertEqual({new.id}, {t.migration_id for t in latest})
        self.assertEqual([old.id] * 2, [t.migration_id for t in
                                        timing_api.item_times(
                                            ctx.source_cloud_id,
                                            ctx.destination_cloud_id, 1,
                                            excluded_migration_id=new.id)])
        self.assertEqual([], timing_api.item_times(
            ctx.destination_cloud_id, ctx.source_cloud_id, 20))
        self.assertEqual([], timing_api.item_times(
            ctx.source_cloud_id, ctx.destination_cloud_id, 0))

    def test_untimed_and_unfinished_items_are_not_history(self):
        migration = self.migration('red')
        red = self.items(migration)['red']
        migration_api.update_plan_item(red.id, {'state': 'done'})
        ctx = self.ctx()
        self.assertEqual([], timing_api.item_times(
            ctx.source_cloud_id, ctx.destination_cloud_id, 20))

    def test_how_servers_were_booted(self):
        migration = self.migration('red')
        red = self.items(migration)['red']
        migration_api.update_plan_item(red.id, {
            'resource_type': 'compute.server', 'state': 'done',
            'work_seconds': 80.0,
            'details': {'data': {'boot': 'snapshot'}}})
        ctx = self.ctx()
        [found] = timing_api.item_times(ctx.source_cloud_id,
                                        ctx.destination_cloud_id, 20)
        self.assertEqual(('compute.server', 80.0, 'snapshot'),
                         (found.resource_type, found.work_seconds,
                          found.boot))


class TestFinishedPlans(ItemTimesTestCase):

    def complete(self, migration):
        return migration_api.update_migration(migration.uuid,
                                              {'state': 'completed'})

    def test_the_latest_completed_migrations_with_their_items(self):
        old = self.complete(self.migration('red'))
        failed = self.migration('red', 'green')
        migration_api.update_migration(failed.uuid, {'state': 'failed'})
        new = self.complete(self.migration('green'))
        ctx = self.ctx()
        clouds = (ctx.source_cloud_id, ctx.destination_cloud_id)
        found = timing_api.finished_plans(*clouds, 20, 5)
        self.assertEqual([new.id, old.id], [p.migration_id for p in found])
        self.assertEqual(
            [i.id for i in migration_api.list_plan_items(new.id)],
            [i.id for i in found[0].items])
        self.assertEqual([new.id], [p.migration_id for p in
                                    timing_api.finished_plans(*clouds, 20,
                                                              1)])
        # Only among the latest history_migrations: the failed one is.
        self.assertEqual([new.id], [p.migration_id for p in
                                    timing_api.finished_plans(*clouds, 2,
                                                              5)])
        self.assertEqual([old.id], [p.migration_id for p in
                                    timing_api.finished_plans(
                                        *clouds, 20, 5,
                                        excluded_migration_id=new.id)])
        self.assertEqual([], timing_api.finished_plans(*clouds, 0, 5))


class FakeContext:
    """What runner._estimate needs of an engine context."""

    def __init__(self) -> None:
        self.events = []

    def event(self, event_type, message, level='INFO', item=None):
        self.events.append((event_type, message))


class TestPlanEstimate(ItemTimesTestCase):

    def test_a_first_plan_estimates_from_the_defaults(self):
        migration = self.migration('red', 'green')
        ctx = FakeContext()
        made = runner._estimate(ctx, migration)
        self.assertEqual('defaults', made['basis'])
        self.assertEqual(4, made['items'])
        # 4 items of 1-6 s on 4 workers; members need their team.
        self.assertEqual((2, 12), (made['low_s'], made['high_s']))
        [(kind, message)] = ctx.events
        self.assertEqual('estimate', kind)
        self.assertIn('Estimated time: 2 s to 12 s (from the default '
                      'ranges', message)

    def test_a_later_plan_learns_from_the_earlier_ones(self):
        self.config(min_samples=1, group='estimate')
        self.apply(self.migration('red', 'green'))
        made = runner._estimate(FakeContext(), self.migration('blue'))
        self.assertEqual({'migrations': 1, 'items': 4}, made['history'])
        self.assertEqual('history', made['basis'])
        self.assertEqual(2, made['costs']['test.team create']['samples'])
        self.assertLessEqual(made['high_s'], 1)
        # What a plan reuses was never reused before: not learnt.
        again = runner._estimate(FakeContext(), self.migration('red'))
        self.assertEqual('defaults', again['basis'])
        self.assertEqual({'migrations': 1, 'items': 4}, again['history'])

    def test_a_run_with_other_workers_records_its_estimate(self):
        migration = self.migration('red', 'green')
        migration = migration_api.update_migration(migration.uuid, {
            'estimate': runner._estimate(FakeContext(), migration)})
        self.assertEqual(4, migration.estimate['parallelism']['workers'])
        ctx = FakeContext()
        runner._estimate_run(ctx, migration, 4)
        self.assertEqual([], ctx.events)
        runner._estimate_run(ctx, migration, 1)
        stored = migration_api.get_migration(migration.uuid).estimate
        self.assertEqual(1, stored['parallelism']['workers'])
        self.assertEqual((4, 24), (stored['low_s'], stored['high_s']))
        self.assertEqual(migration.estimate['costs'], stored['costs'])

    def slow_history(self):
        """A completed migration of two teams and their members, each
        item 1 s of work, which took 4 s: one after the other on 4
        workers, where the model says 2 s (a team, then its member)."""
        self.config(min_samples=1, group='estimate')
        migration = self.migration('red', 'green')
        self.apply(migration)
        start = datetime.datetime(2026, 12, 4, 12, 0, 0)
        for n, item in enumerate(migration_api.list_plan_items(
                migration.id)):
            began = start + datetime.timedelta(seconds=n)
            migration_api.update_plan_item(item.id, {
                'work_seconds': 1.0, 'started_at': began,
                'finished_at': began + datetime.timedelta(seconds=1)})
        return migration_api.update_migration(migration.uuid, {
            'state': 'completed',
            'estimate': runner._estimate(FakeContext(), migration)})

    def test_completed_migrations_calibrate_the_next_plan(self):
        self.slow_history()
        ctx = FakeContext()
        made = runner._estimate(ctx, self.migration('blue'))
        self.assertEqual(2.0, made['calibration']['scale'])
        self.assertEqual((2, 2), (made['calibration']['model_low_s'],
                                  made['calibration']['model_high_s']))
        # Twice the model's 2 s, 15 % either side.
        self.assertEqual((3, 5), (made['low_s'], made['high_s']))
        [(_kind, message)] = ctx.events
        self.assertIn('scaled 2x to the actual time of 1 completed '
                      'migration)', message)

    def test_a_run_with_other_workers_keeps_the_calibration(self):
        self.slow_history()
        migration = self.migration('blue')
        migration = migration_api.update_migration(migration.uuid, {
            'estimate': runner._estimate(FakeContext(), migration)})
        runner._estimate_run(FakeContext(), migration, 1)
        stored = migration_api.get_migration(migration.uuid).estimate
        self.assertEqual(1, stored['parallelism']['workers'])
        self.assertEqual(migration.estimate['calibration']['ratios'],
                         stored['calibration']['ratios'])

    def test_an_estimate_that_fails_is_no_estimate(self):
        migration = self.migration('red')
        with db_api.get_engine().begin() as conn:
            conn.exec_driver_sql('DROP TABLE plan_items')
        ctx = FakeContext()
        with self.assertLogs('pumphouse.engine.runner', 'WARNING'):
            self.assertIsNone(runner._estimate(ctx, migration))
        self.assertEqual([], ctx.events)
