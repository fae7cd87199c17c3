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

The versioned notifications (:mod:`pumphouse.notifications`) go through a
notifier made here too, on the notification transport
(``[oslo_messaging_notifications] transport_url``, else the RPC one).
"""

import os
import sys

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
_NOTIFICATION_TRANSPORT = None
_NOTIFIER: messaging.Notifier | None = None


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register oslo.messaging's [DEFAULT] options (``transport_url``...)
    and those of its notifier ([oslo_messaging_notifications]).

    They are registered before the command line is parsed so that commands
    can change their defaults and ``--help`` lists them.
    """
    messaging.set_transport_defaults(control_exchange='pumphouse')
    for group, opts in messaging_opts.list_opts():
        if group in (None, 'DEFAULT'):
            conf.register_opts(opts)
        elif group == 'oslo_messaging_notifications':
            conf.register_opts(opts, group=group)


def init(conf: cfg.ConfigOpts, binary: str | None = None) -> None:
    """Create the RPC transport from ``transport_url``, and the notifier.

    ``binary`` names the publisher of the notifications
    (``BINARY.HOST``); by default the program's name.
    """
    global _TRANSPORT, _NOTIFICATION_TRANSPORT, _NOTIFIER
    if _TRANSPORT is None:
        _TRANSPORT = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)
    if _NOTIFIER is None:
        _NOTIFICATION_TRANSPORT = messaging.get_notification_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)
        binary = binary or os.path.basename(sys.argv[0]) or 'pumphouse'
        _NOTIFIER = messaging.Notifier(
            _NOTIFICATION_TRANSPORT, publisher_id=f'{binary}.{conf.host}',
            serializer=NotificationContextSerializer(),
            topics=conf.notifications.versioned_notifications_topics)


def cleanup() -> None:
    global _TRANSPORT, _NOTIFICATION_TRANSPORT, _NOTIFIER
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
        _TRANSPORT = None
    if _NOTIFICATION_TRANSPORT is not None:
        _NOTIFICATION_TRANSPORT.cleanup()
        _NOTIFICATION_TRANSPORT = None
    _NOTIFIER = None


def get_notifier() -> messaging.Notifier | None:
    """The notifier of the versioned notifications; None in a process
    that did not :func:`init` RPC (the ``pumphouse`` command)."""
    return _NOTIFIER


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


class NotificationContextSerializer(RequestContextSerializer):
    """The context of a notification, without its tokens: consumers of
    notifications are not the caller's services."""

    def serialize_context(self, context):
        if not context or isinstance(context, dict):
            return {}
        return context.redacted_copy().to_dict()


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
