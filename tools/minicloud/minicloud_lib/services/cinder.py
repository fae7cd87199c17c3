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

"""Cinder: API under gunicorn, scheduler and volume on sparse files.

The volume service runs the harness's ``FileVolumeDriver``
(``tools/minicloud/drivers``): each volume is a sparse file under
``cinder/volumes`` (1 MiB of file per GiB of volume), and image
transfers in both directions carry the real bytes.
"""

from minicloud_lib.services.base import Unit
from minicloud_lib.services.openstack import OpenStackService
from minicloud_lib.services.openstack import wait_for

VOLUME_DRIVER = "minicloud_drivers.cinder_file.FileVolumeDriver"
BACKEND = "file"
_MICROVERSION = {"OpenStack-API-Version": "volume 3.0"}


class Cinder(OpenStackService):
    """Block storage: cinder-api, cinder-scheduler, cinder-volume."""

    name = "cinder"
    port_offset = 5
    databases = ("cinder",)
    catalog = (("block-storage", "cinder", "/v3"),)

    @property
    def config_file(self) -> str:
        """Path of ``cinder.conf``."""
        return str(self.state_dir / "cinder.conf")

    def units(self) -> list[Unit]:
        """cinder-api (gunicorn), cinder-scheduler, cinder-volume."""
        conf = [self.config_file]
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={},
                argv=["cinder-api", "--config-file", self.config_file],
                health_path="/healthcheck",
            ),
            self.daemon_unit("cinder-scheduler", "cinder-scheduler", conf),
            self.daemon_unit("cinder-volume", "cinder-volume", conf),
        ]

    def configure(self) -> None:
        """Register, write cinder.conf, sync the DB."""
        self.register()
        state = self.state_dir
        paste = self.copy_sample("cinder/api-paste.ini")
        filters = self.copy_sample("cinder/resource_filters.json")
        for sub in ("state", "volumes", "conversion"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        nova_auth = self.client_auth()
        nova_auth["interface"] = "public"
        del nova_auth["valid_interfaces"]
        self.write_ini("cinder.conf", {
            "DEFAULT": {
                "debug": False,
                "use_stderr": True,
                "host": f"{self.cloud.name}-volume",
                "my_ip": self.cloud.host,
                "state_path": state / "state",
                "transport_url": self.cloud.transport_url,
                "auth_strategy": "keystone",
                "enabled_backends": BACKEND,
                "api_paste_config": paste,
                "resource_query_filters_file": filters,
                "image_conversion_dir": state / "conversion",
                "glance_catalog_info": "image:glance:publicURL",
            },
            "database": self.cloud.db_options("cinder"),
            "keystone_authtoken": self.authtoken(),
            "nova": nova_auth,
            "service_user": {**self.client_auth(),
                             "send_service_user_token": True},
            "oslo_concurrency": {"lock_path": state / "lock"},
            "oslo_messaging_notifications": {"driver": "noop"},
            BACKEND: {
                "volume_driver": VOLUME_DRIVER,
                "volume_backend_name": BACKEND,
                "minicloud_volumes_dir": state / "volumes",
            },
        })
        self.write_unit_config("cinder-scheduler")
        self.write_unit_config("cinder-volume")
        self.run_tool(["cinder-manage", "--config-file", self.config_file,
                       "db", "sync"])

    def wait_ready(self) -> None:
        """The volume backend reports up (so volumes can be created)."""
        api = self.admin_api()

        def volume_up() -> bool:
            self.check_alive()
            services = api.call(
                "GET", self.url("/v3/os-services?binary=cinder-volume"),
                headers=_MICROVERSION)["services"]
            return any(s["state"] == "up" for s in services)

        wait_for(volume_up, 90, "cinder-volume did not report up")
