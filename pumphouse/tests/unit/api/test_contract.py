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

"""Contracts declared at the route (pumphouse.api.contract)."""

from oslotest import base

from pumphouse.api import contract
from pumphouse.api import method
from pumphouse.api import validation

SCHEMA_1_0 = {'type': 'object'}
SCHEMA_1_2 = {'type': 'object', 'required': ['servers']}


class TestDeclarations(base.BaseTestCase):

    def test_decorators_write_one_contract(self):
        @validation.response_body(SCHEMA_1_0, media_types={
            'text/plain': {'type': 'string'}})
        @validation.query_schema(SCHEMA_1_0)
        @validation.request_body(SCHEMA_1_0, max_version=(1, 1))
        @validation.request_body(SCHEMA_1_2, min_version=(1, 2))
        @method.expose(status_code=202, min_version=(1, 1),
                       errors={503: 'no conductor'})
        def handler():
            """Do it."""

        declared = contract.of(handler)
        self.assertEqual((202, (1, 1), {503: 'no conductor'}),
                         (declared.status, declared.min_version,
                          declared.errors))
        self.assertIs(SCHEMA_1_0, declared.query)
        self.assertIs(SCHEMA_1_0, declared.response)
        self.assertIs(SCHEMA_1_0, declared.body_schema((1, 1)))
        self.assertIs(SCHEMA_1_2, declared.body_schema((1, 2)))
        self.assertEqual(['text/plain'], list(declared.media_types))
        self.assertEqual('Do it.', handler.__doc__)

    def test_a_declaration_needs_method_expose_below_it(self):
        def handler():
            pass

        self.assertRaises(TypeError, validation.query_schema(SCHEMA_1_0),
                          handler)
        self.assertRaises(TypeError,
                          validation.response_body(SCHEMA_1_0), handler)
        self.assertIsNone(contract.of(handler))
