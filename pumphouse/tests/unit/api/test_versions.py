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

"""The microversions and their history (pumphouse.api.versions)."""

from pumphouse.api import versions
from pumphouse.tests import base


class TestHistory(base.TestCase):

    def test_every_microversion_has_one_entry_in_order(self):
        self.assertEqual(versions.supported(),
                         [version for version, _ in versions.HISTORY])

    def test_entries_say_something(self):
        for version, what in versions.HISTORY:
            self.assertTrue(what.strip(), version)
