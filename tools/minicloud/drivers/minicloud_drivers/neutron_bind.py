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

"""An ML2 mechanism driver that binds every port (no agents needed).

Test-only: Neutron without L2 agents cannot bind ports, so Nova cannot
boot servers with ports. This driver binds any port on any segment with
VIF type ``ovs``, marks it ACTIVE, and does nothing else.
Loaded as ``mechanism_drivers = minicloud_bind_all``.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):
    """Binds every port to the first segment offered."""

    def initialize(self) -> None:
        """Nothing to set up."""

    def bind_port(self, context) -> None:
        """Bind to the first segment; VIF type ``ovs``, port ACTIVE."""
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
