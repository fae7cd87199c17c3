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

"""The interface of power drivers.

A power driver switches a machine on and off and chooses what it boots
from, given the driver's ``info`` for that machine (for IPMI: the BMC's
address, port and credentials). ``validate()`` checks the info when the
operator registers it, so a missing address fails then, not half-way
through a reassignment.
"""

import abc

from pumphouse.drivers.hardware import common

ON = 'on'
OFF = 'off'
POWER_STATES = (ON, OFF)
BOOT_DEVICES = ('pxe', 'disk', 'cdrom', 'bios')


class PowerDriver(abc.ABC):
    """Base class of power drivers."""

    #: The driver's entry point name, e.g. ``ipmi``.
    name: str = ''
    #: JSON schema of the driver's info.
    info_schema: dict = {'type': 'object'}
    #: Keys of the info that are secret (never returned or logged).
    secret_keys: tuple[str, ...] = ()

    def validate(self, info: dict) -> None:
        """Raise InvalidHardwareInfo (400) when ``info`` is unusable."""
        common.validate_info(self.name, self.info_schema, self.secret_keys,
                             info)

    def describe(self, info: dict) -> dict:
        """``info`` for API output: secret keys left out, and anything
        that looks like a password elsewhere masked."""
        return common.describe(info, self.secret_keys)

    @abc.abstractmethod
    def get_power_state(self, info: dict) -> str:
        """``on`` or ``off``."""

    @abc.abstractmethod
    def set_power_state(self, info: dict, state: str) -> None:
        """Switch on or off and wait until the machine says so."""

    @abc.abstractmethod
    def set_boot_device(self, info: dict, device: str,
                        persistent: bool = False) -> None:
        """What the machine boots from next (``pxe``, ``disk``, ...)."""

    def boot_from_network(self, info: dict) -> None:
        """Set PXE and power-cycle: the machine boots its installer."""
        self.set_boot_device(info, 'pxe')
        if self.get_power_state(info) == ON:
            self.set_power_state(info, OFF)
        self.set_power_state(info, ON)
