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

"""orchestration.stack: a stack read from Heat, compared and adopted.

Heat is the boundary: a small in-memory Heat answers the REST calls the
driver makes (the paths of Heat's v1 API, relative to the endpoint).
"""

import json
import types
import unittest
from unittest import mock

import requests

from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.orchestration import heat_api
from pumphouse.drivers.resources.orchestration import physical
from pumphouse.drivers.resources.orchestration import stack as stack_mod
from pumphouse.engine import resource as res
from pumphouse.engine import selection as selection_mod
from pumphouse.engine.checks import stack as stack_check
from pumphouse.tests.unit.drivers import fakes

PROJECT = 'p-src'
#: Heat finds ids in a composite id by their form: real-looking ones.
ROUTER = '5a4c0f0e-1111-4c1a-9e0e-000000000001'
SUBNET = '5a4c0f0e-2222-4c1a-9e0e-000000000002'
ROUTER_DST = '7b5d1e1f-1111-4c1a-9e0e-000000000001'
SUBNET_DST = '7b5d1e1f-2222-4c1a-9e0e-000000000002'
ROUTER_INTERFACE = f'{ROUTER}:subnet_id={SUBNET}'


def export_document():
    """The seed application stack as the 2024.1 Heat exports it."""
    return {
        'name': 'app', 'id': 'stack-src', 'action': 'CREATE',
        'status': 'COMPLETE', 'project_id': PROJECT,
        'template': {'heat_template_version': '2018-08-31'},
        'environment': {'parameters': {'key_name': 'alice-key'}},
        'files': {'worker.yaml': '{}'},
        'resources': {
            'secret': {'type': 'OS::Heat::RandomString',
                       'resource_id': 'app-secret-abc',
                       'resource_data': {'value': 's3cret'}},
            'net': {'type': 'OS::Neutron::Net', 'resource_id': 'net-src'},
            'subnet': {'type': 'OS::Neutron::Subnet',
                       'resource_id': SUBNET},
            'router': {'type': 'OS::Neutron::Router',
                       'resource_id': ROUTER},
            'router_interface': {'type': 'OS::Neutron::RouterInterface',
                                 'resource_id': ROUTER_INTERFACE},
            'server': {'type': 'OS::Nova::Server',
                       'resource_id': 'srv-src',
                       'resource_data': {'internal_ports': json.dumps(
                           [{'id': 'iport-src'}])}},
            'alarm': {'type': 'OS::Aodh::Alarm', 'resource_id': 'alarm-1'},
            'workers': {'resources': {
                '0': {'resources': {
                    'server': {'type': 'OS::Nova::Server',
                               'resource_id': 'w0-src'}}}}},
        },
    }


def stack_show(stack_id='stack-src', name='app', status='CREATE_COMPLETE',
               project=PROJECT):
    return {'id': stack_id, 'stack_name': name, 'stack_status': status,
            'parameters': {'OS::project_id': project,
                           'OS::stack_id': stack_id,
                           'key_name': 'alice-key', 'net': 'net-src'},
            'outputs': [{'output_key': 'worker_ids',
                         'output_value': ['w0-src']},
                        {'output_key': 'secret',
                         'output_value': 's3cret'}]}


def Response(status, body=None):
    """A response of Heat's, as keystoneauth returns it."""
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers['content-type'] = 'application/json'
    response.url = 'http://heat/v1/p'
    return response


