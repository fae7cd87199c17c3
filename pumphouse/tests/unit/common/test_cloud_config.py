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

"""What every connection Pumphouse makes to a cloud gets: the ``[clouds]``
timeout and retries, never keystoneauth's own retries."""

import os

import yaml
from oslo_config import cfg

from pumphouse.common import cloud_config
from pumphouse.common import cloud_session
from pumphouse.common import crypto
from pumphouse.conf import CONF
from pumphouse.conf import clouds as clouds_opts
from pumphouse.tests import base

AUTH = {'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin',
        'password': 'pw', 'project_name': 'admin',
        'user_domain_name': 'Default', 'project_domain_name': 'Default'}


class TestConnect(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(api_timeout=42.0, api_retries=3, group='clouds')

    def _clouds_yaml(self, **entry):
        path = os.path.join(self.state_path, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {'prod': dict(
                {'auth': AUTH, 'region_name': 'RegionOne'}, **entry)}}, f)
        self.config(clouds_yaml=[path], group='clouds')

    def assert_applied(self, conn, timeout=42.0, retries=3):
        session = conn.session
        self.assertIsInstance(session, cloud_session.CloudSession)
        self.assertEqual(timeout, session.timeout)
        self.assertEqual(retries, session.retry_policy.retries)
        self.assertEqual(0, session._connect_retries)
        self.assertEqual('pumphouse', session.app_name)
        # What openstacksdk's proxies pass to each request.
        self.assertEqual(0, conn.config.get_connect_retries('compute'))
        self.assertEqual(0, conn.config.get_status_code_retries('compute'))

    def test_a_clouds_yaml_entry_gets_the_timeout_and_retries(self):
        self._clouds_yaml()
        conn = cloud_config.connect({'cloud': 'prod'}, None)
        self.assert_applied(conn)
        self.assertEqual('prod', conn.session.retry_observer.cloud)

    def test_keystoneauth_retries_of_clouds_yaml_stay_off(self):
        self._clouds_yaml(connect_retries=5, status_code_retries=5,
                          api_timeout=600)
        conn = cloud_config.connect({'cloud': 'prod'}, None, name='prod')
        self.assert_applied(conn)

    def test_explicit_credentials_get_the_timeout_and_retries(self):
        secret = crypto.encrypt({'auth_type': 'password', 'auth': AUTH})
        conn = cloud_config.connect({'auth_type': 'password'}, secret,
                                    name='lab (source)')
        self.assert_applied(conn)
        self.assertEqual('lab (source)', conn.session.retry_observer.cloud)

    def test_arguments_override_the_options(self):
        self._clouds_yaml()
        conn = cloud_config.connect({'cloud': 'prod'}, None, api_timeout=5.0,
                                    retries=0)
        self.assert_applied(conn, timeout=5.0, retries=0)

    def test_derived_connections_get_the_same(self):
        """A connection scoped to another project (``connect_as``, as
        the drivers make them) has the same session class, timeout,
        retries and observer."""
        self._clouds_yaml()
        conn = cloud_config.connect({'cloud': 'prod'}, None)
        scoped = conn.connect_as(project_id='p2')
        self.assert_applied(scoped)
        self.assertIs(conn.session.retry_observer,
                      scoped.session.retry_observer)
        secret = crypto.encrypt({'auth_type': 'password', 'auth': AUTH})
        conn = cloud_config.connect({}, secret)
        self.assert_applied(conn.connect_as(project_id='p2'))


class TestRetryOptions(base.TestCase):

    def test_connect_retries_is_the_old_name_of_api_retries(self):
        path = os.path.join(self.state_path, 'old.conf')
        with open(path, 'w') as f:
            f.write('[clouds]\nconnect_retries = 7\n')
        conf = cfg.ConfigOpts()
        clouds_opts.register_opts(conf)
        conf([], default_config_files=[path])
        self.assertEqual(7, conf.clouds.api_retries)

    def test_defaults(self):
        self.assertEqual(4, CONF.clouds.api_retries)
        self.assertEqual([429, 500, 502, 503, 504],
                         CONF.clouds.api_retry_statuses)
