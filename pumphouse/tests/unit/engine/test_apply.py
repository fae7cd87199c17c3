"""Apply, resume and verify on in-memory clouds, with real plan items."""

from pumphouse.db import mapping_api
from pumphouse.db import migration_api
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import discovery
from pumphouse.engine import planner
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

    def test_conflict_items_are_not_applied(self):
        self.destination.add('test.team', name='red', colour='other')
        migration = self.migration('red')
        _ctx, counts = self.apply(migration)
        self.assertEqual({'blocked': 2}, counts)
        self.assertEqual(['red'], self.dest_names('test.team'))


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