class FakeHeat:
    """The REST paths of Heat's API the driver uses."""

    def __init__(self):
        self.stacks = {}
        self.exports = {}
        self.resources = {}
        self.posted = []
        self.abandoned = []
        self.adopt_refused = None
        self.export_refused = False

    def get(self, path, params=None, **kwargs):
        parts = path.strip('/').split('/')
        if parts == ['stacks']:
            return Response(200, {'stacks': list(self.stacks.values())})
        if len(parts) == 2:
            stack = self.stacks.get(parts[1])
            return Response(404) if stack is None else \
                Response(200, {'stack': stack})
        if parts[-1] == 'export':
            if self.export_refused:
                return Response(400, {'explanation':
                                      'Stack Abandon is not supported.'})
            return Response(200, self.exports[parts[2]])
        if parts[-1] in ('template', 'environment', 'files'):
            return Response(200, {'template': {'resources': {}},
                                  'environment': {'parameters': {}},
                                  'files': {}}[parts[-1]])
        if parts[-1] == 'resources':
            return Response(200, {'resources': self.resources[parts[2]]})
        if parts[-2] == 'resources':
            return Response(200, {'resource': {
                'attributes': {'value': 's3cret'}}})
        raise AssertionError(path)

    def post(self, path, json=None, **kwargs):
        if path == '/stacks/preview':
            if self.adopt_refused:
                return Response(400, {'title': 'Bad Request',
                                      'explanation': self.adopt_refused})
            return Response(200, {'stack': {}})
        self.posted.append(json)
        stack = stack_show('stack-dst', json['stack_name'],
                           'ADOPT_COMPLETE', 'p-dst')
        self.stacks['stack-dst'] = stack
        return Response(201, {'stack': {'id': 'stack-dst'}})

    def delete(self, path, **kwargs):
        self.abandoned.append(path)
        return Response(200)


def cloud(heat):
    conn = mock.Mock()
    conn.orchestration = heat
    conn.endpoint_for.return_value = 'http://heat/v1/p'
    return conn


def source_cloud():
    heat = FakeHeat()
    heat.stacks['stack-src'] = stack_show()
    heat.exports['stack-src'] = export_document()
    conn = cloud(heat)
    interface = types.SimpleNamespace(
        id='riface-src', device_id=ROUTER,
        device_owner='network:router_interface',
        fixed_ips=[{'subnet_id': SUBNET}])
    # Nova made the worker's port (booted on a network).
    worker_port = types.SimpleNamespace(
        id='wport-src', device_id='w0-src', device_owner='compute:nova',
        fixed_ips=[])
    conn.network.ports.return_value = [interface, worker_port]
    server = types.SimpleNamespace(id='srv-src', key_name='alice-key',
                                   user_id='alice-src')
    worker = types.SimpleNamespace(id='w0-src', key_name=None,
                                   user_id='alice-src')
    conn.compute.servers.return_value = [server, worker]
    conn.identity.get.return_value = Response(200, {'role_assignments': [
        {'role': {'id': 'member-id'}, 'user': {'id': 'alice-src'},
         'scope': {'project': {'id': PROJECT}}}]})
    return conn


def stack_selection(names=('stack-src',)):
    return selection_mod.Selection(
        workload=selection_mod.Workload(kind='stack', names=list(names)))


