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

"""``openstack migration host ...`` against a mocked HTTP API (1.1).

As in test_commands: the plugin's real client on a keystoneauth session,
only the HTTP answers canned (requests-mock). A conductor working on a
host is played by callbacks that advance the host and append to its
operations log each time the host is read.
"""

import io
import json

import fixtures
from keystoneauth1 import session as ksa_session
from osc_lib import exceptions

from pumphouse.osc import client as client_mod
from pumphouse.osc.v1 import clouds
from pumphouse.osc.v1 import hosts
from pumphouse.tests.unit.osc import test_commands

URL = test_commands.URL
VERSIONS_1_1 = {'versions': [{'id': 'v1', 'status': 'CURRENT',
                              'min_version': '1.0', 'version': '1.1'}]}
HOST_UUID = '0b8f4a0e-8d8e-4b84-9a43-3c5c1d1f2a10'
SECRET = 'Sup3r-s3cret-BMC'
HOST = {'uuid': HOST_UUID, 'name': 'compute-1', 'source': 'old',
        'destination': 'new', 'state': 'in_source', 'target': None,
        'failed_step': None, 'last_error': None, 'conductor': None,
        'power': {'driver': 'ipmi', 'info': {'address': '10.0.0.5',
                                             'username': 'admin'}},
        'provision': {'driver': 'ironic', 'info': {}},
        'macs': ['52:54:00:12:34:56'], 'options': {'aggregate': 'ag1'},
        'created_at': 't0', 'updated_at': 't1',
        'links': [{'href': f'{URL}/v1/hosts/{HOST_UUID}', 'rel': 'self'}]}


def operation(id_: int, step: str, state: str, message: str,
              level: str = 'INFO') -> dict:
    return {'id': id_, 'step': step, 'state': state, 'level': level,
            'message': message, 'conductor': 'conductor-1',
            'created_at': f't{id_}'}


class HostTestCase(test_commands.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.http.get(URL + '/', json=VERSIONS_1_1)
        self.app.stderr = io.StringIO()
        self.patch(hosts.time, 'sleep', lambda s: None)

    def shown(self, result) -> dict:
        columns, values = result
        return dict(zip(columns, values, strict=True))

    def host_requests(self):
        return [r for r in self.http.request_history
                if r.path.startswith('/v1/hosts')]


class TestVersions(HostTestCase):

    def test_host_calls_send_1_1(self):
        self.http.get(f'{URL}/v1/hosts/compute-1', json=HOST)
        self.run_command(hosts.ShowHost, ['compute-1'])
        self.assertEqual('migration 1.1', self.host_requests()[-1].headers[
            'OpenStack-API-Version'])

    def test_a_1_0_server_is_a_clear_error_before_any_request(self):
        self.http.get(URL + '/', json=test_commands.VERSIONS)
        for cls, args in (
                (hosts.ListHost, []),
                (hosts.ShowHost, ['compute-1']),
                (hosts.RegisterHost, ['compute-1', '--source', 'old']),
                (hosts.EvacuateHost, ['compute-1', '--wait']),
                (hosts.ReassignHost, ['compute-1']),
                (hosts.EnableHost, ['compute-1']),
                (hosts.DeleteHost, ['compute-1'])):
            error = self.assertRaises(exceptions.CommandError,
                                      self.run_command, cls, args)
            self.assertEqual(
                'the migration host commands need migration API 1.1, but '
                'the server only supports 1.0 to 1.0 (upgrade Pumphouse)',
                str(error))
        self.assertEqual([], self.host_requests())

    def test_asking_for_1_0_is_a_clear_error(self):
        self.app.client_manager.migration = client_mod.Client(
            ksa_session.Session(), api_version='1.0',
            endpoint_override=URL + '/v1')
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.ListHost, [])
        self.assertIn('need migration API 1.1, but 1.0 was asked for (use '
                      '--os-migration-api-version 1.1', str(error))
        self.assertEqual([], self.host_requests())

    def test_other_commands_still_speak_1_0_to_a_1_0_server(self):
        self.http.get(URL + '/', json=test_commands.VERSIONS)
        self.http.get(URL + '/v1/clouds', json={'clouds': []})
        self.run_command(clouds.ListCloud, [])
        self.assertEqual('migration 1.0', self.http.request_history[-1]
                         .headers['OpenStack-API-Version'])


