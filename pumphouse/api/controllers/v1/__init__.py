"""Version 1 of the API."""

import pecan

from pumphouse.api import method
from pumphouse.api import versions
from pumphouse.api.controllers.v1 import clouds


class Controller:
    """``GET /v1`` describes the version and its resources."""

    clouds = clouds.CloudsController()

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @method.expose()
    def get(self) -> dict:
        return {
            'id': 'v1',
            'status': 'CURRENT',
            'min_version': versions.format_version(versions.MIN_VERSION),
            'version': versions.format_version(versions.MAX_VERSION),
            'media_types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.'
                                     'migration.v1+json'}],
            'links': [{'href': method.link('v1') + '/', 'rel': 'self'}],
            'clouds': [{'href': method.link('v1', 'clouds'),
                        'rel': 'self'}],
        }
