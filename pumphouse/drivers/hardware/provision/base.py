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

"""The interface of provision drivers.

A provision driver turns a machine that the power driver has just booted
from the network into a compute host of the destination cloud, through
whatever installs hosts there (Ironic, Fuel, or an operator by hand). The
host flow calls ``provision()`` and then waits for the host's nova-compute
to join the destination.

``provision()`` must be idempotent and resumable: a conductor that dies
half-way is replaced by another that calls it again, and the driver
carries on from the provider's state (the Ironic node's provision state,
the Fuel node and task) instead of starting over.
"""

import abc
import dataclasses
from collections.abc import Callable
from typing import Any

from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.drivers.hardware import common


@dataclasses.dataclass
class Machine:
    """What a provision driver knows of the machine it provisions."""

    #: Hypervisor host name, e.g. ``compute-1``.
    name: str
    #: MAC addresses of the machine's NICs, registered by the operator.
    macs: list[str]
    #: The machine's power driver, e.g. ``ipmi``, ``ironic``, ``fake``.
    power_driver: str
    #: Decrypted power driver info (ipmi: address, port, username,
    #: password).
    power_info: dict
    #: Decrypted info of the provision driver, already validated.
    provision_info: dict
    #: Returns an openstacksdk Connection to the destination cloud (admin,
    #: project-scoped).
    destination: Callable[[], Any]
    #: ``event(message, level='INFO')``: a progress line for the operator;
    #: never given secrets.
    event: Callable[..., None]


class ProvisionDriver(abc.ABC):
    """Base class of provision drivers."""

    #: The driver's entry point name, e.g. ``ironic``.
    name: str = ''
    #: JSON schema of the driver's info.
    info_schema: dict = {'type': 'object'}
    #: Keys of the info that are secret or hold secrets (never returned or
    #: logged as they are).
    secret_keys: tuple[str, ...] = ()

    def validate(self, info: dict) -> None:
        """Raise InvalidHardwareInfo (400) when ``info`` is unusable."""
        common.validate_info(self.name, self.info_schema, self.secret_keys,
                             info)

    @abc.abstractmethod
    def provision(self, machine: Machine) -> None:
        """Make the machine a destination compute host.

        Returns when the provider says the machine is deployed; raises
        ProvisionError when the provider fails or takes longer than
        ``[hardware] provision_timeout``. Called again after a crash (by
        another process), it continues from the provider's current state
        instead of starting over, and never creates a second node.
        """

    def describe(self, info: dict) -> dict:
        """``info`` for API output: secret keys left out, and anything
        that looks like a password elsewhere masked."""
        return common.describe(info, self.secret_keys)

    def error(self, machine: Machine, reason: str) -> exception.ProvisionError:
        """A ProvisionError about ``machine``; credentials in the reason
        (a URL's user and password) are masked."""
        return exception.ProvisionError(host=machine.name, driver=self.name,
                                        reason=masking.mask_text(reason))
