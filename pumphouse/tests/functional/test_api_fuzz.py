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

"""The API of a real ``pumphouse serve``, fuzzed; no cloud harness needed.

Schemathesis (pinned in test-requirements.txt) makes requests from the
API's own OpenAPI document (``GET /v1/openapi.json``), seeded: its
examples, coverage, fuzzing and stateful phases (the document links each
creation to its item), half of the path parameters and cloud names taken
from what exists. What schema tools do not send: test_api_raw_http.py.

No answer may be a 5xx (but the ones the document declares for an
evacuation plan, a cloud's resources and a project's stacks when the
cloud cannot be read: every cloud here is unreachable), hold a
traceback or the secret of the clouds and the BMC; the server may log no
traceback. Schemathesis also checks that statuses, media types, headers
and bodies are the ones the document declares.
"""

import json
import os
import subprocess
import time
from urllib import parse

import pytest

from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import fuzz_target

#: The seed and cases per operation and phase (the coverage phase adds
#: its own); longer or other runs: PUMPHOUSE_TEST_FUZZ_SEED and
#: PUMPHOUSE_TEST_FUZZ_EXAMPLES.
SEED = int(os.environ.get('PUMPHOUSE_TEST_FUZZ_SEED', 15))
MAX_EXAMPLES = int(os.environ.get('PUMPHOUSE_TEST_FUZZ_EXAMPLES', 25))
MIN_CASES = 2000
#: What schemathesis checks besides; server errors are looked for in every
#: exchange here (one 503 is documented and expected).
CHECKS = ('status_code_conformance,content_type_conformance,'
          'response_headers_conformance,response_schema_conformance')
#: Path, query and body fields given an existing item, half of the time.
BINDINGS = {'path.cloud': 'clouds', 'path.host': 'hosts',
            'path.migration': 'migrations', 'query.source': 'clouds',
            'query.source_cloud': 'clouds',
            'query.destination_cloud': 'clouds', 'body.source': 'clouds',
            'body.destination': 'clouds'}


@pytest.fixture(scope='module')
def target(tmp_path_factory):
    with fuzz_target.served(tmp_path_factory.mktemp('api-fuzz')) as served:
        yield served


def _config(target: fuzz_target.Target) -> str:
    """schemathesis.toml: no example database, the existing items."""
    lines = ['[generation]', 'database = "none"']
    for name in ('clouds', 'hosts', 'migrations'):
        lines += [f'[dictionaries.{name}]',
                  f'values = {json.dumps(getattr(target, name))}']
    lines.append('[parameters]')
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}'
              for key, name in BINDINGS.items()]
    return '\n'.join(lines) + '\n'


def _schemathesis(target: fuzz_target.Target, workdir) -> tuple[dict, list]:
    """Run schemathesis; its JSON report and every exchange (HAR)."""
    config = workdir / 'schemathesis.toml'
    config.write_text(_config(target))
    run = subprocess.run(
        [str(fixtures.BIN / 'schemathesis'), '--config-file', str(config),
         '--no-color', 'run', f'{target.url}/v1/openapi.json',
         '--seed', str(SEED), '--max-examples', str(MAX_EXAMPLES),
         '--workers', '2', '--checks', CHECKS, '--continue-on-failure',
         '--output-sanitize', 'false', '--report', 'json,har',
         '--report-json-path', str(workdir / 'report.json'),
         '--report-har-path', str(workdir / 'exchanges.har')],
        cwd=workdir, capture_output=True, text=True, timeout=600)
    assert (workdir / 'report.json').exists(), run.stdout + run.stderr
    report = json.loads((workdir / 'report.json').read_text())
    report['output'] = run.stdout[-20000:]
    har = json.loads((workdir / 'exchanges.har').read_text())
    return report, har['log']['entries']


def _text(entry: dict) -> str:
    response = entry['response']
    return response.get('content', {}).get('text', '') + ''.join(
        f"\n{h['name']}: {h['value']}" for h in response['headers'])


def _unreachable_cloud(entry: dict) -> bool:
    """The documented 503 of an evacuation plan's dry run, of a cloud's
    resources and of a project's stacks: they read a cloud, and no cloud
    here answers."""
    request = entry['request']
    path = parse.urlsplit(request['url']).path
    return (entry['response']['status'] == 503
            and ((request['method'] == 'POST'
                  and path.endswith('/evacuation-plan'))
                 or (request['method'] == 'GET'
                     and path.endswith(('/resources', '/stacks'))))
            and ' could not be read: ' in _text(entry))


def _label(entry: dict) -> str:
    request = entry['request']
    return (f"{request['method']} {request['url']} -> "
            f"{entry['response']['status']}")


def test_schemathesis(target, tmp_path):
    started = time.monotonic()
    report, entries = _schemathesis(target, tmp_path)
    elapsed = time.monotonic() - started
    generated = report['test_cases']['generated']
    print(f'schemathesis: {generated} cases, {len(entries)} requests in '
          f'{elapsed:.0f}s')
    assert generated >= MIN_CASES, report['output']
    assert report['failures'] == [], report['output']
    assert report['errors'] == [], report['output']
    assert report['test_cases']['errored'] == 0, report['output']

    server_errors = [_label(e) for e in entries
                     if e['response']['status'] >= 500
                     and not _unreachable_cloud(e)]
    assert server_errors == []
    leaks = [(_label(e), found) for e in entries
             if (found := fuzz_target.problems(_text(e), target.secret))]
    assert leaks == []
    # The scan saw the clouds that hold the secret.
    assert any('fuzz-source' in _text(e) for e in entries)
    assert fuzz_target.problems(target.log(), target.secret) == []


def test_server_logged_no_traceback_nor_secret(target):
    assert fuzz_target.problems(target.log(), target.secret) == []
