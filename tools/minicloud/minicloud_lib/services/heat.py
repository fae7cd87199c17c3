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

"""Heat: heat-api under gunicorn and one heat-engine, in both clouds.

Stack adopt and abandon are on (``enable_stack_adopt`` and
``enable_stack_abandon``), as an operator turns them on for a migration
window: Pumphouse abandons a stack in the source (its resources stay)
and adopts it in the destination, owning the migrated resources.

Users that Heat creates for a stack (wait conditions, software
deployments) live in a domain of their own, ``heat``, administered by
``heat_domain_admin`` (Heat's recommended set-up; without it Heat puts
them in the stack's project and logs a deprecation).
"""

from minicloud_lib.errors import SetupError
from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService
from minicloud_lib.services.openstack import wait_for

STACK_DOMAIN = "heat"
STACK_DOMAIN_ADMIN = "heat_domain_admin"


class Heat(OpenStackService):
    """Orchestration: heat-api, heat-engine."""

    name = "heat"
    port_offset = 7
    databases = ("heat",)
    catalog = (("orchestration", "heat", "/v1/$(project_id)s"),)

    @property
    def config_file(self) -> str:
        """Path of ``heat.conf``."""
        return str(self.state_dir / "heat.conf")

    def units(self) -> list[Unit]:
        """heat-api (gunicorn), heat-engine."""
        conf = [self.config_file]
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={},
                argv=["heat-api", "--config-file", self.config_file],
                health_path="/",
            ),
            self.daemon_unit("heat-engine", "heat-engine", conf),
        ]

    def configure(self) -> None:
        """Register, create the stack domain, write heat.conf, sync the
        DB."""
        self.register()
        domain_password = self.password(STACK_DOMAIN_ADMIN)
        self.admin_api().domain_admin(STACK_DOMAIN, STACK_DOMAIN_ADMIN,
                                      domain_password)
        paste = self.copy_sample("heat/api-paste.ini")
        (self.state_dir / "lock").mkdir(parents=True, exist_ok=True)
        trustee = self.client_auth()
        for key in ("project_name", "project_domain_name", "region_name",
                    "valid_interfaces"):
            del trustee[key]
        self.write_ini("heat.conf", {
            "DEFAULT": {
                "debug": False,
                "use_stderr": True,
                "host": f"{self.cloud.name}-heat",
                "transport_url": self.cloud.transport_url,
                "region_name_for_services": self.cloud.region,
                "enable_stack_adopt": True,
                "enable_stack_abandon": True,
                "num_engine_workers": 1,
                "stack_user_domain_name": STACK_DOMAIN,
                "stack_domain_admin": STACK_DOMAIN_ADMIN,
                "stack_domain_admin_password": domain_password,
                "heat_metadata_server_url": self.url(),
                "heat_waitcondition_server_url": self.url("/v1/waitcondition"),
            },
            "database": self.cloud.db_options("heat"),
            "paste_deploy": {"api_paste_config": paste},
            "keystone_authtoken": self.authtoken(),
            "trustee": trustee,
            "clients": {"endpoint_type": "publicURL"},
            "clients_keystone": {"auth_uri": self.keystone_url()},
            "ec2authtoken": {"auth_uri": self.keystone_url()},
            "oslo_concurrency": {"lock_path": self.state_dir / "lock"},
            "oslo_messaging_notifications": {"driver": "noop"},
        })
        self.write_unit_config("heat-engine")
        self.run_tool(["heat-manage", "--config-file", self.config_file,
                       "db_sync"])

    def wait_ready(self) -> None:
        """heat-engine reports up (so stacks can be created)."""
        api = self.admin_api()
        project = api.project("admin")

        def engine_up() -> bool:
            self.check_alive()
            try:
                services = api.call(
                    "GET", self.url(f"/v1/{project['id']}/services"))
            except (SetupError, OSError):  # the API may still start
                return False
            return any(s["status"] == "up"
                       for s in services["services"])

        wait_for(engine_up, 120, "heat-engine did not report up")
