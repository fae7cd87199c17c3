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

"""``pumphouse serve``: one process on embedded defaults.

No configuration file at all: SQLite under the XDG state directory,
in-process RPC, no authentication, the API on 127.0.0.1:8799 (here on a
free port through PUMPHOUSE's oslo.config environment override).
"""

import os
import pathlib
import signal
import sqlite3

import pytest
import requests

from pumphouse.tests.functional import fixtures


@pytest.fixture
def served(tmp_path):
    with fixtures.embedded_serve(tmp_path) as (process, url, env):
        yield process, url, pathlib.Path(env['XDG_STATE_HOME'])


def test_serve_on_embedded_defaults(served):
    process, url, state_home = served
    database = state_home / 'pumphouse' / 'pumphouse.sqlite'
    key = state_home / 'pumphouse' / 'credentials.key'
    assert database.exists()
    assert oct(os.stat(key).st_mode & 0o777) == '0o600'

    response = requests.post(url + '/v1/clouds', timeout=30, json={
        'name': 'source', 'cloud': 'source'})
    assert response.status_code == 201, response.text
    result = requests.post(url + '/v1/clouds/source/validate',
                           timeout=90).json()
    assert result['valid'], result
    assert any(s['type'] == 'identity' for s in result['services'])

    with sqlite3.connect(database) as conn:
        names = [r[0] for r in conn.execute('SELECT name FROM clouds')]
        hosts = [r[0] for r in conn.execute(
            "SELECT name FROM owners WHERE online = 1 "
            "AND kind = 'conductor'")]
    assert names == ['source']
    assert len(hosts) == 1

    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(30) == 0
    assert 'Conductor' in process.output() and 'stopped' in process.output()
