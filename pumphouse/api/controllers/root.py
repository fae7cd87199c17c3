"""The root of the API: version discovery."""

import pecan

from pumphouse.api import method
from pumphouse.api import versions
from pumphouse.api.controllers import v1


def v1_version() -> dict:
    return {
        'id': 'v1',
        'status': 'CURRENT',
        'min_version': versions.format_version(versions.MIN_VERSION),
        'version': versions.format_version(versions.MAX_VERSION),
        'links': [{'href': method.link('v1') + '/', 'rel': 'self'}],
    }


class RootController:
    """``GET /`` lists the API versions."""

    v1 = v1.Controller()

    @pecan.expose(generic=True)
    def index(self):
        method.not_allowed()

    @index.when(method='GET', template='json')
    @method.expose()
    def get(self) -> dict:
        return {
            'name': 'Pumphouse',
            'description': 'Moves workloads between OpenStack clouds.',
            'versions': [v1_version()],
            'default_version': v1_version(),
        }
