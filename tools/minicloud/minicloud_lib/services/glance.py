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

"""Glance: images on the file store, under gunicorn."""

from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService


class Glance(OpenStackService):
    """Image API; images are files under ``glance/images``."""

    name = "glance"
    port_offset = 1
    databases = ("glance",)
    catalog = (("image", "glance", ""),)

    def units(self) -> list[Unit]:
        """One gunicorn process serving the Glance API of the release."""
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={"OS_GLANCE_CONFIG_DIR": str(self.state_dir)},
                health_path="/healthcheck",
            )
        ]

    def configure(self) -> None:
        """Register in Keystone, write glance-api.conf, sync the DB."""
        self.register()
        paste = self.copy_sample("glance/glance-api-paste.ini")
        data = self.state_dir / "data"
        stores = {}
        for store in ("images", "staging", "tasks"):
            (data / store).mkdir(parents=True, exist_ok=True)
            stores[store] = {"filesystem_store_datadir": data / store}
        self.write_ini(
            "glance-api.conf",
            {
                "DEFAULT": {
                    "debug": False,
                    "use_stderr": True,
                    "enabled_backends": "file:file",
                    "public_endpoint": self.url(),
                },
                "database": self.cloud.db_options("glance"),
                "glance_store": {"default_backend": "file"},
                "file": stores["images"],
                "os_glance_staging_store": stores["staging"],
                "os_glance_tasks_store": stores["tasks"],
                "keystone_authtoken": self.authtoken(),
                "paste_deploy": {"flavor": "keystone", "config_file": paste},
                "oslo_concurrency": {"lock_path": self.state_dir / "lock"},
            },
        )
        self.run_tool(["glance-manage", "--config-file",
                       str(self.state_dir / "glance-api.conf"), "db_sync"])
