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

"""``/v1/mappings``: which destination resource each source one became.

The mappings are what makes a migration create nothing twice, across
migrations between the same two clouds. They are the administrator's.
"""

import pecan

from pumphouse.api import method
from pumphouse.api import paging
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.controllers.v1 import migration_views as views
from pumphouse.api.schemas.v1 import mappings as schemas
from pumphouse.common import exception
from pumphouse.common import policy
from pumphouse.db import api as db_api
from pumphouse.db import mapping_api
from pumphouse.db import migration_api


def mapping_view(mapping, clouds: dict[int, str],
                 migrations: dict[int, str]) -> dict:
    return {'id': mapping.id,
            'source_cloud': clouds[mapping.source_cloud_id],
            'destination_cloud': clouds[mapping.destination_cloud_id],
            'resource_type': mapping.resource_type,
            'source_id': mapping.source_id,
            'destination_id': mapping.destination_id,
            'migration': migrations.get(mapping.migration_id),
            'created_at': views.timestamp(mapping.created_at),
            'updated_at': views.timestamp(mapping.updated_at)}


def _cloud_id(params: dict, name: str) -> int | None:
    if name not in params:
        return None
    try:
        return db_api.get_cloud(params[name]).id
    except exception.CloudNotFound as e:
        raise exception.InvalidParameterValue(
            reason=f'{name}: {e}') from e


class MappingsController(routing.Resource):
    """``GET /v1/mappings``, filtered and paginated by mapping id."""

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.mapping_list)
    @validation.query_schema(schemas.list_query)
    @method.expose()
    def get_all(self) -> dict:
        """List the mappings, filtered, a page at a time."""
        policy.authorize('pumphouse:mapping:get', {}, pecan.request.context)
        params = validation.query()
        limit = paging.limit(params)
        mappings = mapping_api.list_mappings(
            source_cloud_id=_cloud_id(params, 'source_cloud'),
            destination_cloud_id=_cloud_id(params, 'destination_cloud'),
            resource_type=params.get('type'),
            source_id=params.get('source_id'), limit=limit,
            marker=int(params['marker']) if 'marker' in params else None)
        clouds = views.cloud_uuids()
        migrations = migration_api.migration_uuids(
            m.migration_id for m in mappings if m.migration_id is not None)
        result = {'mappings': [mapping_view(m, clouds, migrations)
                               for m in mappings]}
        if len(mappings) == limit:
            result['next'] = paging.next_link('mappings', params,
                                             marker=mappings[-1].id,
                                             limit=limit)
        return result
