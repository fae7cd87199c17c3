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
networks and bytes, or its compute hosts with their servers and state.

``GET /v1/clouds/{cloud}/projects/{project}/stacks`` (1.5): one project's
Heat stacks, read when the browser asks for them (a conductor lists them
with a token scoped to the project).
"""

import pecan

from pumphouse.api import method
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.schemas.v1 import cloud_resources as schemas
from pumphouse.common import policy
from pumphouse.db import api as db_api

RESOURCES_VERSION = (1, 3)
#: The microversion that brought a project's stacks.
STACKS_VERSION = (1, 5)


def _authorize() -> None:
    policy.authorize('pumphouse:cloud:resources', {}, pecan.request.context)


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
        _authorize()
        params = validation.query()
        cloud = db_api.get_cloud(self.ident)
        found = pecan.request.rpcapi.describe_cloud(
            pecan.request.context, cloud.uuid, params['type'])
        return {'type': params['type'], params['type']: found}

    @property
    def projects(self) -> 'CloudProjectsController':
        return CloudProjectsController(self.ident)


class CloudProjectController(routing.Resource):
    """``/v1/clouds/{cloud}/projects/{project}``: what is read of one
    project of a cloud."""

    children = ('stacks',)

    def __init__(self, cloud_ident: str, project: str) -> None:
        self.cloud_ident = cloud_ident
        self.project = project

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @pecan.expose(generic=True)
    def stacks(self):
        method.not_allowed()

    @stacks.when(method='GET', template='json')
    @validation.response_body(schemas.project_stacks)
    @method.expose(min_version=STACKS_VERSION, errors={
        409: 'the cloud has no Heat (no orchestration service in its '
             'catalog).',
        503: 'the cloud could not be read, or no conductor answered in '
             'time.'})
    def get_stacks(self) -> dict:
        """A project's Heat stacks, read from the cloud now. Heat lists
        a project's stacks only to a token scoped to it: when the
        cloud's user has no role on the project, the conductor gives it
        ``[identity] source_project_role`` for the listing and takes it
        back afterwards."""
        _authorize()
        cloud = db_api.get_cloud(self.cloud_ident)
        return pecan.request.rpcapi.list_project_stacks(
            pecan.request.context, cloud.uuid, self.project)


class CloudProjectsController(routing.Resource):
    """``/v1/clouds/{cloud}/projects``: a cloud's projects, by id or
    name (only their sub-resources are served)."""

    item_name = 'project'
    item_description = ('The id of a project of the cloud, or a name only '
                        'one of its projects has.')

    def __init__(self, cloud_ident: str) -> None:
        self.cloud_ident = cloud_ident

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    def item(self, ident: str) -> CloudProjectController:
        return CloudProjectController(self.cloud_ident, ident)
