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

"""Apply, resume and verify on in-memory clouds, with real plan items."""

import threading
from unittest import mock

from pumphouse.db import mapping_api
from pumphouse.db import migration_api
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import context as context_mod
from pumphouse.engine import discovery
from pumphouse.engine import planner
from pumphouse.engine import registry
from pumphouse.engine import runner
from pumphouse.engine import verify as verify_mod
from pumphouse.tests.unit.engine import test_planning


class ApplyTestCase(test_planning.EngineTestCase):

    def setUp(self):
        super().setUp()
        self.green = self.source.add('test.team', name='green',
                                     colour='green')
        self.cy = self.source.add('test.member', name='cy', team=self.green)

    def migration(self, *names, **options):
        ctx = self.ctx(**options)
        graph = discovery.discover(ctx, test_planning.project(*names),
                                   self.drivers)
        migration = migration_api.create_migration({
            'project_id': 'p', 'source_cloud_id': ctx.source_cloud_id,
            'destination_cloud_id': ctx.destination_cloud_id,
            'workload': {}, 'options': options, 'state': 'running'})
        migration_api.add_plan_items(migration.id,
                                     planner.plan(ctx, graph, self.drivers))
        return migration

    def apply(self, migration, workers=4, should_stop=lambda: False):
        ctx = self.ctx()
        counts = apply_mod.apply(ctx, self.drivers, migration, workers,
                                 should_stop)
        return ctx, counts

    def items(self, migration):
        return {i.source_name: i
                for i in migration_api.list_plan_items(migration.id)}

    def run_migration(self, migration, workers=1, stopping=None):
        """The runner on the memory clouds (one worker by default: the
        items in the order of the plan); a migration that is not
        running is started again first, as a resume does."""
        def context(migration, emit, owner=None):
            ctx = self.ctx()
            ctx.migration_id = migration.id
            ctx.owner = owner
            return ctx

        with mock.patch.object(runner, '_context', side_effect=context), \
                mock.patch.object(registry, 'load_drivers',
                                  return_value=self.drivers):
            if migration_api.get_migration(
                    migration.uuid).state != 'running':
                runner.start(migration.uuid)  # a resume starts it again
            return runner.run(migration.uuid, workers=workers,
                              stopping=stopping)

    def dest_names(self, resource_type):
        return sorted(o['name'] for o in
                      self.destination.data[resource_type].values())


