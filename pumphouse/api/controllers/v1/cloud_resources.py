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

"""``GET /v1/clouds/{cloud}/resources?type=projects|hosts`` (microversion
1.3): what a registered cloud holds, read now by a conductor, for the web
UI's source browser: its projects with their servers, volumes, images,
networks and bytes, or its compute hosts with their servers and state."""

import pecan

from pumphouse.api import method
from pumphouse.api import validation
from pumphouse.api.schemas.v1 import cloud_resources as schemas
from pumphouse.common import policy
from pumphouse.db import api as db_api

RESOURCES_VERSION = (1, 3)


class CloudResourcesMixin:
    """The ``resources`` child of a cloud's controller (which has
    ``ident``)."""

    @pecan.expose(generic=True)
    def resources(self):
        method.not_allowed()

    @resources.when(method='GET', template='json')
    @validation.response_body(schemas.resources)
    @validation.query_schema(schemas.resources_query)
    @method.expose(min_version=RESOURCES_VERSION, errors={
        503: 'the cloud could not be read, or no conductor answered in '
             'time.'})
    def get_resources(self) -> dict:
        """What a cloud holds, read from it now: its projects or its
        compute hosts."""
        policy.authorize('pumphouse:cloud:resources', {},
                         pecan.request.context)
        params = validation.query()
        cloud = db_api.get_cloud(self.ident)
        found = pecan.request.rpcapi.describe_cloud(
            pecan.request.context, cloud.uuid, params['type'])
        return {'type': params['type'], params['type']: found}
