"""The root of the API: version discovery."""

import pecan

from pumphouse.api import method
from pumphouse.api import routing
from pumphouse.api.controllers import v1


class RootController(routing.Resource):
    """``GET /`` lists the API versions."""

    children = ('v1',)
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
            'versions': [v1.version_document()],
            'default_version': v1.version_document(),
        }
