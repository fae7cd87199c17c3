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

"""The two clouds: names, addresses, ports, databases, state dirs.

Each cloud listens on its own loopback address *and* its own port
range, so a URL alone tells which cloud it belongs to. A service's
port is ``port_base + Service.port_offset``.
"""

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from minicloud_lib import paths
from minicloud_lib import releases

DB_HOST = "127.0.0.1"
DB_PORT = 3306
DB_USER = "root"
RABBIT_HOST = "127.0.0.1"
RABBIT_PORT = 5672
RABBIT_USER = "guest"
RABBIT_PASSWORD = "guest"  # noqa: S105 - RabbitMQ's loopback-only default


@dataclass(frozen=True)
class Cloud:
    """One OpenStack cloud of the harness."""

    name: str
    host: str
    port_base: int
    region: str = "RegionOne"
    #: ``source`` or ``destination``: what the cloud runs (Ironic, the
    #: spare compute host, the release). Empty: the same as ``name``.
    role: str = ""
    #: OpenStack release of its services (see :mod:`releases`).
    release: str = releases.CURRENT

    @property
    def kind(self) -> str:
        """The cloud's role: ``source`` or ``destination``."""
        return self.role or self.name

    @property
    def release_info(self) -> releases.Release:
        """Venv and differences of the cloud's release."""
        return releases.get(self.release)

    def with_release(self, release: str) -> "Cloud":
        """This cloud running ``release``."""
        return dataclasses.replace(self, release=release)

    @property
    def state_dir(self) -> Path:
        """``.minicloud/<cloud>/``: configs, keys, logs, PID files."""
        return paths.STATE_DIR / self.name

    def port(self, offset: int) -> int:
        """TCP port of the service at ``offset`` in this cloud."""
        return self.port_base + offset

    def url(self, offset: int, path: str = "") -> str:
        """HTTP URL of the service at ``offset``."""
        return f"http://{self.host}:{self.port(offset)}{path}"

    def db_name(self, service: str) -> str:
        """Name of ``service``'s database for this cloud."""
        return f"minicloud_{self.name}_{service}"

    def db_url(self, service: str) -> str:
        """SQLAlchemy URL of ``service``'s database for this cloud."""
        return (
            f"mysql+pymysql://{DB_USER}@{DB_HOST}:{DB_PORT}/"
            f"{self.db_name(service)}?charset=utf8mb4"
        )

    def db_options(self, service: str) -> dict:
        """oslo.db options of ``service``'s database for this cloud.

        Small pools: the two clouds' processes (about thirty) share the
        machine's MariaDB, whose ``max_connections`` is 151 by default.
        With oslo.db's default pool (five connections kept open per
        process and database) they held 143 of them while idle, and a
        busy moment got "Too many connections" (HTTP 500 from Nova and
        Neutron). One connection is kept per process and database; up to
        forty more are opened while it is busy, and closed after (twenty
        were too few for the 2024.1 source's eventlet Neutron while a
        fleet of 300 servers was deleted: "QueuePool limit of size 1
        overflow 20 reached", HTTP 500).
        """
        return {"connection": self.db_url(service), "max_retries": -1,
                "max_pool_size": 1, "max_overflow": 40}

    @property
    def rabbit_vhost(self) -> str:
        """RabbitMQ vhost of this cloud."""
        return f"minicloud-{self.name}"

    @property
    def transport_url(self) -> str:
        """oslo.messaging transport URL of this cloud."""
        return (
            f"rabbit://{RABBIT_USER}:{RABBIT_PASSWORD}@"
            f"{RABBIT_HOST}:{RABBIT_PORT}/{self.rabbit_vhost}"
        )


SOURCE = Cloud(name="source", host="127.0.0.1", port_base=25000)
DESTINATION = Cloud(name="destination", host="127.0.0.2", port_base=26000)
DEFAULT_CLOUDS = (SOURCE, DESTINATION)


def _from_spec(spec: str) -> tuple[Cloud, ...]:
    """Clouds from ``MINICLOUD_CLOUDS``: ``name:role:host:port_base``
    entries separated by commas (developer option; README.rst, "A trial
    cloud beside the harness")."""
    clouds = []
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        try:
            name, role, host, base = entry.split(":")
            port_base = int(base)
        except ValueError:
            raise SystemExit(
                f"MINICLOUD_CLOUDS: {entry!r} is not name:role:host:"
                "port_base") from None
        if role not in ("source", "destination"):
            raise SystemExit(f"MINICLOUD_CLOUDS: role of {name} must be "
                             "source or destination")
        if name in ("source", "destination") or not name.isalnum():
            raise SystemExit(
                f"MINICLOUD_CLOUDS: name {name!r} must be alphanumeric and "
                "not one of the harness's clouds (their databases and "
                "vhosts are named after it)")
        clouds.append(Cloud(name=name, host=host, port_base=port_base,
                            role=role))
    return tuple(clouds)


#: The clouds this run manages: the two harness clouds, or those of
#: ``MINICLOUD_CLOUDS`` (only with ``MINICLOUD_STATE_DIR``: cli checks).
CLOUDS = _from_spec(os.environ.get("MINICLOUD_CLOUDS", "")) or DEFAULT_CLOUDS
