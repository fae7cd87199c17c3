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

"""``fake``: provisioning that happens only in this process (development
and tests of the host flow)."""

import threading

from pumphouse.drivers.hardware.provision import base

_LOCK = threading.Lock()
_PROVISIONED: set[str] = set()


class FakeProvisionDriver(base.ProvisionDriver):
    """Remembers which machines it provisioned, by name.

    ``fail`` in the info makes ``provision()`` raise ProvisionError with
    that reason, for tests of what the host flow does then.
    """

    name = 'fake'
    info_schema = {
        'type': 'object',
        'properties': {'fail': {'type': 'string', 'minLength': 1}},
        'additionalProperties': False,
    }

    def provision(self, machine):
        reason = machine.provision_info.get('fail')
        if reason:
            raise self.error(machine, reason)
        with _LOCK:
            done = machine.name in _PROVISIONED
            _PROVISIONED.add(machine.name)
        if done:
            machine.event(f'{machine.name} is already provisioned.')
        else:
            machine.event(f'Provisioned {machine.name} (fake).')

    @staticmethod
    def provisioned(name: str) -> bool:
        """Whether the machine called ``name`` was provisioned."""
        with _LOCK:
            return name in _PROVISIONED

    @staticmethod
    def forget(name: str) -> None:
        """Make the machine ``name`` unprovisioned again."""
        with _LOCK:
            _PROVISIONED.discard(name)
