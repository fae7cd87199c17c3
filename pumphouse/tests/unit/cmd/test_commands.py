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

"""The console scripts, run as an operator runs them."""

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys

import fixtures
import testtools
import yaml
from cryptography import fernet

BIN = os.path.dirname(sys.executable)


def run(command, *args, env=None, timeout=60):
    return subprocess.run([os.path.join(BIN, command), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=env)


class CommandTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = os.path.join(self.tmp, 'pumphouse.conf')
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n')

    def write_conf(self, text):
        with open(self.conf, 'w') as f:
            f.write(text)

    def assert_clean_failure(self, result, message):
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertIn(message, result.stderr)
        self.assertNotIn('Traceback', result.stderr)


class TestPumphouse(CommandTestCase):

    def test_version(self):
        result = run('pumphouse', '--version')
        self.assertEqual(0, result.returncode)
        self.assertRegex(result.stdout, r'^pumphouse \d+\.\d+')

    def test_no_command_prints_help(self):
        result = run('pumphouse')
        self.assertEqual(2, result.returncode)
        self.assertIn('serve', result.stdout)

    def test_unknown_command(self):
        result = run('pumphouse', 'frobnicate')
        self.assertEqual(2, result.returncode)
        self.assertIn("invalid choice: 'frobnicate'", result.stderr)

    def test_serve_with_bad_option_value(self):
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        '[api]\nport = not-a-port\n')
        result = run('pumphouse', 'serve', '--config-file', self.conf)
        self.assert_clean_failure(result, 'Configuration error')
        self.assertIn('port', result.stderr)
        # Refused before anything was created.
        self.assertFalse(os.path.exists(
            os.path.join(self.tmp, 'state', 'pumphouse.sqlite')))


    def test_serve_refuses_noauth_on_a_public_address(self):
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        '[api]\nhost_ip = 0.0.0.0\nport = 0\n')
        result = run('pumphouse', 'serve', '--config-file', self.conf)
        self.assert_clean_failure(result, 'Configuration error')
        self.assertIn('allow_insecure_noauth', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()),
                         result.stderr)
        # Refused before the database was created.
        self.assertFalse(os.path.exists(
            os.path.join(self.tmp, 'state', 'pumphouse.sqlite')))


class TestUnreachableCloud(CommandTestCase):
    """A cloud that refuses connections: every command that talks to it
    ends with one line on stderr, never a traceback or a library's
    warning."""

    def setUp(self):
        super().setUp()
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(('127.0.0.1', 0))
            self.url = f'http://127.0.0.1:{probe.getsockname()[1]}/v3'
        auth = {'auth_url': self.url, 'username': 'admin', 'password': 'pw',
                'project_name': 'admin', 'user_domain_name': 'Default',
                'project_domain_name': 'Default'}
        clouds = os.path.join(self.tmp, 'clouds.yaml')
        with open(clouds, 'w') as f:
            yaml.safe_dump({'clouds': {'old': {'auth': auth},
                                       'new': {'auth': auth}}}, f)
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        f'[clouds]\nclouds_yaml = {clouds}\n'
                        'api_retries = 0\n')

    def pumphouse(self, *args):
        result = run('pumphouse', '--config-file', self.conf, *args)
        lines = [line for line in result.stderr.splitlines()
                 if not line.startswith('Created the credential key file')]
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertEqual(1, len(lines), result.stderr)
        self.assertIn(f'cannot connect to {self.url}/auth/tokens: '
                      'Connection refused', lines[0])
        return result

    def test_host_commands(self):
        # The evacuation plan is made first: the cloud cannot be read, so
        # nothing is changed and the error is one line.
        evacuated = self.pumphouse('host', 'evacuate', 'compute-1',
                                   '--source', 'old', '--yes')
        self.assertNotIn('[disable]', evacuated.stdout)
        self.pumphouse('host', 'list', '--source', 'old')
        shown = run('pumphouse', '--config-file', self.conf, 'host', 'show',
                    'compute-1')
        # Registered, and left as it was.
        self.assertIn('state:       in_source', shown.stdout)
        self.assertIn('failed_step: -', shown.stdout)

    def test_plan_and_migrate(self):
        self.pumphouse('plan', '--source', 'old', '--destination', 'new',
                       'project', 'demo')
        self.pumphouse('migrate', '--yes', '--source', 'old',
                       '--destination', 'new', 'project', 'demo')


