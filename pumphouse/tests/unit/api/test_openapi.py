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

"""The OpenAPI document (pumphouse.api.openapi) against the real routes."""

import re

import jsonschema
import openapi_spec_validator
from pecan import util as pecan_util

from pumphouse.api import contract
from pumphouse.api import errors
from pumphouse.api import openapi
from pumphouse.api import openapi_components as components
from pumphouse.api import routing
from pumphouse.api.controllers import root
from pumphouse.api.schemas import common
from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import clouds
from pumphouse.api.schemas.v1 import hosts
from pumphouse.tests import base

METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')
LATEST = {'OpenStack-API-Version': 'migration latest'}
#: Pecan's own 404: no route (an unknown item is a 404 of its own).
NO_ROUTE = 'The resource could not be found.'
ROOT = root.RootController()


def _generics(resource) -> dict[str, object]:
    """The generic methods of a controller by attribute name."""
    found = {}
    for name in dir(type(resource)):
        value = getattr(resource, name)
        if pecan_util.iscontroller(value) and \
                'generic_handlers' in getattr(value, '_pecan', {}):
            found[name] = value
    return found


def walk(resource, path: str = '') -> set[tuple[str, str]]:
    """(path, METHOD) of every ``.when`` handler Resource._route reaches,
    found without :func:`routing.operations`; items as ``{}``."""
    found = {(path or '/', m) for m in
             resource.index._pecan['generic_handlers'] if m != 'DEFAULT'}
    generics = _generics(resource)
    routed = {'index'}
    for child in resource.children:
        name = child.replace('-', '_').replace('.', '_')
        target = getattr(resource, name)
        if name in generics:
            routed.add(name)
            found |= {(f'{path}/{child}', m) for m in
                      target._pecan['generic_handlers'] if m != 'DEFAULT'}
        else:
            found |= walk(target, f'{path}/{child}')
    unrouted = set(generics) - routed
    assert not unrouted, f'{type(resource).__name__}: {unrouted} exposed ' \
                         'but not among its children (no route)'
    item = resource.item('an-item')
    if item is not None:
        found |= walk(item, f'{path}/{{}}')
    return found


def documented(document: dict) -> set[tuple[str, str]]:
    return {(re.sub(r'\{[^}]+\}', '{}', path), method.upper())
            for path, operations in document['paths'].items()
            for method in operations}


