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

"""A small HTTP/1.1 server on 127.0.0.1 that plays an OpenStack API for
the fault proxy's tests: JSON with absolute links to itself, streamed
uploads and downloads, given routes, and a record of every request it
got."""

import collections
import hashlib
import http.server
import json
import threading
import urllib.parse

CHUNK = 64 * 1024


def pattern(size: int, offset: int = 0) -> bytes:
    """``size`` bytes of a repeating, position-dependent pattern."""
    block = bytes(range(256)) * 256  # 64 KiB
    start = offset % len(block)
    out = bytearray()
    while len(out) < size:
        out += block[start:]
        start = 0
    return bytes(out[:size])


def generate(size: int, piece: int = CHUNK):
    """The pattern of :func:`pattern`, ``piece`` bytes at a time."""
    sent = 0
    while sent < size:
        data = pattern(min(piece, size - sent), sent)
        sent += len(data)
        yield data


class Sized:
    """A body of ``size`` pattern bytes that requests sends with a
    Content-Length (a plain generator goes chunked)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        return generate(self.size)


def pattern_digest(size: int) -> str:
    digest = hashlib.sha256()
    for data in generate(size):
        digest.update(data)
    return digest.hexdigest()


class Upstream:
    """The server; ``url`` is its origin. Use as a context manager."""

    def __init__(self, routes=None) -> None:
        self.requests: list[tuple[str, str]] = []
        self.created = collections.Counter()
        self.lock = threading.Lock()
        #: (method, path or path?query) -> callable(url of this server)
        #: -> (status,
        #: JSON body[, headers]): a server with routes answers only those
        #: (404 otherwise), one without plays the test routes below.
        self.routes = dict(routes or {})
        outer = self

        class Handler(_Handler):
            upstream = outer

        self.server = _Server(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}'
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={'poll_interval': 0.05},
                                       daemon=True)

    def __enter__(self) -> 'Upstream':
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _Server(http.server.ThreadingHTTPServer):
    # The default backlog of 5 resets connections under 50 parallel
    # requests.
    request_queue_size = 128


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    upstream: Upstream

    def log_message(self, *args) -> None:
        pass

    def _record(self) -> None:
        with self.upstream.lock:
            self.upstream.requests.append((self.command, self.path))

    def _body_pieces(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', ''):
            while True:
                size = int(self.rfile.readline().split(b';')[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b''):
                        pass
                    return
                left = size
                while left:
                    data = self.rfile.read(min(left, CHUNK))
                    left -= len(data)
                    yield data
                self.rfile.readline()
        else:
            left = int(self.headers.get('Content-Length') or 0)
            while left:
                data = self.rfile.read(min(left, CHUNK))
                if not data:
                    return
                left -= len(data)
                yield data

    def _json(self, status: int, body, headers=()) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def _stream(self, size: int, chunked: bool) -> None:
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        if chunked:
            self.send_header('Transfer-Encoding', 'chunked')
        else:
            self.send_header('Content-Length', str(size))
        self.end_headers()
        for data in generate(size):
            if chunked:
                self.wfile.write(b'%x\r\n%b\r\n' % (len(data), data))
            else:
                self.wfile.write(data)
        if chunked:
            self.wfile.write(b'0\r\n\r\n')

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_DELETE(self) -> None:
        self.do_GET()

    def _route(self) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        if not self.upstream.routes:
            return False
        for _ in self._body_pieces():
            pass
        routes = self.upstream.routes
        route = routes.get((self.command, self.path)) or routes.get(
            (self.command, path))
        if route is None:
            self._json(404, {'error': {'code': 404, 'message': path}})
            return True
        status, body, *headers = route(self.upstream.url)
        self._json(status, body, headers=headers[0] if headers else ())
        return True

    def do_GET(self) -> None:
        self._record()
        if self._route():
            return
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        me = self.upstream.url
        if url.path == '/download':
            self._stream(int(query['size']), query.get('chunked') == '1')
        elif url.path == '/escaped':
            # JSON may escape "/" as "\/" (not Python's json module).
            escaped = me.replace('/', '\\/')
            data = ('{"href": "' + escaped + '/v3/"}').encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif url.path == '/links':
            self._json(200, {
                'server': {'id': 'abc', 'links': [
                    {'rel': 'self', 'href': f'{me}/v2.1/servers/abc'},
                    {'rel': 'bookmark', 'href': f'{me}/servers/abc'}]},
                'longer_port': f'{me}1/not-mine',
                'relative': '/v2/images/abc/file'},
                headers=[('Location', f'{me}/v2.1/servers/abc')])
        elif url.path == '/redirect':
            self.send_response(302)
            self.send_header('Location', f'{me}/links')
            self.send_header('Content-Length', '0')
            self.end_headers()
        elif url.path == '/v3':
            self._json(200, {'version': {
                'id': 'v3.14', 'status': 'stable',
                'links': [{'rel': 'self', 'href': f'{me}/v3/'}]}})
        else:
            self._json(200, {'path': self.path})

    def do_PUT(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        self._record()
        if self._route():
            return
        url = urllib.parse.urlsplit(self.path)
        digest, size = hashlib.sha256(), 0
        for data in self._body_pieces():
            digest.update(data)
            size += len(data)
        if url.path == '/create':
            with self.upstream.lock:
                self.upstream.created[self.path] += 1
            self._json(201, {'created': True},
                       headers=[('Location', f'{self.upstream.url}/x/1')])
            return
        self._json(200, {'size': size, 'sha256': digest.hexdigest()})
