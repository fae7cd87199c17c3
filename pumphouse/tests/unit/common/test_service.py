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

"""What a process decides at start-up: embedded state or a deployment's."""

import os

from pumphouse.common import exception
from pumphouse.common import service
from pumphouse.conf import CONF
from pumphouse.conf import database
from pumphouse.tests import base


class TestCase(base.TestCase):

    def embedded(self):
        """[database] connection at its default."""
        self.config(connection=database.DEFAULT_CONNECTION,
                    group='database')


class TestIsEmbedded(TestCase):

    def test_default_database_under_the_state_path(self):
        self.embedded()
        self.assertTrue(service.is_embedded())
        self.config(state_path=self.state_path + '/')
        self.assertTrue(service.is_embedded())

    def test_configured_databases(self):
        for url in (f'sqlite:///{self.state_path}/other.sqlite',
                    'sqlite://',
                    'mysql+pymysql://pumphouse@db/pumphouse',
                    'postgresql://pumphouse@db/pumphouse'):
            with self.subTest(url=url):
                self.config(connection=url, group='database')
                self.assertFalse(service.is_embedded())


class TestPrepareKeyFile(TestCase):

    def setUp(self):
        super().setUp()
        os.unlink(CONF.credentials.key_file)

    def test_embedded_state_gets_one(self):
        self.embedded()
        self.assertTrue(service.prepare_key_file())
        self.assertFalse(service.prepare_key_file())

    def test_a_deployment_does_not(self):
        error = self.assertRaises(exception.CredentialKeyMissing,
                                  service.prepare_key_file)
        self.assertIn(CONF.credentials.key_file, str(error))
        self.assertFalse(os.path.exists(CONF.credentials.key_file))

    def test_embedded_database_with_a_key_file_elsewhere(self):
        self.embedded()
        path = os.path.join(self.state_path, 'keys', 'elsewhere.key')
        self.config(key_file=path, group='credentials')
        self.assertRaises(exception.CredentialKeyMissing,
                          service.prepare_key_file)
        self.assertFalse(os.path.exists(path))
