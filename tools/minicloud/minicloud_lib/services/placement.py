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
                "placement_database": {
                    "connection": self.cloud.db_url("placement"),
                    "max_retries": -1,
                },
                "api": {"auth_strategy": "keystone"},
                "keystone_authtoken": self.authtoken(),
            },
        )
        # placement-manage ignores OS_PLACEMENT_CONFIG_DIR.
        self.run_tool(["placement-manage", "--config-file", str(conf),
                       "db", "sync"])