class TestApply(ApplyTestCase):

    def test_everything_is_created_with_references_translated(self):
        migration = self.migration('red', 'green')
        _ctx, counts = self.apply(migration)
        self.assertEqual({'done': 4}, counts)
        items = self.items(migration)
        ann = self.destination.data['test.member'][
            items['ann'].destination_id]
        self.assertEqual(items['red'].destination_id, ann['team'])

    def test_mappings_are_written_with_completion(self):
        migration = self.migration('red')
        ctx, _counts = self.apply(migration)
        mappings = mapping_api.load_mappings(ctx.source_cloud_id,
                                             ctx.destination_cloud_id)
        items = self.items(migration)
        self.assertEqual(items['red'].destination_id,
                         mappings[('test.team', self.red)])

    def test_failure_reverts_itself_and_blocks_only_dependants(self):
        self.destination.fail_create.add('red')
        migration = self.migration('red', 'green')
        _ctx, counts = self.apply(migration)
        items = self.items(migration)
        self.assertEqual('failed', items['red'].state)
        self.assertIn('cannot create red', items['red'].error)
        self.assertEqual('blocked', items['ann'].state)
        self.assertEqual(('done', 'done'), (items['green'].state,
                                            items['cy'].state))
        self.assertEqual(['green'], self.dest_names('test.team'))
        self.assertEqual(['cy'], self.dest_names('test.member'))

    def test_failed_member_deletes_nothing_else(self):
        self.destination.fail_create.add('ann')
        migration = self.migration('red')
        self.apply(migration)
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual([], self.dest_names('test.member'))

    def test_resume_after_a_crash_adopts_and_creates_nothing_twice(self):
        migration = self.migration('red', 'green')
        # A crash between create and commit: 'red' exists in the
        # destination but its item is still 'running'.
        red = self.items(migration)['red']
        migration_api.start_plan_item(red.id)
        self.destination.add('test.team', name='red', colour='red')
        self.destination.creates = 0
        _ctx, counts = self.apply(migration)
        self.assertEqual({'done': 4}, counts)
        self.assertEqual(['green', 'red'], self.dest_names('test.team'))
        self.assertEqual(3, self.destination.creates)
        self.assertEqual(2, self.items(migration)['red'].attempts)

    def test_half_made_resource_is_completed_not_duplicated(self):
        migration = self.migration('red')
        # An interrupted create left 'red' without its colour.
        half = self.destination.add('test.team', name='red', colour=None)
        completed = []

        def complete(ctx, resource, attrs, existing, differences):
            completed.append(sorted(differences))
            self.destination.data['test.team'][existing['id']].update(attrs)
            return existing['id']

        self.drivers['test.team'].complete = complete
        _ctx, counts = self.apply(migration)
        self.assertEqual({'done': 2}, counts)
        self.assertEqual([['colour']], completed)
        self.assertEqual(half, self.items(migration)['red'].destination_id)
        self.assertEqual(['red'], self.dest_names('test.team'))

    def test_different_resource_appearing_after_planning_fails_the_item(self):
        migration = self.migration('red')
        self.destination.add('test.team', name='red', colour='green')
        self.destination.creates = 0
        _ctx, counts = self.apply(migration)
        items = self.items(migration)
        self.assertEqual('failed', items['red'].state)
        self.assertIn('DestinationChanged', items['red'].error)
        self.assertIn('differs in colour', items['red'].error)
        self.assertEqual('blocked', items['ann'].state)
        self.assertEqual(0, self.destination.creates)
        self.assertEqual(['red'], self.dest_names('test.team'))

    def test_drivers_see_what_the_run_is_to_create(self):
        migration = self.migration('red')
        seen = []
        create = self.drivers['test.team'].create

        def spy(ctx, resource, attrs):
            planned = ctx.planned(('test.member', self.ann))
            seen.append((planned.name, planned.attrs['team']))
            # Not in the migration; started (the team itself).
            seen.append(ctx.planned(('test.member', self.cy)))
            seen.append(ctx.planned(('test.team', self.red)))
            return create(ctx, resource, attrs)

        self.drivers['test.team'].create = spy
        ctx, _counts = self.apply(migration)
        self.assertEqual(
            [('ann', {'$ref': ['test.team', self.red]}), None, None], seen)
        self.assertIsNone(ctx.planned(('test.member', self.ann)))

    def test_blocked_items_to_create_are_abandoned(self):
        self.destination.fail_create.add('red')
        migration = self.migration('red', 'green')
        abandoned = []

        def abandon(ctx, resource):
            abandoned.append(resource.name)
            raise RuntimeError('cannot give it back')

        self.drivers['test.member'].abandon = abandon
        _ctx, counts = self.apply(migration)
        self.assertEqual(['ann'], abandoned)
        self.assertEqual('blocked', self.items(migration)['ann'].state)
        self.assertIn(('abandon_failed',
                       'test.member ann: RuntimeError: cannot give it back'),
                      self.events)

    def test_second_apply_does_nothing(self):
        migration = self.migration('red')
        self.apply(migration)
        self.destination.creates = 0
        _ctx, counts = self.apply(migration)
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(0, self.destination.creates)

    def test_second_migration_reuses_everything(self):
        self.apply(self.migration('red', 'green'))
        self.destination.creates = 0
        migration = self.migration('red', 'green')
        self.assertEqual({'reuse'}, {i.action for i in
                                     self.items(migration).values()})
        self.apply(migration)
        self.assertEqual(0, self.destination.creates)

    def test_stop_request_leaves_items_pending(self):
        migration = self.migration('red', 'green')
        _ctx, counts = self.apply(migration, should_stop=lambda: True)
        self.assertEqual({'pending': 4}, counts)
        self.assertEqual(0, self.destination.creates)

    def test_owner_stopping_midway_leaves_the_rest_for_a_resume(self):
        migration = self.migration('red', 'green')
        stopping = threading.Event()
        create = self.drivers['test.team'].create

        def create_then_stop(ctx, resource, attrs):
            # The owner stops while the first item is under way.
            stopping.set()
            return create(ctx, resource, attrs)

        self.drivers['test.team'].create = create_then_stop
        stopped = self.run_migration(migration, stopping=stopping)
        self.assertEqual(('running', None, None),
                         (stopped.state, stopped.last_error,
                          stopped.finished_at))
        states = sorted(i.state for i in self.items(migration).values())
        # The item under way finished; none started after it.
        self.assertEqual(['done', 'pending', 'pending', 'pending'], states)
        self.assertEqual(1, self.destination.creates)
        self.assertEqual([], [e for e in self.events if e[0] == 'failed'])
        self.assertIn('stopped', [e[0] for e in self.events])

        self.drivers['test.team'].create = create
        resumed = self.run_migration(migration)
        self.assertEqual('completed', resumed.state)
        self.assertEqual(4, self.destination.creates)
        self.assertEqual(['green', 'red'], self.dest_names('test.team'))

    def test_conflict_items_are_not_applied(self):
        self.destination.add('test.team', name='red', colour='other')
        migration = self.migration('red')
        _ctx, counts = self.apply(migration)
        self.assertEqual({'blocked': 2}, counts)
        self.assertEqual(['red'], self.dest_names('test.team'))


