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

"""The one function that masks secrets in what is shown or logged."""

from oslotest import base

from pumphouse.common import masking


class TestMask(base.BaseTestCase):

    def test_password_like_keys_at_any_depth(self):
        shown = masking.mask({
            'BMC_PASS': 'a', 'ipmi_password': 'b', 'root_pwd': 'c',
            'passwd': 'd', 'os_token': 'e', 'app_secret': {'x': 1},
            'application_credential_id': 'f', 'nested': [{'adminPass': 'g'}],
            'bypass': True, 'passthrough': 'kept', 'username': 'admin'})
        self.assertEqual({
            'BMC_PASS': '***', 'ipmi_password': '***', 'root_pwd': '***',
            'passwd': '***', 'os_token': '***', 'app_secret': '***',
            'application_credential_id': 'f', 'nested': [{'adminPass': '***'}],
            'bypass': True, 'passthrough': 'kept', 'username': 'admin'},
            shown)

    def test_credentials_in_urls_and_text(self):
        self.assertEqual(
            {'url': 'http://***@fuel:8000/api', 'plain': 'http://fuel/a@b',
             'args': 'console=ttyS0 ipmi_password=***'},
            masking.mask({'url': 'http://admin:pw@fuel:8000/api',
                          'plain': 'http://fuel/a@b',
                          'args': 'console=ttyS0 ipmi_password=pw'}))
        self.assertEqual('cannot reach https://***@h:5000/v3: refused',
                         masking.mask_text('cannot reach https://u:p@h:5000'
                                           '/v3: refused'))

    def test_url_has_credentials(self):
        self.assertTrue(masking.url_has_credentials('http://u:p@h/v3'))
        self.assertTrue(masking.url_has_credentials('https://u@h'))
        self.assertFalse(masking.url_has_credentials('http://h:5000/v3'))
        self.assertFalse(masking.url_has_credentials('http://h/a@b'))

    def test_other_values_unchanged(self):
        self.assertEqual([1, None, 2.5, False],
                         masking.mask([1, None, 2.5, False]))