class TestDbsync(CommandTestCase):

    def test_upgrade_and_current(self):
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'current')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('empty (no schema)', result.stdout)

        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'upgrade')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('Created the credential key file', result.stdout)
        key = os.path.join(self.tmp, 'state', 'credentials.key')
        self.assertEqual(0o600, stat.S_IMODE(os.stat(key).st_mode))
        self.assertTrue(os.path.exists(
            os.path.join(self.tmp, 'state', 'pumphouse.sqlite')))

        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'current')
        self.assertIn('(up to date)', result.stdout)

    def test_unreachable_database(self):
        self.write_conf('[database]\nconnection = '
                        'mysql+pymysql://nobody@127.0.0.1:1/none\n'
                        'max_retries = 0\n'
                        f'[DEFAULT]\nstate_path = {self.tmp}/state\n')
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'upgrade')
        self.assert_clean_failure(result, 'Cannot connect to the database')


class TestServices(CommandTestCase):

    def test_api_refuses_an_old_schema(self):
        result = run('pumphouse-api', '--config-file', self.conf)
        self.assert_clean_failure(result, 'run "pumphouse-dbsync upgrade"')

    def test_conductor_refuses_an_old_schema(self):
        result = run('pumphouse-conductor', '--config-file', self.conf)
        self.assert_clean_failure(result, 'run "pumphouse-dbsync upgrade"')

    def test_services_refuse_a_database_two_revisions_ahead(self):
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'upgrade')
        self.assertEqual(0, result.returncode, result.stderr)
        database = os.path.join(self.tmp, 'state', 'pumphouse.sqlite')
        with sqlite3.connect(database) as conn:
            [(head,)] = conn.execute('SELECT version_num FROM '
                                     'alembic_version').fetchall()
            ahead = f'{int(head) + 2:04d}'
            conn.execute('UPDATE alembic_version SET version_num = ?',
                         (ahead,))
        for command in ('pumphouse-api', 'pumphouse-conductor'):
            result = run(command, '--config-file', self.conf)
            self.assert_clean_failure(
                result, f'The database is at revision {ahead}, which is 2 '
                        'revisions newer than this code')

    def test_missing_config_file(self):
        result = run('pumphouse-api', '--config-file',
                     os.path.join(self.tmp, 'nope.conf'))
        self.assertNotEqual(0, result.returncode)
        self.assertIn('nope.conf', result.stderr)
        self.assertNotIn('Traceback', result.stderr)


class TestWSGIModule(CommandTestCase):
    """``pumphouse.wsgi:application`` as uwsgi or gunicorn load it."""

    def test_application_serves_the_api(self):
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        '[api]\nauth_strategy = noauth\n')
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'upgrade')
        self.assertEqual(0, result.returncode, result.stderr)
        script = ('import webtest\n'
                  'from pumphouse import wsgi\n'
                  'app = webtest.TestApp(wsgi.application)\n'
                  'print(app.get("/v1/clouds").json)\n'
                  'print(app.get("/v1/clouds/x", status=404).json)\n')
        result = subprocess.run(
            [sys.executable, '-c', script], capture_output=True, text=True,
            timeout=60, env={**os.environ,
                             'PUMPHOUSE_CONFIG_FILE': self.conf})
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn("{'clouds': []}", result.stdout)
        self.assertIn('Cloud x could not be found.', result.stdout)


class DeploymentTestCase(CommandTestCase):
    """A configured [database] connection (a deployment's, here an SQLite
    file outside the state directory)."""

    def setUp(self):
        super().setUp()
        self.database = os.path.join(self.tmp, 'deployed.sqlite')
        self.key = os.path.join(self.tmp, 'state', 'credentials.key')
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        f'[database]\nconnection = sqlite:///{self.database}'
                        '\n')

    def dbsync(self, *args):
        result = run('pumphouse-dbsync', '--config-file', self.conf, *args)
        self.assertEqual(0, result.returncode, result.stderr)
        return result

    def tables(self):
        with sqlite3.connect(self.database) as conn:
            return {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}

    def revision(self):
        with sqlite3.connect(self.database) as conn:
            return conn.execute(
                'SELECT version_num FROM alembic_version').fetchone()[0]

    def store_cloud_secret(self, key: str) -> str:
        token = fernet.Fernet(key).encrypt(b'{"auth": {}}').decode()
        with sqlite3.connect(self.database) as conn:
            conn.execute(
                'INSERT INTO clouds (uuid, name, config, credentials, '
                "created_at) VALUES ('6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11',"
                " 'old', '{}', ?, '2026-01-01 00:00:00')", (token,))
        return token


