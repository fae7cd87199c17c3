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

"""``ironic``: the destination cloud's Ironic deploys the host.

The machine becomes an Ironic node (created with a port per MAC if there
is none by that name or UUID) and is taken through Ironic's provision
states: ``enroll`` -> manage -> ``manageable`` -> (inspect ->
``manageable``) -> provide -> ``available`` -> deploy -> ``active``. Each
step starts from the node's current state, so a call after a crash goes
on from wherever Ironic is: a node already ``active`` is done.

An existing node is used as it is, except that missing ports are added
and its ``instance_info`` is set before it is deployed.
"""

import time
from typing import Any

from ironicclient import exc as ironic_exc
from oslo_log import log
from oslo_utils import uuidutils

from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.conf import CONF
from pumphouse.drivers.hardware.power import ironic as ironic_power
from pumphouse.drivers.hardware.provision import base

LOG = log.getLogger(__name__)

ENROLL = 'enroll'
MANAGEABLE = 'manageable'
AVAILABLE = 'available'
ACTIVE = 'active'
#: States in which Ironic waits for the operator; the node's last_error
#: says why.
FAILED = ('clean failed', 'deploy failed', 'inspect failed', 'error',
          'adopt failed', 'rescue failed', 'unrescue failed',
          'service failed')
#: States from which this driver moves the node on.
STABLE = (ENROLL, MANAGEABLE, AVAILABLE, ACTIVE)
#: The hardware interfaces a node may be created with.
INTERFACES = ('bios_interface', 'boot_interface', 'console_interface',
              'deploy_interface', 'firmware_interface', 'inspect_interface',
              'management_interface', 'network_interface', 'power_interface',
              'raid_interface', 'rescue_interface', 'storage_interface',
              'vendor_interface')


class IronicProvisionDriver(base.ProvisionDriver):
    """Enrolls and deploys the machine with the destination's Ironic."""

    name = 'ironic'
    secret_keys = ('driver_info', 'configdrive')
    info_schema = {
        'type': 'object',
        'properties': {
            'node': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'driver': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'interfaces': {
                'type': 'object',
                'properties': {name: {'type': 'string', 'minLength': 1}
                               for name in INTERFACES},
                'additionalProperties': False,
            },
            'resource_class': {'type': 'string', 'minLength': 1,
                               'maxLength': 80},
            'properties': {'type': 'object'},
            'image_source': {'type': 'string', 'minLength': 1},
            'root_gb': {'type': 'integer', 'minimum': 1},
            # More of the node's instance_info: image_checksum or
            # image_os_hash_algo/_value (what a real deploy of an HTTP
            # image needs), kernel and ramdisk of partition images, ...
            'instance_info': {'type': 'object'},
            'configdrive': {'type': ['object', 'string']},
            'inspect': {'type': 'boolean'},
            'driver_info': {'type': 'object'},
        },
        'required': ['image_source'],
        'additionalProperties': False,
    }

    def describe(self, info):
        shown = super().describe(info)
        if 'driver_info' in info:
            shown['driver_info'] = masking.mask(info['driver_info'])
        return shown

    def provision(self, machine):
        info = machine.provision_info
        try:
            ironic = ironic_power.ironic_client(machine.destination())
            node = self._find_or_create(ironic, machine, info)
            _Deployment(self, ironic, machine, node).run()
        except ironic_power.CLIENT_ERRORS as e:
            raise self.error(machine, f'Ironic answered: '
                                      f'{str(e) or type(e).__name__}'
                             ) from None

    def _find_or_create(self, ironic: Any, machine: base.Machine,
                        info: dict) -> Any:
        """The machine's node, created if absent (its ports are added
        by the deployment)."""
        ident = info.get('node') or machine.name
        try:
            node = ironic.node.get(ident)
        except ironic_exc.NotFound:
            pass
        else:
            machine.event(f'Ironic node {_label(node)} exists and is '
                          f'{node.provision_state}.')
            return node
        fields = {'driver': info.get('driver', 'ipmi'),
                  'driver_info': _driver_info(info, machine)}
        if uuidutils.is_uuid_like(ident):
            fields.update(uuid=ident, name=machine.name)
        else:
            fields['name'] = ident
        for key in ('resource_class', 'properties'):
            if key in info:
                fields[key] = info[key]
        fields.update(info.get('interfaces', {}))
        try:
            node = ironic.node.create(**fields)
        except ironic_exc.Conflict:
            # Created meanwhile by another conductor resuming this host.
            try:
                return ironic.node.get(ident)
            except ironic_exc.NotFound:
                raise self.error(
                    machine, f'Ironic has a node {ident} that this '
                             f'project cannot see') from None
        LOG.info('Created Ironic node %(uuid)s for host %(host)s',
                 {'uuid': node.uuid, 'host': machine.name})
        machine.event(f'Enrolled {machine.name} in Ironic as node '
                      f'{_label(node)} (driver {fields["driver"]}).')
        return ironic.node.get(node.uuid)