class TestDocument(base.TestCase):

    def setUp(self):
        super().setUp()
        self.document = openapi.document(ROOT, 'noauth')

    def test_is_valid_openapi_3_1(self):
        openapi_spec_validator.validate(self.document)
        self.assertEqual('3.1.0', self.document['openapi'])

    def test_has_exactly_the_routes_of_the_app(self):
        self.assertEqual(walk(ROOT) | {
            ('/healthcheck', 'GET'), ('/ui/session', 'GET'),
            ('/ui/session', 'POST')}, documented(self.document))

    def test_every_operation_is_described_once(self):
        operations = [op for ops in self.document['paths'].values()
                      for op in ops.values()]
        ids = [op['operationId'] for op in operations]
        self.assertEqual(len(ids), len(set(ids)))
        for operation in operations:
            self.assertTrue(operation['summary'], operation['operationId'])

    def test_schemas_are_the_ones_validated_with(self):
        components = self.document['components']['schemas']
        by_route = {(op.method, op.path): contract.of(op.handler)
                    for op in routing.operations(ROOT)}
        declared = by_route[('POST', '/v1/clouds')]
        self.assertIs(clouds.create_request, declared.bodies[0].schema)
        self.assertIs(clouds.cloud, declared.response)
        self.assertEqual(clouds.create_request['required'],
                         components['clouds.create_request']['required'])
        operation = self.document['paths']['/v1/clouds']['post']
        self.assertEqual(
            '#/components/schemas/clouds.create_request',
            operation['requestBody']['content']['application/json']
            ['schema']['$ref'])
        state = self.document['paths']['/v1/hosts/{host}/state']['put']
        alternatives = state['requestBody']['content'][
            'application/json']['schema']['anyOf']
        self.assertEqual(['1.1', '1.2'],
                         [a['x-openstack']['min-ver'] for a in alternatives])
        self.assertEqual(
            {'servers'}, set(components['hosts.state_request_1_2']
                             ['properties'])
            - set(hosts.state_request['properties']))

    def test_every_success_is_documented(self):
        for operation in routing.operations(ROOT):
            declared = contract.of(operation.handler)
            with self.subTest(path=operation.path, method=operation.method):
                self.assertIsNotNone(declared)
                if declared.status != 204:
                    self.assertIsNotNone(declared.response)

    def test_patterns_are_ecma_262(self):
        def patterns(value):
            if isinstance(value, dict):
                for key, item in value.items():
                    if key == 'pattern' and isinstance(item, str):
                        yield item
                    else:
                        yield from patterns(item)
            elif isinstance(value, list):
                for item in value:
                    yield from patterns(item)

        found = list(patterns(self.document))
        self.assertTrue(found)
        for pattern in found:
            self.assertNotIn(r'\Z', pattern)
            re.compile(pattern)
        self.assertEqual(r'^[1-9][0-9]{0,9}$', components.ecma_pattern(
            common.LIMIT['pattern']))
        self.assertEqual(r'a\\Z$', components.ecma_pattern(r'a\\Z\Z'))

    def test_examples_are_valid(self):
        found = 0
        for operation in routing.operations(ROOT):
            for body in contract.of(operation.handler).bodies:
                for example in body.schema.get('examples', ()):
                    found += 1
                    validator.validate(example, body.schema)
        self.assertGreaterEqual(found, 3)

    def test_microversions(self):
        operation = self.document['paths']['/v1/hosts']['get']
        self.assertEqual({'min-ver': '1.1'}, operation['x-openstack'])
        self.assertEqual('#/components/parameters/microversion_1_1',
                         operation['parameters'][-1]['$ref'])
        header = self.document['components']['parameters'][
            'microversion_1_1']
        self.assertTrue(header['required'])
        self.assertEqual(['migration 1.1', 'migration 1.2',
                          'migration 1.3', 'migration 1.4',
                          'migration 1.5', 'migration latest'],
                         header['schema']['enum'])

    def test_creations_link_to_their_item(self):
        created = self.document['paths']['/v1/clouds']['post'][
            'responses']['201']
        self.assertEqual({'cloud': '$response.body#/uuid'},
                         created['links']['get_v1_clouds_cloud'][
                             'parameters'])
        started = self.document['paths']['/v1/migrations']['post'][
            'responses']['202']
        self.assertIn('put_v1_migrations_migration_state',
                      started['links'])

    def test_errors_particular_to_an_operation(self):
        paths = self.document['paths']
        validate = paths['/v1/clouds/{cloud}/validate']['post']['responses']
        self.assertIn('429', validate)
        self.assertIn('no conductor', validate['503']['description'])
        plan = paths['/v1/hosts/{host}/evacuation-plan']['post']['responses']
        self.assertIn('source cloud', plan['503']['description'])
        self.assertNotIn('503', paths['/v1/clouds']['get']['responses'])

    def test_error_body(self):
        jsonschema.validate(errors.error_body(404, 'gone'), common.ERROR)
        self.assertEqual(common.ERROR['required'],
                         self.document['components']['schemas']['error'][
                             'required'])

    def test_no_security_without_authentication(self):
        self.assertNotIn('security', self.document)

    def test_keystone_and_public_routes(self):
        document = openapi.document(ROOT, 'keystone')
        self.assertEqual([{'keystone': []}], document['security'])
        public = {path for path, ops in document['paths'].items()
                  if all(op.get('security') == [] for op in ops.values())}
        self.assertEqual({'/', '/v1', '/v1/openapi.json', '/healthcheck',
                          '/ui/session'}, public)
        self.assertIn('401', document['paths']['/v1/clouds']['get'][
            'responses'])


class TestRoutesAnswer(base.APITestCase):
    """Through the whole application: every documented operation is
    routed, every other method of a documented path is 405."""

    def test_documented_operations_are_routed(self):
        document = self.app.get('/v1/openapi.json').json
        # oslo.middleware's health check answers any method.
        del document['paths']['/healthcheck']
        for template, operations in document['paths'].items():
            path = re.sub(r'\{[^}]+\}', 'no-such-item', template)
            for method in METHODS:
                with self.subTest(path=path, method=method):
                    response = self.app.request(
                        path, method=method, headers=LATEST,
                        expect_errors=True)
                    if method.lower() not in operations:
                        self.assertEqual(405, response.status_int,
                                         response.text)
                        continue
                    self.assertNotEqual(405, response.status_int)
                    if response.status_int == 404:
                        self.assertNotEqual(
                            NO_ROUTE, response.json['error']['message'])

    def test_served_as_built(self):
        response = self.app.get('/v1/openapi.json')
        self.assertEqual(openapi.document(ROOT, 'noauth'), response.json)
        self.assertEqual('application/json', response.content_type)

    def test_health_check_is_answered(self):
        self.assertEqual(200, self.app.get('/healthcheck').status_int)
