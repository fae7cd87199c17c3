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

"""``openstack migration event list``."""

from pumphouse.osc.v1 import events
from pumphouse.tests.unit.osc import base

URL = base.URL
UUID = base.UUID


class TestListEvent(base.CommandTestCase):

    def test_events_page_by_after(self):
        event = {'id': 7, 'created_at': 't', 'level': 'INFO',
                 'event_type': 'plan', 'message': 'Plan: 2 create'}
        self.http.get(f'{URL}/v1/migrations/{UUID}/events', [
            {'json': {'events': [event], 'next': 'x'}},
            {'json': {'events': []}}])
        _columns, rows = self.run_command(events.ListEvent, [UUID])
        self.assertEqual([[7, 't', 'INFO', 'plan', 'Plan: 2 create']], rows)
        self.assertEqual({'after': ['7']},
                         self.http.request_history[-1].qs)
