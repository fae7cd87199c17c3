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

"""Serving the API: what it refuses to serve."""

from oslo_config import cfg

from pumphouse.api import service
from pumphouse.tests import base

#: What the API must not listen on without authentication.
EVERYWHERE = '0.0.0.0'  # noqa: S104


class TestNoauthOnlyOnLoopback(base.TestCase):

    def test_other_addresses_refuse_to_start(self):
        self.config(auth_strategy='noauth', group='api')
        for host in (EVERYWHERE, '::', '192.0.2.10', 'pumphouse.example.org'):
            with self.subTest(host=host):
                self.config(host_ip=host, group='api')
                error = self.assertRaises(cfg.Error, service.APIService)
                self.assertIn(f'anyone who reaches {host}', str(error))
                self.assertIn('allow_insecure_noauth', str(error))

    def test_loopback_starts(self):
        self.config(auth_strategy='noauth', group='api')
        for host in ('127.0.0.1', '127.0.1.1', '::1', 'localhost'):
            with self.subTest(host=host):
                self.config(host_ip=host, group='api')
                service.APIService()

    def test_explicit_option_or_keystone_starts(self):
        self.config(host_ip=EVERYWHERE, group='api')
        self.config(auth_strategy='keystone', group='api')
        service.APIService()
        self.config(auth_strategy='noauth', allow_insecure_noauth=True,
                    group='api')
        service.APIService()
