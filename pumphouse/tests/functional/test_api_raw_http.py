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

"""Requests schema tools do not make, sent byte for byte to a real
``pumphouse serve`` (no cloud harness needed), and the status each must
get: 4xx, or 2xx where the request is fine.

None may be answered with a 5xx, a traceback or the clouds' secret, nor
leave a traceback in the server's log.
"""

import json

import pytest

from pumphouse.tests.functional import fuzz_target
from pumphouse.tests.functional import raw_http

Case = raw_http.Case
JSON = raw_http.JSON
LATEST = raw_http.LATEST
NO_MIGRATION = raw_http.NO_MIGRATION
cloud = raw_http.cloud
host = raw_http.host
nested = raw_http.nested

CASES = (
    # JSON nested 10,000 deep: refused before any parser recurses.
    Case('deep-arrays', 400, b'POST', b'/v1/clouds', (JSON,),
         b'{"name": ' + nested(10000) + b'}'),
    Case('deep-objects', 400, b'PATCH', b'/v1/hosts/fuzz-compute-1',
         (JSON, LATEST), b'{"options": '
         + nested(10000, b'{"a": ', b'}', b'1') + b'}'),
    Case('deep-migration', 400, b'POST', b'/v1/migrations', (JSON,),
         b'{"source": "fuzz-source", "destination": "fuzz-destination", '
         b'"workload": ' + nested(10000) + b'}'),
    # Lone surrogates: in names, in fields stored as JSON, in keys.
    Case('surrogate-name', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('"x\\ud800"')),
    Case('surrogate-description', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud(description='"\\udfff"')),
    Case('surrogate-host-name', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST), b'{"name": "h\\ud800", "source": "fuzz-source"}'),
    Case('surrogate-json-option', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST),
         host(b'"options": {"migration_options": {"k": "\\udc00"}}')),
    Case('surrogate-json-key', 400, b'POST', b'/v1/hosts', (JSON, LATEST),
         host(b'"options": {"migration_options": {"\\ud800": 1}}')),
    Case('surrogate-driver-info', 400, b'POST', b'/v1/hosts',
         (JSON, LATEST), host(b'"power": {"driver": "ipmi", "info": '
                               b'{"address": "\\ud800", "username": "u", '
                               b'"password": "p"}}')),
    Case('surrogate-workload', 400, b'POST', b'/v1/migrations', (JSON,),
         b'{"source": "fuzz-source", "destination": "fuzz-destination", '
         b'"workload": {"kind": "project", "names": ["\\ud800"]}}'),
    Case('surrogate-as-utf8-bytes', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('"x@"').replace(b'x@', b'x\xed\xa0\x80')),
    Case('surrogate-pair-is-text', 201, b'POST', b'/v1/clouds', (JSON,),
         cloud('"raw-emoji"', description='"\\ud83d\\ude00"')),
    Case('nul-in-name', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('"x\\u0000"')),
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
         (b'Content-Type: text/plain',), cloud()),
    Case('latin-1-json', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: application/json; charset=latin-1',), cloud()),
    Case('multipart-no-boundary', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: multipart/form-data',), cloud()),
    Case('garbage-content-type', 415, b'POST', b'/v1/clouds',
         (b'Content-Type: ;;;==',), cloud()),
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
         (JSON, b'Origin: http://evil.example'), cloud()),
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
    Case('name-hash', 400, b'POST', b'/v1/clouds', (JSON,), cloud('"a#b"')),
    Case('name-question', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('"a?b"')),
    Case('name-dotdot', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('".."')),
    Case('name-dot', 400, b'POST', b'/v1/clouds', (JSON,), cloud('"."')),
    Case('name-newline', 400, b'POST', b'/v1/clouds', (JSON,),
         cloud('"name\\n"')),
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


@pytest.fixture(scope='module')
def target(tmp_path_factory):
    with fuzz_target.served(tmp_path_factory.mktemp('api-raw')) as served:
        yield served


@pytest.mark.parametrize('case', CASES, ids=lambda c: c.name)
def test_raw_request(target, case):
    answer = raw_http.send(target.address, case)
    assert answer.status == case.expected, answer.text
    if answer.status >= 400 and case.method != b'HEAD' and \
            answer.headers.get('Content-Type', '').startswith(
                'application/json'):
        assert json.loads(answer.body)['error']['code'] == answer.status
    assert fuzz_target.problems(answer.text, target.secret) == []
    assert 'raw-probe' not in answer.body.decode('utf-8', 'replace')


def test_server_logged_no_traceback_nor_secret(target):
    assert fuzz_target.problems(target.log(), target.secret) == []
