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

"""The OpenStack releases a cloud of the harness can run.

One :class:`Release` per release: its venv, constraints and packages,
and every difference the service modules must know about, in one
explicit table (:data:`RELEASES`) instead of ``if`` statements spread
over the services. The destination always runs ``current``; the source
runs the release ``up --source-release`` chose (recorded in
``.minicloud/source-release``).

Differences between 2024.1 and current that need no entry here:

* config options: every option the service modules write is accepted
  by both (checked with ``minicloud check-config``, which compares the
  written files with the options each venv's services register). Two
  dead options are no longer written: Nova's ``[api] auth_strategy``
  (gone from current Nova, deprecated in 2024.1 with the same default)
  and Neutron's ``[DEFAULT] allow_overlapping_ips`` (gone from both).
  ``[ml2]
  tenant_network_types`` is deprecated in current Neutron (now
  ``project_network_types``, which 2024.1 does not know): keep the old
  name while 2024.1 is supported;
* the test-only drivers (``tools/minicloud/drivers``) detect what they
  need themselves (e.g. Nova's ``monkey_patch.patch()``, which 2024.1
  does not have: importing the module patches with eventlet there).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from minicloud_lib import paths

CURRENT = "current"
CARACAL = "2024.1"


@dataclass(frozen=True)
class Release:
    """Where a release's services are installed and how they differ."""

    name: str
    venv_dir: Path
    #: ``pip install -c`` file (its hash is part of the venv stamp).
    constraints: Path
    #: What ``pip install`` gets (besides the harness drivers).
    packages: tuple[str, ...]
    #: WSGI callable of each API, by service name: ``module:attribute``
    #: or ``module:factory()`` (called once, see ``minicloud_lib.wsgi``).
    wsgi_apps: Mapping[str, str]
    #: Options for the venv's gunicorn beyond those every release takes.
    gunicorn_options: tuple[str, ...] = ()
    #: gunicorn worker class of the APIs that cannot run in ``gthread``
    #: (by service name).
    gunicorn_worker_classes: Mapping[str, str] = field(
        default_factory=dict)

    @property
    def venv_bin(self) -> Path:
        """``<venv>/bin``."""
        return self.venv_dir / "bin"

    @property
    def venv_python(self) -> Path:
        """The venv's Python."""
        return self.venv_bin / "python"

    @property
    def venv_etc(self) -> Path:
        """Where pip put the services' sample files (paste ini, ...)."""
        return self.venv_dir / "etc"

    @property
    def install_log(self) -> Path:
        """Log of the venv's pip runs."""
        suffix = "" if self.name == CURRENT else f"-{self.name}"
        return paths.DEFAULT_STATE_DIR / f"install{suffix}.log"

    def wsgi_app(self, service: str) -> str:
        """The WSGI callable of ``service``'s API in this release."""
        return self.wsgi_apps[service]


RELEASES: dict[str, Release] = {
    CURRENT: Release(
        name=CURRENT,
        venv_dir=paths.VENV_DIR,
        constraints=paths.CONSTRAINTS,
        packages=(
            "keystone",
            "glance",
            "nova",
            "openstack-placement",
            "neutron",
            "cinder",
            "ironic",
            "openstack-heat",
            "gunicorn",
            "pymysql",
            "python-openstackclient",
            "openstacksdk",
        ),
        wsgi_apps={
            "keystone": "keystone.wsgi.api:application",
            "glance": "glance.wsgi.api:application",
            "placement": "placement.wsgi.api:application",
            "nova": "nova.wsgi.osapi_compute:application",
            "neutron": "neutron.wsgi.api:application",
            "cinder": "cinder.wsgi.api:application",
            "heat": "heat.wsgi.api:application",
        },
        # gunicorn 23+ opens a control socket whose default path is
        # shared by every gunicorn of the user.
        gunicorn_options=("--no-control-socket",),
    ),
    # Source only: no Ironic. Versions: constraints-2024.1.txt.
    CARACAL: Release(
        name=CARACAL,
        venv_dir=paths.VENV_2024_1_DIR,
        constraints=paths.CONSTRAINTS_2024_1,
        packages=(
            "keystone",
            "glance",
            "nova",
            "openstack-placement",
            "neutron",
            "cinder",
            "openstack-heat",
            "gunicorn",
            "pymysql",
        ),
        # 2024.1 has no ``<service>.wsgi.api`` modules yet: these are the
        # factories its pbr ``wsgi_scripts`` (keystone-wsgi-public, ...)
        # call. Neutron's parses its config from OS_NEUTRON_CONFIG_DIR/
        # _FILES like the current module.
        wsgi_apps={
            "keystone":
                "keystone.server.wsgi:initialize_public_application()",
            "glance": "glance.common.wsgi_app:init_app()",
            "placement": "placement.wsgi:init_application()",
            "nova": "nova.api.openstack.compute.wsgi:init_application()",
            "neutron": "neutron.cmd.eventlet.server:main_api_eventlet()",
            "cinder": "cinder.wsgi.wsgi:initialize_application()",
            "heat": "heat.httpd.heat_api:init_application()",
        },
        # gunicorn 21.2 (upper-constraints) has no control socket, and
        # so no --no-control-socket.
        gunicorn_options=(),
        # Importing 2024.1's Neutron and Nova APIs monkey-patches with
        # eventlet: in a gthread worker they answer one request, then
        # hang. The others do not patch.
        gunicorn_worker_classes={"neutron": "eventlet", "nova": "eventlet"},
    ),
}
#: ``up --source-release`` when neither the option nor
#: ``MINICLOUD_SOURCE_RELEASE`` says otherwise: the functional suite
#: migrates old -> new, as operators do.
DEFAULT_SOURCE_RELEASE = CARACAL


def get(name: str) -> Release:
    """The release called ``name`` (``current`` or ``2024.1``)."""
    return RELEASES[name]


def recorded_source_release() -> str | None:
    """The release the source cloud was last set up with, if recorded."""
    try:
        name = paths.SOURCE_RELEASE_FILE.read_text().strip()
    except FileNotFoundError:
        return None
    return name if name in RELEASES else None


def record_source_release(name: str) -> None:
    """Remember ``name`` as the source cloud's release."""
    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    paths.SOURCE_RELEASE_FILE.write_text(name + "\n")
