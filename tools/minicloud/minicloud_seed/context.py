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

"""Connections, name look-ups and bounded waits shared by the handlers."""

import time
from collections.abc import Callable
from typing import Any

import openstack
from minicloud_lib import secrets_store
from openstack import connection


class SeedError(RuntimeError):
    """The cloud did not reach the declared state."""


def wait_until(check: Callable[[], Any], timeout: float, what: str,
               interval: float = 1.0) -> Any:
    """Poll ``check`` until it returns a truthy value (returned)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SeedError(f"timed out after {timeout:.0f}s: {what}")
        time.sleep(interval)


class Context:
    """One cloud: the admin connection, caches, per-project sessions."""

    def __init__(self, cloud: str, config_file: str) -> None:
        self.cloud = cloud
        self._config = openstack.config.OpenStackConfig(
            config_files=[config_file], load_envvars=False)
        self.admin = connection.Connection(
            config=self._config.get_one(cloud=cloud))
        self._cache: dict[tuple[str, str], Any] = {}
        self._sessions: dict[tuple[str, str | None], Any] = {}
        self.changes = 0

    def log(self, kind: str, name: str, created: bool) -> None:
        """One line per object: created or already there."""
        if created:
            self.changes += 1
        state = "created" if created else "exists"
        print(f"  {kind:<16} {name:<22} {state}", flush=True)

    # Identity look-ups -------------------------------------------------

    def domain_id(self, name: str | None) -> str:
        """ID of domain ``name`` (None or "Default": ``default``)."""
        if name in (None, "Default", "default"):
            return "default"
        key = ("domain", name)
        if key not in self._cache:
            self._cache[key] = self.admin.identity.find_domain(
                name, ignore_missing=False).id
        return self._cache[key]

    def project(self, name: str, domain: str | None = None) -> Any:
        """Project ``name`` (cached)."""
        key = ("project", f"{domain}/{name}")
        if key not in self._cache:
            self._cache[key] = self.admin.identity.find_project(
                name, domain_id=self.domain_id(domain), ignore_missing=False)
        return self._cache[key]

    def user(self, name: str, domain: str | None = None) -> Any:
        """User ``name`` (cached)."""
        key = ("user", f"{domain}/{name}")
        if key not in self._cache:
            self._cache[key] = self.admin.identity.find_user(
                name, domain_id=self.domain_id(domain), ignore_missing=False)
        return self._cache[key]

    def role(self, name: str) -> Any:
        """Global role ``name`` (cached)."""
        key = ("role", name)
        if key not in self._cache:
            self._cache[key] = self.admin.identity.find_role(
                name, ignore_missing=False)
        return self._cache[key]

    def password(self, user: str) -> str:
        """Generated password of seeded user ``user`` (never printed)."""
        return secrets_store.get(f"{self.cloud}-seed-user-{user}-password")

    # Sessions ------------------------------------------------------------

    def session(self, project: str | None, user: str | None = None) -> Any:
        """A connection scoped to ``project``: admin's, or ``user``'s.

        ``project`` None means the admin's own project.
        """
        if project is None:
            return self.admin
        key = (project, user)
        if key not in self._sessions:
            if user is None:
                conn = self.admin.connect_as_project(project)
            else:
                conn = self.admin.connect_as(
                    username=user, password=self.password(user),
                    user_domain_id="default", project_name=project,
                    project_domain_id="default")
            self._sessions[key] = conn
        return self._sessions[key]
