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

"""Selection, discovery and planning on in-memory clouds."""

from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import mapping_api
from pumphouse.db import models
from pumphouse.engine import discovery
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import planner
from pumphouse.engine import resource as res
from pumphouse.engine import selection as sel
from pumphouse.tests import base
from pumphouse.tests.unit.engine import memory


def project(*names, **kw):
    return sel.Selection(sel.Workload('project', list(names)), **kw)


class EngineTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.source = memory.Cloud('s')
        self.destination = memory.Cloud('d')
        self.drivers = memory.drivers()
        self.red = self.source.add('test.team', name='red', colour='red')
        self.blue = self.source.add('test.team', name='blue', colour='blue')
        self.ann = self.source.add('test.member', name='ann', team=self.red)
        self.bob = self.source.add('test.member', name='bob', team=self.blue)
        self.events = []

    def ctx(self, **options):
        return memory.context(self.source, self.destination, options,
                              self.events)

    def plan(self, selection, **options):
        ctx = self.ctx(**options)
        graph = discovery.discover(ctx, selection, self.drivers)
        return ctx, {i['source_name']: i
                     for i in planner.plan(ctx, graph, self.drivers)}


class TestSelection(EngineTestCase):

    def test_workload_strategy_and_supplementary_default(self):
        selection = project('red')
        self.assertEqual('tenant', selection.strategy(
            self.drivers['test.team']))
        self.assertEqual('depend', selection.strategy(
            self.drivers['test.member']))

    def test_supplementary_all(self):
        selection = project('red', supplementary='all')
        self.assertEqual('all', selection.strategy(
            self.drivers['test.member']))

    def test_explicit_strategy_wins_and_used_means_depend(self):
        selection = project('red', strategies={'test.team': 'all',
                                               'test.member': 'used'})
        self.assertEqual('all', selection.strategy(
            self.drivers['test.team']))
        self.assertEqual('depend', selection.strategy(
            self.drivers['test.member']))

    def test_validation(self):
        bad = [project('red', strategies={'test.nothing': 'all'}),
               project('red', strategies={'test.team': 'public'}),
               project('red', supplementary='some'),
               sel.Selection(sel.Workload('volume', ['v1'])),
               sel.Selection(sel.Workload('server', ['s1'], hosts=['h1'])),
               sel.Selection(sel.Workload('stack', ['web'], hosts=['h1'])),
               sel.Selection(sel.Workload('resources', ['test.team'])),
               sel.Selection(sel.Workload('resources', ['test.x=1']))]
        for selection in bad:
            self.assertRaises(exception.Invalid, selection.validate,
                              self.drivers)
        project('red', strategies={'test.member': 'used'}).validate(
            self.drivers)

    def test_project_of_a_stack_workload(self):
        sel.Selection(sel.Workload('stack', ['web', 'db'])).validate(
            self.drivers)
        sel.Selection(sel.Workload('stack', ['web'], project='demo',
                                   domain='Default')).validate(self.drivers)
        for workload, message in (
                (sel.Workload('project', ['demo'], project='demo'),
                 'project names the project of the stacks of a stack '
                 'workload'),
                (sel.Workload('server', ['s1'], project='demo'),
                 'project names the project of the stacks'),
                (sel.Workload('stack', ['web'], domain='Default'),
                 "domain names the domain of a stack workload's project: "
                 'give the project too')):
            error = self.assertRaises(exception.Invalid,
                                      sel.Selection(workload).validate,
                                      self.drivers)
            self.assertIn(message, str(error))

    def test_stack_workload_round_trip(self):
        data = {'kind': 'stack', 'names': ['web', 'db'], 'project': 'demo',
                'domain': 'Default'}
        workload = sel.Workload.from_dict(data)
        self.assertEqual(('stack', 'demo'), (workload.kind, workload.project))
        self.assertIsNone(workload.on_hosts())
        self.assertEqual(data, workload.to_dict())
        selection = sel.Selection(workload)
        self.assertEqual(selection.to_dict(), sel.Selection.from_dict(
            selection.to_dict()).to_dict())
        # None and left out: as with domain
        self.assertEqual({'kind': 'stack', 'names': ['web']},
                         sel.Workload('stack', ['web']).to_dict())
        self.assertIsNone(sel.Workload.from_dict(
            {'kind': 'stack', 'names': ['web']}).project)

    def test_hosts_of_host_and_project_workloads(self):
        self.assertEqual({'h1', 'h2'}, sel.Workload(
            'host', ['h1', 'h2']).on_hosts())
        self.assertEqual({'h1'}, sel.Workload(
            'project', ['demo'], hosts=['h1']).on_hosts())
        self.assertIsNone(sel.Workload('project', ['demo']).on_hosts())
        workload = sel.Workload.from_dict(
            {'kind': 'project', 'names': ['demo'], 'hosts': ['h1']})
        self.assertEqual(['h1'], workload.to_dict()['hosts'])

    def test_specific_ids_of_a_resources_workload(self):
        selection = sel.Selection(sel.Workload(
            'resources', [f'test.member={self.ann}']))
        self.assertEqual('specific', selection.strategy(
            self.drivers['test.member']))
        self.assertEqual({self.ann},
                         selection.specific_ids('test.member'))

    def test_round_trip(self):
        selection = project('red', strategies={'test.team': 'all'},
                            supplementary='all')
        again = sel.Selection.from_dict(selection.to_dict())
        self.assertEqual(selection.to_dict(), again.to_dict())


