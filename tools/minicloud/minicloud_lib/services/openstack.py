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

"""Helpers shared by the services that sit behind Keystone.

:class:`OpenStackService` adds what every non-Keystone service needs:
a service user, catalog registration, ``[keystone_authtoken]`` and
client-auth config sections, daemon units and a readiness wait.
"""

import shutil
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from minicloud_lib import keystone_api
from minicloud_lib import secrets_store
from minicloud_lib.errors import SetupError
from minicloud_lib.services import keystone
from minicloud_lib.services.base import Service
from minicloud_lib.services.base import Unit


def wait_for(check: Callable[[], bool], timeout: float,
             what: str, interval: float = 1.0) -> None:
    """Poll ``check`` until true or raise :class:`SetupError`."""
    import time  # noqa: PLC0415 - keep module import light

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise SetupError(f"{what} within {timeout:.0f}s")


class OpenStackService(Service):
    """A service with a Keystone service user and catalog entries."""

    #: Catalog entries ``(service type, service name, URL path)``.
    catalog: tuple[tuple[str, str, str], ...] = ()

    @property
    def user(self) -> str:
        """Name of the service user (the service name)."""
        return self.name

    def password(self, user: str | None = None) -> str:
        """Generated password of a service user of this cloud."""
        name = user or self.user
        return secrets_store.get(f"{self.cloud.name}-{name}-password")

    def keystone_url(self) -> str:
        """Identity v3 URL of this cloud."""
        return keystone.Keystone(self.cloud).auth_url()

    def admin_api(self) -> keystone_api.Keystone:
        """An admin session (project-scoped token) on this cloud."""
        return keystone_api.Keystone(
            self.keystone_url(), keystone.admin_password(self.cloud.name),
            self.cloud.region)

    def register(self) -> None:
        """Create the service user and the catalog entries (idempotent)."""
        api = self.admin_api()
        api.service_user(self.user, self.password())
        for service_type, service_name, path in self.catalog:
            api.register(service_type, service_name, self.url(path))

    def client_auth(self, user: str | None = None) -> dict[str, object]:
        """keystoneauth password options for talking to other services."""
        return {
            "auth_type": "password",
            "auth_url": self.keystone_url(),
            "username": user or self.user,
            "password": self.password(user),
            "project_name": "service",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
            "region_name": self.cloud.region,
            "valid_interfaces": "public",
        }

    def authtoken(self) -> dict[str, object]:
        """The ``[keystone_authtoken]`` section for this service's API."""
        section = self.client_auth()
        del section["valid_interfaces"]
        section["www_authenticate_uri"] = self.keystone_url()
        section["service_token_roles_required"] = True
        section["interface"] = "public"
        return section

    def copy_sample(self, relative: str, target: str | None = None) -> str:
        """Copy ``<venv>/etc/<relative>`` of the cloud's release into the
        state dir; its path."""
        source = self.release.venv_etc / relative
        dest = self.state_dir / (target or source.name)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return str(dest)

    def daemon_unit(
        self,
        name: str,
        program: str | Sequence[str],
        config_files: Sequence[str],
        env: Mapping[str, str] | None = None,
    ) -> Unit:
        """A non-HTTP process, e.g. ``nova-conductor``.

        It also reads its own config file ``unit-<name>.conf``, which
        ``configure()`` must write (:meth:`write_unit_config`); that
        file's path is unique to the unit and is its process marker.
        """
        own = self.state_dir / f"unit-{name}.conf"
        if isinstance(program, str):
            argv = [str(self.release.venv_bin / program)]
        else:
            argv = list(program)
        for path in [*config_files, str(own)]:
            argv += ["--config-file", path]
        return Unit(
            name=name,
            argv=argv,
            state_dir=self.state_dir,
            env=dict(env or {}),
            marker=str(own),
        )

    def write_unit_config(
        self, name: str,
        sections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        """Write the per-unit config file of daemon unit ``name``."""
        self.write_ini(f"unit-{name}.conf", sections or {"DEFAULT": {}})

    def check_alive(self) -> None:
        """Raise :class:`SetupError` if a unit of the service died."""
        for unit in self.units():
            if unit.pid() is None:
                raise SetupError(f"{unit.name} exited")
