"""Server side of the conductor RPC API: the endpoints."""

import oslo_messaging as messaging
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conductor import cloud_check
from pumphouse.conductor import rpcapi
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)


class ConductorManager:
    """The RPC endpoints of a conductor; see rpcapi for the history."""

    RPC_API_VERSION = rpcapi.ConductorAPI.RPC_API_VERSION

    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host: str) -> None:
        self.host = host

    @messaging.expected_exceptions(exception.CloudNotFound)
    def validate_cloud(self, context, cloud_uuid: str) -> dict:
        cloud = db_api.get_cloud(cloud_uuid)
        LOG.info('Validating cloud %(name)s (%(uuid)s)',
                 {'name': cloud.name, 'uuid': cloud.uuid})
        result = cloud_check.check(cloud)
        LOG.info('Cloud %(name)s is %(state)s%(reason)s',
                 {'name': cloud.name,
                  'state': 'valid' if result['valid'] else 'not valid',
                  'reason': '' if result['valid']
                  else f": {result['reason']}"})
        result['conductor'] = self.host
        return result
