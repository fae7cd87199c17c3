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

"""IPMI BMC emulators on pyghmi's ``Bmc`` for the harness's hosts.

Test-only. One process serves several BMCs (one UDP port each) listed
in a JSON file::

    {"state_dir": "...", "bmcs": [{"name": "node-1", "address":
     "127.0.0.2", "port": 26623, "username": "admin"}, ...]}

The password comes from the environment (``MINICLOUD_BMC_PASSWORD``).
Power state and boot device survive restarts: each BMC keeps them in
``<state_dir>/<name>.json``, which tests may read.

Run: ``python -m minicloud_drivers.bmc <config.json>``.
"""

import json
import os
import socket
import sys
import uuid
from pathlib import Path

from pyghmi.ipmi import bmc
from pyghmi.ipmi.private import serversession

#: Wait this long per poll (``listen(None)`` would busy-loop).
POLL_SECONDS = 5


def _refuse_sha256(original):
    """Wrap ``create_open_session_response`` to answer SHA-1 only.

    pyghmi's client proposes RAKP-HMAC-SHA256 first, but its server
    always continues in SHA-1, and the session then breaks. Refusing
    anything but SHA-1 (status 0x11, invalid authentication algorithm)
    makes the client retry with SHA-1, as it would with a real BMC.
    """

    def create_open_session_response(self, request):
        auth_algorithm = request[12] if len(request) > 12 else 1
        if auth_algorithm != 1:
            return bytearray([request[0], 0x11, 0, 0]) + bytearray(
                request[4:8])
        return original(self, request)

    return create_open_session_response


serversession.ServerSession.create_open_session_response = _refuse_sha256(
    serversession.ServerSession.create_open_session_response)


class FakeBmc(bmc.Bmc):
    """A BMC whose machine is a JSON file: power and boot device."""

    def __init__(self, name: str, state_file: Path, authdata: dict,
                 address: str, port: int) -> None:
        super().__init__(authdata, port=port, address=address,
                         bmcuuid=uuid.uuid5(uuid.NAMESPACE_URL, name))
        self.name = name
        self.state_file = state_file
        if not state_file.exists():
            self._save({"power": "off", "boot": "default"})

    def _load(self) -> dict:
        return json.loads(self.state_file.read_text())

    def _save(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state) + "\n")
        os.replace(tmp, self.state_file)

    def _set(self, **changes: str) -> None:
        state = self._load()
        state.update(changes)
        self._save(state)
        print(f"{self.name}: {changes}", flush=True)

    def get_power_state(self) -> str:
        """``on`` or ``off``."""
        return self._load()["power"]

    def is_active(self) -> bool:
        """Powered on."""
        return self.get_power_state() == "on"

    def power_on(self) -> None:
        """Chassis power on."""
        self._set(power="on")

    def power_off(self) -> None:
        """Chassis power off (hard)."""
        self._set(power="off")

    def power_shutdown(self) -> None:
        """Soft off: the same here."""
        self._set(power="off")

    def power_cycle(self) -> None:
        """Off and on again: ends on."""
        self._set(power="on")

    def power_reset(self) -> None:
        """Reset: ends on."""
        self._set(power="on")

    def cold_reset(self) -> None:
        """BMC reset: nothing to do."""

    def get_boot_device(self) -> str:
        """Boot device name (``default``, ``network``, ``hd``, ...)."""
        return self._load()["boot"]

    def set_boot_device(self, bootdevice) -> None:
        """Remember the boot device."""
        self._set(boot=str(bootdevice))

    def get_system_guid(self) -> uuid.UUID:
        """Stable per name."""
        return self.uuid


def _wake_io_thread(bmcs: list[dict]) -> None:
    """Make pyghmi's I/O thread watch every BMC socket.

    The thread starts with the first socket and sleeps in select() on
    the sockets it knew then; its own wake-up packet goes to 127.0.0.1
    or ::1, where no BMC socket of ours listens. A short datagram to
    each BMC (too short to be IPMI, so ignored) wakes it, and its next
    select() covers all of them.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as poke:
        for entry in bmcs:
            poke.sendto(b"\x00", (entry["address"], int(entry["port"])))


def main(argv: list[str]) -> int:
    """Start every BMC of the config file and serve until killed."""
    config = json.loads(Path(argv[1]).read_text())
    state_dir = Path(config["state_dir"])
    state_dir.mkdir(parents=True, exist_ok=True)
    password = os.environ["MINICLOUD_BMC_PASSWORD"]
    for entry in config["bmcs"]:
        FakeBmc(entry["name"], state_dir / f"{entry['name']}.json",
                {entry["username"]: password}, entry["address"],
                int(entry["port"]))
        print(f"BMC {entry['name']} on {entry['address']}:{entry['port']}",
              flush=True)
    _wake_io_thread(config["bmcs"])
    bmc.Bmc.listen(timeout=POLL_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
