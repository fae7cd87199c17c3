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

"""Resources, the graph, the state machine and plan rendering."""

import json
import types

import testtools

from pumphouse.common import exception
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import render
from pumphouse.engine import resource as res
from pumphouse.engine import states


class TestResource(testtools.TestCase):

    def test_references_and_translation(self):
        attrs = {'name': 'x', 'domain': res.ref('identity.domain', 'd1'),
                 'list': [res.ref('identity.role', 'r1'), 'plain'],
                 'none': res.ref('identity.project', None)}
        self.assertEqual([('identity.domain', 'd1'), ('identity.role', 'r1')],
                         res.references(attrs))
        out = res.translate(attrs, {('identity.domain', 'd1'): 'D1'}.get)
        self.assertEqual('D1', out['domain'])
        self.assertIsInstance(out['list'][0], res.Unresolved)
        self.assertIsNone(out['none'])
        self.assertNotEqual('r1', out['list'][0])

    def test_depends_on_has_references_and_needs_once(self):
        resource = res.Resource('t.a', '1', 'a', {
            'x': res.ref('t.b', '2'), 'y': res.ref('t.b', '2')},
            needs=[('t.c', '3'), ('t.a', '1')])
        self.assertEqual([('t.b', '2'), ('t.c', '3')], resource.depends_on)

    def test_differences_ignore_list_order_and_named_fields(self):
        self.assertEqual({}, res.differences(
            {'tags': ['a', 'b'], 'at': 1}, {'tags': ['b', 'a'], 'at': 2},
            ignore=('at',)))
        self.assertEqual({'name': {'source': 'a', 'destination': 'b'}},
                         res.differences({'name': 'a'}, {'name': 'b'}))
        self.assertEqual({'extra': {'source': None, 'destination': 1}},
                         res.differences({}, {'extra': 1}))

    def test_details_round_trip(self):
        resource = res.Resource('t.a', '1', 'a', {'x': res.ref('t.b', '2')},
                                data={'k': 'v'}, needs=[('t.c', '3')])
        item = types.SimpleNamespace(resource_type='t.a', source_id='1',
                                     source_name='a',
                                     details=json.loads(json.dumps(
                                         resource.to_details())))
        self.assertEqual(resource, res.Resource.from_item(item))


class TestGraph(testtools.TestCase):

    def test_order_puts_needs_first(self):
        graph = graph_mod.ResourceGraph()
        child = res.Resource('t.p', 'c', 'c', {'parent': res.ref('t.p', 'p')})
        parent = res.Resource('t.p', 'p', 'p', {'domain': res.ref('t.d',
                                                                  'd')})
        domain = res.Resource('t.d', 'd', 'd', {})
        for resource in (child, parent, domain):
            self.assertTrue(graph.add(resource))
        self.assertFalse(graph.add(domain))
        self.assertEqual(['d', 'p', 'c'], [r.id for r in graph.ordered()])
        self.assertEqual(set(), graph.missing())

    def test_missing_and_cycles(self):
        graph = graph_mod.ResourceGraph()
        graph.add(res.Resource('t.a', '1', 'a', {'b': res.ref('t.b', '2')}))
        self.assertEqual({('t.b', '2')}, graph.missing())
        graph.add(res.Resource('t.b', '2', 'b', {'a': res.ref('t.a', '1')}))
        self.assertRaises(exception.PumphouseException, graph.ordered)


class TestStates(testtools.TestCase):

    def test_allowed(self):
        for current, target in (('planning', 'planned'),
                                ('planned', 'running'),
                                ('running', 'cancelled'),
                                ('failed', 'running'),
                                ('cancelled', 'running'),
                                ('completed', 'verifying')):
            states.check('m', current, target)

    def test_refused_with_409(self):
        for current, target in (('planning', 'running'),
                                ('completed', 'running'),
                                ('planned', 'completed'),
                                ('running', 'bogus')):
            error = self.assertRaises(exception.InvalidStateTransition,
                                      states.check, 'm', current, target)
            self.assertEqual(409, error.code)


class TestRender(testtools.TestCase):

    def items(self):
        def item(i, name, action, deps=(), details=None):
            return types.SimpleNamespace(
                id=i, resource_type='identity.project', source_id=f's{i}',
                source_name=name, action=action, state='pending',
                destination_id=None, depends_on=list(deps), attempts=0,
                error=None, bytes_done=0, bytes_total=None,
                details=details or {})
        return [item(1, 'demo', 'create'),
                item(2, 'demo "child"', 'conflict', [1], {
                    'differences': {'enabled': {'source': True,
                                                'destination': False}}})]

    def test_table(self):
        table = render.as_table(self.items())
        self.assertIn('| demo ', table)
        self.assertIn("conflict identity.project demo \"child\": enabled: "
                      "True in source, False in destination", table)

    def test_json(self):
        data = json.loads(render.as_json(self.items()))
        self.assertEqual([1], data[1]['depends_on'])
        self.assertIn('differences', data[1])

    def test_dot(self):
        dot = render.as_dot(self.items())
        self.assertTrue(dot.startswith('digraph plan {'))
        self.assertIn('i1 -> i2;', dot)
        self.assertIn('demo \\"child\\"', dot)
        self.assertIn('fillcolor=salmon', dot)
