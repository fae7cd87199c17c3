"""The console scripts, run as an operator runs them."""

import os
import stat
import subprocess
import sys

import fixtures
import testtools

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
