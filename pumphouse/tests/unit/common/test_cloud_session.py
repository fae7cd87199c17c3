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

"""The retries of requests to a cloud: real openstacksdk connections
(made as Pumphouse makes them) and keystoneauth sessions through the
fault proxy, against local fake clouds on 127.0.0.1."""

import os
import socket
import time

import fixtures
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.common import cloud_config
from pumphouse.common import cloud_session
from pumphouse.tests import base
from pumphouse.tests.functional import faultproxy
from pumphouse.tests.functional import proxied_clouds
from pumphouse.tests.unit.fault_injection import fake_cloud
from pumphouse.tests.unit.fault_injection import scripted
from pumphouse.tests.unit.fault_injection import upstream as up

Step = scripted.Step
SERVERS = r'/v2\.1/servers/detail$'


def settled(proxy, count, timeout=5.0):
    """The proxy's faults once ``count`` are recorded (a stall is
    recorded when the proxy sees that the client gave up)."""
    end = time.monotonic() + timeout
    while len(proxy.faults) < count and time.monotonic() < end:
        time.sleep(0.05)
    return sorted(proxy.faults, key=lambda f: f.seq)


class SessionTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        # Short pauses: the tests are about what is retried, not how long.
        self.config(api_retry_delay=0.01, api_retry_max_delay=0.05,
                    group='clouds')
        self.retries = []

    def observe(self, conn):
        self.assertTrue(cloud_session.observe(conn, self.retries.append))

    def connect(self, cloud, proxy, api_timeout=None):
        """A connection as Pumphouse makes it, to the clouds.yaml entry of
        ``cloud`` through ``proxy``."""
        path = os.path.join(self.state_path, 'clouds.yaml')
        proxied_clouds.write_clouds_yaml(path, {
            'fake': proxied_clouds.proxied_entry(cloud.entry(),
                                                 cloud.endpoints, proxy)})
        self.config(clouds_yaml=[path], group='clouds')
        conn = cloud_config.connect({'cloud': 'fake'}, None,
                                    api_timeout=api_timeout, name='fake')
        self.addCleanup(conn.close)
        self.observe(conn)
        return conn

    def session(self, retries=None, timeout=5.0):
        observer = cloud_session.Observer('api')
        observer.report = self.retries.append
        return cloud_session.CloudSession(
            timeout=timeout, retry_observer=observer,
            retry_policy=cloud_session.RetryPolicy.from_conf(retries))