class TestDiscovery(unittest.TestCase):

    def setUp(self):
        self.source = source_cloud()
        self.destination = cloud(FakeHeat())
        self.ctx = fakes.FakeContext(self.source, self.destination)
        self.driver = stack_mod.StackDriver()
        self.driver.resource_type = 'orchestration.stack'

    def discover(self):
        found = list(self.driver.expand(self.ctx, stack_selection(), {}))
        self.assertEqual(1, len(found))
        return found[0]

    def test_resources_are_references_to_the_types_that_move_them(self):
        stack = self.discover()
        resources = stack.attrs['resources']
        self.assertEqual(res.ref('network.network', 'net-src'),
                         resources['net']['id'])
        self.assertEqual(res.ref('compute.server', 'w0-src'),
                         resources['workers/0/server']['id'])
        # A random string keeps its id (its value is in its data).
        self.assertEqual('app-secret-abc', resources['secret']['id'])
        self.assertEqual(
            [res.ref('network.router', ROUTER), ':subnet_id=',
             res.ref('network.subnet', SUBNET)],
            resources['router_interface']['id'])

    def test_needs_take_in_interfaces_internal_ports_and_keypairs(self):
        stack = self.discover()
        self.assertIn(('network.router_interface', 'riface-src'),
                      stack.requires)
        self.assertIn(('network.port', 'iport-src'), stack.requires)
        self.assertIn(('network.port', 'wport-src'), stack.requires)
        self.assertEqual({'workers/0/server': ['wport-src']},
                         stack.data['implicit_ports'])
        self.assertIn(('compute.keypair', 'alice-src/alice-key'),
                      stack.requires)
        self.assertEqual(['alice-src/alice-key'], stack.data['keypairs'])
        # The owner's grant on the project comes along.
        self.assertIn(('identity.role_assignment',
                       f'member-id|user:alice-src|project:{PROJECT}|direct'),
                      stack.requires)
        self.assertEqual(('identity.project', PROJECT),
                         res.ref_key(stack.attrs['project']))

    def test_outputs_naming_a_resource_become_references(self):
        stack = self.discover()
        self.assertEqual([res.ref('compute.server', 'w0-src')],
                         stack.attrs['outputs']['worker_ids'])
        self.assertEqual('s3cret', stack.attrs['outputs']['secret'])
        self.assertEqual(res.ref('network.network', 'net-src'),
                         stack.attrs['parameters']['net'])
        self.assertNotIn('OS::stack_id', stack.attrs['parameters'])

    def test_a_type_no_driver_moves_skips_the_stack_with_the_reason(self):
        stack = self.discover()
        self.assertEqual(['alarm is a OS::Aodh::Alarm, which no Pumphouse '
                          'driver moves'], stack.data['problems'])
        self.assertIn('not adopted', stack.data['skip'])

    def test_adopt_off_in_the_destination_is_a_problem(self):
        self.destination.orchestration.adopt_refused = \
            'Stack Adopt is not supported.'
        stack = self.discover()
        self.assertTrue(any('enable_stack_adopt' in p
                            for p in stack.data['problems']))

    def test_a_stack_not_complete_is_a_problem(self):
        self.source.orchestration.stacks['stack-src']['stack_status'] = \
            'UPDATE_FAILED'
        stack = self.discover()
        self.assertIn('the source stack is UPDATE_FAILED (only *_COMPLETE '
                      'stacks are adopted)', stack.data['problems'])

    def test_without_export_the_listings_make_the_document(self):
        heat = self.source.orchestration
        heat.export_refused = True
        nested = 'http://heat/v1/p/stacks/app-workers-x/nested-id'
        heat.resources['stack-src'] = [
            {'resource_name': 'secret',
             'resource_type': 'OS::Heat::RandomString',
             'physical_resource_id': 'app-secret-abc',
             'resource_status': 'CREATE_COMPLETE', 'links': []},
            {'resource_name': 'workers',
             'resource_type': 'OS::Heat::ResourceGroup',
             'physical_resource_id': 'nested-id',
             'resource_status': 'CREATE_COMPLETE',
             'links': [{'rel': 'nested', 'href': nested}]}]
        heat.resources['nested-id'] = [
            {'resource_name': '0', 'resource_type': 'OS::Nova::Server',
             'physical_resource_id': 'w0-src',
             'resource_status': 'CREATE_COMPLETE', 'links': []}]
        stack = self.discover()
        document = stack.data['export']
        self.assertEqual({'value': 's3cret'},
                         document['resources']['secret']['resource_data'])
        self.assertEqual('w0-src', document['resources']['workers'][
            'resources']['0']['resource_id'])
        self.assertEqual(res.ref('compute.server', 'w0-src'),
                         stack.attrs['resources']['workers/0']['id'])
        self.assertEqual([], stack.data['problems'])
        self.assertIn('enable_stack_abandon', stack.data['warnings'][0])
        results = stack_check.check(None, types.SimpleNamespace(
            graph=types.SimpleNamespace(of_type=lambda t: [stack]),
            action=lambda key: 'create'), {})
        self.assertEqual(['warning'], [r.status for r in results])

    def test_an_unknown_stack_is_a_clear_error(self):
        with self.assertRaisesRegex(Exception, "stack 'nope' was not found"):
            list(self.driver.expand(self.ctx, stack_selection(['nope']),
                                    {}))

    def test_a_project_workload_lists_the_project_stacks_scoped(self):
        selection = selection_mod.Selection(
            workload=selection_mod.Workload(kind='project', names=['demo']),
            scope_projects={PROJECT})
        with mock.patch.object(stack_mod.scoped, 'source_in',
                               return_value=self.source) as scoped:
            found = list(self.driver.expand(self.ctx, selection, {}))
        scoped.assert_called_once_with(self.ctx, PROJECT)
        self.assertEqual(['stack-src'], [s.id for s in found])


