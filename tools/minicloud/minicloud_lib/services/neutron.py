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

"""Neutron: ML2 without agents, API under gunicorn plus the RPC server.

Ports are bound by the harness's ``minicloud_bind_all`` mechanism
driver (``tools/minicloud/drivers``), so servers boot with real ports.
Tenant networks are VXLAN; ``public`` is a flat physical network for
external (provider) networks.
"""

from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService

CONFIG_FILES = ("neutron.conf", "ml2_conf.ini")


class Neutron(OpenStackService):
    """Networking API and its RPC server (no agents)."""

    name = "neutron"
    port_offset = 4
    databases = ("neutron",)
    catalog = (("network", "neutron", ""),)

    def _config_paths(self) -> list[str]:
        return [str(self.state_dir / name) for name in CONFIG_FILES]

    def units(self) -> list[Unit]:
        """neutron-api (gunicorn) and neutron-rpc-server."""
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={
                    "OS_NEUTRON_CONFIG_DIR": str(self.state_dir),
                    "OS_NEUTRON_CONFIG_FILES": ";".join(CONFIG_FILES),
                },
                health_path="/",
            ),
            self.daemon_unit("neutron-rpc-server", "neutron-rpc-server",
                             self._config_paths()),
        ]

    def wait_ready(self) -> None:
        """One admin request before any other: a fresh neutron-api
        builds its policy enforcer at its first request, and publishes
        it before its rules are registered and loaded
        (``neutron.policy.init``); under threaded workers another first
        request then meets an enforcer without rules and is refused
        (seen as a 403 "rule:create_network and rule:create_network:mtu
        is disallowed" for an admin's first POST /v2.0/networks)."""
        self.admin_api().call("GET", self.url("/v2.0/networks?limit=1"))

    def configure(self) -> None:
        """Register, write neutron.conf and ml2_conf.ini, upgrade the DB."""
        self.register()
        paste = self.copy_sample("neutron/api-paste.ini")
        state = self.state_dir
        nova_auth = self.client_auth()
        nova_auth["endpoint_type"] = "public"
        del nova_auth["valid_interfaces"]
        self.write_ini("neutron.conf", {
            "DEFAULT": {
                "debug": False,
                "use_stderr": True,
                "host": f"{self.cloud.name}-network",
                "state_path": state / "state",
                "core_plugin": "ml2",
                "service_plugins": "router",
                "auth_strategy": "keystone",
                "transport_url": self.cloud.transport_url,
                "dhcp_agent_notification": False,
                "notify_nova_on_port_status_changes": True,
                "notify_nova_on_port_data_changes": True,
                "api_paste_config": paste,
                "rpc_workers": 1,
                "rpc_state_report_workers": 0,
            },
            "database": self.cloud.db_options("neutron"),
            "keystone_authtoken": self.authtoken(),
            "nova": nova_auth,
            "oslo_concurrency": {"lock_path": state / "lock"},
            "oslo_messaging_notifications": {"driver": "noop"},
        })
        self.write_ini("ml2_conf.ini", {
            "ml2": {
                "type_drivers": "flat,vxlan",
                "tenant_network_types": "vxlan",
                "mechanism_drivers": "minicloud_bind_all",
                "extension_drivers": "port_security",
            },
            "ml2_type_flat": {"flat_networks": "public"},
            "ml2_type_vxlan": {"vni_ranges": "1:10000"},
        })
        self.write_unit_config("neutron-rpc-server")
        conf = [arg for path in self._config_paths()
                for arg in ("--config-file", path)]
        self.run_tool(["neutron-db-manage", *conf, "upgrade", "heads"])
