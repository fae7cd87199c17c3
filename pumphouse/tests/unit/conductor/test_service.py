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

"""The conductor service over the in-process RPC transport."""

import datetime
import sys
from unittest import mock

import oslo_messaging as messaging
from oslo_messaging._drivers import common as rpc_common
from oslo_utils import timeutils

from pumphouse.common import context
from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conductor import rpcapi
from pumphouse.conductor import service as conductor_service
from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import owner_api
from pumphouse.tests import base


class TestRegistration(base.RPCTestCase):

    def test_started_conductor_is_live(self):
        self.assertEqual([self.conductor_name],
                         owner_api.list_live_conductors())

    def test_conductor_announces_its_rpc_version(self):
        self._restart_with_fast_heartbeat()
        with db_api._writer() as session:
            session.query(models.Owner).update({'rpc_version': None})
        self.assertTrue(self._wait_for(lambda: self._rpc_versions() == {
            self.conductor_name: rpcapi.ConductorAPI.RPC_API_VERSION}))

    def _rpc_versions(self):
        with db_api._reader() as session:
            return {r.name: r.rpc_version
                    for r in session.query(models.Owner)}

    def test_stopped_conductor_is_not_live(self):
        self.conductor.stop()
        self.assertEqual([], owner_api.list_live_conductors())

    def test_stop_tells_the_work_before_the_rpc_server_stops(self):
        said = []
        server = self.conductor._server
        dispatchers = (self.conductor.manager.migrations,
                       self.conductor.manager.hosts)
        real_stop = server.stop

        def stop():
            said.append(('rpc stops', [d.stopping.is_set()
                                       for d in dispatchers]))
            real_stop()

        with mock.patch.object(server, 'stop', stop):
            self.conductor.stop()
        self.assertEqual([('rpc stops', [True, True])], said)
        self.assertEqual([], owner_api.list_live_conductors())

    def test_live_name_is_refused_by_the_db_api(self):
        self.assertRaises(exception.ConductorAlreadyRegistered,
                          owner_api.register_owner, self.conductor_name,
                          owner_api.CONDUCTOR)

    def test_restarted_conductor_takes_its_live_name_back(self):
        # The old process crashed: its heartbeat is still fresh.
        self.conductor._stop.set()
        self.conductor.owner._stop.set()
        restarted = conductor_service.ConductorService(self.conductor_name)
        with self.assertLogs('pumphouse.conductor.service',
                             'WARNING') as logs:
            restarted.start()
        self.addCleanup(restarted.stop)
        self.assertIn('taking the registration over', logs.output[0])
        self.assertEqual([self.conductor_name],
                         owner_api.list_live_conductors())

    def test_dead_conductor_name_can_be_taken_over(self):
        self.conductor.stop()
        with db_api._writer() as session:
            session.query(models.Owner).update(
                {'online': True,
                 'heartbeat_at': timeutils.utcnow()
                 - datetime.timedelta(hours=1)})
        self.assertEqual([], owner_api.list_live_conductors())
        replacement = conductor_service.ConductorService(self.conductor_name)
        replacement.start()
        self.addCleanup(replacement.stop)
        self.assertEqual([self.conductor_name],
                         owner_api.list_live_conductors())

    def _restart_with_fast_heartbeat(self):
        self.conductor.stop()
        self.config(heartbeat_interval=1, heartbeat_timeout=2,
                    group='conductor')
        self.conductor = conductor_service.ConductorService(
            self.conductor_name)
        self.conductor.start()
        self.addCleanup(self.conductor.stop)

    def _age_heartbeat(self, seconds):
        with db_api._writer() as session:
            session.query(models.Owner).update(
                {'heartbeat_at': timeutils.utcnow()
                 - datetime.timedelta(seconds=seconds)})

    def _wait_for(self, predicate, timeout=5.0):
        deadline = timeutils.utcnow() + datetime.timedelta(seconds=timeout)
        while not predicate() and timeutils.utcnow() < deadline:
            self.conductor._stop.wait(0.1)
        return predicate()

    def test_heartbeat_keeps_it_live(self):
        self._restart_with_fast_heartbeat()
        self._age_heartbeat(30)
        self.assertEqual([], owner_api.list_live_conductors())
        self.assertTrue(self._wait_for(owner_api.list_live_conductors))

    def test_heartbeat_survives_database_errors(self):
        self._restart_with_fast_heartbeat()
        calls = []

        def flaky(name, kind, **kwargs):
            calls.append(name)
            if len(calls) == 1:
                raise RuntimeError('database went away')

        with mock.patch.object(owner_api, 'touch_owner', side_effect=flaky):
            self.assertTrue(self._wait_for(lambda: len(calls) >= 2))


class TestRPC(base.RPCTestCase):

    def setUp(self):
        super().setUp()
        self.rpcapi = rpcapi.ConductorAPI()
        self.ctx = context.get_admin_context()

    def test_not_found_crosses_rpc_as_the_same_class(self):
        error = self.assertRaises(exception.CloudNotFound,
                                  self.rpcapi.validate_cloud, self.ctx,
                                  'f3b5e0c2-6f59-4a63-9f0e-0e0e0e0e0e0e')
        self.assertEqual(404, error.code)

    def test_call_to_named_dead_conductor_is_refused(self):
        self.assertRaises(exception.NoConductorAvailable,
                          self.rpcapi.validate_cloud, self.ctx, 'x',
                          conductor='elsewhere')

    def test_timeout_is_a_clear_error(self):
        # A validation is waited for [clouds] validation_timeout + 5 s.
        self.config(validation_timeout=1, group='clouds')
        with mock.patch.object(self.rpcapi.client, 'prepare',
                               autospec=True) as prepare:
            prepare.return_value.call.side_effect = (
                messaging.MessagingTimeout('no reply'))
            error = self.assertRaises(exception.ConductorTimeout,
                                      self.rpcapi.validate_cloud, self.ctx,
                                      'x')
        self.assertIn('within 6 seconds', str(error))

    def test_context_reaches_the_conductor(self):
        seen = []
        manager = self.conductor.manager

        def record(ctx, cloud_uuid):
            seen.append(ctx)
            raise exception.CloudNotFound(cloud=cloud_uuid)

        ctx = context.RequestContext(user_id='u1', project_id='p1',
                                     roles=['admin'], request_id='req-1')
        with mock.patch.object(manager, 'validate_cloud', side_effect=record):
            self.assertRaises(exception.CloudNotFound,
                              self.rpcapi.validate_cloud, ctx, 'c')
        self.assertEqual(('u1', 'p1', 'req-1'),
                         (seen[0].user_id, seen[0].project_id,
                          seen[0].request_id))


class TestRemoteErrors(base.TestCase):
    """A conductor's refusal as oslo.messaging carries it over a real
    transport: the same class here, without the conductor's traceback."""

    def test_remote_traceback_is_dropped(self):
        try:
            raise exception.Invalid(reason='Cloud nowhere could not be '
                                           'found.')
        except exception.Invalid:
            data = rpc_common.serialize_remote_exception(sys.exc_info())
        remote = rpc_common.deserialize_remote_exception(
            data, rpc.ALLOWED_EXMODS)
        self.assertIn('Traceback', str(remote))  # what oslo.messaging does

        clean = rpcapi._without_remote_traceback(remote)
        self.assertIsInstance(clean, exception.Invalid)
        self.assertEqual((400, 'Invalid request: Cloud nowhere could not '
                               'be found.'), (clean.code, str(clean)))

    def test_local_errors_are_kept(self):
        error = exception.MigrationBusy(migration='m1', owner='c1')
        self.assertIs(error, rpcapi._without_remote_traceback(error))
