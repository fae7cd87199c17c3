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

"""Placement: resource providers and allocations, under gunicorn."""

from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService


class Placement(OpenStackService):
    """Placement API."""

    name = "placement"
    port_offset = 2
    databases = ("placement",)
    catalog = (("placement", "placement", ""),)

    def units(self) -> list[Unit]:
        """One gunicorn process serving the Placement API of the release."""
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={"OS_PLACEMENT_CONFIG_DIR": str(self.state_dir)},
                health_path="/",
            )
        ]

    def configure(self) -> None:
        """Register in Keystone, write placement.conf, sync the DB."""
        self.register()
        conf = self.write_ini(
            "placement.conf",
            {
                "DEFAULT": {"debug": False, "use_stderr": True},
                "placement_database": self.cloud.db_options("placement"),
                "api": {"auth_strategy": "keystone"},
                "keystone_authtoken": self.authtoken(),
            },
        )
        # placement-manage ignores OS_PLACEMENT_CONFIG_DIR.
        self.run_tool(["placement-manage", "--config-file", str(conf),
                       "db", "sync"])
