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

"""``openstack migration mapping list|show``."""

from osc_lib import exceptions

from pumphouse.osc.v1 import mappings
from pumphouse.tests.unit.osc import base

URL = base.URL


class TestMappings(base.CommandTestCase):

    def test_mapping_show_needs_exactly_one(self):
        self.http.get(URL + '/v1/mappings', json={'mappings': []})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  mappings.ShowMapping,
                                  ['identity.user', 'u1'])
        self.assertIn('no mapping of identity.user u1', str(error))
        self.assertEqual({'type': ['identity.user'], 'source_id': ['u1']},
                         self.http.request_history[-1].qs)
