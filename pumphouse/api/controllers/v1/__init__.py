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

"""Version 1 of the API."""

import pecan

from pumphouse.api import method
from pumphouse.api import routing
from pumphouse.api import versions
from pumphouse.api.controllers.v1 import clouds
from pumphouse.api.controllers.v1 import hosts
from pumphouse.api.controllers.v1 import mappings
from pumphouse.api.controllers.v1 import migrations


def version_document() -> dict:
    """How version discovery describes v1 (at ``/`` and ``/v1``)."""
    return {
        'id': 'v1',
        'status': 'CURRENT',
        'min_version': versions.format_version(versions.MIN_VERSION),
        'version': versions.format_version(versions.MAX_VERSION),
        'links': [{'href': method.link('v1') + '/', 'rel': 'self'}],
    }


class Controller(routing.Resource):
    """``GET /v1`` describes the version and its resources."""

    children = ('clouds', 'migrations', 'mappings', 'hosts')
    clouds = clouds.CloudsController()
    migrations = migrations.MigrationsController()
    mappings = mappings.MappingsController()
    hosts = hosts.HostsController()

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @method.expose()
    def get(self) -> dict:
        return {
            **version_document(),
            'media_types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.'
                                     'migration.v1+json'}],
            **{resource: [{'href': method.link('v1', resource),
                           'rel': 'self'}]
               for resource in ('clouds', 'migrations', 'mappings', 'hosts')},
        }
