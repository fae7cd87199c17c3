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

"""The checks the API and the command line share."""

import json
import time

from oslotest import base

from pumphouse.api.schemas import validator
from pumphouse.common import exception


class TestParseJson(base.BaseTestCase):

    def test_deep_nesting_is_invalid_not_recursion_error(self):
        for depth in (65, 1000, 100000):
            with self.subTest(depth=depth):
                raw = ('[' * depth + ']' * depth).encode()
                error = self.assertRaises(exception.Invalid,
                                          validator.parse_json, raw)
                self.assertIn('deeper than 64 levels', str(error))

    def test_depth_counts_no_bracket_in_a_string(self):
        text = json.dumps({'a': ['[[[{{{', {'b': '"]]]\\'}]})
        self.assertEqual(3, validator.json_depth(text))
        self.assertEqual({'a': ['[[[{{{', {'b': '"]]]\\'}]},
                         validator.parse_json(text.encode()))

    def test_depth_is_counted_in_linear_time(self):
        # Unclosed strings full of escaped quotes: a scan that retries
        # from every quote takes minutes on a body of the size limit.
        for text in ('"' + '\\"' * 57344, '"' + 'a' * 114688,
                     '"\\' * 57344):
            started = time.monotonic()
            self.assertEqual(0, validator.json_depth(text))
            self.assertLess(time.monotonic() - started, 1.0)

    def test_not_utf8_and_malformed_are_invalid(self):
        for raw in (b'{"a": "\xff"}', b'{"a": ', b'\xef\xbb\xbf{}'):
            with self.subTest(raw=raw):
                self.assertRaises(exception.Invalid, validator.parse_json,
                                  raw)
