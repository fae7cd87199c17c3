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

"""The request context of conductor work done in the background: its
cloud requests and its log lines carry the ids of the request that asked
for it; work found by the take-over gets ids of its own."""

import logging

import fixtures
from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log
from requests_mock.contrib import fixture as requests_mock_fixture

from pumphouse.common import context
from pumphouse.conductor import manager
from pumphouse.conductor import rpcapi
from pumphouse.engine import states
from pumphouse.tests.unit.conductor import fake_keystone
from pumphouse.tests.unit.conductor import test_migrations

GLOBAL_ID = 'req-1c9e2f4a-7b3d-4e5f-8a9b-0c1d2e3f4a5b'
LOCAL_ID = 'req-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a'
HEADER = 'X-OpenStack-Request-ID'


class _Lines(logging.Handler):
    """Log lines formatted as oslo.log formats them in a service."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        conf = cfg.ConfigOpts()
        log.register_options(conf)
        conf([], project='pumphouse')
        self.setFormatter(formatters.ContextFormatter(config=conf,
                                                      project='pumphouse'))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class TestBackgroundWork(test_migrations.MigrationWorkTestCase):

    def setUp(self):
        super().setUp()
        self.mocker = self.useFixture(requests_mock_fixture.Fixture())
        fake_keystone.register(self.mocker)
        for name in ('src', 'dst'):
            test_migrations.register_cloud(f'{name}-ks',
                                           fake_keystone.AUTH_URL)
        self.lines = _Lines()
        logger = logging.getLogger('pumphouse')
        logger.addHandler(self.lines)
        self.addCleanup(logger.removeHandler, self.lines)

    def make_migration(self):
        migration = test_migrations.runner.create(
            'src-ks', 'dst-ks', {'workload': {'kind': 'project',
                                              'names': ['p1']}},
            None, project_id='demo')
        return migration

    def sent_ids(self) -> set[str | None]:
        return {r.headers.get(HEADER) for r in self.mocker.request_history}

    def test_cast_work_carries_the_requests_ids(self):
        migration = self.make_migration()
        # Only the cast starts the work (not the take-over at start).
        self.useFixture(fixtures.MockPatchObject(
            manager.ConductorManager, 'take_over', return_value=[]))
        self.start_conductor('conductor-a')
        ctx = context.RequestContext(request_id=LOCAL_ID,
                                     global_request_id=GLOBAL_ID,
                                     overwrite=False)
        rpcapi.ConductorAPI().plan_migration(ctx, migration.uuid)
        test_migrations.wait_for_state(migration.uuid, states.FAILED,
                                       states.PLANNED)
        self.assertTrue(self.mocker.request_history)
        self.assertEqual({GLOBAL_ID}, self.sent_ids())
        work = [line for line in self.lines.lines
                if migration.uuid in line and 'stopped' in line]
        self.assertTrue(work, self.lines.lines)
        for line in work:
            self.assertIn(f'[{GLOBAL_ID} {LOCAL_ID} ', line)

    def test_take_over_work_has_ids_of_its_own(self):
        migration = self.make_migration()
        self.start_conductor('conductor-a')
        test_migrations.wait_for_state(migration.uuid, states.FAILED,
                                       states.PLANNED)
        [sent] = self.sent_ids()
        self.assertTrue(sent.startswith('req-'))
        self.assertNotEqual(GLOBAL_ID, sent)
        work = [line for line in self.lines.lines
                if migration.uuid in line and 'stopped' in line]
        self.assertTrue(work, self.lines.lines)
        self.assertIn(f' {sent} ', work[0])