class TestGetsSurviveFaults(SessionTestCase):
    """Requests safe to repeat survive every kind of fault."""

    def _servers_through(self, steps, api_timeout=None):
        with fake_cloud.FakeCloud() as cloud:
            with scripted.ScriptedFaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    steps) as proxy:
                conn = self.connect(cloud, proxy, api_timeout)
                servers = [s.id for s in conn.compute.servers()]
                faults = settled(proxy, len(steps))
            got = cloud.requests()['compute']
        return servers, faults, got

    def test_5xx_resets_and_a_stall_longer_than_the_timeout(self):
        steps = [Step('GET', SERVERS, 'error', 503),
                 Step('GET', SERVERS, 'reset_before'),
                 Step('GET', SERVERS, 'stall'),
                 Step('GET', SERVERS, 'reset_after')]
        servers, faults, got = self._servers_through(steps, api_timeout=0.3)
        self.assertEqual(['s1'], servers)
        self.assertEqual(['error', 'reset_before', 'stall', 'reset_after'],
                         [f.kind for f in faults])
        # The reset after forwarding and the fifth attempt reached Nova.
        self.assertEqual(2, got.count(('GET', '/v2.1/servers/detail')))
        self.assertEqual(
            ['cloud fake: GET /servers/detail (compute API): HTTP 503 '
             'Service Unavailable; attempt 2/5',
             'cloud fake: GET /servers/detail (compute API): connection '
             'reset or closed; attempt 3/5',
             'cloud fake: GET /servers/detail (compute API): timed out '
             'waiting for the answer; attempt 4/5',
             'cloud fake: GET /servers/detail (compute API): connection '
             'reset or closed; attempt 5/5'],
            [r.message.rsplit(' in ', 1)[0] for r in self.retries])
        self.assertEqual({'retry'}, {r.event_type for r in self.retries})

    def test_every_error_status_of_the_proxy(self):
        steps = [Step('GET', SERVERS, 'error', status)
                 for status in (500, 502, 504)]
        servers, faults, _got = self._servers_through(steps)
        self.assertEqual(['s1'], servers)
        self.assertEqual([500, 502, 504], [f.status for f in faults])
        self.assertEqual(3, len(self.retries))

    def test_authentication_and_version_discovery_are_retried(self):
        steps = [Step('POST', r'/auth/tokens$', 'reset_before'),
                 Step('POST', r'/auth/tokens$', 'error', 503),
                 Step('GET', r'^/v2\.1/?$', 'error', 502)]
        servers, faults, _got = self._servers_through(steps)
        self.assertEqual(['s1'], servers)
        self.assertEqual(3, len(faults))
        self.assertEqual(3, len(self.retries))

    def test_a_tenth_of_calls_faulted_every_call_succeeds(self):
        with fake_cloud.FakeCloud() as cloud:
            with faultproxy.FaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    seed=15, rate=0.1, stall_seconds=0.6) as proxy:
                conn = self.connect(cloud, proxy, api_timeout=0.3)
                for _ in range(30):
                    self.assertEqual(['s1'], [s.id for s in
                                              conn.compute.servers()])
                    self.assertEqual(['i1'], [i.id for i in
                                              conn.image.images()])
                    self.assertEqual(['n1'], [n.id for n in
                                              conn.network.networks()])
                settled(proxy, len(self.retries))
                summary = proxy.summary()
        print(f'faults: {summary}')
        self.assertGreaterEqual(summary['faults'], 10)
        self.assertEqual(summary['faults'], len(self.retries))

    def test_retries_end_after_the_bound_with_the_last_error(self):
        self.config(api_retries=2, group='clouds')
        steps = [Step('GET', SERVERS, 'error', 503)] * 3
        with fake_cloud.FakeCloud() as cloud:
            with scripted.ScriptedFaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    steps) as proxy:
                conn = self.connect(cloud, proxy)
                with self.assertRaises(sdk_exc.HttpException) as raised:
                    list(conn.compute.servers())
        self.assertEqual(503, raised.exception.status_code)
        self.assertEqual(['retry', 'retry', 'retries_exhausted'],
                         [r.event_type for r in self.retries])
        self.assertEqual(
            'cloud fake: GET /servers/detail (compute API): HTTP 503 '
            'Service Unavailable; gave up after 3 attempts',
            self.retries[-1].message)

    def test_no_retries_when_turned_off(self):
        self.config(api_retries=0, group='clouds')
        with fake_cloud.FakeCloud() as cloud:
            with scripted.ScriptedFaultProxy(
                    proxied_clouds.upstreams('fake', cloud.endpoints),
                    [Step('GET', SERVERS, 'reset_before')]) as proxy:
                conn = self.connect(cloud, proxy)
                self.assertRaises(ksa_exc.ConnectFailure, list,
                                  conn.compute.servers())

    def test_outside_a_migration_a_retry_is_a_warning(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='pumphouse.common.cloud_session'))
        session = cloud_session.CloudSession(
            retry_observer=cloud_session.Observer('lonely'))
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('GET', '/ok', 'error', 502)]) as proxy:
                response = session.get(proxy.origin('api') + '/ok?token=x',
                                       authenticated=False)
        self.assertEqual({'path': '/ok?token=x'}, response.json())
        self.assertIn('cloud lonely: GET /ok: HTTP 502 Bad Gateway; '
                      'attempt 2/5 in', logger.output)
        self.assertNotIn('token', logger.output)


class TestWhatIsNeverRepeated(SessionTestCase):
    """A request the cloud may have acted on is not sent twice."""

    def test_post_reset_after_the_cloud_acted_is_not_repeated(self):
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('POST', '/create', 'reset_after')]) as proxy:
                with self.assertRaises(ksa_exc.ConnectFailure):
                    self.session().post(proxy.origin('api') + '/create',
                                        json={'a': 1}, authenticated=False)
        self.assertEqual({'/create': 1}, server.created)
        self.assertEqual([], self.retries)

    def test_post_answered_with_503_is_not_repeated(self):
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('POST', '/create', 'error', 503)]) as proxy:
                with self.assertRaises(ksa_exc.ServiceUnavailable):
                    self.session().post(proxy.origin('api') + '/create',
                                        json={'a': 1}, authenticated=False)
        self.assertEqual({}, dict(server.created))
        self.assertEqual([], self.retries)

    def test_post_timed_out_is_not_repeated(self):
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('POST', '/create', 'stall_after')]) as proxy:
                with self.assertRaises(ksa_exc.ConnectTimeout):
                    self.session(timeout=0.3).post(
                        proxy.origin('api') + '/create', json={},
                        authenticated=False)
        self.assertEqual({'/create': 1}, server.created)
        self.assertEqual([], self.retries)

    def test_streamed_upload_is_not_repeated(self):
        """An image upload (``PUT .../file``) reads its body from a
        stream: it cannot be sent again."""
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('PUT', '/file', 'reset_after')]) as proxy:
                with self.assertRaises(ksa_exc.ConnectFailure):
                    self.session().put(proxy.origin('api') + '/file',
                                       data=up.generate(300_000),
                                       authenticated=False)
                forwarded = proxy.forwarded()
        self.assertEqual({'api': 1}, forwarded)
        self.assertEqual([], self.retries)

    def test_post_whose_connection_was_refused_is_retried(self):
        """Nothing was sent: even a POST may go again."""
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(('127.0.0.1', 0))
            url = f'http://127.0.0.1:{probe.getsockname()[1]}/create'
        with self.assertRaises(ksa_exc.ConnectFailure):
            self.session(retries=2).post(url, json={}, authenticated=False)
        self.assertEqual(
            ['retry', 'retry', 'retries_exhausted'],
            [r.event_type for r in self.retries])
        self.assertIn('POST /create: connection refused; attempt 2/3',
                      self.retries[0].message)


