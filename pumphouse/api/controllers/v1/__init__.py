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

from collections.abc import Callable

import pecan

from pumphouse.api import method
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api import versions
from pumphouse.api.controllers.v1 import clouds
from pumphouse.api.controllers.v1 import hosts
from pumphouse.api.controllers.v1 import mappings
from pumphouse.api.controllers.v1 import migrations
from pumphouse.api.schemas import versions as schemas


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
    """``GET /v1`` describes the version and its resources;
    ``GET /v1/openapi.json`` is the OpenAPI document ``describe_api``
    makes."""

    children = ('clouds', 'migrations', 'mappings', 'hosts', 'openapi.json')
    clouds = clouds.CloudsController()
    migrations = migrations.MigrationsController()
    mappings = mappings.MappingsController()
    hosts = hosts.HostsController()

    def __init__(self, describe_api: Callable[[], dict]) -> None:
        self.describe_api = describe_api

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.v1)
    @method.expose()
    def get(self) -> dict:
        """Describe version 1 and link to its resources."""
        return {
            **version_document(),
            'media_types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.'
                                     'migration.v1+json'}],
            **{resource: [{'href': method.link('v1', resource),
                           'rel': 'self'}]
               for resource in schemas.V1_RESOURCES},
        }

    @pecan.expose(generic=True)
    def openapi_json(self):
        method.not_allowed()

    @openapi_json.when(method='GET', template='json')
    @validation.response_body(schemas.openapi)
    @method.expose()
    def get_openapi(self) -> dict:
        """The OpenAPI 3.1 document of the API, made from the schemas
        its requests and responses are checked against."""
        return self.describe_api()
