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

"""Raw HTTP requests, sent byte for byte (test_api_raw_http.py).

A request target, header or body here is exactly what goes on the wire:
no client library normalizes, encodes or refuses it first.
"""

import dataclasses
import http.client
import json
import socket

JSON = b'Content-Type: application/json'
LATEST = b'OpenStack-API-Version: migration latest'
#: A migration that does not exist (its sub-resources route all the same).
NO_MIGRATION = b'6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'


@dataclasses.dataclass(frozen=True)
class Case:
    """One raw request and the status it must get."""

    name: str
    expected: int
    method: bytes
    target: bytes
    headers: tuple[bytes, ...] = ()
    body: bytes = b''
    host: bytes = b'127.0.0.1'


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode('utf-8', errors='replace') + ''.join(
            f'\n{k}: {v}' for k, v in self.headers.items())


def send(address: tuple[str, int], case: Case) -> Answer:
    """``case`` on a connection of its own, read back with http.client."""
    lines = [case.method + b' ' + case.target + b' HTTP/1.1',
             b'Host: ' + case.host, b'Connection: close', *case.headers]
    if case.body:
        lines.append(b'Content-Length: %d' % len(case.body))
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(b'\r\n'.join(lines) + b'\r\n\r\n' + case.body)
        response = http.client.HTTPResponse(sock,
                                            method=case.method.decode())
        response.begin()
        return Answer(response.status, dict(response.getheaders()),
                      response.read())


def cloud(name: str = '"raw-cloud"', **fields: str) -> bytes:
    """A cloud registration with ``name`` and ``fields`` as raw JSON text
    (to carry escapes such as ``\\ud800`` that json.dumps would not)."""
    body = json.dumps({'name': '@name', 'auth': {
        'auth_url': 'http://127.0.0.1:1/v3', 'username': 'u',
        'password': 'p', 'user_domain_name': 'Default'},
        **{k: f'@{k}' for k in fields}})
    for key, value in {'name': name, **fields}.items():
        body = body.replace(f'"@{key}"', value)
    return body.encode()


def nested(depth: int, opening: bytes = b'[', closing: bytes = b']',
           inner: bytes = b'') -> bytes:
    """``inner`` in ``depth`` arrays (or what ``opening`` opens)."""
    return opening * depth + inner + closing * depth


def host(fields: bytes) -> bytes:
    """A host registration with ``fields`` as raw JSON text."""
    return (b'{"name": "raw-host", "source": "fuzz-source", ' + fields
            + b'}')
