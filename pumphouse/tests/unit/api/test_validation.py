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

"""What enters through the API is text, and names are names: through the
whole WSGI application."""

import json
import threading
import time
from unittest import mock

import jsonschema
import testtools
from pecan import jsonify

from pumphouse.api import method
from pumphouse.api import validation
from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import clouds
from pumphouse.api.schemas.v1 import hosts
from pumphouse.api.schemas.v1 import mappings
from pumphouse.api.schemas.v1 import migrations
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds
from pumphouse.tests.unit.api import test_hosts
from pumphouse.tests.unit.api import test_migrations

UUID = '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'
LONE = 'x\ud800'


class TestLoneSurrogates(test_hosts.HostsTestCase):
    """A lone surrogate is 400 wherever a string enters, never stored."""

    def assert_refused(self, method, path, body):
        error = getattr(self.app, f'{method}_json')(
            path, body, headers=test_hosts.V11, status=400).json['error']
        self.assertIn('surrogate', error['message'])

    def test_clouds(self):
        auth = test_clouds.auth_body()['auth']
        for body in (test_clouds.auth_body(name=LONE),
                     test_clouds.auth_body(region_name=LONE),
                     test_clouds.auth_body(description=LONE),
                     test_clouds.auth_body(auth=dict(auth, username=LONE)),
                     test_clouds.auth_body(auth=dict(auth, password=LONE)),
                     test_clouds.auth_body(**{LONE: 1})):
            with self.subTest(body=body):
                self.assert_refused('post', '/v1/clouds', body)
        self.assertEqual(['dst', 'src'], sorted(
            c['name'] for c in self.app.get('/v1/clouds').json['clouds']))

    def test_migrations(self):
        body = test_migrations.create_body
        for sent in (body(name=LONE),
                     body(workload={'kind': 'project', 'names': [LONE]}),
                     body(workload={'kind': 'project', 'names': ['p'],
                                    'domain': LONE}),
                     body(options={'rename_suffix': LONE}),
                     body(options={'override_checks': [LONE]})):
            with self.subTest(body=sent):
                self.assert_refused('post', '/v1/migrations', sent)
        self.assert_refused('put', f'/v1/migrations/{UUID}/state',
                            {'target': 'running',
                             'override_checks': [LONE]})
        self.assertEqual([], migration_api.list_migrations())

    def test_hosts(self):
        body = test_hosts.register_body
        for sent in (body(name=LONE),
                     body(power={'driver': 'ipmi', 'info': {
                         'address': '127.0.0.1', 'username': LONE,
                         'password': 'pw'}}),
                     body(options={'migration_options': {LONE: True}})):
            with self.subTest(body=sent):
                self.assert_refused('post', '/v1/hosts', sent)
        self.assertEqual([], self.app.get(
            '/v1/hosts', headers=test_hosts.V11).json['hosts'])

    def test_nul_characters_are_refused_too(self):
        # PostgreSQL refuses them in text columns: a 500 there.
        body = test_clouds.auth_body(description='a\x00b')
        error = self.app.post_json('/v1/clouds', body,
                                   status=400).json['error']
        self.assertIn('description: a string holds a NUL character',
                      error['message'])

    def test_query_parameters(self):
        # A query string cannot carry one (it would not be UTF-8), but the
        # check is the one of every validated input.
        self.app.get('/v1/clouds?marker=%ED%A0%80', status=400)


class TestStoredBeforeIsShown(test_migrations.MigrationsTestCase):
    """What was stored before the check came is answered as U+FFFD, so
    that no client fails on the list."""

    def test_cloud_and_migration_lists(self):
        cloud = db_api.create_cloud({
            'name': 'old', 'config': {'region_name': LONE,
                                      'auth': {'username': LONE}},
            'credentials': None})
        migration = self.make()
        selection = dict(migration.workload)
        selection['workload'] = {'kind': 'project', 'names': [LONE]}
        migration_api.update_migration(migration.uuid, {
            'workload': selection,
            'options': dict(migration.options, rename_suffix=LONE)})
        migration_api.add_plan_items(migration.id, [{
            'key': 'k', 'resource_type': 'identity.role', 'source_id': 'r1',
            'action': 'reuse', 'state': 'pending', 'depends_on': [],
            'details': {'note': LONE}}])
        for path in ('/v1/clouds', f'/v1/clouds/{cloud.uuid}',
                     '/v1/migrations', f'/v1/migrations/{migration.uuid}',
                     f'/v1/migrations/{migration.uuid}/plan'):
            with self.subTest(path=path):
                response = self.app.get(path)
                self.assertNotIn('\\ud800', response.text)
                self.assertIn('x\ufffd', json.dumps(response.json,
                                                     ensure_ascii=False))


