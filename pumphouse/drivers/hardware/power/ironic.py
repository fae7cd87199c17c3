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

"""``ironic``: power through the destination cloud's Ironic, for a machine
that is already one of its nodes.

The driver is built with ``destination``, a callable returning an
openstacksdk Connection to the destination cloud; the power loader passes
it (``loader.get_driver('ironic', destination=...)``). Without it the
driver can still validate info.
"""

import time
from collections.abc import Callable
from typing import Any

from ironicclient import client as ironic_client_mod
from ironicclient import exc as ironic_exc
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.drivers.hardware.power import base

LOG = log.getLogger(__name__)

#: Ironic's power states in the words of the power drivers.
_POWER_STATES = {'power on': base.ON, 'power off': base.OFF}
#: Errors of the Bare Metal API and of reaching it.
CLIENT_ERRORS = (ironic_exc.ClientException, ks_exc.ClientException)
_WAIT_FIELDS = ['power_state', 'target_power_state', 'reservation',
                'last_error']


def ironic_client(connection: Any) -> Any:
    """A python-ironicclient v1 client on ``connection``'s session.

    The Bare Metal endpoint is the connection's (an endpoint override of
    its cloud, else the catalog's for its interface and region); requests
    use ``[hardware] ironic_api_version``.
    """
    config = connection.config
    extra = {}
    endpoint = config.get_endpoint('baremetal')
    if endpoint:
        extra['endpoint'] = endpoint
    try:
        return ironic_client_mod.get_client(
            '1', session=connection.session,
            os_ironic_api_version=CONF.hardware.ironic_api_version,
            interface=config.get_interface('baremetal'),
            region_name=config.get_region_name('baremetal'), **extra)
    except ironic_exc.AmbiguousAuthSystem as e:
        raise ironic_exc.EndpointNotFound(
            f'the destination cloud has no Bare Metal (Ironic) endpoint '
            f'({e})') from None


class IronicPowerDriver(base.PowerDriver):
    """Power state and boot device of an existing Ironic node."""

    name = 'ironic'
    info_schema = {
        'type': 'object',
        'properties': {
            'node': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        },
        'required': ['node'],
        'additionalProperties': False,
    }

    def __init__(self, destination: Callable[[], Any] | None = None
                 ) -> None:
        self._destination = destination

    def _call(self, info: dict, what: str, action: Callable[[Any], Any]):
        """``action(ironic)`` with errors turned into PowerError."""
        node = info['node']

        def failed(reason):
            return exception.PowerError(action=what,
                                        address=f'Ironic node {node}',
                                        reason=reason)

        if self._destination is None:
            raise failed('the ironic power driver was loaded without the '
                         'destination cloud')
        connection = self._destination()
        if connection is None:
            raise failed('the host has no destination cloud')
        try:
            return action(ironic_client(connection))
        except ironic_exc.NotFound:
            raise failed('the destination cloud\'s Ironic has no such '
                         'node') from None
        except CLIENT_ERRORS as e:
            raise failed(str(e) or type(e).__name__) from None

    def get_power_state(self, info):
        def read(ironic):
            node = ironic.node.get(info['node'], fields=['power_state'])
            state = _POWER_STATES.get(node.power_state)
            if state is None:
                raise exception.PowerError(
                    action='read the power state',
                    address=f'Ironic node {info["node"]}',
                    reason=f'Ironic reports {node.power_state!r}')
            return state

        return self._call(info, 'read the power state', read)

    def set_power_state(self, info, state):
        if state not in base.POWER_STATES:
            raise exception.Invalid(reason=f'unknown power state {state!r}')
        LOG.info('Ironic node %(node)s: power %(state)s',
                 {'node': info['node'], 'state': state})
        timeout = CONF.hardware.power_timeout
        self._call(info, f'power {state}',
                   lambda ironic: _set_power(ironic, info['node'], state,
                                             timeout))

    def set_boot_device(self, info, device, persistent=False):
        if device not in base.BOOT_DEVICES:
            raise exception.Invalid(reason=f'unknown boot device {device!r}')
        self._call(info, f'set the boot device to {device}',
                   lambda ironic: ironic.node.set_boot_device(
                       info['node'], device, persistent=persistent))


def _set_power(ironic: Any, node: str, state: str, timeout: int) -> None:
    """Ask Ironic for ``state`` and wait until the node is in it.

    Ironic answers before its conductor starts: until then the node is
    reserved (locked) with no target power state yet.
    """
    ironic.node.set_power_state(node, state, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        current = ironic.node.get(node, fields=_WAIT_FIELDS)
        if _POWER_STATES.get(current.power_state) == state:
            return
        if current.target_power_state is None and not current.reservation:
            raise exception.PowerError(
                action=f'power {state}', address=f'Ironic node {node}',
                reason=f'it is {current.power_state}; last error: '
                       f'{(current.last_error or "none").rstrip(".")}')
        if time.monotonic() >= deadline:
            raise exception.PowerError(
                action=f'power {state}', address=f'Ironic node {node}',
                reason=f'still {current.power_state} after {timeout} s')
        time.sleep(min(1.0, CONF.hardware.provision_poll_interval))
