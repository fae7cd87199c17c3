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

"""``manual``: the operator installs the destination's compute node on
the machine by hand.

The driver tells the operator what to do, in an event, and returns; the
host flow's next step waits for the host's nova-compute to appear in the
destination cloud.
"""

from pumphouse.drivers.hardware.provision import base


class ManualProvisionDriver(base.ProvisionDriver):
    """Asks the operator to install the host; ``instructions`` in the info
    are added to the request (where the installer is, which role...)."""

    name = 'manual'
    info_schema = {
        'type': 'object',
        'properties': {
            'instructions': {'type': 'string', 'maxLength': 4096},
        },
        'additionalProperties': False,
    }

    def provision(self, machine):
        macs = ', '.join(machine.macs) or 'none registered'
        message = (f'Install the destination cloud\'s compute node '
                   f'(nova-compute) on host {machine.name} (MACs: {macs}); '
                   f'it joins the destination once its nova-compute '
                   f'service is up there.')
        instructions = machine.provision_info.get('instructions')
        if instructions:
            message += f' Instructions: {instructions}'
        machine.event(message)
