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

"""The root of the API: version discovery."""

import pecan

from pumphouse.api import method
from pumphouse.api import openapi
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.controllers import v1
from pumphouse.api.schemas import versions as schemas
from pumphouse.conf import CONF


class RootController(routing.Resource):
    """``GET /`` lists the API versions."""

    children = ('v1',)

    def __init__(self) -> None:
        self.v1 = v1.Controller(describe_api=self.openapi_document)

    def openapi_document(self) -> dict:
        """The OpenAPI document of everything below this root."""
        return openapi.document(self, CONF.api.auth_strategy)

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.root)
    @method.expose()
    def get(self) -> dict:
        """List the versions of the API."""
        return {
            'name': 'Pumphouse',
            'description': 'Moves workloads between OpenStack clouds.',
            'versions': [v1.version_document()],
            'default_version': v1.version_document(),
        }
