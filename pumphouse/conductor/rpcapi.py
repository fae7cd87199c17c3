"""Client side of the conductor RPC API."""

import oslo_messaging as messaging

from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conf import CONF
from pumphouse.db import api as db_api

TOPIC = 'pumphouse.conductor'


class ConductorAPI:
    """Client side of the conductor RPC API.

    API version history:

    | 1.0 - Initial version: validate_cloud.
    """

    RPC_API_VERSION = '1.0'

    def __init__(self) -> None:
        target = messaging.Target(topic=TOPIC,
                                  version=self.RPC_API_VERSION)
        self.client = rpc.get_client(target,
                                     version_cap=self.RPC_API_VERSION)

    def _prepare(self, host: str | None = None, version: str = '1.0'):
        live = db_api.list_live_conductors()
        if not live or (host is not None and host not in live):
            raise exception.NoConductorAvailable()
        return self.client.prepare(server=host, version=version,
                                   timeout=CONF.conductor.rpc_timeout)

    def _call(self, cctxt, context, method: str, **kwargs):
        try:
            return cctxt.call(context, method, **kwargs)
        except messaging.MessagingTimeout as e:
            raise exception.ConductorTimeout(
                timeout=CONF.conductor.rpc_timeout) from e

    def validate_cloud(self, context, cloud_uuid: str,
                       host: str | None = None) -> dict:
        """Authenticate against a cloud and list its catalog's services.

        Any live conductor may answer unless ``host`` names one.
        """
        cctxt = self._prepare(host=host)
        return self._call(cctxt, context, 'validate_cloud',
                          cloud_uuid=cloud_uuid)
