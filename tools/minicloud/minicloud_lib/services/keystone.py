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

"""Keystone: identity for one cloud, on MariaDB, under gunicorn."""

import grp
import os
import pwd

from minicloud_lib import secrets_store
from minicloud_lib.services.base import Service
from minicloud_lib.services.base import Unit

#: Name under which the admin password is kept in ``.minicloud/secrets``
#: (one admin password per cloud).
ADMIN_PASSWORD_KEY = "{cloud}-admin-password"  # noqa: S105 - a key name


def admin_password(cloud_name: str) -> str:
    """The generated password of ``admin`` in cloud ``cloud_name``."""
    return secrets_store.get(ADMIN_PASSWORD_KEY.format(cloud=cloud_name))


class Keystone(Service):
    """Identity API; bootstrapped with admin user, project and region."""

    name = "keystone"
    port_offset = 0
    databases = ("keystone",)

    @property
    def config_file(self) -> str:
        """Path of ``keystone.conf``."""
        return str(self.state_dir / "keystone.conf")

    def auth_url(self) -> str:
        """Identity v3 endpoint of this cloud."""
        return self.url("/v3")

    def units(self) -> list[Unit]:
        """One gunicorn process serving the Keystone API of the release."""
        return [
            self.gunicorn_unit(
                self.release.wsgi_app(self.name),
                env={"OS_KEYSTONE_CONFIG_DIR": str(self.state_dir)},
                health_path="/v3",
            )
        ]

    def configure(self) -> None:
        """Write keystone.conf, sync the DB, create keys, bootstrap."""
        keys = self.state_dir
        self.write_ini(
            "keystone.conf",
            {
                "DEFAULT": {"debug": False, "use_stderr": True},
                "database": self.cloud.db_options("keystone"),
                "token": {"provider": "fernet"},
                "fernet_tokens": {
                    "key_repository": keys / "fernet-keys",
                },
                "fernet_receipts": {
                    "key_repository": keys / "fernet-receipts",
                },
                "credential": {
                    "key_repository": keys / "credential-keys",
                },
                "identity": {"password_hash_rounds": 4},
                # Keystone's own cache, in its one process (one gunicorn
                # worker: what it caches it also invalidates). Without
                # it each request re-reads the token's user, project,
                # roles and revocations from the database: ~0.1 s of CPU
                # a request, the harness's largest CPU user (45 CPU
                # minutes of the functional tests' hour); with it ~0.02.
                # Entries expire after 10 minutes and are dropped then.
                "cache": {
                    "enabled": True,
                    "backend": "oslo_cache.dict",
                    "backend_argument": "expiration_time:600",
                },
            },
        )
        conf = ["--config-file", self.config_file]
        self.run_tool(["keystone-manage", *conf, "db_sync"])
        # Key files belong to whoever runs the harness (no keystone user).
        owner = [
            "--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
            "--keystone-group", grp.getgrgid(os.getgid()).gr_name,
        ]
        for setup, key_dir in (
            ("fernet_setup", "fernet-keys"),
            ("credential_setup", "credential-keys"),
        ):
            # Re-running is harmless but costs a few seconds each.
            if not any((keys / key_dir).glob("*")):
                self.run_tool(["keystone-manage", *conf, setup, *owner])
        url = self.auth_url()
        self.run_tool(
            [
                "keystone-manage", *conf, "bootstrap",
                "--bootstrap-username", "admin",
                "--bootstrap-project-name", "admin",
                "--bootstrap-role-name", "admin",
                "--bootstrap-service-name", "keystone",
                "--bootstrap-admin-url", url,
                "--bootstrap-public-url", url,
                "--bootstrap-internal-url", url,
                "--bootstrap-region-id", self.cloud.region,
            ],
            # Via the environment, so it never shows in a process list.
            env={"OS_BOOTSTRAP_PASSWORD": admin_password(self.cloud.name)},
        )
