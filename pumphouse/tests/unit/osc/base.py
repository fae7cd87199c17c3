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

"""What the tests of the ``openstack migration`` commands share.

The commands run with osc-lib's fake app and this plugin's real client on
a keystoneauth session; only the HTTP answers are canned (requests-mock),
so URLs, bodies, microversion headers and error lines are all checked.
"""

import io
import json

from keystoneauth1 import session as ksa_session
from osc_lib.test import base
from requests_mock.contrib import fixture as rm_fixture

from pumphouse.osc import client as client_mod
from pumphouse.osc.v1 import wait

URL = 'http://pumphouse.test:8799'


def versions(high: str) -> dict:
    """The API's version document, microversions 1.0 to ``high``."""
    return {'versions': [{'id': 'v1', 'status': 'CURRENT',
                          'min_version': '1.0', 'version': high}]}


VERSIONS = versions('1.0')
VERSIONS_1_1 = versions('1.1')
VERSIONS_1_2 = versions('1.2')
VERSIONS_1_4 = versions('1.4')
UUID = '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'
MIGRATION = {'uuid': UUID, 'name': 'm', 'state': 'planned',
             'source': 'src-uuid', 'destination': 'dst-uuid',
             'workload': {'kind': 'project', 'names': ['demo']},
             'strategies': {}, 'supplementary': 'depend', 'options': {},
             'items': {'total': 2, 'by_state': {'pending': 2},
                       'by_action': {'create': 2}},
             'checks': [], 'last_error': None, 'conductor': None,
             'created_at': 't'}
HOST_UUID = '0b8f4a0e-8d8e-4b84-9a43-3c5c1d1f2a10'
SECRET = 'Sup3r-s3cret-BMC'
HOST = {'uuid': HOST_UUID, 'name': 'compute-1', 'source': 'old',
        'destination': 'new', 'state': 'in_source', 'target': None,
        'failed_step': None, 'last_error': None, 'conductor': None,
        'power': {'driver': 'ipmi', 'info': {'address': '10.0.0.5',
                                             'username': 'admin'}},
        'provision': {'driver': 'ironic', 'info': {}},
        'macs': ['52:54:00:12:34:56'], 'options': {'aggregate': 'ag1'},
        'created_at': 't0', 'updated_at': 't1',
        'links': [{'href': f'{URL}/v1/hosts/{HOST_UUID}', 'rel': 'self'}]}


class FakeClock:
    """time.monotonic and time.sleep of the waits: sleeping moves the
    clock on, nothing really sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class CommandTestCase(base.TestCommand):
    """A command against a mocked API (microversion 1.0 by default)."""

    def setUp(self):
        super().setUp()
        self.http = self.useFixture(rm_fixture.Fixture())
        self.http.get(URL + '/', json=VERSIONS)
        self.app.client_manager.migration = client_mod.Client(
            ksa_session.Session(), endpoint_override=URL + '/v1')
        self.app.stderr = io.StringIO()
        self.clock = FakeClock()
        self.patch(wait, 'time', self.clock)

    def run_command(self, cls, args):
        """take_action of a command: its (columns, data), or None."""
        cmd = cls(self.app, None)
        parsed = cmd.get_parser('openstack').parse_args(args)
        return cmd.take_action(parsed)

    def run_whole(self, cls, args, formatter='table'):
        """The command as OSC runs it, its output on the fake stdout."""
        cmd = cls(self.app, None)
        parsed = cmd.get_parser('openstack').parse_args(
            [*args, '-f', formatter])
        return cmd.run(parsed)

    def printed(self) -> str:
        return ''.join(self.fake_stdout.content)

    def printed_json(self):
        return json.loads(self.printed())

    def last_body(self):
        return self.http.request_history[-1].json()

    def shown(self, result) -> dict:
        """The fields of a ShowOne's (columns, values) as a dict."""
        columns, values = result
        return dict(zip(columns, values, strict=True))


class HostTestCase(CommandTestCase):
    """A host command against a 1.1 API."""

    def setUp(self):
        super().setUp()
        self.http.get(URL + '/', json=VERSIONS_1_1)

    def host_requests(self):
        return [r for r in self.http.request_history
                if r.path.startswith('/v1/hosts')]
