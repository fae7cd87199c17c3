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

"""Versioned notifications of state changes, as ironic and nova send
them, through oslo.messaging.

``migration.state.update`` and ``host.state.update`` are sent once per
state a migration or host enters (and when one is created), after the
change is committed, by the process that made it: a conductor, or the
API (a migration cancelled). Their payloads are in :mod:`.payloads`.

Off by default: ``[notifications] notification_level`` (the lowest
priority sent) and ``[oslo_messaging_notifications] driver`` must both
be set. A notification that cannot be sent is logged; the state change
stands.
"""

from oslo_log import log

from pumphouse.common import context
from pumphouse.common import rpc
from pumphouse.conf import CONF
from pumphouse.conf import notifications as notifications_conf
from pumphouse.db import api as db_api
from pumphouse.notifications import payloads

LOG = log.getLogger(__name__)

MIGRATION_STATE_UPDATE = 'migration.state.update'
HOST_STATE_UPDATE = 'host.state.update'

INFO = 'info'
ERROR = 'error'
#: The state in which a migration or host is sent with priority error.
_FAILED = 'failed'


def _rank(priority: str) -> int:
    return notifications_conf.LEVELS.index(priority)


def _has_driver() -> bool:
    return any(driver != 'noop'
               for driver in CONF.oslo_messaging_notifications.driver)


def enabled(priority: str = INFO) -> bool:
    """Whether a notification of ``priority`` would be sent now."""
    level = CONF.notifications.notification_level
    return (level is not None and rpc.get_notifier() is not None
            and _has_driver() and _rank(priority) >= _rank(level))


def emit(event_type: str, priority: str, payload: dict) -> None:
    """Send a notification in the current request's context (its request
    ids); never raises."""
    notifier = rpc.get_notifier()
    if notifier is None:
        return
    ctx = context.current() or context.get_admin_context()
    try:
        getattr(notifier, priority)(ctx, event_type, payload)
    except Exception:
        LOG.warning('Could not send the notification %s', event_type,
                    exc_info=True)


def _on_state_change(kind: str, old_state: str | None, row) -> None:
    priority = ERROR if row.state == _FAILED else INFO
    if not enabled(priority):
        return
    clouds = db_api.clouds_by_id((row.source_cloud_id,
                                  row.destination_cloud_id))
    source = clouds.get(row.source_cloud_id)
    destination = clouds.get(row.destination_cloud_id)
    if kind == 'migration':
        emit(MIGRATION_STATE_UPDATE, priority, payloads.migration_state(
            old_state, row, source, destination))
    elif kind == 'host':
        emit(HOST_STATE_UPDATE, priority, payloads.host_state(
            old_state, row, source, destination))


def setup() -> None:
    """Send the notifications of this process's state changes (the API
    and the conductors; RPC must be initialised for them to go out).
    Warns when ``notification_level`` is set but no driver is."""
    db_api.add_state_listener(_on_state_change)
    if (CONF.notifications.notification_level is not None
            and rpc.get_notifier() is not None and not _has_driver()):
        LOG.warning('[notifications] notification_level is set but '
                    '[oslo_messaging_notifications] driver is not: no '
                    'notification is sent. Set the driver (messagingv2) '
                    'to send them.')


def teardown() -> None:
    """Stop sending them (tests)."""
    db_api.remove_state_listener(_on_state_change)
