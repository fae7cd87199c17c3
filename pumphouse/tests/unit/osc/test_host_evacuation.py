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

"""``openstack migration host evacuate|reassign --plan``, ``host plan
show`` and per-server choices (1.2)."""

import yaml
from osc_lib import exceptions

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import host_evacuation
from pumphouse.tests.unit.osc import base

URL = base.URL
HOST = base.HOST

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


class TestEvacuationPlan(base.HostTestCase):
    """``evacuate --plan``, ``host plan show`` and per-server choices
    (1.2)."""

    def setUp(self):
        super().setUp()
        self.http.get(URL + '/', json=base.VERSIONS_1_2)
        self.path = f'{URL}/v1/hosts/compute-1/evacuation-plan'

    def test_plan_is_a_dry_run_and_refuses_when_blocked(self):
        self.http.post(self.path, json=PLAN)
        error = self.assertRaises(exceptions.CommandError, self.run_whole,
                                  host_evacuation.EvacuateHost,
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
        shown = self.printed()
        self.assertIn('ServerGroupAntiAffinity', shown)
        self.assertIn('compute-3: HostDisabled', shown)

    def test_plan_with_choices_as_json(self):
        feasible = dict(PLAN, feasible=True, servers=[
            dict(PLAN['servers'][0], action='to_destination',
                 choice='to_destination'), PLAN['servers'][1]])
        self.http.post(self.path, json=feasible)
        self.assertEqual(0, self.run_whole(
            host_evacuation.EvacuateHost,
            ['compute-1', '--plan', '--to-destination', 'vm-a',
             '--override', 'vm-x'], 'json'))
        self.assertEqual({'target': 'evacuated', 'servers': {
            'vm-a': 'to_destination', 'vm-x': 'override'}},
            self.last_body())
        rows = self.printed_json()
        self.assertEqual([('vm-a', 'to_destination', None),
                          ('vm-c', 'move', 'compute-2')],
                         [(r['server'], r['action'], r['target'])
                          for r in rows])
        # The candidates and the hosts out are lists, not text.
        self.assertEqual(([], PLAN['servers'][0]['excluded']),
                         (rows[0]['candidates'], rows[0]['excluded']))
        self.assertEqual(['compute-2'], rows[1]['candidates'])

    def test_reassign_plans_for_the_destination_and_cannot_leave(self):
        self.http.post(self.path, json=dict(PLAN, servers=[]))
        self.run_whole(host_evacuation.ReassignHost, ['compute-1', '--plan'])
        self.assertEqual({'target': 'in_destination'}, self.last_body())
        self.assertRaises(SystemExit, self.run_command,
                          host_evacuation.ReassignHost,
                          ['compute-1', '--leave', 'vm-a'])

    def test_choices_go_with_the_target(self):
        by_name = f'{URL}/v1/hosts/compute-1'
        self.http.put(by_name + '/state',
                      json=dict(HOST, target='evacuated'))
        self.run_command(host_evacuation.EvacuateHost, [
            'compute-1', '--to-destination', 'vm-a', '--leave', 'vm-b',
            '--override', 'vm-c'])
        self.assertEqual({'target': 'evacuated', 'servers': {
            'vm-a': 'to_destination', 'vm-b': 'leave',
            'vm-c': 'override'}}, self.last_body())
        # Without a server: every one goes (as in 1.1).
        self.run_command(host_evacuation.EvacuateHost,
                         ['compute-1', '--to-destination'])
        self.assertEqual({'target': 'evacuated', 'to_destination': True},
                         self.last_body())

    def test_two_choices_for_one_server(self):
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_evacuation.EvacuateHost,
                                  ['compute-1', '--leave', 'vm-a',
                                   '--override', 'vm-a'])
        self.assertEqual('server vm-a is given two choices: leave and '
                         'override', str(error))
        self.assertEqual([], self.host_requests())

    def test_show_the_stored_plan(self):
        self.http.get(self.path, json=PLAN)
        columns, rows = self.run_command(
            host_evacuation.ShowEvacuationPlan, ['compute-1'])
        self.assertEqual(host_evacuation.PLAN_COLUMNS, columns)
        rows = [[common.as_text(cell) for cell in row] for row in rows]
        self.assertEqual(['vm-c', 'c1', 'SHUTOFF', 'cold', 'move',
                          'compute-2', 'compute-2', '', None], rows[1])
        self.assertEqual(
            'compute-2: ServerGroupAntiAffinity (group g (anti-affinity, at '
            'most 1 per host) already has vm-b on it)\n'
            'compute-3: HostDisabled (its nova-compute is disabled)',
            rows[0][7])

    def test_the_stored_plan_as_a_table_and_as_yaml(self):
        self.http.get(self.path, json=PLAN)
        self.run_whole(host_evacuation.ShowEvacuationPlan, ['compute-1'])
        table = self.printed()
        self.assertIn('| compute-3: HostDisabled (its nova-compute is '
                      'disabled)', table)
        self.fake_stdout.content.clear()
        self.run_whole(host_evacuation.ShowEvacuationPlan, ['compute-1'],
                       'yaml')
        rows = yaml.safe_load(self.printed())
        self.assertEqual('HostDisabled', rows[0]['excluded'][1]['rule'])

    def test_a_name_in_the_plan_url_is_escaped(self):
        self.http.get(f'{URL}/v1/hosts/rack%231/evacuation-plan',
                      json=dict(PLAN, servers=[]))
        self.run_command(host_evacuation.ShowEvacuationPlan, ['rack#1'])
        self.assertEqual('/v1/hosts/rack%231/evacuation-plan',
                         self.host_requests()[-1].path)

    def test_a_1_1_server_is_a_clear_error_before_any_request(self):
        self.http.get(URL + '/', json=base.VERSIONS_1_1)
        for cls, args in ((host_evacuation.ShowEvacuationPlan,
                           ['compute-1']),
                          (host_evacuation.EvacuateHost,
                           ['compute-1', '--leave', 'vm-a'])):
            error = self.assertRaises(exceptions.CommandError,
                                      self.run_command, cls, args)
            self.assertIn('need migration API 1.2, but the server only '
                          'supports 1.0 to 1.1', str(error))
        error = self.assertRaises(exceptions.CommandError, self.run_whole,
                                  host_evacuation.EvacuateHost,
                                  ['compute-1', '--plan'])
        self.assertIn('evacuation plans need migration API 1.2',
                      str(error))
        self.assertEqual([], self.host_requests())

