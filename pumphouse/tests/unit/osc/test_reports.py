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

"""``openstack migration report show``."""

from pumphouse.osc.v1 import reports
from pumphouse.tests.unit.osc import base

URL = base.URL
UUID = base.UUID
DIFFERENCES = {'email': {'source': 'a', 'destination': None}}


class TestShowReport(base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.http.get(f'{URL}/v1/migrations/{UUID}/report', json={
            'checked': 2, 'not_migrated': [], 'differences': [{
                'resource_type': 'identity.user', 'name': 'alice',
                'source_id': 'u1', 'destination_id': 'd1',
                'differences': DIFFERENCES}]})

    def test_report_rows(self):
        _columns, rows = self.run_command(reports.ShowReport, [UUID])
        self.assertEqual('differs', rows[0][4])

    def test_differences_are_a_structure_in_json(self):
        self.run_whole(reports.ShowReport, [UUID], 'json')
        [row] = self.printed_json()
        self.assertEqual(DIFFERENCES, row['differences'])