class _Deployment:
    """One walk of a node from its current provision state to active."""

    def __init__(self, driver: IronicProvisionDriver, ironic: Any,
                 machine: base.Machine, node: Any) -> None:
        self.driver = driver
        self.ironic = ironic
        self.machine = machine
        self.info = machine.provision_info
        self.node = node
        #: (state, action) pairs asked for in this call: the node back in
        #: a state after the action that should have left it failed.
        self.asked: set[tuple[str, str]] = set()
        self.seen: tuple | None = None

    def run(self) -> None:
        timeout = CONF.hardware.provision_timeout
        deadline = time.monotonic() + timeout
        ports_checked = False
        while True:
            node = self.node
            state = node.provision_state
            if state == ACTIVE and not node.target_provision_state:
                self.machine.event(f'Ironic node {_label(node)} is active.')
                return
            if state in FAILED:
                raise self._failed(f'Ironic node {_label(node)} is in '
                                   f'{state!r}')
            if node.target_provision_state or state not in STABLE:
                self._report_wait()
            else:
                if node.maintenance:
                    raise self._failed(
                        f'Ironic node {_label(node)} is in maintenance '
                        f'({node.maintenance_reason or "no reason given"})')
                if not ports_checked:
                    self._ensure_ports()
                    ports_checked = True
                self._act(state)
            if time.monotonic() >= deadline:
                raise self._failed(
                    f'Ironic node {_label(node)} is still {state!r} '
                    f'(target {node.target_provision_state!r}) after '
                    f'{timeout} s')
            time.sleep(CONF.hardware.provision_poll_interval)
            self.node = self.ironic.node.get(node.uuid)

    def _act(self, state: str) -> None:
        """Ask Ironic for the step that follows the stable ``state``."""
        if state == ENROLL:
            action = 'manage'
        elif state == MANAGEABLE:
            inspected = (MANAGEABLE, 'inspect') in self.asked
            if (self.info.get('inspect') and not inspected
                    and not self.node.inspection_finished_at):
                action = 'inspect'
            else:
                action = 'provide'
        else:
            action = 'active'
        if (state, action) in self.asked:
            raise self._failed(f'Ironic node {_label(self.node)} is '
                               f'{state!r} again after {action!r}')
        self.asked.add((state, action))
        self.machine.event(f'Ironic node {_label(self.node)}: {action} '
                           f'(from {state}).')
        if action == 'active':
            self._set_instance_info()
            self.ironic.node.set_provision_state(
                self.node.uuid, 'active',
                configdrive=_configdrive(self.info, self.machine.name))
        else:
            self.ironic.node.set_provision_state(self.node.uuid, action)

    def _ensure_ports(self) -> None:
        """A port for each MAC the node does not have yet."""
        uuid = self.node.uuid
        have = {port.address.lower()
                for port in self.ironic.node.list_ports(uuid)}
        for mac in self.machine.macs:
            if mac.lower() in have:
                continue
            try:
                self.ironic.port.create(address=mac, node_uuid=uuid)
            except ironic_exc.Conflict:
                if self._port_node(mac) == uuid:
                    continue  # created meanwhile by another conductor
                raise self._failed(
                    f'MAC {mac} is already a port of another Ironic '
                    f'node') from None
            have.add(mac.lower())
            self.machine.event(f'Ironic node {_label(self.node)}: added a '
                               f'port for MAC {mac}.')

    def _port_node(self, mac: str) -> str | None:
        """UUID of the node that has a port with ``mac``, if this project
        may see it."""
        try:
            return self.ironic.port.get_by_address(
                mac, fields=['node_uuid']).node_uuid
        except ironic_exc.NotFound:
            return None

    def _set_instance_info(self) -> None:
        values = dict(self.info.get('instance_info') or {},
                      image_source=self.info['image_source'])
        if 'root_gb' in self.info:
            values['root_gb'] = self.info['root_gb']
        patch = [{'op': 'add', 'path': f'/instance_info/{key}',
                  'value': value} for key, value in sorted(values.items())]
        self.ironic.node.update(self.node.uuid, patch)

    def _report_wait(self) -> None:
        """An event each time the node enters another transient state."""
        node = self.node
        seen = (node.provision_state, node.target_provision_state)
        if seen != self.seen:
            self.seen = seen
            self.machine.event(
                f'Ironic node {_label(node)} is {node.provision_state} '
                f'(target {node.target_provision_state}).')

    def _failed(self, what: str) -> exception.ProvisionError:
        return self.driver.error(
            self.machine,
            f'{what}; last error: '
            f'{(self.node.last_error or "none").rstrip(".")}')


def _label(node: Any) -> str:
    """``name (uuid)`` of a node, or its UUID."""
    return f'{node.name} ({node.uuid})' if node.name else node.uuid


def _driver_info(info: dict, machine: base.Machine) -> dict:
    """The node's driver_info: the machine's IPMI power info when Ironic
    powers the node through ipmitool too (the ``ipmi`` hardware type, or
    ``power_interface: ipmitool``), with the info's ``driver_info`` over
    it."""
    driver_info = {}
    ipmitool = (info.get('driver', 'ipmi') == 'ipmi'
                or info.get('interfaces', {}).get('power_interface')
                == 'ipmitool')
    if ipmitool and machine.power_driver == 'ipmi':
        power = machine.power_info
        driver_info = {'ipmi_address': power['address'],
                       'ipmi_username': power['username'],
                       'ipmi_password': power['password']}
        if 'port' in power:
            driver_info['ipmi_port'] = power['port']
    driver_info.update(info.get('driver_info', {}))
    return driver_info


def _configdrive(info: dict, hostname: str) -> dict | bytes:
    """The config drive for ironicclient: a string (gzipped base64 or a
    URL) as bytes, which ironicclient sends as it is rather than reading a
    file by that name; a mapping with the machine's name as the
    ``hostname`` of its meta data unless it names one (the installed
    nova-compute reports under it, and the join step waits for that)."""
    configdrive = info.get('configdrive')
    if isinstance(configdrive, str):
        return configdrive.encode()
    configdrive = dict(configdrive or {})
    configdrive['meta_data'] = dict({'hostname': hostname},
                                    **configdrive.get('meta_data', {}))
    return configdrive
