"""Requests schema-driven tools do not make, sent byte for byte, and the
status each must get (see test_api_fuzz.py).

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


def _cloud(name: str = '"raw-cloud"', **fields: str) -> bytes:
    """A cloud registration with ``name`` and ``fields`` as raw JSON text
    (to carry escapes such as ``\\ud800`` that json.dumps would not)."""
    body = json.dumps({'name': '@name', 'auth': {
        'auth_url': 'http://127.0.0.1:1/v3', 'username': 'u',
        'password': 'p', 'user_domain_name': 'Default'},
        **{k: f'@{k}' for k in fields}})
    for key, value in {'name': name, **fields}.items():
        body = body.replace(f'"@{key}"', value)
    return body.encode()


def _nested(depth: int, opening: bytes = b'[', closing: bytes = b']',
            inner: bytes = b'') -> bytes:
    return opening * depth + inner + closing * depth


def _host(field: bytes) -> bytes:
    return b'{"name": "raw-host", "source": "fuzz-source", ' + field + b'}'


CASES = (
    # JSON nested 10,000 deep: refused before any parser recurses.
    Case('deep-arrays', 400, b'POST', b'/v1/clouds', (JSON,),
         b'{"name": ' + _nested(10000) + b'}'),
    Case('deep-objects', 400, b'PATCH', b'/v1/hosts/fuzz-compute-1',
         (JSON, LATEST), b'{"options": '
         + _nested(10000, b'{"a": ', b'}', b'1') + b'}'),
    Case('deep-migration', 400, b'POST', b'/v1/migrations', (JSON,),
         b'{"source": "fuzz-source", "destination": "fuzz-destination", '
         b'"workload": ' + _nested(10000) + b'}'),
    # Lone surrogates: in names, in fields stored as JSON, in keys.
    Case('surrogate-name', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"x\\ud800"')),
    Case('surrogate-description', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud(description='"\\udfff"')),
    Case('surrogate-host-name', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST), b'{"name": "h\\ud800", "source": "fuzz-source"}'),
    Case('surrogate-json-option', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST),
         _host(b'"options": {"migration_options": {"k": "\\udc00"}}')),
    Case('surrogate-json-key', 400, b'POST', b'/v1/hosts', (JSON, LATEST),
         _host(b'"options": {"migration_options": {"\\ud800": 1}}')),
    Case('surrogate-driver-info', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST), _host(b'"power": {"driver": "ipmi", "info": '
                               b'{"address": "\\ud800", "username": "u", '
                               b'"password": "p"}}')),
    Case('surrogate-workload', 400, b'POST', b'/v1/migrations', (JSON,),
         b'{"source": "fuzz-source", "destination": "fuzz-destination", '
         b'"workload": {"kind": "project", "names": ["\\ud800"]}}'),
    Case('surrogate-as-utf8-bytes', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"x@"').replace(b'x@', b'x\xed\xa0\x80')),
    Case('surrogate-pair-is-text', 201, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"raw-emoji"', description='"\\ud83d\\ude00"')),
    Case('nul-in-name', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"x\\u0000"')),
    # Percent-escapes that are not UTF-8 (or are NUL).
    Case('path-ff', 400, b'GET', b'/%FF'),
    Case('path-bad-utf8', 400, b'GET', b'/v1/clouds/%C3%28'),
    Case('healthcheck-ff', 400, b'GET', b'/healthcheck%FF'),
    Case('path-surrogate', 400, b'GET', b'/v1/clouds/%ED%A0%80'),
    Case('path-nul', 400, b'GET', b'/v1/clouds/%00'),
    Case('query-ff', 400, b'GET', b'/v1/clouds?marker=%FF'),
    # Methods.
    Case('head', 200, b'HEAD', b'/v1/clouds'),
    Case('head-missing', 404, b'HEAD', b'/v1/clouds/nowhere'),
    Case('head-without-get', 405, b'HEAD', b'/v1/clouds/fuzz-source/validate'),
    Case('options', 405, b'OPTIONS', b'/v1/clouds'),
    Case('options-star', 404, b'OPTIONS', b'*'),
    Case('trace', 405, b'TRACE', b'/v1/clouds', (b'X-Echo: raw-probe',)),
    Case('trace-root', 405, b'TRACE', b'/'),
    # oslo.middleware's health check answers any method (and echoes
    # nothing): left as it is.
    Case('trace-healthcheck', 200, b'TRACE', b'/healthcheck',
         (b'X-Echo: raw-probe',)),
    Case('propfind', 405, b'PROPFIND', b'/v1/clouds'),
    Case('propfind-item', 405, b'PROPFIND', b'/v1/clouds/fuzz-source'),
    Case('method-lowercase', 400, b'get', b'/v1/clouds'),
    Case('method-symbols', 405, b'G@T', b'/v1/clouds'),
    # Headers: size, media type, microversion, host and origin.
    Case('huge-header', 413, b'GET', b'/v1/clouds',
         (b'X-Big: ' + b'a' * 200_000,)),
    Case('many-headers', 413, b'GET', b'/v1/clouds',
         tuple(b'X-H%d: aaaaaaaaaa' % i for i in range(10_000))),
    Case('huge-request-line', 414, b'GET', b'/v1/clouds/' + b'a' * 100_000),
    Case('text-plain-body', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: text/plain',), _cloud()),
    Case('latin-1-json', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: application/json; charset=latin-1',), _cloud()),
    Case('multipart-no-boundary', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: multipart/form-data',), _cloud()),
    Case('garbage-content-type', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: ;;;==',), _cloud()),
    Case('multipart-without-body', 404, b'DELETE', b'/v1/clouds/nowhere',
         (b'Content-Type: multipart/form-data',)),
    Case('version-too-new', 406, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration 1.99',)),
    Case('version-too-old', 406, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration 0.9',)),
    Case('version-words', 400, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration one.two',)),
    Case('version-three-parts', 400, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration 1.2.3',)),
    Case('version-latin-1', 400, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration \xff',)),
    # Another service's microversion, and "migration" with none, are no
    # request for one (as microversion_parse reads them in every API).
    Case('version-other-service', 200, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: AAA',)),
    Case('version-missing', 200, b'GET', b'/v1/clouds',
         (b'OpenStack-API-Version: migration',)),
    Case('host-foreign', 400, b'GET', b'/v1/clouds', host=b'evil.example'),
    Case('host-foreign-port', 400, b'GET', b'/v1/clouds',
         host=b'evil.example:8799'),
    Case('host-not-ascii', 400, b'GET', b'/v1/clouds', host=b'\xff'),
    Case('origin-foreign', 403, b'POST', b'/v1/clouds',
         (JSON, b'Origin: http://evil.example'), _cloud()),
    Case('absolute-target', 400, b'GET', b'http://evil.example/v1/clouds'),
    # Python internals as path segments.
    Case('lookup', 404, b'GET', b'/v1/clouds/_lookup'),
    Case('class', 404, b'GET', b'/v1/clouds/__class__'),
    Case('root-class', 404, b'GET', b'/__class__'),
    Case('v1-lookup', 404, b'GET', b'/v1/_lookup'),
    Case('item-class', 404, b'GET', b'/v1/hosts/fuzz-compute-1/__class__',
         (LATEST,)),
    Case('item-route', 404, b'POST', b'/v1/clouds/fuzz-source/_route'),
    Case('migration-lookup', 404, b'GET',
         b'/v1/migrations/' + NO_MIGRATION + b'/_lookup'),
    # Names that would not survive a URL or a log line.
    Case('name-hash', 400, b'POST', b'/v1/clouds', (JSON,), _cloud('"a#b"')),
    Case('name-question', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"a?b"')),
    Case('name-dotdot', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('".."')),
    Case('name-dot', 400, b'POST', b'/v1/clouds', (JSON,), _cloud('"."')),
    Case('name-newline', 400, b'POST', b'/v1/clouds', (JSON,),
         _cloud('"name\\n"')),
    Case('host-name-hash', 400, b'POST', b'/v1/hosts', (JSON, LATEST),
         b'{"name": "a#b", "source": "fuzz-source"}'),
    Case('migration-name-dotdot', 400, b'POST', b'/v1/migrations', (JSON,),
         b'{"name": "..", "source": "fuzz-source", "destination": '
         b'"fuzz-destination", "workload": {"kind": "project", '
         b'"names": ["demo"]}}'),
    Case('path-hash', 404, b'GET', b'/v1/clouds/a%23b'),
    Case('path-question', 404, b'GET', b'/v1/clouds/a%3Fb'),
    Case('path-dotdot', 404, b'GET', b'/v1/clouds/..'),
    Case('path-escaped-dotdot', 404, b'GET', b'/v1/clouds/%2E%2E'),
    Case('path-newline', 404, b'GET', b'/v1/clouds/fuzz-source%0A'),
)
