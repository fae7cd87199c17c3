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

"""Drive a harness BMC with pyghmi's IPMI client (for tests).

Run in the harness venv (pyghmi is there, maybe not in the caller's)::

    python -m minicloud_drivers.ipmi_client BMCS_JSON NAME ACTION

``BMCS_JSON`` is ``.minicloud/destination/ironic/bmcs.json``; ``ACTION``
is ``status``, ``on``, ``off`` or ``bootdev-<device>``. Prints one JSON
object: ``{"power": "on"|"off", "bootdev": ...}`` after the action.
"""

import json
import sys
from pathlib import Path

from pyghmi.ipmi import command


def main(argv: list[str]) -> int:
    """Connect, act, print the resulting state."""
    bmcs = json.loads(Path(argv[1]).read_text())
    bmc = next(b for b in bmcs if b["name"] == argv[2])
    action = argv[3]
    ipmi = command.Command(bmc=bmc["address"], port=int(bmc["port"]),
                           userid=bmc["username"], password=bmc["password"])
    try:
        if action in ("on", "off"):
            ipmi.set_power(action, wait=30)
        elif action.startswith("bootdev-"):
            ipmi.set_bootdev(action.split("-", 1)[1])
        elif action != "status":
            raise SystemExit(f"unknown action {action}")
        state = {"power": ipmi.get_power()["powerstate"],
                 "bootdev": ipmi.get_bootdev()["bootdev"]}
    finally:
        ipmi.ipmi_session.logout()
    print(json.dumps(state))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