class TestOneKeyPerDeployment(DeploymentTestCase):

    def assert_refused_for_the_key(self, result, path=None):
        path = path or self.key
        self.assert_clean_failure(
            result, f'The credential key file {path} ([credentials] '
                    'key_file) does not exist.')
        self.assertFalse(os.path.exists(path))

    def test_dbsync_creates_the_key_of_a_new_deployment(self):
        result = self.dbsync('upgrade')
        self.assertIn(f'Created the credential key file {self.key}',
                      result.stdout)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.key).st_mode))

    def test_services_refuse_to_start_without_the_key_file(self):
        self.dbsync('upgrade')
        os.unlink(self.key)
        for command in ('pumphouse-api', 'pumphouse-conductor'):
            with self.subTest(command=command):
                self.assert_refused_for_the_key(
                    run(command, '--config-file', self.conf))

    def test_pumphouse_refuses_without_the_key_file(self):
        self.dbsync('upgrade')
        os.unlink(self.key)
        self.assert_refused_for_the_key(
            run('pumphouse', '--config-file', self.conf, 'list'))
        self.assert_refused_for_the_key(
            run('pumphouse', '--config-file', self.conf, 'serve'))

    def test_embedded_state_with_a_key_file_configured_elsewhere(self):
        path = os.path.join(self.tmp, 'keys', 'pumphouse.key')
        self.write_conf(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                        f'[credentials]\nkey_file = {path}\n')
        self.assert_refused_for_the_key(
            run('pumphouse', '--config-file', self.conf, 'list'), path)

    def test_dbsync_makes_no_new_key_when_secrets_are_stored(self):
        self.dbsync('upgrade')
        with open(self.key) as f:
            self.store_cloud_secret(f.read().strip())
        os.unlink(self.key)
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'upgrade')
        self.assert_refused_for_the_key(result)
        self.assertIn('The database holds 1 secrets encrypted with this '
                      "deployment's key", result.stderr)


class TestRotateKey(DeploymentTestCase):

    def test_rotate_key(self):
        self.dbsync('upgrade')
        with open(self.key) as f:
            old_key = f.read().strip()
        self.store_cloud_secret(old_key)

        result = self.dbsync('rotate-key')

        self.assertIn('Re-encrypted 1 stored secrets with a new key',
                      result.stdout)
        with open(self.key) as f:
            [new_key] = f.read().split()
        self.assertNotEqual(old_key, new_key)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.key).st_mode))
        with sqlite3.connect(self.database) as conn:
            [token] = conn.execute('SELECT credentials FROM clouds') \
                .fetchone()
        self.assertEqual({'auth': {}}, json.loads(
            fernet.Fernet(new_key).decrypt(token.encode())))
        self.assertRaises(fernet.InvalidToken,
                          fernet.Fernet(old_key).decrypt, token.encode())

    def test_without_a_key_file(self):
        self.dbsync('upgrade')
        os.unlink(self.key)
        result = run('pumphouse-dbsync', '--config-file', self.conf,
                     'rotate-key')
        self.assert_clean_failure(result, 'does not exist')


class TestConfiguredDatabase(DeploymentTestCase):
    """The pumphouse command never upgrades a configured database."""

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.dirname(self.key))
        with open(self.key, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode())
        os.chmod(self.key, 0o600)

    def assert_not_upgraded(self, result, current):
        self.assert_clean_failure(
            result, f'The database of [database] connection is at revision '
                    f'{current} but this code needs')
        self.assertIn('run "pumphouse-dbsync upgrade"', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()),
                         result.stderr)

    def test_empty_database_is_left_empty(self):
        for args in (('list',), ('serve',)):
            with self.subTest(args=args):
                result = run('pumphouse', '--config-file', self.conf, *args)
                self.assert_not_upgraded(result, 'none (it is empty)')
                self.assertFalse(os.path.exists(self.database)
                                 and self.tables())

    def test_database_behind_is_left_behind(self):
        self.dbsync('upgrade', '--revision', '0005')
        result = run('pumphouse', '--config-file', self.conf, 'list')
        self.assert_not_upgraded(result, '0005')
        self.assertEqual('0005', self.revision())

    def test_upgraded_database_is_used(self):
        self.dbsync('upgrade')
        result = run('pumphouse', '--config-file', self.conf, 'list')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('No migrations yet.\n', result.stdout)
        self.assertFalse(os.path.exists(os.path.join(
            self.tmp, 'state', 'pumphouse.sqlite')))
