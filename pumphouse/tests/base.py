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

"""Base classes of Pumphouse's unit tests."""

import fixtures
import webtest
from oslo_config import fixture as config_fixture
from oslo_context import fixture as context_fixture
from oslotest import base

from pumphouse.api import app as api_app
from pumphouse.common import crypto
from pumphouse.common import policy
from pumphouse.common import rpc
from pumphouse.conductor import service as conductor_service
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import schema


def init_conf() -> None:
    """Parse an empty command line once per process."""
    rpc.register_opts(CONF)
    if CONF._args is None:
        CONF([], project='pumphouse', default_config_files=[])


class TestCase(base.BaseTestCase):
    """A test with its own configuration, key file and SQLite database."""

    def setUp(self) -> None:
        super().setUp()
        # No request context of an earlier test is current in this thread.
        self.useFixture(context_fixture.ClearRequestContext())
        init_conf()
        self.cfg = self.useFixture(config_fixture.Config(CONF))
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.config(state_path=self.state_path)
        self.config(connection=f'sqlite:///{self.state_path}/test.sqlite',
                    group='database')
        db_api.reset_facade()
        self.addCleanup(db_api.reset_facade)
        schema.upgrade()
        crypto.reset_cache()
        self.addCleanup(crypto.reset_cache)
        crypto.ensure_key_file()
        policy.reset()
        self.addCleanup(policy.reset)

    def config(self, **kw) -> None:
        self.cfg.config(**kw)


class RPCTestCase(TestCase):
    """A test with the in-process RPC transport and a running conductor."""

    conductor_name = 'test-conductor'

    def setUp(self) -> None:
        super().setUp()
        self.config(transport_url='fake:///')
        rpc.init(CONF)
        self.addCleanup(rpc.cleanup)
        self.conductor = conductor_service.ConductorService(
            self.conductor_name)
        self.conductor.start()
        self.addCleanup(self.conductor.stop)


class APITestCase(RPCTestCase):
    """Requests to the whole WSGI application, middleware included.

    Responses are checked against their JSON schemas (``error`` mode).
    """

    auth_strategy = 'noauth'

    def setUp(self) -> None:
        super().setUp()
        self.config(auth_strategy=self.auth_strategy, group='api')
        self.config(response_validation='error', group='api')
        self.configure()
        self.app = webtest.TestApp(api_app.setup_app())

    def configure(self) -> None:
        """Set more options before the application is built."""
