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

"""Just enough of Keystone's v3 API to register services (stdlib only).

Used by service modules' ``configure()`` to create their service user
(member of project ``service`` with roles ``admin`` and ``service``),
their catalog service and its endpoints. Everything is idempotent:
existing objects are found by name and reused; a service user's
password is reset to the generated one.
"""

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from minicloud_lib.errors import SetupError

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_LOCK = threading.Lock()
INTERFACES = ("public", "internal", "admin")


class Keystone:
    """An admin session against one cloud's Keystone."""

    def __init__(self, auth_url: str, password: str, region: str) -> None:
        if not auth_url.startswith("http://127."):
            raise ValueError(f"loopback only: {auth_url}")
        self.auth_url = auth_url.rstrip("/")
        self.region = region
        self._token = self._login(password)

    def _login(self, password: str) -> str:
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": password}}},
            "scope": {"project": {"name": "admin",
                                  "domain": {"id": "default"}}},
        }}
        req = urllib.request.Request(  # noqa: S310 - loopback http only
            self.auth_url + "/auth/tokens", method="POST",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(req, timeout=30) as resp:
                return resp.headers["X-Subject-Token"]
        except (OSError, urllib.error.HTTPError) as exc:
            raise SetupError(
                f"keystone login at {self.auth_url}: {exc}") from exc

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> Any:
        """One JSON request; returns the decoded body (None if empty).

        ``path`` is relative to the identity URL unless it is a full
        (loopback) URL of another service of the cloud.
        """
        url = path if path.startswith("http://127.") else (
            self.auth_url + path)
        if not url.startswith("http://127."):
            raise ValueError(f"loopback only: {url}")
        req = urllib.request.Request(  # noqa: S310 - loopback http only
            url, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "X-Auth-Token": self._token, **(headers or {})},
        )
        try:
            with _OPENER.open(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise SetupError(f"keystone {method} {path}: {exc.code} "
                             f"{detail}") from exc
        return json.loads(raw) if raw else None

    def _find_or_create(self, kind: str, query: str, body: dict) -> dict:
        plural = kind + "s"
        found = self.call("GET", f"/{plural}?{query}")[plural]
        if found:
            return found[0]
        return self.call("POST", f"/{plural}", {kind: body})[kind]

    def project(self, name: str) -> dict:
        """Project ``name`` in domain Default, created if missing."""
        return self._find_or_create(
            "project", f"name={name}&domain_id=default",
            {"name": name, "domain_id": "default"})

    def role(self, name: str) -> dict:
        """Global role ``name``, created if missing."""
        return self._find_or_create("role", f"name={name}", {"name": name})

    def _user(self, name: str, domain_id: str, password: str) -> dict:
        """User ``name`` of ``domain_id``, enabled, with ``password``
        (created or updated)."""
        found = self.call(
            "GET", f"/users?name={name}&domain_id={domain_id}")["users"]
        if found:
            user = found[0]
            self.call("PATCH", f"/users/{user['id']}",
                      {"user": {"password": password, "enabled": True}})
            return user
        return self.call("POST", "/users", {"user": {
            "name": name, "domain_id": domain_id,
            "password": password}})["user"]

    def service_user(self, name: str, password: str) -> dict:
        """User ``name`` with roles admin and service on ``service``."""
        with _LOCK:  # both clouds' threads may register at once
            project = self.project("service")
            user = self._user(name, "default", password)
            for role_name in ("admin", "service"):
                role = self.role(role_name)
                self.call("PUT", f"/projects/{project['id']}/users/"
                          f"{user['id']}/roles/{role['id']}")
        return user

    def domain_admin(self, domain: str, name: str, password: str) -> dict:
        """User ``name`` with role admin on domain ``domain``, both created
        if missing (e.g. Heat's stack-user domain); the domain."""
        with _LOCK:
            scope = self._find_or_create("domain", f"name={domain}",
                                         {"name": domain})
            user = self._user(name, scope["id"], password)
            role = self.role("admin")
            self.call("PUT", f"/domains/{scope['id']}/users/{user['id']}"
                      f"/roles/{role['id']}")
        return scope

    def register(self, service_type: str, name: str, url: str) -> None:
        """Catalog service ``type``/``name`` with its three endpoints."""
        services = self.call("GET", f"/services?type={service_type}")
        matches = [s for s in services["services"] if s["name"] == name]
        service = matches[0] if matches else self.call(
            "POST", "/services",
            {"service": {"type": service_type, "name": name}})["service"]
        listed = self.call(
            "GET", f"/endpoints?service_id={service['id']}")["endpoints"]
        for interface in INTERFACES:
            mine = [e for e in listed if e["interface"] == interface]
            if mine and mine[0]["url"] == url:
                continue
            for stale in mine:
                self.call("DELETE", f"/endpoints/{stale['id']}")
            self.call("POST", "/endpoints", {"endpoint": {
                "service_id": service["id"], "interface": interface,
                "url": url, "region_id": self.region}})
