"""What enters through the API is text: through the whole WSGI
application."""

import json

from pumphouse.db import api as db_api
from pumphouse.db import migration_api
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
        for path in ('/v1/clouds', f'/v1/clouds/{cloud.uuid}',
                     '/v1/migrations', f'/v1/migrations/{migration.uuid}'):
            with self.subTest(path=path):
                response = self.app.get(path)
                self.assertNotIn('\\ud800', response.text)
                self.assertIn('x\ufffd', json.dumps(response.json,
                                                     ensure_ascii=False))
