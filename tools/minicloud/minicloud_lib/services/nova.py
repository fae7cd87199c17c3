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

"""Nova: API, conductor, scheduler and two fake compute hosts.

The compute hosts run the harness's ``SnapshotFakeDriver`` (see
``tools/minicloud/drivers``): snapshots upload real bytes and a host can
restart without losing its servers. Hosts are ``<cloud>-compute-1`` and
``<cloud>-compute-2``, each with its own state dir (node UUID). The
source cloud has a third, spare host, ``source-compute-3``, whose service
is disabled once it is up: nothing is scheduled there unless a test
enables it (the host tests evacuate and reassign it).
"""

from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService
from minicloud_lib.services.openstack import wait_for

#: Loaded as ``nova.virt.minicloud`` by ``minicloud_drivers.nova_compute``.
COMPUTE_DRIVER = "minicloud.SnapshotFakeDriver"
#: Run with the venv's Python: ``python -m`` this.
COMPUTE_LAUNCHER = ["-m", "minicloud_drivers.nova_compute"]
COMPUTE_COUNT = 2
#: Clouds (by role) with a spare compute host (started disabled) after
#: the others.
SPARE_HOST_CLOUDS = ("source",)
#: Compute API microversion used for the readiness checks.
_MICROVERSION = {"OpenStack-API-Version": "compute 2.53"}


class Nova(OpenStackService):
    """Compute: nova-api under gunicorn plus the Nova daemons."""

    name = "nova"
    port_offset = 3
    databases = ("nova_api", "nova_cell0", "nova")
    catalog = (("compute", "nova", "/v2.1"),)

    @property
    def config_file(self) -> str:
        """Path of the shared ``nova.conf``."""
        return str(self.state_dir / "nova.conf")

    def compute_hosts(self) -> list[str]:
        """Names of the compute hosts of this cloud."""
        count = COMPUTE_COUNT + (self.cloud.kind in SPARE_HOST_CLOUDS)
        return [f"{self.cloud.name}-compute-{i}"
                for i in range(1, count + 1)]

    def spare_host(self) -> str | None:
        """The host whose service starts disabled, if this cloud has one."""
        if self.cloud.kind not in SPARE_HOST_CLOUDS:
            return None
        return self.compute_hosts()[-1]

    def units(self) -> list[Unit]:
        """nova-api, conductor, scheduler, then the compute hosts."""
        conf = [self.config_file]
        units = [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={"OS_NOVA_CONFIG_DIR": str(self.state_dir)},
                health_path="/",
            ),
            self.daemon_unit("nova-conductor", "nova-conductor", conf),
            self.daemon_unit("nova-scheduler", "nova-scheduler", conf),
        ]
        for i, _host in enumerate(self.compute_hosts(), start=1):
            units.append(
                self.daemon_unit(
                    f"nova-compute-{i}",
                    [str(self.release.venv_python), *COMPUTE_LAUNCHER],
                    conf))
        return units

    def _settings(self) -> dict[str, dict[str, object]]:
        state = self.state_dir
        auth = self.client_auth()
        return {
            "DEFAULT": {
                "debug": False,
                "use_stderr": True,
                "host": f"{self.cloud.name}-controller",
                "my_ip": self.cloud.host,
                "transport_url": self.cloud.transport_url,
                "state_path": state / "state",
                "compute_driver": COMPUTE_DRIVER,
                # A stopped compute service is "down" after 20 s, not
                # 60 (the host tests stop one and wait for that); the
                # services report every 5 s, not 10.
                "report_interval": 5,
                "service_down_time": 20,
            },
            "api_database": self.cloud.db_options("nova_api"),
            "database": self.cloud.db_options("nova"),
            "keystone_authtoken": self.authtoken(),
            "placement": auth,
            "neutron": {**auth, "service_metadata_proxy": False},
            "glance": {"region_name": self.cloud.region,
                       "valid_interfaces": "public"},
            "cinder": {**auth, "os_region_name": self.cloud.region,
                       "catalog_info": "block-storage::publicURL"},
            "service_user": {**auth, "send_service_user_token": True},
            "conductor": {"workers": 1},
            "scheduler": {"workers": 1},
            "vnc": {"enabled": False},
            "oslo_concurrency": {"lock_path": state / "lock"},
            "oslo_messaging_notifications": {"driver": "noop"},
            "wsgi": {"api_paste_config": state / "api-paste.ini"},
        }

    def configure(self) -> None:
        """Register, write configs, sync the API and cell databases."""
        self.register()
        self.copy_sample("nova/api-paste.ini")
        (self.state_dir / "state").mkdir(parents=True, exist_ok=True)
        self.write_ini("nova.conf", self._settings())
        self.write_unit_config("nova-conductor")
        self.write_unit_config("nova-scheduler")
        for i, host in enumerate(self.compute_hosts(), start=1):
            own = self.state_dir / f"compute-{i}"
            (own / "instances").mkdir(parents=True, exist_ok=True)
            self.write_unit_config(f"nova-compute-{i}", {"DEFAULT": {
                "host": host,
                # Own state path: own node UUID (compute_id file).
                "state_path": own,
                "instances_path": own / "instances",
            }})
        manage = ["nova-manage", "--config-file", self.config_file]
        self.run_tool([*manage, "api_db", "sync"])
        self.run_tool([*manage, "cell_v2", "map_cell0",
                       "--database_connection",
                       self.cloud.db_url("nova_cell0")])
        # Exit code 2: a cell with this database and transport exists.
        self.run_tool([*manage, "cell_v2", "create_cell", "--name", "cell1"],
                      ok_codes=(0, 2))
        self.run_tool([*manage, "db", "sync"])

    def wait_ready(self) -> None:
        """The compute hosts report up; map them to cell1; disable the
        spare host."""
        api = self.admin_api()
        wanted = set(self.compute_hosts())

        def computes_up() -> bool:
            self.check_alive()
            services = api.call(
                "GET", self.url("/v2.1/os-services?binary=nova-compute"),
                headers=_MICROVERSION)["services"]
            up = {s["host"] for s in services if s["state"] == "up"}
            return wanted <= up

        def hypervisors_listed() -> bool:
            listed = api.call(
                "GET", self.url("/v2.1/os-hypervisors"),
                headers=_MICROVERSION)["hypervisors"]
            return wanted <= {h["hypervisor_hostname"] for h in listed}

        def discovered() -> bool:
            self.run_tool(["nova-manage", "--config-file", self.config_file,
                           "cell_v2", "discover_hosts"])
            return hypervisors_listed()

        wait_for(computes_up, 90, "nova-compute hosts did not report up")
        # Hypervisors are listed once their hosts are mapped to a cell.
        wait_for(discovered, 60, "compute hosts were not mapped to cell1",
                 interval=2)
        spare = self.spare_host()
        if spare is not None:
            # Services register enabled (the conductor creates them, with
            # its own enable_new_services): disable the spare's.
            services = api.call(
                "GET", self.url("/v2.1/os-services?binary=nova-compute"
                                f"&host={spare}"),
                headers=_MICROVERSION)["services"]
            for service in services:
                if service["status"] == "enabled":
                    api.call("PUT", self.url(
                        f"/v2.1/os-services/{service['id']}"),
                        {"status": "disabled",
                         "disabled_reason": "harness spare host"},
                        headers=_MICROVERSION)
