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

import http.client
import socket
import subprocess

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


class TestHeaderSizeLimit(base.RPCTestCase):
    """cheroot reads headers of any size unless told (found by the raw
    HTTP cases of the API fuzzing: a 200 KB header was served)."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='noauth', port=0, group='api')
        self.config(max_request_header_size=8192, group='api')
        self.api = service.APIService()
        self.api.start()
        self.addCleanup(self.api.stop)

    def status(self, *headers: bytes, target: bytes = b'/') -> int:
        host, port = self.api.bind_addr[:2]
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b'\r\n'.join([b'GET ' + target + b' HTTP/1.1',
                                       b'Host: 127.0.0.1',
                                       b'Connection: close', *headers])
                         + b'\r\n\r\n')
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status

    def test_headers_past_the_limit_are_413(self):
        self.assertEqual(200, self.status(b'X-Big: ' + b'a' * 4000))
        self.assertEqual(413, self.status(b'X-Big: ' + b'a' * 9000))
        self.assertEqual(413, self.status(
            *[b'X-H%d: a' % i for i in range(2000)]))

    def test_request_line_past_the_limit_is_414(self):
        self.assertEqual(414, self.status(target=b'/' + b'a' * 9000))


class TestBacklog(base.RPCTestCase):
    """The listen backlog is [api] backlog, not cheroot's 5 (a burst of
    200 clients saw refused connections: tools/bench/api_load.py)."""

    def test_listen_backlog_is_the_option(self):
        self.config(auth_strategy='noauth', port=0, backlog=333,
                    group='api')
        api = service.APIService()
        api.start()
        self.addCleanup(api.stop)
        self.assertEqual(333, api._server.request_queue_size)
        done = subprocess.run(['ss', '-Hltn', f'sport = :{api.bind_addr[1]}'],
                              capture_output=True, text=True, check=True)
        # Send-Q of a listening socket is its backlog.
        self.assertEqual('333', done.stdout.split()[2], done.stdout)


class TestKeepAlive(base.RPCTestCase):
    """Idle keep-alive connections stay open up to [api]
    keepalive_connections, not cheroot's 10: beyond those, 40 of 50
    concurrent clients connected anew for every request."""

    def serve(self, **options) -> tuple[str, int]:
        self.config(auth_strategy='noauth', port=0, group='api', **options)
        api = service.APIService()
        api.start()
        self.addCleanup(api.stop)
        return api.bind_addr[:2]

    def closed_after_one_request(self, address, clients: int) -> int:
        """How many of ``clients`` connections, each left open after one
        request, the server told it would close."""
        connections = []
        closed = 0
        try:
            for _n in range(clients):
                connection = http.client.HTTPConnection(*address, timeout=10)
                connections.append(connection)
                connection.request('GET', '/')
                response = connection.getresponse()
                response.read()
                self.assertEqual(200, response.status)
                closed += response.getheader('Connection') == 'close'
        finally:
            for connection in connections:
                connection.close()
        return closed

    def test_fifty_clients_are_kept(self):
        self.assertEqual(0, self.closed_after_one_request(self.serve(), 50))

    def test_beyond_the_option_connections_close(self):
        address = self.serve(keepalive_connections=3)
        self.assertGreater(self.closed_after_one_request(address, 12), 0)
