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

"""Ironic (destination only): single process, plus IPMI BMC emulators.

Ironic runs as the all-in-one ``ironic`` command (conductor with the API
embedded, ``rpc_transport = none``) with the ``fake-hardware`` and
``ipmi`` hardware types. The BMCs are pyghmi ``Bmc`` emulators from
``minicloud_drivers.bmc`` on UDP ports ``port_base + 623 + i``; their
addresses and credentials are in ``.minicloud/destination/ironic/
bmcs.json`` (mode 0600) for tests and later host work.
"""

import json
import os

from minicloud_lib import secrets_store
from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService

BMC_COUNT = 2
BMC_PORT_OFFSET = 623
BMC_USER = "admin"


def _interfaces(*names: str) -> str:
    return ",".join(names)


class Ironic(OpenStackService):
    """Bare metal: API + conductor in one process, and BMC emulators."""

    name = "ironic"
    port_offset = 6
    databases = ("ironic",)
    catalog = (("baremetal", "ironic", ""),)
    clouds = ("destination",)

    @property
    def config_file(self) -> str:
        """Path of ``ironic.conf``."""
        return str(self.state_dir / "ironic.conf")

    @property
    def bmcs_file(self) -> str:
        """JSON list of the BMC emulators, with credentials (0600)."""
        return str(self.state_dir / "bmcs.json")

    def bmc_password(self) -> str:
        """Password of the BMC emulators' ``admin`` user (16 chars: IPMI
        allows at most 20)."""
        return secrets_store.get(f"{self.cloud.name}-ipmi-password", 12)

    def bmcs(self) -> list[dict[str, object]]:
        """Name, address, UDP port and user of each BMC emulator."""
        return [
            {"name": f"{self.cloud.name}-bmc-{i}",
             "address": self.cloud.host,
             "port": self.cloud.port(BMC_PORT_OFFSET + i - 1),
             "username": BMC_USER}
            for i in range(1, BMC_COUNT + 1)
        ]

    def units(self) -> list[Unit]:
        """``ironic`` (API on this service's port) and the BMCs."""
        ironic = self.daemon_unit("ironic", "ironic", [self.config_file])
        ironic.url = self.url()
        ironic.health_url = self.url("/")
        bmc_config = str(self.state_dir / "bmc-emulators.json")
        bmc = Unit(
            name="ipmi-bmcs",
            argv=[str(self.release.venv_python), "-m",
                  "minicloud_drivers.bmc",
                  bmc_config],
            state_dir=self.state_dir,
            env={"MINICLOUD_BMC_PASSWORD": self.bmc_password()},
            marker=bmc_config,
        )
        return [ironic, bmc]

    def configure(self) -> None:
        """Register, write ironic.conf and the BMC list, sync the DB."""
        self.register()
        state = self.state_dir
        for sub in ("tftpboot", "httpboot", "state"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        self.write_ini("ironic.conf", {
            "DEFAULT": {
                "debug": False,
                "use_stderr": True,
                "host": f"{self.cloud.name}-ironic",
                "state_path": state / "state",
                "auth_strategy": "keystone",
                "rpc_transport": "none",
                "enabled_hardware_types": _interfaces("fake-hardware",
                                                      "ipmi"),
                "enabled_boot_interfaces": _interfaces("fake", "pxe"),
                "enabled_deploy_interfaces": _interfaces("fake", "direct"),
                "enabled_management_interfaces": _interfaces(
                    "fake", "ipmitool"),
                "enabled_power_interfaces": _interfaces("fake", "ipmitool"),
                "enabled_console_interfaces": _interfaces(
                    "fake", "no-console"),
                "enabled_inspect_interfaces": _interfaces(
                    "fake", "no-inspect"),
                "enabled_bios_interfaces": _interfaces("fake", "no-bios"),
                "enabled_raid_interfaces": _interfaces("fake", "no-raid"),
                "enabled_rescue_interfaces": _interfaces("fake", "no-rescue"),
                "enabled_vendor_interfaces": _interfaces(
                    "fake", "ipmitool", "no-vendor"),
                "enabled_firmware_interfaces": "no-firmware",
                "enabled_storage_interfaces": "noop",
                "enabled_network_interfaces": "noop",
                "default_network_interface": "noop",
            },
            "api": {"host_ip": self.cloud.host,
                    "port": self.cloud.port(self.port_offset)},
            "database": self.cloud.db_options("ironic"),
            "keystone_authtoken": self.authtoken(),
            "conductor": {"automated_clean": False},
            "dhcp": {"dhcp_provider": "none"},
            "pxe": {"tftp_root": state / "tftpboot"},
            "deploy": {"http_root": state / "httpboot",
                       "http_url": self.cloud.url(7)},
            # The BMC emulators answer at once: retrying a refused IPMI
            # command for Ironic's default minute only makes the tests of
            # wrong credentials wait.
            "ipmi": {"min_command_interval": 1,
                     "command_retry_timeout": 10},
            "oslo_concurrency": {"lock_path": state / "lock"},
            "oslo_messaging_notifications": {"driver": "noop"},
        })
        self.write_unit_config("ironic")
        self._write_bmcs()
        self.run_tool(["ironic-dbsync", "--config-file", self.config_file,
                       "upgrade"])

    def _write_bmcs(self) -> None:
        emulators = {"state_dir": str(self.state_dir / "bmc-state"),
                     "bmcs": self.bmcs()}
        (self.state_dir / "bmc-emulators.json").write_text(
            json.dumps(emulators, indent=1) + "\n")
        password = self.bmc_password()
        with_password = [dict(b, password=password) for b in self.bmcs()]
        fd = os.open(self.bmcs_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(with_password, out, indent=1)
            out.write("\n")
