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

"""Optional references: they order, they do not pull in, and the planner
leaves out (with a warning) those to what is outside the migration; the
destination and the verification then agree (issue 14: a private
flavor's access naming projects the migration leaves behind)."""

from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.engine import apply as apply_mod
from pumphouse.engine import discovery
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import planner
from pumphouse.engine import resource as res
from pumphouse.engine import selection as sel
from pumphouse.engine import verify as verify_mod
from pumphouse.tests.unit.engine import memory
from pumphouse.tests.unit.engine import test_planning

BADGE = 'test.badge'


class BadgeDriver(memory._Driver):
    """Badges name the teams that may wear them (``teams``), like a
    private flavor's access list names projects."""

    fields = ('name', 'teams')

    def source_attrs(self, obj: dict) -> dict:
        teams = obj['teams']
        return {'name': obj['name'], 'teams': [
            res.optional_ref('test.team', t, teams[t]) for t in teams]}


def resources(*entries: str) -> sel.Selection:
    return sel.Selection(sel.Workload('resources', list(entries)))


class TestReferences(test_planning.EngineTestCase):

    def test_required_optional_and_dropped(self):
        value = {'one': res.ref('t.a', 'a1'),
                 'many': [res.optional_ref('t.b', 'b1', 'bee'),
                          res.optional_ref('t.b', 'b2')],
                 'single': res.optional_ref('t.b', 'b3')}
        self.assertEqual([('t.a', 'a1'), ('t.b', 'b1'), ('t.b', 'b2'),
                          ('t.b', 'b3')], res.references(value))
        self.assertEqual([('t.a', 'a1')],
                         res.references(value, optional=False))
        self.assertEqual([('many', ('t.b', 'b1'), 'bee'),
                          ('many', ('t.b', 'b2'), 'b2'),
                          ('single', ('t.b', 'b3'), 'b3')],
                         res.optional_references(value))
        kept = res.without_optional(value, {('t.b', 'b1'), ('t.b', 'b3'),
                                            ('t.a', 'a1')})
        self.assertEqual({'one': res.ref('t.a', 'a1'),
                          'many': [res.optional_ref('t.b', 'b2')],
                          'single': None}, kept)
        self.assertEqual({'one': 'A', 'many': ['B'], 'single': 'B'},
                         res.translate(value | {'many': value['many'][1:]},
                                       lambda k: k[0][-1].upper()))

    def test_the_graph_orders_by_them_but_misses_nothing(self):
        graph = graph_mod.ResourceGraph()
        badge = res.Resource(BADGE, 'b1', 'gold', {'teams': [
            res.optional_ref('test.team', 't1'),
            res.optional_ref('test.team', 't2')]})
        team = res.Resource('test.team', 't1', 'red', {})
        graph.add(badge)
        graph.add(team)
        self.assertEqual(set(), graph.missing())
        self.assertEqual([team, badge], graph.ordered())
        self.assertEqual([], badge.requires)


class OptionalTestCase(test_planning.EngineTestCase):

    def setUp(self):
        super().setUp()
        self.source.data[BADGE] = {}
        self.destination.data[BADGE] = {}
        driver = BadgeDriver()
        driver.resource_type = BADGE
        self.drivers[BADGE] = driver
        self.gold = self.source.add(BADGE, name='gold', teams={
            self.red: 'red', self.blue: 'blue'})

    def plan_items(self, selection) -> tuple:
        ctx = self.ctx()
        graph = discovery.discover(ctx, selection, self.drivers)
        return ctx, graph, {i['source_id']: i for i in
                            planner.plan(ctx, graph, self.drivers)}

    def map_blue(self, destination_id: str) -> None:
        ctx = self.ctx()
        with db_api._writer() as session:
            session.add(models.Mapping(
                source_cloud_id=ctx.source_cloud_id,
                destination_cloud_id=ctx.destination_cloud_id,
                resource_type='test.team', source_id=self.blue,
                destination_id=destination_id))


class TestPlanning(OptionalTestCase):

    def test_outside_the_migration_is_left_out_with_a_warning(self):
        _ctx, graph, items = self.plan_items(resources(
            f'{BADGE}={self.gold}', f'test.team={self.red}'))
        self.assertNotIn(('test.team', self.blue), graph)
        badge = items[self.gold]
        self.assertEqual(
            [res.optional_ref('test.team', self.red, 'red')],
            badge['details']['attrs']['teams'])
        self.assertEqual([f'test.team:{self.red}'], badge['depends_on'])
        note = badge['details']['note']
        self.assertIn('teams: left out team blue', note)
        self.assertIn(self.blue, note)
        warnings = [m for t, m in self.events if 'left out' in m]
        self.assertEqual([f'{BADGE} gold: {note}'], warnings)

    def test_what_an_earlier_migration_made_is_kept(self):
        made = self.destination.add('test.team', name='blue',
                                    colour='blue')
        self.map_blue(made)
        _ctx, _graph, items = self.plan_items(resources(
            f'{BADGE}={self.gold}', f'test.team={self.red}'))
        badge = items[self.gold]
        self.assertEqual(2, len(badge['details']['attrs']['teams']))
        self.assertNotIn('note', badge['details'])
        # Not an item of this plan: nothing to wait for.
        self.assertEqual([f'test.team:{self.red}'], badge['depends_on'])
        self.assertFalse([m for _t, m in self.events if 'left out' in m])


class TestApplyAndVerify(OptionalTestCase):

    def run_migration(self, selection):
        ctx = self.ctx()
        graph = discovery.discover(ctx, selection, self.drivers)
        migration = migration_api.create_migration({
            'project_id': 'p', 'source_cloud_id': ctx.source_cloud_id,
            'destination_cloud_id': ctx.destination_cloud_id,
            'workload': {}, 'options': {}, 'state': 'running'})
        migration_api.add_plan_items(migration.id,
                                     planner.plan(ctx, graph, self.drivers))
        counts = apply_mod.apply(self.ctx(), self.drivers, migration, 2)
        self.assertEqual({'done': len(graph)}, counts)
        return migration

    def made_badge(self) -> dict:
        [badge] = self.destination.data[BADGE].values()
        return badge

    def test_the_destination_names_what_migrated_and_verifies_clean(self):
        migration = self.run_migration(resources(
            f'{BADGE}={self.gold}', f'test.team={self.red}'))
        [red] = [i for i, o in self.destination.data['test.team'].items()
                 if o['name'] == 'red']
        self.assertEqual([red], self.made_badge()['teams'])
        report = verify_mod.verify(self.ctx(), self.drivers, migration)
        self.assertEqual(([], []), (report['differences'],
                                    report['not_migrated']))

    def test_mapped_target_is_translated_through_the_mapping(self):
        made = self.destination.add('test.team', name='blue',
                                    colour='blue')
        self.map_blue(made)
        migration = self.run_migration(resources(
            f'{BADGE}={self.gold}', f'test.team={self.red}'))
        self.assertIn(made, self.made_badge()['teams'])
        report = verify_mod.verify(self.ctx(), self.drivers, migration)
        self.assertEqual([], report['differences'])
