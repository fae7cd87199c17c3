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

"""``fake``: a machine that exists only in this process (development and
tests of the host flow)."""

import threading

from pumphouse.drivers.hardware.power import base

_LOCK = threading.Lock()
_MACHINES: dict[str, dict] = {}


class FakePowerDriver(base.PowerDriver):
    """Remembers power state and boot device per ``info['id']``."""

    name = 'fake'
    info_schema = {
        'type': 'object',
        'properties': {'id': {'type': 'string', 'minLength': 1}},
        'required': ['id'],
        'additionalProperties': False,
    }

    @staticmethod
    def _machine(info: dict) -> dict:
        return _MACHINES.setdefault(info['id'], {'power': base.OFF,
                                                 'boot': 'disk'})

    def get_power_state(self, info):
        with _LOCK:
            return self._machine(info)['power']

    def set_power_state(self, info, state):
        with _LOCK:
            self._machine(info)['power'] = state

    def set_boot_device(self, info, device, persistent=False):
        with _LOCK:
            self._machine(info)['boot'] = device

    def boot_device(self, info: dict) -> str:
        with _LOCK:
            return self._machine(info)['boot']
