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

"""Replays a recorded HTTP conversation, and nothing else.

A scenario is a JSON list of exchanges, answered strictly in order::

    {"request": {"method": "PUT", "path": "/api/nodes/5/disks",
                 "json": [...]},           # optional: the exact body
     "response": {"status": 200, "headers": {...}, "json": ...}}

A request other than the next one recorded (another method, path, query
or body, or a Nailgun request without the recorded token) is answered
500 and remembered; ``check()`` fails the test with it, and with the
exchanges that were never asked for.

In a JSON value, ``{"$object": "name", "$set": {...}}`` is
``objects/name.json`` with the keys of ``$set`` replaced, and the string
``{base}`` the server's URL (``http://127.0.0.1:PORT``).
"""

import http.server
import json
import pathlib
import threading
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
#: The token Keystone issues in the recordings.
TOKEN = 'gAAAAABnailgun-recorded-token'


def load(value: Any, base: str) -> Any:
    """A recorded JSON value with its objects and ``{base}`` filled in."""
    if isinstance(value, dict):
        if '$object' in value:
            loaded = json.loads(
                (HERE / 'objects' / f'{value["$object"]}.json').read_text())
            loaded = load(loaded, base)
            if '$set' in value:
                loaded.update(load(value['$set'], base))
            return loaded
        return {key: load(item, base) for key, item in value.items()}
    if isinstance(value, list):
        return [load(item, base) for item in value]
    if isinstance(value, str):
        return value.replace('{base}', base)
    return value


class ReplayServer:
    """An HTTP server on 127.0.0.1 that answers one scenario."""

    def __init__(self, scenario: str) -> None:
        self._recorded = json.loads(
            (HERE / f'{scenario}.json').read_text())['exchanges']
        self._lock = threading.Lock()
        self.errors: list[str] = []
        self.done = 0
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), self._handler())
        self.base = f'http://127.0.0.1:{self._server.server_port}'
        self.exchanges = load(self._recorded, self.base)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={'poll_interval': 0.05},
                                        daemon=True)

    def __enter__(self) -> 'ReplayServer':
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def check(self) -> None:
        """Fail on unrecorded requests and unused recordings."""
        left = [f'{e["request"]["method"]} {e["request"]["path"]}'
                for e in self.exchanges[self.done:]]
        problems = list(self.errors)
        if left:
            problems.append(f'recorded but not asked for: {left}')
        assert not problems, '\n'.join(problems)

    def answer(self, method: str, path: str, headers: Any,
               body: bytes) -> tuple[int, dict, bytes]:
        with self._lock:
            if self.done >= len(self.exchanges):
                return self._refuse(f'{method} {path}: not recorded (the '
                                    f'recording is over)')
            exchange = self.exchanges[self.done]
            recorded = exchange['request']
            if (method, path) != (recorded['method'], recorded['path']):
                return self._refuse(
                    f'{method} {path}: not recorded; exchange '
                    f'{self.done} is {recorded["method"]} '
                    f'{recorded["path"]}')
            if 'json' in recorded:
                sent = json.loads(body) if body else None
                if sent != recorded['json']:
                    return self._refuse(
                        f'{method} {path}: body {json.dumps(sent)} is not '
                        f'the recorded {json.dumps(recorded["json"])}')
            if (path.startswith('/api/')
                    and headers.get('X-Auth-Token') != TOKEN):
                return self._refuse(f'{method} {path}: without the token')
            self.done += 1
        response = exchange['response']
        out = b''
        if 'json' in response:
            out = json.dumps(response['json']).encode()
        headers = {'Content-Type': 'application/json',
                   **response.get('headers', {})}
        return response['status'], headers, out

    def _refuse(self, error: str) -> tuple[int, dict, bytes]:
        self.errors.append(error)
        return 500, {'Content-Type': 'text/plain'}, error.encode()

    def _handler(self) -> type:
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            #: Buffered: headers and body leave in one segment, which
            #: spares the client's delayed ACK on each answer.
            wbufsize = -1

            def _serve(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                status, headers, out = replay.answer(
                    self.command, self.path, self.headers, body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_PUT = do_POST = do_DELETE = _serve

            def log_message(self, *args) -> None:
                pass

        return Handler