class TestWhatIsRepeated(SessionTestCase):

    def test_put_with_a_json_body_after_the_cloud_acted(self):
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('PUT', '/thing', 'reset_after')]) as proxy:
                response = self.session().put(
                    proxy.origin('api') + '/thing', json={'a': 1},
                    authenticated=False)
        self.assertEqual(200, response.status_code)
        self.assertEqual([('PUT', '/thing')] * 2, server.requests)
        self.assertEqual(1, len(self.retries))

    def test_delete_after_the_cloud_acted(self):
        with up.Upstream() as server:
            with scripted.ScriptedFaultProxy(
                    {'api': server.url},
                    [Step('DELETE', '/thing', 'reset_after')]) as proxy:
                self.session().delete(proxy.origin('api') + '/thing',
                                      authenticated=False)
        self.assertEqual([('DELETE', '/thing')] * 2, server.requests)

    def test_retry_after_is_honoured_within_the_bound(self):
        self.config(api_retry_max_delay=5.0, group='clouds')
        answers = iter([(503, {}, [('Retry-After', '1')]), (200, {})])
        with up.Upstream(routes={('GET', '/busy'):
                                 lambda me: next(answers)}) as server:
            start = time.monotonic()
            response = self.session().get(server.url + '/busy',
                                          authenticated=False)
            took = time.monotonic() - start
        self.assertEqual(200, response.status_code)
        self.assertGreaterEqual(took, 1.0)
        self.assertGreaterEqual(self.retries[0].delay, 1.0)

    def test_retry_after_beyond_the_bound_is_cut_to_it(self):
        answers = iter([(503, {}, [('Retry-After', '3600')]), (200, {})])
        with up.Upstream(routes={('GET', '/busy'):
                                 lambda me: next(answers)}) as server:
            self.session().get(server.url + '/busy', authenticated=False)
        self.assertEqual(0.05, self.retries[0].delay)

    def test_an_error_answer_goes_to_the_caller_as_keystoneauth_does(self):
        with up.Upstream(routes={('GET', '/missing'): lambda me: (
                404, {'error': 'no'})}) as server:
            session = self.session()
            with self.assertRaises(ksa_exc.NotFound):
                session.get(server.url + '/missing', authenticated=False)
            response = session.get(server.url + '/missing',
                                   authenticated=False, raise_exc=False)
        self.assertEqual(404, response.status_code)
        self.assertEqual([], self.retries)


class TestMayRepeat(base.TestCase):

    def test_methods_and_bodies(self):
        may = cloud_session.may_repeat
        self.assertTrue(may('GET', '/x', {}))
        self.assertTrue(may('DELETE', '/x', {}))
        self.assertTrue(may('PUT', '/x', {'json': {'a': 1}}))
        self.assertTrue(may('PUT', '/x', {'data': b'raw'}))
        self.assertFalse(may('PUT', '/x', {'data': iter([b'a'])}))
        self.assertFalse(may('PUT', '/x', {'data': open(os.devnull, 'rb')}))
        self.assertFalse(may('POST', '/v2.1/servers', {'json': {}}))
        self.assertTrue(may('POST', 'http://k/v3/auth/tokens', {'json': {}}))
        self.assertFalse(may('POST', '/v2.1/servers/s/action', {}))
        self.assertFalse(may('COPY', '/x', {}))
        self.assertFalse(may('PUT', '/v2.0/routers/r/add_router_interface',
                             {'json': {'port_id': 'p'}}))
        self.assertFalse(may('PUT', '/routers/r/remove_router_interface',
                             {'json': {'port_id': 'p'}}))
        self.assertTrue(may('PUT', '/v2.0/routers/r', {'json': {}}))

    def test_json_patch(self):
        may = cloud_session.may_repeat
        self.assertTrue(may('PATCH', '/users/u', {'json': {'user': {}}}))
        self.assertTrue(may('PATCH', '/images/i', {'json': [
            {'op': 'replace', 'path': '/protected', 'value': True},
            {'op': 'add', 'path': '/hw_disk_bus', 'value': 'scsi'}]}))
        for op in ({'op': 'remove', 'path': '/a'},
                   {'op': 'add', 'path': '/tags/-', 'value': 'x'},
                   {'op': 'add', 'path': '/locations/0', 'value': {}},
                   {'op': 'move', 'from': '/a', 'path': '/b'}):
            self.assertFalse(may('PATCH', '/images/i', {'json': [op]}), op)

    def test_retry_after_forms(self):
        def answer(value):
            return type('R', (), {'headers': {'Retry-After': value}})()
        self.assertEqual(7.0, cloud_session.retry_after(answer('7')))
        self.assertIsNone(cloud_session.retry_after(answer('soon')))
        self.assertEqual(0.0, cloud_session.retry_after(
            answer('Wed, 21 Oct 2015 07:28:00 GMT')))
        self.assertIsNone(cloud_session.retry_after(answer('')))