class TestCompare(unittest.TestCase):

    driver = stack_mod.StackDriver()

    def test_composite_ids_are_joined_and_differences_named_by_path(self):
        expected = {'name': 'app', 'resources': {
            'ri': {'type': 'OS::Neutron::RouterInterface',
                   'id': ['r-dst', ':subnet_id=', 's-dst']},
            'net': {'type': 'OS::Neutron::Net', 'id': 'n-dst'}}}
        actual = {'id': 'x', 'name': 'app', 'resources': {
            'ri': {'type': 'OS::Neutron::RouterInterface',
                   'id': 'r-dst:subnet_id=s-dst'},
            'net': {'type': 'OS::Neutron::Net', 'id': 'other'}}}
        diffs = self.driver.compare(expected, actual)
        self.assertEqual(['resources/net'], list(diffs))


class TestAdopt(unittest.TestCase):

    def setUp(self):
        self.source = source_cloud()
        self.dest_heat = FakeHeat()
        self.dest_heat.resources['stack-dst'] = []
        self.destination = cloud(self.dest_heat)
        ids = {('network.network', 'net-src'): 'net-dst',
               ('network.subnet', SUBNET): SUBNET_DST,
               ('network.router', ROUTER): ROUTER_DST,
               ('network.router_interface', 'riface-src'): 'riface-dst',
               ('network.port', 'iport-src'): 'iport-dst',
               ('network.port', 'wport-src'): 'wport-dst',
               ('compute.server', 'srv-src'): 'srv-dst',
               ('compute.server', 'w0-src'): 'w0-dst',
               ('compute.keypair', 'alice-src/alice-key'):
                   'alice-dst/alice-key',
               ('identity.project', PROJECT): 'p-dst'}
        self.ctx = fakes.FakeContext(self.source, self.destination, ids=ids)
        self.driver = stack_mod.StackDriver()
        self.driver.resource_type = 'orchestration.stack'
        del self.source.orchestration.exports['stack-src']['resources'][
            'alarm']
        self.stack = list(self.driver.expand(self.ctx, stack_selection(),
                                             {}))[0]

    def adopt(self):
        attrs = self.ctx.translate(self.stack.attrs)
        user = mock.MagicMock()
        user.__enter__.return_value.connection = self.destination
        with mock.patch.object(server_boot, 'BootUser',
                               return_value=user) as boot, \
                mock.patch.object(server_boot, 'owner_keypair',
                                  return_value={'name': 'alice-key'}):
            stack_id = self.driver.create(self.ctx, self.stack, attrs)
        return stack_id, boot

    def test_adopted_with_every_physical_id_translated(self):
        self.assertEqual([], self.stack.data['problems'])
        stack_id, boot = self.adopt()
        self.assertEqual('stack-dst', stack_id)
        body = self.dest_heat.posted[0]
        document = json.loads(body['adopt_stack_data'])
        resources = document['resources']
        self.assertEqual('net-dst', resources['net']['resource_id'])
        self.assertEqual(f'{ROUTER_DST}:subnet_id={SUBNET_DST}',
                         resources['router_interface']['resource_id'])
        self.assertEqual('w0-dst', resources['workers']['resources']['0'][
            'resources']['server']['resource_id'])
        self.assertEqual([{'id': 'iport-dst'}], json.loads(
            resources['server']['resource_data']['internal_ports']))
        self.assertEqual('app-secret-abc', resources['secret']['resource_id'])
        # Heat deletes the port Nova made in the source with its server.
        worker = resources['workers']['resources']['0']['resources']['server']
        self.assertEqual([{'id': 'wport-dst'}], json.loads(
            worker['resource_data']['internal_ports']))
        self.assertEqual({'worker.yaml': '{}'}, body['files'])
        # Adopted by a temporary user holding the owner's keypair.
        boot.assert_called_once_with(
            self.ctx, 'pumphouse-boot-stack-src', 'p-dst',
            [{'name': 'alice-key'}])

    def test_a_resource_without_copy_stops_the_adopt(self):
        self.ctx = fakes.FakeContext(self.source, self.destination, ids={
            ('identity.project', PROJECT): 'p-dst'})
        with self.assertRaisesRegex(Exception, 'has no copy'):
            self.driver.create(self.ctx, self.stack,
                               self.ctx.translate(self.stack.attrs))
        self.assertEqual([], self.dest_heat.posted)

    def test_undo_abandons_never_deletes(self):
        self.adopt()
        self.driver.delete(self.ctx, 'stack-dst')
        self.assertEqual(['/stacks/app/stack-dst/abandon'],
                         self.dest_heat.abandoned)

    def test_delete_cutover_abandons_the_source_stack(self):
        self.ctx.options['server_cutover'] = 'delete'
        with mock.patch.object(server_boot, 'remove_boot_user'):
            self.driver.after_create(self.ctx, self.stack, 'stack-dst',
                                     True)
        self.assertEqual(['/stacks/app/stack-src/abandon'],
                         self.source.orchestration.abandoned)