class TestReopen(ApplyTestCase):
    """A member's item fails after the team it needs was made and
    removes that team as a half-built part of its move (as a server
    removes the copies of its volumes) and says so to the engine: the
    engine makes the team's item pending again, the run fails, a resume
    makes the team again."""

    def setUp(self):
        super().setUp()
        self.dee = self.source.add('test.member', name='dee', team=self.red)
        self.removed = []
        self.give_back = True
        create = self.drivers['test.member'].create

        def create_or_give_back(ctx, resource, attrs):
            key = ('test.team', self.red)
            made = ctx.created(key)
            if made is None or not self.give_back:
                return create(ctx, resource, attrs)
            self.destination.data['test.team'].pop(made)
            ctx.removed(key, made, 'removed again')
            # Told, not written: the engine decides once the driver is
            # done; created() no longer answers what was removed.
            self.removed.append((made, migration_api.get_plan_item(
                ctx.item_id(key)).state, ctx.created(key)))
            raise RuntimeError(f'{resource.name} failed')

        self.drivers['test.member'].create = create_or_give_back
        self.addCleanup(setattr, self.drivers['test.member'], 'create',
                        create)

    def test_the_run_fails_with_it_pending_and_a_resume_makes_it(self):
        migration = self.migration('red')
        first = self.run_migration(migration)
        [(made, state_then, created_then)] = self.removed
        self.assertEqual(('done', None), (state_then, created_then))
        self.assertIn(('reopened', f'test.team red: {made} was removed '
                       'from the destination; pending again: removed '
                       'again'), self.events)
        self.assertEqual('failed', first.state)
        self.assertIn('1 blocked, 1 failed, 1 pending', first.last_error)
        items = self.items(migration)
        red = items['red']
        self.assertEqual(('pending', None, 'removed again', 1),
                         (red.state, red.destination_id, red.error,
                          red.attempts))
        # The member that came second needed what was removed: blocked,
        # not created with a team that is gone.
        self.assertEqual(['blocked', 'failed'], sorted(
            items[n].state for n in ('ann', 'dee')))
        self.assertEqual([], self.dest_names('test.team'))
        self.assertEqual([], self.dest_names('test.member'))
        ctx = self.ctx()
        self.assertIsNone(ctx.lookup(('test.team', self.red)))
        self.assertNotIn(('test.team', self.red), mapping_api.load_mappings(
            ctx.source_cloud_id, ctx.destination_cloud_id))

        self.give_back = False
        resumed = self.run_migration(migration)
        self.assertEqual('completed', resumed.state)
        self.assertEqual([], resumed.report['not_migrated'])
        self.assertEqual([], resumed.report['differences'])
        items = self.items(migration)
        self.assertEqual((2, None), (items['red'].attempts,
                                     items['red'].error))
        [red_copy] = self.destination.data['test.team']
        self.assertEqual(red_copy, items['red'].destination_id)
        for name in ('ann', 'dee'):
            self.assertEqual(red_copy, self.destination.data[
                'test.member'][items[name].destination_id]['team'])

    def test_only_what_this_migration_created_is_reopened(self):
        # red is reused from an earlier migration: nothing to give back.
        self.give_back = False
        self.apply(self.migration('red'))
        migration = self.migration('red')
        self.assertEqual('reuse', self.items(migration)['red'].action)
        ctx = self.ctx()
        ctx.remember_items(migration_api.list_plan_items(migration.id))
        self.assertIsNone(ctx.created(('test.team', self.red)))
        self.assertFalse(apply_mod.reopen(ctx, context_mod.Removal(
            ('test.team', self.red),
            self.items(migration)['red'].destination_id, 'no')))
        self.assertEqual([], ctx.reopened(
            [i.id for i in self.items(migration).values()]))

    def test_reopen_needs_the_item_done_with_that_destination(self):
        self.give_back = False
        migration = self.migration('red')
        ctx, _counts = self.apply(migration)
        ctx.remember_items(migration_api.list_plan_items(migration.id))
        key = ('test.team', self.red)
        red = self.items(migration)['red']
        self.assertEqual(red.destination_id, ctx.created(key))
        self.assertFalse(apply_mod.reopen(
            ctx, context_mod.Removal(key, 'another', 'no')))
        self.assertEqual('done', self.items(migration)['red'].state)
        self.assertTrue(apply_mod.reopen(
            ctx, context_mod.Removal(key, red.destination_id, 'gone')))
        self.assertFalse(apply_mod.reopen(
            ctx, context_mod.Removal(key, red.destination_id, 'gone')))
        self.assertIsNone(ctx.created(key))
        self.assertEqual([red.id], ctx.reopened([red.id]))


class TestVerify(ApplyTestCase):

    def test_clean_migration_has_an_empty_report(self):
        migration = self.migration('red', 'green')
        self.apply(migration)
        report = verify_mod.verify(self.ctx(), self.drivers, migration)
        self.assertEqual({'checked': 4, 'differences': [],
                          'not_migrated': []}, report)

    def test_drift_and_missing_items_are_reported(self):
        self.destination.fail_create.add('green')
        migration = self.migration('red', 'green')
        self.apply(migration)
        red = self.items(migration)['red'].destination_id
        self.destination.data['test.team'][red]['colour'] = 'pink'
        report = verify_mod.verify(self.ctx(), self.drivers, migration)
        self.assertEqual([{'colour': {'source': 'red',
                                      'destination': 'pink'}}],
                         [d['differences'] for d in report['differences']])
        self.assertEqual({'green': 'failed', 'cy': 'blocked'},
                         {n['name']: n['state']
                          for n in report['not_migrated']})
