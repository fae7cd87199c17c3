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

"""Encryption at rest of cloud credentials."""

import os
import stat

from cryptography import fernet

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.tests import base


class TestKeyFile(base.TestCase):

    def test_created_with_mode_0600(self):
        path = CONF.credentials.key_file
        self.assertTrue(path.startswith(self.state_path))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        with open(path) as f:
            fernet.Fernet(f.read().strip())

    def test_existing_file_is_kept(self):
        path = CONF.credentials.key_file
        with open(path) as f:
            before = f.read()
        self.assertFalse(crypto.ensure_key_file())
        with open(path) as f:
            self.assertEqual(before, f.read())

    def test_directory_is_created(self):
        path = os.path.join(self.state_path, 'a', 'b', 'key')
        self.assertTrue(crypto.ensure_key_file(path))
        self.assertTrue(os.path.exists(path))
        self.assertEqual([], [n for n in os.listdir(os.path.dirname(path))
                              if n.endswith('.tmp')])

    def test_readable_by_others_is_warned(self):
        path = CONF.credentials.key_file
        os.chmod(path, 0o644)
        with self.assertLogs('pumphouse.common.crypto', 'WARNING') as logs:
            crypto.ensure_key_file()
        self.assertIn('should be 0600', logs.output[0])


class TestEncryption(base.TestCase):

    def test_round_trip_hides_the_secret(self):
        token = crypto.encrypt({'password': 's3cret', 'name': 'ünï'})
        self.assertNotIn('s3cret', token)
        self.assertEqual({'password': 's3cret', 'name': 'ünï'},
                         crypto.decrypt(token))

    def test_rotation_keeps_old_tokens_readable(self):
        token = crypto.encrypt({'password': 'old'})
        path = CONF.credentials.key_file
        with open(path) as f:
            old_key = f.read()
        with open(path, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode() + '\n' + old_key)
        crypto.reset_cache()
        self.assertEqual({'password': 'old'}, crypto.decrypt(token))
        new_token = crypto.encrypt({'password': 'new'})
        with open(path, 'w') as f:
            f.write(old_key)
        crypto.reset_cache()
        self.assertRaises(exception.CredentialDecryptError,
                          crypto.decrypt, new_token)

    def test_wrong_key_is_a_clear_error(self):
        token = crypto.encrypt({'password': 'x'})
        with open(CONF.credentials.key_file, 'w') as f:
            f.write(fernet.Fernet.generate_key().decode())
        crypto.reset_cache()
        error = self.assertRaises(exception.CredentialDecryptError,
                                  crypto.decrypt, token, 'The power info',
                                  'Register it again.')
        self.assertEqual(409, error.code)
        self.assertEqual('The power info cannot be decrypted with the '
                         'credential key of this service ([credentials] '
                         'key_file): it was stored with another key. '
                         'Register it again.', str(error))
        self.assertNotIn(self.state_path, str(error))
        self.assertFalse(crypto.readable(token))
        self.assertTrue(crypto.readable(crypto.encrypt({})))

    def test_garbage_key_file(self):
        with open(CONF.credentials.key_file, 'w') as f:
            f.write('not a key\n')
        crypto.reset_cache()
        error = self.assertRaises(exception.CredentialKeyError,
                                  crypto.encrypt, {})
        self.assertIn('not a Fernet key', str(error))
        self.assertNotIn(self.state_path, str(error))

    def test_missing_key_file(self):
        self.config(key_file=os.path.join(self.state_path, 'nope'),
                    group='credentials')
        crypto.reset_cache()
        error = self.assertRaises(exception.CredentialKeyError,
                                  crypto.encrypt, {})
        self.assertEqual('Cannot use the credential key file ([credentials] '
                         'key_file): No such file or directory', str(error))
