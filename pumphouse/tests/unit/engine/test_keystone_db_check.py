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

"""The keystone_db pre-check (issue 14 item 7): with copy_hash, a wrong
Keystone database URL fails the plan's check, with a clear line and no
password in it, before any user is created. Real SQLite databases stand
for the Keystone ones here; the functional tests use the harness's."""

import sqlalchemy as sa

from pumphouse.engine import graph as graph_mod
from pumphouse.engine import resource as res
from pumphouse.engine.checks import Plan
from pumphouse.engine.checks import keystone_db
from pumphouse.tests import base
from pumphouse.tests.unit.drivers import fakes


def _context(mode='copy_hash') -> fakes.FakeContext:
    return fakes.FakeContext(options={'password_mode': mode})


def _plan(user_ids, action='create'):
    graph = graph_mod.ResourceGraph()
    items = []
    for user_id in user_ids:
        graph.add(res.Resource('identity.user', user_id, user_id, {}))
        items.append({'resource_type': 'identity.user',
                      'source_id': user_id, 'action': action,
                      'details': {}})
    return Plan(graph, items)


def _keystone(path, user_ids=(), tables=('local_user', 'password')):
    url = f'sqlite:///{path}'
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE "user" (id VARCHAR(64))'))
        for table in tables:
            conn.execute(sa.text(f'CREATE TABLE {table} (id INTEGER)'))
        for user_id in user_ids:
            conn.execute(sa.text('INSERT INTO "user" VALUES (:id)'),
                         {'id': user_id})
    engine.dispose()
    return url


class TestKeystoneDbCheck(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.state_path

    def configure(self, source, destination):
        self.config(group='identity', source_keystone_connection=source,
                    destination_keystone_connection=destination)

    def statuses(self, results):
        return {r.subject: (r.status, r.message) for r in results}

    def test_both_keystone_databases_pass(self):
        self.configure(_keystone(f'{self.dir}/s.db', ['u1', 'u2']),
                       _keystone(f'{self.dir}/d.db'))
        found = self.statuses(keystone_db.check(
            _context(), _plan(['u1', 'u2']), {}))
        self.assertEqual({'source', 'destination'}, set(found))
        self.assertEqual({'passed'}, {s for s, _m in found.values()})

    def test_not_a_keystone_database_fails(self):
        self.configure(_keystone(f'{self.dir}/s.db', ['u1'], tables=()),
                       _keystone(f'{self.dir}/d.db'))
        found = self.statuses(keystone_db.check(_context(), _plan(['u1']),
                                                {}))
        status, message = found['source']
        self.assertEqual('failed', status)
        self.assertIn('no table local_user, password', message)
        self.assertIn('no user was created', message)
        self.assertEqual('passed', found['destination'][0])

    def test_another_clouds_database_fails(self):
        self.configure(_keystone(f'{self.dir}/s.db', ['someone-else']),
                       _keystone(f'{self.dir}/d.db'))
        status, message = self.statuses(keystone_db.check(
            _context(), _plan(['u1']), {}))['source']
        self.assertEqual('failed', status)
        self.assertIn("not the source cloud's Keystone database", message)

    def test_unreachable_database_fails_without_its_password(self):
        url = 'mysql+pymysql://keystone:S3cret-pw@127.0.0.1:1/keystone'
        self.configure(url, _keystone(f'{self.dir}/d.db'))
        status, message = self.statuses(keystone_db.check(
            _context(), _plan(['u1']), {}))['source']
        self.assertEqual('failed', status)
        self.assertIn('cannot connect', message)
        self.assertIn('keystone:***@127.0.0.1:1/keystone', message)
        self.assertNotIn('S3cret-pw', message)

    def test_missing_option_fails(self):
        self.configure(None, _keystone(f'{self.dir}/d.db'))
        status, message = self.statuses(keystone_db.check(
            _context(), _plan(['u1']), {}))['source']
        self.assertEqual('failed', status)
        self.assertIn('needs [identity] source_keystone_connection',
                      message)

    def test_nothing_to_check_without_copy_hash_or_new_users(self):
        self.configure('mysql+pymysql://x:y@127.0.0.1:1/none', None)
        self.assertEqual([], keystone_db.check(_context('reset'),
                                               _plan(['u1']), {}))
        self.assertEqual([], keystone_db.check(
            _context(), _plan(['u1'], action='reuse'), {}))
