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

"""``pumphouse passwords``: a 0600 file, once, never over another file."""

import csv
import os
import stat

import yaml

from pumphouse.cli import app
from pumphouse.cli import errors
from pumphouse.cli import parser
from pumphouse.cli import passwords
from pumphouse.common import crypto
from pumphouse.db import migration_api
from pumphouse.tests import base
from pumphouse.tests.unit.cli import utils

SECRETS = {'alice': 'first-Secret-1', 'bob': 'second-Secret-2'}


class TestPasswords(base.TestCase):

    def setUp(self):
        super().setUp()
        self.console = self.useFixture(utils.Console())
        self.migration = utils.make_migration(state='completed')
        for name, secret in SECRETS.items():
            migration_api.add_issued_password(
                self.migration.id, f'src-{name}', f'dst-{name}', name,
                'Default', crypto.encrypt({'password': secret}))

    def run_command(self, *argv: str) -> int:
        args = parser.build_parser().parse_args(['passwords', *argv])
        return app.run(args, configure=False)

    def path(self, name: str) -> str:
        return os.path.join(self.state_path, name)

    def assert_nothing_printed(self):
        printed = self.console.stdout.getvalue() + \
            self.console.stderr.getvalue()
        for secret in SECRETS.values():
            self.assertNotIn(secret, printed)

    def test_csv_once(self):
        output = self.path('passwords.csv')
        self.assertEqual(0, self.run_command(self.migration.uuid,
                                             '--output', output))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(output).st_mode))
        with open(output, newline='') as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(
            [{'user_name': 'alice', 'domain_name': 'Default',
              'user_id': 'dst-alice', 'password': SECRETS['alice']},
             {'user_name': 'bob', 'domain_name': 'Default',
              'user_id': 'dst-bob', 'password': SECRETS['bob']}], rows)
        self.assertIn('Wrote 2 password(s)', self.console.stdout.getvalue())
        self.assertEqual(
            0, migration_api.count_issued_passwords(self.migration.id))
        self.assert_nothing_printed()

        again = self.path('again.csv')
        self.assertEqual(errors.FAILED, self.run_command(
            self.migration.uuid, '--output', again))
        self.assertIn('No passwords are waiting',
                      self.console.stderr.getvalue())
        self.assertFalse(os.path.exists(again))

    def test_yaml(self):
        output = self.path('passwords.yml')
        self.assertEqual(0, self.run_command(self.migration.uuid,
                                             '--output', output))
        with open(output) as f:
            entries = yaml.safe_load(f)
        self.assertEqual(['alice', 'bob'], [e['user_name'] for e in entries])
        self.assertEqual(SECRETS['bob'], entries[1]['password'])
        self.assert_nothing_printed()

    def test_refuses_to_overwrite(self):
        output = self.path('taken.csv')
        with open(output, 'w') as f:
            f.write('keep me\n')
        self.assertEqual(errors.FAILED, self.run_command(
            self.migration.uuid, '--output', output, '--format', 'yaml'))
        self.assertIn('exists; refusing to overwrite',
                      self.console.stderr.getvalue())
        with open(output) as f:
            self.assertEqual('keep me\n', f.read())
        # Nothing was handed out.
        self.assertEqual(
            2, migration_api.count_issued_passwords(self.migration.id))

    def test_a_failed_write_puts_them_back(self):
        output = self.path('passwords.csv')
        self.patch(passwords, 'write', _disk_full)
        self.assertEqual(errors.FAILED, self.run_command(
            self.migration.uuid, '--output', output))
        self.assertIn('No space left', self.console.stderr.getvalue())
        self.assertFalse(os.path.exists(output))
        self.assertEqual(
            2, migration_api.count_issued_passwords(self.migration.id))
        self.assert_nothing_printed()

    def test_unknown_migration(self):
        self.assertEqual(errors.USAGE, self.run_command(
            'nope', '--output', self.path('x.csv')))
        self.assertFalse(os.path.exists(self.path('x.csv')))

    def test_private_file_ignores_the_umask(self):
        old = os.umask(0)
        self.addCleanup(os.umask, old)
        fd = passwords.create_private_file(self.path('f'))
        os.close(fd)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.path('f')).st_mode))
        error = self.assertRaises(errors.CommandError,
                                  passwords.create_private_file,
                                  self.path('f'))
        self.assertIn('refusing to overwrite', str(error))

    def test_file_format(self):
        self.assertEqual('yaml', passwords.file_format('a.YAML', None))
        self.assertEqual('yaml', passwords.file_format('a.yml', None))
        self.assertEqual('csv', passwords.file_format('a.txt', None))
        self.assertEqual('csv', passwords.file_format('a.yml', 'csv'))


def _disk_full(stream, file_format, found):
    raise OSError(28, 'No space left on device')
