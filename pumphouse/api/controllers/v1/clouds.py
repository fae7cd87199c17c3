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

"""``/v1/clouds``: the source and destination clouds Pumphouse knows."""

import contextlib
import threading

import pecan
from oslo_log import log

from pumphouse.api import method
from pumphouse.api import paging
from pumphouse.api import routing
from pumphouse.api import validation
from pumphouse.api.controllers.v1 import cloud_resources
from pumphouse.api.schemas.v1 import clouds as schemas
from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.common import policy
from pumphouse.conf import CONF
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)


def _timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def cloud_view(cloud) -> dict:
    """What the API shows of a cloud: never a secret (the public
    configuration is masked again, for an ``auth_url`` with credentials
    stored by an earlier release)."""
    view = {
        'uuid': cloud.uuid,
        'name': cloud.name,
        'description': cloud.description,
        'created_at': _timestamp(cloud.created_at),
        'updated_at': _timestamp(cloud.updated_at),
        'links': [{'href': method.link('v1', 'clouds', cloud.uuid),
                   'rel': 'self'}],
    }
    view.update(masking.mask(cloud.config))
    return view


class _ValidationSlots:
    """How many validations this API process waits for at once.

    A validation holds an API thread for up to ``[clouds]
    validation_timeout``; past ``[api] max_validations`` (and never all
    of ``[api] threads``) one is refused at once, so that the API, its
    health check included, keeps answering.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0

    @staticmethod
    def limit() -> int:
        return max(1, min(CONF.api.max_validations, CONF.api.threads - 1))

    @contextlib.contextmanager
    def hold(self):
        with self._lock:
            if self._busy >= self.limit():
                raise exception.TooManyValidations(count=self._busy)
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1


_validations = _ValidationSlots()


def _authorize(action: str) -> None:
    policy.authorize(f'pumphouse:cloud:{action}', {},
                     pecan.request.context)


class CloudController(cloud_resources.CloudResourcesMixin,
                      routing.Resource):
    """``/v1/clouds/{cloud}``, by UUID or name."""

    children = ('validate', 'resources', 'projects')

    def __init__(self, ident: str) -> None:
        self.ident = ident

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.cloud)
    @method.expose()
    def get(self) -> dict:
        """Show a cloud (never its secrets)."""
        _authorize('get')
        return cloud_view(db_api.get_cloud(self.ident))

    @index.when(method='DELETE')
    @method.expose(status_code=204)
    def delete(self) -> None:
        """Forget a cloud."""
        _authorize('delete')
        cloud = db_api.get_cloud(self.ident)
        db_api.delete_cloud(cloud.uuid)
        LOG.info('Cloud %(name)s (%(uuid)s) deleted',
                 {'name': cloud.name, 'uuid': cloud.uuid})

    @pecan.expose(generic=True)
    def validate(self):
        method.not_allowed()

    @validate.when(method='POST', template='json')
    @validation.response_body(schemas.validation_result)
    @method.expose(errors={
        429: 'as many validations as this API process waits for are '
             'under way; try again in a moment.',
        **method.CONDUCTOR_ERRORS})
    def validate_post(self) -> dict:
        """Check that the cloud can be reached with its credentials, and
        which services it offers."""
        _authorize('validate')
        cloud = db_api.get_cloud(self.ident)
        with _validations.hold():
            return pecan.request.rpcapi.validate_cloud(
                pecan.request.context, cloud.uuid)


class CloudsController(routing.Resource):
    """``/v1/clouds``: list and register."""

    item_name = 'cloud'
    item_description = 'The UUID or the name of a cloud.'

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @validation.response_body(schemas.cloud_list)
    @validation.query_schema(schemas.list_query)
    @method.expose()
    def get_all(self) -> dict:
        """List the clouds, a page at a time."""
        _authorize('get')
        params = validation.query()
        limit = paging.limit(params)
        clouds = db_api.list_clouds(limit=limit,
                                    marker=params.get('marker'),
                                    sort_key=params.get('sort_key', 'id'),
                                    sort_dir=params.get('sort_dir', 'asc'))
        result = {'clouds': [cloud_view(c) for c in clouds]}
        if len(clouds) == limit:
            result['next'] = paging.next_link('clouds', params, limit=limit,
                                              marker=clouds[-1].uuid)
        return result

    @index.when(method='POST', template='json')
    @validation.response_body(schemas.cloud)
    @validation.request_body(schemas.create_request)
    @method.expose(status_code=201)
    def create(self) -> dict:
        """Register a cloud: an entry of clouds.yaml or keystoneauth
        parameters."""
        _authorize('create')
        body = validation.body()
        if ('cloud' in body) == ('auth' in body):
            raise exception.Invalid(
                reason='give either "cloud" (an entry of clouds.yaml) or '
                       '"auth" (keystoneauth parameters), not both or '
                       'neither')
        if 'auth_type' in body and 'auth' not in body:
            raise exception.Invalid(reason='"auth_type" goes with "auth"')
        config, secret = cloud_config.split_registration(body)
        cloud = db_api.create_cloud({'name': body['name'],
                                     'description': body.get('description'),
                                     'config': config,
                                     'credentials': secret})
        LOG.info('Cloud %(name)s (%(uuid)s) registered',
                 {'name': cloud.name, 'uuid': cloud.uuid})
        pecan.response.headers['Location'] = method.link('v1', 'clouds',
                                                         cloud.uuid)
        return cloud_view(cloud)

    def item(self, ident: str) -> CloudController:
        return CloudController(ident)
