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

"""``openstack migration plan show``."""

from pumphouse.osc.v1 import plans
from pumphouse.tests.unit.osc import base

URL = base.URL
UUID = base.UUID
PLAN = {'items': [{'id': 1, 'resource_type': 'identity.user',
                   'source_name': 'alice', 'source_id': 'u1',
                   'action': 'create', 'state': 'pending',
                   'destination_id': None, 'depends_on': [2]}],
        'checks': []}


class TestShowPlan(base.CommandTestCase):

    def test_plan_as_dot(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan',
                      text='digraph plan {}\n')
        self.run_whole(plans.ShowPlan, [UUID], 'dot')
        self.assertEqual({'format': ['dot']},
                         self.http.request_history[-1].qs)
        self.assertIn('digraph plan {}', self.printed())

    def test_plan_rows(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan', json=PLAN)
        columns, rows = self.run_command(plans.ShowPlan, [UUID])
        self.assertEqual('alice', rows[0][columns.index('source_name')])

    def test_depends_on_is_a_list_in_json(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan', json=PLAN)
        self.run_whole(plans.ShowPlan, [UUID], 'json')
        [item] = self.printed_json()
        self.assertEqual([2], item['depends_on'])
        self.fake_stdout.content.clear()
        self.run_whole(plans.ShowPlan, [UUID, '-c', 'depends_on'], 'csv')
        self.assertEqual('"depends_on"\n"[2]"\n', self.printed())

    def test_estimate_is_written_beside_the_table(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan', json=dict(
            PLAN, estimate={'low_s': 60, 'high_s': 600,
                            'basis': 'defaults'}))
        self.run_whole(plans.ShowPlan, [UUID], 'json')
        self.assertEqual(1, len(self.printed_json()))
        self.assertEqual('Estimated time: 60 s to 10 min (from the default '
                         'ranges: no earlier migration between these clouds '
                         'to learn from)\n', self.app.stderr.getvalue())

    def test_an_older_api_has_no_estimate(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan', json=PLAN)
        self.run_command(plans.ShowPlan, [UUID])
        self.assertEqual('', self.app.stderr.getvalue())
