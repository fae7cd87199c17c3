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

"""oslo.messaging plumbing: transport, clients and servers.

Servers run on the ``threading`` executor. ``pumphouse serve`` uses the
in-process ``fake://`` transport; deployed services use RabbitMQ.
"""

from pumphouse.common import service_backend

# Before oslo.messaging is imported (it imports oslo.service).
service_backend.use_threads()

import oslo_messaging as messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_messaging import opts as messaging_opts  # noqa: E402

from pumphouse.common import context as pumphouse_context  # noqa: E402

CONF = cfg.CONF

ALLOWED_EXMODS = ['pumphouse.common.exception']

_TRANSPORT = None


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register oslo.messaging's [DEFAULT] options (``transport_url``...).

    They are registered before the command line is parsed so that commands
    can change their defaults and ``--help`` lists them.
    """
    messaging.set_transport_defaults(control_exchange='pumphouse')
    for group, opts in messaging_opts.list_opts():
        if group in (None, 'DEFAULT'):
            conf.register_opts(opts)


def init(conf: cfg.ConfigOpts) -> None:
    """Create the RPC transport from ``transport_url``."""
    global _TRANSPORT
    if _TRANSPORT is None:
        _TRANSPORT = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)


def cleanup() -> None:
    global _TRANSPORT
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
        _TRANSPORT = None


class RequestContextSerializer(messaging.Serializer):
    """Carries the request context across RPC as a dict."""

    def serialize_entity(self, context, entity):
        return entity

    def deserialize_entity(self, context, entity):
        return entity

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return pumphouse_context.RequestContext.from_dict(context)


def get_client(target: messaging.Target,
               version_cap: str | None = None) -> messaging.RPCClient:
    if _TRANSPORT is None:
        raise RuntimeError('pumphouse.common.rpc.init() was not called')
    return messaging.get_rpc_client(
        _TRANSPORT, target, version_cap=version_cap,
        serializer=RequestContextSerializer())


def get_server(target: messaging.Target, endpoints: list):
    if _TRANSPORT is None:
        raise RuntimeError('pumphouse.common.rpc.init() was not called')
    access_policy = messaging.DefaultRPCAccessPolicy
    # The executor is oslo.messaging's default, threading.
    return messaging.get_rpc_server(
        _TRANSPORT, target, endpoints,
        serializer=RequestContextSerializer(), access_policy=access_policy)