class TestNames(test_hosts.HostsTestCase):
    """Names go into URLs and log lines: they cannot hold what would
    change either, nor look like a UUID."""

    BAD = ('a/b', 'a?b', 'a#b', 'a%2Fb', '.', '..', 'a\nb', 'a\n',
           'a\rb', 'a\tb', 'a\x00b', 'a\x1bb', 'a\x85b', 'a\u2028b', ' a',
           'a ', '')

    def test_bad_cloud_names_are_400(self):
        for name in (*self.BAD, UUID, UUID.replace('-', ''),
                     '{' + UUID + '}'):
            with self.subTest(name=name):
                error = self.app.post_json(
                    '/v1/clouds', test_clouds.auth_body(name=name),
                    status=400).json['error']
                self.assertIn('name', error['message'])
        self.assertEqual(2, len(self.app.get('/v1/clouds').json['clouds']))

    def test_bad_host_names_are_400(self):
        for name in (*self.BAD, 'a b', UUID, UUID.upper()):
            with self.subTest(name=name):
                self.post(test_hosts.register_body(name=name), status=400)
        self.assertEqual([], self.app.get(
            '/v1/hosts', headers=test_hosts.V11).json['hosts'])

    def test_host_named_with_another_hosts_uuid_is_refused(self):
        first = self.post(test_hosts.register_body()).json
        error = self.post(test_hosts.register_body(name=first['uuid']),
                          status=400).json['error']
        self.assertIn('cannot be a UUID', error['message'])
        shown = self.app.get(f'/v1/hosts/{first["uuid"]}',
                             headers=test_hosts.V11).json
        self.assertEqual('compute-1', shown['name'])

    def test_bad_migration_names_are_400(self):
        for name in self.BAD:
            with self.subTest(name=name):
                self.app.post_json('/v1/migrations',
                                   test_migrations.create_body(name=name),
                                   status=400)

    def test_good_names_are_accepted(self):
        for name in ('prod east', 'prod-1.example.org', 'été', '_x', 'a.',
                     '...', 'x:y@z'):
            with self.subTest(name=name):
                cloud = self.app.post_json(
                    '/v1/clouds', test_clouds.auth_body(name=name),
                    status=201).json
                self.assertEqual(name, cloud['name'])

    def test_errors_say_what_a_name_may_be(self):
        error = self.app.post_json(
            '/v1/clouds', test_clouds.auth_body(name='prodx#old'),
            status=400).json['error']
        self.assertIn("name: 'prodx#old' is not valid", error['message'])
        self.assertIn('#', error['message'])


class TestTrailingNewline(base.APITestCase):
    """Every pattern of a request schema matches the whole value:
    Python's ``$`` also matches before a trailing newline."""

    def test_no_request_pattern_ends_with_dollar(self):
        found = []

        def walk(node, where):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == 'pattern':
                        found.append((where, value))
                    walk(value, f'{where}/{key}')
            elif isinstance(node, list):
                for item in node:
                    walk(item, where)

        for module in (clouds, hosts, mappings, migrations):
            walk(vars(module), module.__name__)
        self.assertTrue(found)
        for where, pattern in found:
            with self.subTest(where=where):
                self.assertFalse(pattern.endswith('$'), pattern)

    def test_trailing_newline_is_refused(self):
        self.app.get('/v1/migrations?limit=5%0A', status=400)
        self.app.get('/v1/mappings?type=identity.user%0A', status=400)
        self.app.post_json('/v1/migrations', test_migrations.create_body(
            strategies={'identity.user\n': 'all'}), status=400)
        self.app.post_json('/v1/migrations', test_migrations.create_body(
            options={'rename_suffix': '-old\n'}), status=400)


class TestResponseChecker(testtools.TestCase):
    """Responses are checked against their schema; the schema itself is
    checked once, not on every response."""

    SCHEMA = {'type': 'object', 'properties': {'n': {'type': 'integer'}},
              'required': ['n']}

    def test_checks_responses_and_the_schema_once(self):
        checker = validation._ResponseChecker(self.SCHEMA)
        with mock.patch.object(jsonschema.Draft202012Validator,
                               'check_schema') as check_schema:
            checker.validate({'n': 1})
            checker.validate({'n': 2})
        self.assertEqual(1, check_schema.call_count)
        error = self.assertRaises(jsonschema.ValidationError,
                                  checker.validate, {'n': 'x'})
        self.assertIn("'x' is not of type 'integer'", error.message)

    def test_a_bad_schema_is_reported_on_first_use(self):
        checker = validation._ResponseChecker({'type': 'no-such-type'})
        self.assertRaises(jsonschema.SchemaError, checker.validate, {})

    def test_the_first_responses_at_once_check_the_schema_once(self):
        checker = validation._ResponseChecker(self.SCHEMA)
        started = threading.Barrier(8)

        def first():
            started.wait()
            checker.validate({'n': 1})

        # A check that takes its time (it does: 10 to 20 ms).
        with mock.patch.object(jsonschema.Draft202012Validator,
                               'check_schema',
                               side_effect=lambda schema: time.sleep(0.05)
                               ) as check_schema:
            threads = [threading.Thread(target=first) for _n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(1, check_schema.call_count)


class TestJsonRenderer(testtools.TestCase):
    """Answers are encoded once; only one that may hold a lone surrogate
    is scrubbed and encoded again."""

    def render(self, value) -> str:
        return method.JsonRenderer(None, {}).render('json', value)

    def test_lone_surrogates_are_answered_as_replacement_characters(self):
        for value in ({'a': LONE}, {LONE: 1}, [['\udfff']],
                      {'pair': '\ud83d\ude00'}):
            with self.subTest(value=value):
                text = self.render(value)
                self.assertNotIn('\\ud', text)
                self.assertEqual(validator.scrub(value), json.loads(text))

    def test_other_bodies_are_pecans(self):
        for value in ({'a': 'plain', 'n': [1, 2.5, None, True]},
                      {'emoji': '\U0001F600', 'text': 'n\u00e9e'},
                      {'backslash': '\\ud800 is six characters'}):
            with self.subTest(value=value):
                text = self.render(value)
                self.assertEqual(jsonify.encode(value), text)
                self.assertEqual(value, json.loads(text))

    def test_the_scrubbed_copy_is_encoded_only_when_needed(self):
        with mock.patch.object(validator, 'scrub',
                               wraps=validator.scrub) as scrub:
            self.render({'a': 'plain', 'b': ['n\u00e9e']})
            scrub.assert_not_called()
            self.render({'a': LONE})
            # (scrub calls itself for what the value holds)
            self.assertEqual(mock.call({'a': LONE}),
                             scrub.call_args_list[0])