class TestRegister(HostTestCase):

    def setUp(self):
        super().setUp()
        self.http.post(URL + '/v1/hosts', status_code=201, json=HOST)

    def info_file(self, text: str, name: str = 'info.yaml') -> str:
        path = self.useFixture(fixtures.TempDir()).join(name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_arguments_make_the_body(self):
        path = self.info_file(f'username: root\npassword: {SECRET}\n')
        result = self.run_command(hosts.RegisterHost, [
            'compute-1', '--source', 'old', '--destination', 'new',
            '--power-driver', 'ipmi', '--power-info-file', path,
            '--power-info', 'address=10.0.0.5', '--power-info', 'port=623',
            '--power-info', 'username=admin',
            '--provision-driver', 'ironic',
            '--provision-info', 'deploy_kernel=http://img/k',
            '--provision-info', 'properties={"cpu_arch": "x86_64"}',
            '--mac', '52:54:00:12:34:56', '--mac', '52:54:00:12:34:57',
            '--aggregate', 'ag1', '--to-destination', '--no-cold-fallback'])
        self.assertEqual({
            'name': 'compute-1', 'source': 'old', 'destination': 'new',
            'power': {'driver': 'ipmi', 'info': {
                'address': '10.0.0.5', 'port': 623, 'username': 'admin',
                'password': SECRET}},
            'provision': {'driver': 'ironic', 'info': {
                'deploy_kernel': 'http://img/k',
                'properties': {'cpu_arch': 'x86_64'}}},
            'macs': ['52:54:00:12:34:56', '52:54:00:12:34:57'],
            'options': {'aggregate': 'ag1', 'to_destination': True,
                        'cold_fallback': False}}, self.last_body())
        shown = self.shown(result)
        self.assertEqual('10.0.0.5', shown['power.info.address'])
        self.assertEqual('ipmi', shown['power.driver'])
        self.assertEqual('ironic', shown['provision.driver'])
        self.assertNotIn('links', shown)
        self.assertNotIn(SECRET, json.dumps(shown))

    def test_the_least_body(self):
        self.run_command(hosts.RegisterHost, ['compute-1', '--source', 'old'])
        self.assertEqual({'name': 'compute-1', 'source': 'old'},
                         self.last_body())

    def test_values_are_json_when_they_parse_but_secrets_stay_strings(self):
        self.run_command(hosts.RegisterHost, [
            'compute-1', '--source', 'old', '--power-driver', 'fake',
            '--power-info', 'port=623', '--power-info', 'on=true',
            '--power-info', 'nodes=["a", "b"]', '--power-info', 'name=bmc1',
            '--power-info', 'empty=', '--power-info', 'password=123456',
            '--power-info', 'auth_token=null', '--power-info', 'url=a=b'])
        self.assertEqual({'port': 623, 'on': True, 'nodes': ['a', 'b'],
                          'name': 'bmc1', 'empty': '', 'password': '123456',
                          'auth_token': 'null', 'url': 'a=b'},
                         self.last_body()['power']['info'])

    def test_json_info_file(self):
        path = self.info_file(json.dumps({'address': 'bmc', 'port': 6230}),
                              'info.json')
        self.run_command(hosts.RegisterHost, [
            'compute-1', '--source', 'old', '--power-driver', 'ipmi',
            '--power-info-file', path])
        self.assertEqual({'driver': 'ipmi', 'info': {'address': 'bmc',
                                                     'port': 6230}},
                         self.last_body()['power'])

    def test_an_empty_info_file_is_an_empty_info(self):
        path = self.info_file('')
        self.run_command(hosts.RegisterHost, [
            'compute-1', '--source', 'old', '--provision-driver', 'manual',
            '--provision-info-file', path])
        self.assertEqual({'driver': 'manual', 'info': {}},
                         self.last_body()['provision'])

    def assert_refused(self, args: list[str], message: str) -> str:
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.RegisterHost,
                                  ['compute-1', '--source', 'old', *args])
        self.assertIn(message, str(error))
        self.assertEqual([], self.host_requests())
        return str(error)

    def test_info_file_not_a_mapping(self):
        path = self.info_file('- a\n- b\n')
        self.assert_refused(['--power-driver', 'ipmi', '--power-info-file',
                             path], 'must hold a mapping')

    def test_missing_info_file(self):
        self.assert_refused(['--power-driver', 'ipmi', '--power-info-file',
                             '/nonexistent/bmc.yaml'],
                            'cannot read --power-info-file '
                            '/nonexistent/bmc.yaml: No such file')

    def test_bad_yaml_is_not_quoted(self):
        path = self.info_file(f'password: {SECRET}\n  bad: [\n')
        message = self.assert_refused(
            ['--power-driver', 'ipmi', '--power-info-file', path],
            f'--power-info-file {path}, line 2: ')
        self.assertNotIn(SECRET, message)

    def test_info_needs_its_driver(self):
        self.assert_refused(['--provision-info', 'a=b'],
                            '--provision-info needs --provision-driver')

    def test_bad_pair_is_not_echoed(self):
        message = self.assert_refused(
            ['--power-driver', 'ipmi', '--power-info', SECRET],
            '--power-info is given as KEY=VALUE (an item has no =)')
        self.assertNotIn(SECRET, message)
        self.assert_refused(['--power-driver', 'ipmi', '--power-info',
                             '=x'], 'an item has no key')

    def test_api_refusal_is_one_line(self):
        self.http.post(URL + '/v1/hosts', status_code=400, json={
            'error': {'code': 400, 'title': 'Bad Request',
                      'message': 'Invalid ipmi info: address: is a '
                                 'required property'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.RegisterHost, [
                                      'compute-1', '--source', 'old',
                                      '--power-driver', 'ipmi'])
        self.assertEqual('Invalid ipmi info: address: is a required '
                         'property (HTTP 400)', str(error))


class TestListShow(HostTestCase):

    def test_list_columns_and_source_filter(self):
        self.http.get(URL + '/v1/hosts', json={'hosts': [HOST]})
        columns, rows = self.run_command(hosts.ListHost,
                                         ['--source', 'old'])
        self.assertEqual(('uuid', 'name', 'source', 'destination', 'state',
                          'target'), columns)
        self.assertEqual([[HOST_UUID, 'compute-1', 'old', 'new',
                           'in_source', None]], rows)
        self.assertEqual({'source': ['old']},
                         self.host_requests()[-1].qs)

    def test_list_long_and_pages(self):
        second = dict(HOST, uuid='u2', name='compute-2', power=None,
                      provision=None, state='failed', failed_step='power')
        self.http.get(URL + '/v1/hosts', [
            {'json': {'hosts': [HOST], 'next': 'x'}},
            {'json': {'hosts': [second]}}])
        columns, rows = self.run_command(hosts.ListHost, ['--long'])
        self.assertEqual(hosts.LONG_COLUMNS, columns)
        self.assertEqual([None, 'ipmi', 'ironic'], rows[0][-3:])
        self.assertEqual(['power', None, None], rows[1][-3:])
        self.assertEqual({'marker': [HOST_UUID]},
                         self.host_requests()[-1].qs)

    def test_show_flattens_and_never_shows_secrets(self):
        # Were a server ever to return a secret, it is still not shown.
        leaky = dict(HOST, power={'driver': 'ipmi', 'info': {
            'address': '10.0.0.5', 'password': SECRET,
            'bmc_secret': SECRET, 'url': f'http://root:{SECRET}@bmc',
            'extra': {'BMC_PASS': SECRET}}})
        self.http.get(f'{URL}/v1/hosts/compute-1', json=leaky)
        shown = self.shown(self.run_command(hosts.ShowHost, ['compute-1']))
        self.assertEqual('10.0.0.5', shown['power.info.address'])
        self.assertEqual('***', shown['power.info.password'])
        self.assertEqual('http://***@bmc', shown['power.info.url'])
        self.assertNotIn(SECRET, json.dumps(shown))
        self.assertEqual('["52:54:00:12:34:56"]', shown['macs'])
        self.assertEqual('{"aggregate": "ag1"}', shown['options'])
        self.assertEqual('uuid', next(iter(shown)))

    def test_show_unknown_host(self):
        self.http.get(f'{URL}/v1/hosts/nope', status_code=404, json={
            'error': {'code': 404, 'title': 'Not Found',
                      'message': 'Host nope could not be found.'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.ShowHost, ['nope'])
        self.assertEqual('Host nope could not be found. (HTTP 404)',
                         str(error))


class Conductor:
    """The host and its operations log as a conductor changes them: each
    read of the host takes it one step further along ``steps``."""

    def __init__(self, history: int, steps: list[tuple]) -> None:
        self.host = dict(HOST)
        self.operations = [operation(i + 1, 'disable', 'done', f'old {i}')
                           for i in range(history)]
        self.steps = list(steps)

    def put_state(self, request, context):
        context.status_code = 202
        self.host.update(target=request.json()['target'],
                         last_error=None)
        return self.host

    def get_host(self, request, context):
        if self.steps:
            changes, logged = self.steps.pop(0)
            self.host.update(changes)
            for args in logged:
                self.operations.append(operation(len(self.operations) + 1,
                                                 *args))
        return self.host

    def get_operations(self, request, context):
        after = int(request.qs.get('after', ['0'])[0])
        limit = 2  # small pages, to check they are all read
        return {'operations': [o for o in self.operations
                               if o['id'] > after][:limit]}


class TestTargets(HostTestCase):

    def serve(self, conductor: Conductor) -> None:
        base = f'{URL}/v1/hosts/compute-1'
        self.http.put(base + '/state', json=conductor.put_state)
        self.http.get(base + '/operations', json=conductor.get_operations)
        self.http.get(f'{URL}/v1/hosts/{HOST_UUID}',
                      json=conductor.get_host)
        self.http.get(f'{URL}/v1/hosts/{HOST_UUID}/operations',
                      json=conductor.get_operations)

    def test_evacuate_without_wait_shows_the_accepted_host(self):
        conductor = Conductor(0, [])
        self.serve(conductor)
        shown = self.shown(self.run_command(hosts.EvacuateHost,
                                            ['compute-1']))
        self.assertEqual({'target': 'evacuated'}, self.last_body())
        self.assertEqual('evacuated', shown['target'])
        self.assertEqual(['PUT'], [r.method for r in self.host_requests()])

    def test_to_destination(self):
        self.serve(Conductor(0, []))
        for cls, target in ((hosts.EvacuateHost, 'evacuated'),
                            (hosts.ReassignHost, 'in_destination')):
            self.run_command(cls, ['compute-1', '--to-destination'])
            self.assertEqual({'target': target, 'to_destination': True},
                             self.last_body())

    def test_enable(self):
        self.serve(Conductor(0, []))
        self.run_command(hosts.EnableHost, ['compute-1'])
        self.assertEqual({'target': 'in_source'}, self.last_body())

    def test_wait_follows_the_operations_until_done(self):
        conductor = Conductor(3, [
            ({'state': 'in_source', 'conductor': 'conductor-1'}, []),
            ({'state': 'disabled'}, [
                ('disable', 'running', 'disable: started'),
                ('disable', 'done', 'disable: done, host is disabled')]),
            ({}, [('evacuate', 'running', 'evacuate: started'),
                  ('evacuate', 'info', 'live-migrating vm1 (a1b2)')]),
            ({'state': 'in_destination', 'target': None}, [
                ('join', 'done', 'join: done, host is in_destination'),
                ('done', 'done', 'compute-1 is in_destination')])])
        self.serve(conductor)
        shown = self.shown(self.run_command(hosts.ReassignHost,
                                            ['compute-1', '--wait']))
        self.assertEqual('in_destination', shown['state'])
        self.assertEqual({'target': 'in_destination'},
                         next(r.json() for r in self.host_requests()
                              if r.method == 'PUT'))
        lines = self.app.stderr.getvalue().splitlines()
        bar = '[' + '#' * 5 + '.' * 25 + '] 1/6 disabled'
        self.assertEqual([
            't4 INFO    disable: disable: started',
            't5 INFO    disable: disable: done, host is disabled',
            bar,
            't6 INFO    evacuate: evacuate: started',
            't7 INFO    evacuate: live-migrating vm1 (a1b2)',
            't8 INFO    join: join: done, host is in_destination',
            't9 INFO    done: compute-1 is in_destination',
            '[' + '#' * 30 + '] 6/6 in_destination'], lines)
        # The history was read (in pages) before the state was set.
        methods = [r.method for r in self.host_requests()]
        self.assertEqual(['GET', 'GET', 'GET', 'PUT'], methods[:4])

    def test_wait_until_failed_is_an_error_with_the_step(self):
        conductor = Conductor(0, [
            ({}, [('disable', 'done', 'disable: done, host is disabled')]),
            ({'state': 'failed', 'target': None, 'failed_step': 'evacuate',
              'last_error': 'vm1 could not be live-migrated: no host'},
             [('evacuate', 'failed', 'vm1 could not be live-migrated: '
               'no host', 'ERROR')])])
        self.serve(conductor)
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.EvacuateHost, ['compute-1', '--wait'])
        self.assertEqual(
            'host compute-1 failed at step evacuate: vm1 could not be '
            'live-migrated: no host; run the same command again to resume '
            'at that step', str(error))
        self.assertIn('t2 ERROR   evacuate: vm1 could not be live-migrated',
                      self.app.stderr.getvalue())

    def test_wait_when_the_target_was_not_reached(self):
        conductor = Conductor(0, [
            ({'state': 'evacuated', 'target': None,
              'last_error': 'nova-compute is down'}, [])])
        self.serve(conductor)
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.EnableHost, ['compute-1', '--wait'])
        self.assertEqual('host compute-1 is evacuated, not in_source: '
                         'nova-compute is down', str(error))

    def test_wait_timeout(self):
        self.serve(Conductor(0, []))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.EvacuateHost,
                                  ['compute-1', '--wait', '--timeout', '0'])
        self.assertIn('host compute-1 is still in_source on its way to '
                      'evacuated after 0s; it goes on', str(error))

    def test_refused_target_is_one_line(self):
        self.http.get(f'{URL}/v1/hosts/compute-1/operations',
                      json={'operations': []})
        self.http.put(f'{URL}/v1/hosts/compute-1/state', status_code=409,
                      json={'error': {'code': 409, 'title': 'Conflict',
                                      'message': 'Host compute-1 is '
                                                 'in_destination, it cannot '
                                                 'go to evacuated.'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.EvacuateHost, ['compute-1', '--wait'])
        self.assertEqual('Host compute-1 is in_destination, it cannot go '
                         'to evacuated. (HTTP 409)', str(error))


class TestDelete(HostTestCase):

    def test_delete_several(self):
        for name in ('compute-1', 'compute-2'):
            self.http.delete(f'{URL}/v1/hosts/{name}', status_code=204)
        self.run_command(hosts.DeleteHost, ['compute-1', 'compute-2'])
        self.assertEqual(['/v1/hosts/compute-1', '/v1/hosts/compute-2'],
                         [r.path for r in self.host_requests()])


class TestSet(HostTestCase):

    def test_only_what_is_given_is_sent_with_patch(self):
        self.http.patch(f'{URL}/v1/hosts/compute-1', json=HOST)
        self.run_command(hosts.SetHost, [
            'compute-1', '--destination', 'new', '--power-driver', 'ipmi',
            '--power-info', 'address=10.0.0.5', '--power-info',
            'password=123456'])
        [request] = self.host_requests()
        self.assertEqual('PATCH', request.method)
        self.assertEqual({'destination': 'new', 'power': {
            'driver': 'ipmi', 'info': {'address': '10.0.0.5',
                                       'password': '123456'}}},
                         request.json())

    def test_nothing_to_change_is_an_error_and_sends_nothing(self):
        self.assertRaises(exceptions.CommandError, self.run_command,
                          hosts.SetHost, ['compute-1'])
        self.assertEqual([], self.host_requests())


VERSIONS_1_2 = {'versions': [{'id': 'v1', 'status': 'CURRENT',
                              'min_version': '1.0', 'version': '1.2'}]}
PLAN = {
    'host': 'compute-1', 'target': 'evacuated', 'created_at': 't',
    'feasible': False, 'notes': [],
    'hosts': [{'name': 'compute-2', 'out': []}],
    'servers': [
        {'id': 'a1', 'name': 'vm-a', 'status': 'ACTIVE', 'method': 'live',
         'candidates': [], 'target': None, 'action': 'blocked',
         'choice': None, 'excluded': [
             {'host': 'compute-2', 'rule': 'ServerGroupAntiAffinity',
              'reason': 'group g (anti-affinity, at most 1 per host) '
                        'already has vm-b on it'},
             {'host': 'compute-3', 'rule': 'HostDisabled',
              'reason': 'its nova-compute is disabled'}],
         'reason': 'no host can take it: compute-2: ...'},
        {'id': 'c1', 'name': 'vm-c', 'status': 'SHUTOFF', 'method': 'cold',
         'candidates': ['compute-2'], 'target': 'compute-2',
         'action': 'move', 'choice': None, 'excluded': [],
         'reason': None}]}


class TestEvacuationPlan(HostTestCase):
    """``evacuate --plan``, ``host plan show`` and per-server choices
    (1.2)."""

    def setUp(self):
        super().setUp()
        self.http.get(URL + '/', json=VERSIONS_1_2)
        self.path = f'{URL}/v1/hosts/compute-1/evacuation-plan'

    def run_whole(self, cls, args, formatter='table'):
        """The command as OSC runs it (its output on stdout)."""
        cmd = cls(self.app, None)
        parsed = cmd.get_parser('openstack').parse_args(
            [*args, '-f', formatter])
        return cmd.run(parsed)

    def test_plan_is_a_dry_run_and_refuses_when_blocked(self):
        self.http.post(self.path, json=PLAN)
        error = self.assertRaises(exceptions.CommandError, self.run_whole,
                                  hosts.EvacuateHost,
                                  ['compute-1', '--plan'])
        self.assertEqual(
            'host compute-1 cannot be evacuated: 1 server(s) cannot be '
            'moved: vm-a (a1): no host can take it: compute-2: .... Choose '
            'for each: --to-destination <server>, --leave <server> or '
            '--override <server>', str(error))
        [request] = self.host_requests()
        self.assertEqual(('POST', 'migration 1.2', {'target': 'evacuated'}),
                         (request.method,
                          request.headers['OpenStack-API-Version'],
                          request.json()))
        shown = ''.join(self.fake_stdout.content)
        self.assertIn('ServerGroupAntiAffinity', shown)
        self.assertIn('compute-3: HostDisabled', shown)

    def test_plan_with_choices_as_json(self):
        feasible = dict(PLAN, feasible=True, servers=[
            dict(PLAN['servers'][0], action='to_destination',
                 choice='to_destination'), PLAN['servers'][1]])
        self.http.post(self.path, json=feasible)
        self.assertEqual(0, self.run_whole(
            hosts.EvacuateHost, ['compute-1', '--plan', '--to-destination',
                                 'vm-a', '--override', 'vm-x'], 'json'))
        self.assertEqual({'target': 'evacuated', 'servers': {
            'vm-a': 'to_destination', 'vm-x': 'override'}},
            self.last_body())
        rows = json.loads(''.join(self.fake_stdout.content))
        self.assertEqual([('vm-a', 'to_destination', None),
                          ('vm-c', 'move', 'compute-2')],
                         [(r['server'], r['action'], r['target'])
                          for r in rows])

    def test_reassign_plans_for_the_destination_and_cannot_leave(self):
        self.http.post(self.path, json=dict(PLAN, servers=[]))
        self.run_whole(hosts.ReassignHost, ['compute-1', '--plan'])
        self.assertEqual({'target': 'in_destination'}, self.last_body())
        self.assertRaises(SystemExit, self.run_command, hosts.ReassignHost,
                          ['compute-1', '--leave', 'vm-a'])

    def test_choices_go_with_the_target(self):
        base = f'{URL}/v1/hosts/compute-1'
        self.http.put(base + '/state', json=dict(HOST, target='evacuated'))
        self.run_command(hosts.EvacuateHost, [
            'compute-1', '--to-destination', 'vm-a', '--leave', 'vm-b',
            '--override', 'vm-c'])
        self.assertEqual({'target': 'evacuated', 'servers': {
            'vm-a': 'to_destination', 'vm-b': 'leave',
            'vm-c': 'override'}}, self.last_body())
        # Without a server: every one goes (as in 1.1).
        self.run_command(hosts.EvacuateHost, ['compute-1',
                                              '--to-destination'])
        self.assertEqual({'target': 'evacuated', 'to_destination': True},
                         self.last_body())

    def test_two_choices_for_one_server(self):
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.EvacuateHost,
                                  ['compute-1', '--leave', 'vm-a',
                                   '--override', 'vm-a'])
        self.assertEqual('server vm-a is given two choices: leave and '
                         'override', str(error))
        self.assertEqual([], self.host_requests())

    def test_show_the_stored_plan(self):
        self.http.get(self.path, json=PLAN)
        columns, rows = self.run_command(hosts.ShowEvacuationPlan,
                                         ['compute-1'])
        self.assertEqual(hosts.PLAN_COLUMNS, columns)
        self.assertEqual(['vm-c', 'c1', 'SHUTOFF', 'cold', 'move',
                          'compute-2', 'compute-2', '', None], rows[1])
        self.assertEqual(
            'compute-2: ServerGroupAntiAffinity (group g (anti-affinity, at '
            'most 1 per host) already has vm-b on it)\n'
            'compute-3: HostDisabled (its nova-compute is disabled)',
            rows[0][7])

    def test_a_1_1_server_is_a_clear_error_before_any_request(self):
        self.http.get(URL + '/', json=VERSIONS_1_1)
        for cls, args in ((hosts.ShowEvacuationPlan, ['compute-1']),
                          (hosts.EvacuateHost, ['compute-1', '--leave',
                                                'vm-a'])):
            error = self.assertRaises(exceptions.CommandError,
                                      self.run_command, cls, args)
            self.assertIn('need migration API 1.2, but the server only '
                          'supports 1.0 to 1.1', str(error))
        error = self.assertRaises(exceptions.CommandError, self.run_whole,
                                  hosts.EvacuateHost,
                                  ['compute-1', '--plan'])
        self.assertIn('evacuation plans need migration API 1.2',
                      str(error))
        self.assertEqual([], self.host_requests())