class TestPreCheck(unittest.TestCase):

    def test_each_stack_with_problems_fails_by_name(self):
        stuck = res.Resource('orchestration.stack', 's1', 'app', {},
                             data={'problems': ['x is a OS::Aodh::Alarm']})
        fine = res.Resource('orchestration.stack', 's2', 'web',
                            {'resources': {'a': {}}},
                            data={'problems': []})
        plan = mock.Mock()
        plan.graph.of_type.return_value = [stuck, fine]
        plan.action.return_value = 'create'
        results = stack_check.check(None, plan, {})
        self.assertEqual([('stack:app', 'failed'), ('stack:web', 'passed')],
                         [(r.name, r.status) for r in results])
        self.assertIn('OS::Aodh::Alarm', results[0].message)


class TestHeatApi(unittest.TestCase):

    def test_leaf_resources_walk_nested_stacks(self):
        heat = FakeHeat()
        nested = 'http://heat/v1/p/stacks/app-workers-x/nested-id'
        heat.resources['top-id'] = [
            {'resource_name': 'net', 'resource_type': 'OS::Neutron::Net',
             'physical_resource_id': 'n1', 'links': []},
            {'resource_name': 'workers',
             'resource_type': 'OS::Heat::ResourceGroup',
             'physical_resource_id': 'nested-id',
             'links': [{'rel': 'nested', 'href': nested}]}]
        heat.resources['nested-id'] = [
            {'resource_name': '0', 'resource_type': 'OS::Nova::Server',
             'physical_resource_id': 's0', 'links': []}]
        found = heat_api.leaf_resources(cloud(heat), 'app', 'top-id')
        self.assertEqual({'net': {'type': 'OS::Neutron::Net', 'id': 'n1'},
                          'workers/0': {'type': 'OS::Nova::Server',
                                        'id': 's0'}}, found)

    def test_wait_fails_on_a_failed_adopt(self):
        heat = FakeHeat()
        heat.stacks['s'] = stack_show('s', status='ADOPT_FAILED')
        with self.assertRaisesRegex(Exception, 'ADOPT_FAILED'):
            heat_api.wait(cloud(heat), 's', 10, sleep=lambda s: None)

    def test_an_empty_nested_stack_holds_no_leaf(self):
        """A resource group of count 0 in Heat's export: no type, no
        physical id, no resources (seen on the harness's 2024.1 Heat);
        its adopted copy lists no resource under it either."""
        document = {'resources': {
            'net': {'type': 'OS::Neutron::Net', 'resource_id': 'n1'},
            'workers': {'name': 'workers'},
            'group': {'name': 'group', 'resources': {
                '0': {'type': 'OS::Heat::RandomString',
                      'resource_id': 'r0'}}}}}
        self.assertEqual(['net', 'group/0'],
                         [path for path, _e in physical.walk(document)])

    def test_a_resource_without_its_physical_id_is_still_a_leaf(self):
        document = {'resources': {'vol': {'type': 'OS::Cinder::Volume'}}}
        self.assertEqual(['vol'],
                         [path for path, _e in physical.walk(document)])

    def test_physical_leaf_of_unparsable_interface_is_a_problem(self):
        leaf = physical.leaves(
            {'resources': {'ri': {'type': 'OS::Neutron::RouterInterface',
                                  'resource_id': 'garbage'}}},
            lambda r, s: None)[0]
        self.assertIn('not <router>:subnet_id=<subnet>', leaf.problem)