class TestDiscovery(EngineTestCase):

    def test_workload_and_what_it_needs(self):
        ctx = self.ctx()
        graph = discovery.discover(ctx, project('red'), self.drivers)
        self.assertEqual({('test.team', self.red),
                          ('test.member', self.ann)},
                         {r.key for r in graph})

    def test_dependencies_are_fetched(self):
        selection = sel.Selection(sel.Workload(
            'resources', [f'test.member={self.bob}']))
        graph = discovery.discover(self.ctx(), selection, self.drivers)
        self.assertIn(('test.team', self.blue), graph)
        self.assertIn(('test.member', self.bob), graph)
        self.assertNotIn(('test.team', self.red), graph)

    def test_missing_dependency_is_a_clear_error(self):
        self.source.data['test.member'][self.bob]['team'] = 'gone'
        selection = sel.Selection(sel.Workload(
            'resources', [f'test.member={self.bob}']))
        error = self.assertRaises(exception.Invalid, discovery.discover,
                                  self.ctx(), selection, self.drivers)
        self.assertIn('test.team gone', str(error))

    def test_request_count_is_reported(self):
        discovery.discover(self.ctx(), project('red'), self.drivers)
        self.assertIn('Discovered 2 resources with 0 API requests',
                      self.events[0][1])


class TestPlanner(EngineTestCase):

    def test_everything_new_is_created(self):
        _ctx, items = self.plan(project('red'))
        self.assertEqual({'red': 'create', 'ann': 'create'},
                         {n: i['action'] for n, i in items.items()})
        self.assertEqual([f'test.team:{self.red}'],
                         items['ann']['depends_on'])

    def test_equal_resource_is_reused(self):
        existing = self.destination.add('test.team', name='red',
                                        colour='red')
        _ctx, items = self.plan(project('red'))
        self.assertEqual('reuse', items['red']['action'])
        self.assertEqual(existing, items['red']['destination_id'])
        # The member's reference resolves through the reused team.
        self.assertEqual('create', items['ann']['action'])

    def test_same_name_other_content_is_a_conflict(self):
        self.destination.add('test.team', name='red', colour='green')
        _ctx, items = self.plan(project('red'))
        self.assertEqual('conflict', items['red']['action'])
        self.assertEqual({'colour': {'source': 'red',
                                     'destination': 'green'}},
                         items['red']['details']['differences'])

    def test_conflict_resolved_by_reuse(self):
        existing = self.destination.add('test.team', name='red',
                                        colour='green')
        _ctx, items = self.plan(project('red'),
                                conflict_resolution='reuse')
        self.assertEqual(('reuse', existing),
                         (items['red']['action'],
                          items['red']['destination_id']))

    def test_conflict_resolved_by_rename(self):
        self.destination.add('test.team', name='red', colour='green')
        _ctx, items = self.plan(project('red'),
                                conflict_resolution='rename',
                                rename_suffix='-old')
        self.assertEqual('create', items['red']['action'])
        self.assertEqual('red-old', items['red']['details']['attrs']['name'])

    def test_renamed_copy_already_there_is_reused(self):
        self.destination.add('test.team', name='red', colour='green')
        copy = self.destination.add('test.team', name='red-old',
                                    colour='red')
        _ctx, items = self.plan(project('red'),
                                conflict_resolution='rename',
                                rename_suffix='-old')
        self.assertEqual(('reuse', copy), (items['red']['action'],
                                           items['red']['destination_id']))

    def test_mapping_hit_is_reused(self):
        ctx = self.ctx()
        dest = self.destination.add('test.team', name='renamed-later',
                                    colour='x')
        with db_api._writer() as session:
            session.add(models.Mapping(
                source_cloud_id=ctx.source_cloud_id,
                destination_cloud_id=ctx.destination_cloud_id,
                resource_type='test.team', source_id=self.red,
                destination_id=dest))
        _ctx, items = self.plan(project('red'))
        self.assertEqual(('reuse', dest), (items['red']['action'],
                                           items['red']['destination_id']))

    def test_stale_mapping_is_forgotten(self):
        ctx = self.ctx()
        with db_api._writer() as session:
            session.add(models.Mapping(
                source_cloud_id=ctx.source_cloud_id,
                destination_cloud_id=ctx.destination_cloud_id,
                resource_type='test.team', source_id=self.red,
                destination_id='deleted-since'))
        _ctx, items = self.plan(project('red'))
        self.assertEqual('create', items['red']['action'])
        self.assertEqual({}, mapping_api.load_mappings(
            ctx.source_cloud_id, ctx.destination_cloud_id))


class TestLabels(EngineTestCase):

    def test_nameless_resources_are_labelled_by_their_references(self):
        graph = graph_mod.ResourceGraph()
        graph.add(res.Resource('test.team', 't1', 'red', {}))
        grant = res.Resource('test.grant', 'g1', None, {
            'team': res.ref('test.team', 't1'), 'inherited': True,
            'other': res.ref('test.team', 'unknown')})
        self.assertEqual("team=red inherited other={'$ref': "
                         "['test.team', 'unknown']}",
                         planner.label(grant, graph))
