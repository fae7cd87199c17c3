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

"""Servers on 127.0.0.1 for tests that need a real peer: an HTTPS server
with a certificate of its own, and a listener that never answers."""

import datetime
import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading

import fixtures
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_certificate(directory: str) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files in
    ``directory``: (certificate path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                       critical=True)
        .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, 'server.pem')
    key_path = os.path.join(directory, 'server.key')
    with open(cert_path, 'wb') as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


class _RefusingKeystone(http.server.BaseHTTPRequestHandler):
    """A Keystone v3 that refuses every credential: version discovery
    answers, token requests get a 401."""

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = f'https://127.0.0.1:{self.server.server_address[1]}/v3/'
        self._answer(200, {'version': {
            'id': 'v3.14', 'status': 'stable',
            'links': [{'rel': 'self', 'href': url}],
            'media-types': [{'base': 'application/json', 'type':
                             'application/vnd.openstack.identity-v3+json'}]}})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self._answer(401, {'error': {'code': 401,
                                     'title': 'Unauthorized'}})

    def log_message(self, *args) -> None:
        pass


class HTTPSServer(fixtures.Fixture):
    """A Keystone over HTTPS on 127.0.0.1 that refuses every credential;
    ``cacert`` is the file that verifies its certificate, ``url`` its
    address."""

    def __init__(self, directory: str) -> None:
        super().__init__()
        self.directory = directory

    def _setUp(self) -> None:
        self.cacert, key = self_signed_certificate(self.directory)
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                 _RefusingKeystone)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cacert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.url = f'https://127.0.0.1:{server.server_address[1]}'


class SilentListener(fixtures.Fixture):
    """A TCP listener on 127.0.0.1 that accepts connections and never
    answers; ``url`` is an HTTP URL of it."""

    def _setUp(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(('127.0.0.1', 0))
        self.socket.listen(128)
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.addCleanup(self._close, thread)
        self.url = f'http://127.0.0.1:{self.socket.getsockname()[1]}'

    def _accept(self) -> None:
        self.socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def _close(self, thread: threading.Thread) -> None:
        self._stop.set()
        thread.join(5)
        for connection in self.accepted:
            connection.close()
        self.socket.close()
