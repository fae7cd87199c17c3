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

"""Serves every route of the API in this process, as pumphouse-api does,
then prints which Pumphouse modules the process has imported.

Run by test_api_process.py as ``python api_probe.py --config-file F``
next to a pumphouse-conductor on the same database and RabbitMQ; not a
test module itself. Prints one JSON document: the status of every
request, and the modules.
"""

import json
import sys

import webtest

from pumphouse.api import app as api_app
from pumphouse.common import service
from pumphouse.db import schema

V11 = {'OpenStack-API-Version': 'migration 1.1'}
V12 = {'OpenStack-API-Version': 'migration 1.2'}
V15 = {'OpenStack-API-Version': 'migration 1.5'}


def probe(app: webtest.TestApp) -> list[tuple[str, str, int]]:
    """One request to every route and method the API serves."""
    seen = []

    def call(method: str, path: str, body=None, headers=None):
        kwargs = {'headers': headers or {}, 'expect_errors': True}
        if body is not None:
            response = getattr(app, f'{method.lower()}_json')(
                path, body, **kwargs)
        else:
            response = getattr(app, method.lower())(path, **kwargs)
        seen.append((method, path, response.status_int))
        return response

    for path in ('/', '/v1', '/v1/', '/healthcheck'):
        call('GET', path)
    call('POST', '/v1/clouds', {'name': 'source', 'cloud': 'source'})
    call('POST', '/v1/clouds', {'name': 'destination',
                                'cloud': 'destination'})
    call('GET', '/v1/clouds')
    call('GET', '/v1/clouds/source')
    call('POST', '/v1/clouds/source/validate', {})
    # The source browser's stacks (1.5): a project that is not there.
    call('GET', '/v1/clouds/source/projects/ph-probe-no-such/stacks',
         headers=V15)

    created = call('POST', '/v1/migrations', {
        'source': 'source', 'destination': 'destination',
        'workload': {'kind': 'project', 'names': ['ph-probe-no-such']}})
    uuid = created.json['uuid']
    call('GET', '/v1/migrations')
    for suffix in ('', '/plan', '/plan?format=dot', '/events', '/report'):
        call('GET', f'/v1/migrations/{uuid}{suffix}')
    call('PUT', f'/v1/migrations/{uuid}/state', {'target': 'running'})
    call('PUT', f'/v1/migrations/{uuid}/state', {'target': 'cancelled'})
    call('POST', f'/v1/migrations/{uuid}/passwords', {})
    call('DELETE', f'/v1/migrations/{uuid}')
    call('GET', '/v1/mappings')

    host = call('POST', '/v1/hosts', {
        'name': 'ph-probe-host', 'source': 'source',
        'destination': 'destination',
        'power': {'driver': 'fake', 'info': {'id': 'probe'}},
        'provision': {'driver': 'fake', 'info': {}}}, headers=V11)
    host_uuid = host.json['uuid']
    call('GET', '/v1/hosts', headers=V11)
    call('GET', '/v1/hosts?source=source', headers=V11)
    call('GET', f'/v1/hosts/{host_uuid}', headers=V11)
    call('PATCH', f'/v1/hosts/{host_uuid}', {'macs': []}, headers=V11)
    call('PUT', f'/v1/hosts/{host_uuid}/state', {'target': 'evacuated'},
         headers=V11)
    call('GET', f'/v1/hosts/{host_uuid}/evacuation-plan', headers=V12)
    call('POST', f'/v1/hosts/{host_uuid}/evacuation-plan',
         {'servers': {'ph-probe-server': 'leave'}}, headers=V12)
    call('GET', f'/v1/hosts/{host_uuid}/operations', headers=V11)
    call('DELETE', f'/v1/hosts/{host_uuid}?force=true', headers=V11)
    call('DELETE', '/v1/clouds/source')
    return seen


def main() -> int:
    service.prepare_service(sys.argv)
    schema.upgrade()
    seen = probe(webtest.TestApp(api_app.setup_app()))
    modules = sorted(m for m in sys.modules if m.startswith('pumphouse'))
    print(json.dumps({'requests': seen, 'modules': modules}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
