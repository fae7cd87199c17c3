"""Version 1 of the API."""

import pecan

from pumphouse.api import method
from pumphouse.api import versions
from pumphouse.api.controllers.v1 import clouds
from pumphouse.api.controllers.v1 import mappings
from pumphouse.api.controllers.v1 import migrations


class Controller:
    """``GET /v1`` describes the version and its resources."""

    clouds = clouds.CloudsController()
    migrations = migrations.MigrationsController()
    mappings = mappings.MappingsController()

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
            **{resource: [{'href': method.link('v1', resource),
                           'rel': 'self'}]
               for resource in ('clouds', 'migrations', 'mappings')},
        }
