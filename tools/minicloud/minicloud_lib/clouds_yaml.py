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

"""Write ``.minicloud/clouds.yaml`` for openstackclient and openstacksdk.

Written by hand (the harness is standard-library only); every string
is emitted as a JSON string, which is valid YAML.
"""

import json
import os
from collections.abc import Iterable

from minicloud_lib import paths
from minicloud_lib.cloud import Cloud
from minicloud_lib.services import keystone


def render(clouds: Iterable[Cloud]) -> str:
    """clouds.yaml text with one admin, project-scoped entry per cloud."""
    lines = [
        "# Written by tools/minicloud/minicloud up; do not edit.",
        "clouds:",
    ]
    for cloud in clouds:
        auth = {
            "auth_url": keystone.Keystone(cloud).auth_url(),
            "username": "admin",
            "password": keystone.admin_password(cloud.name),
            "project_name": "admin",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        lines += [f"  {cloud.name}:", "    auth_type: password", "    auth:"]
        lines += [f"      {k}: {json.dumps(v)}" for k, v in auth.items()]
        lines += [
            f"    region_name: {json.dumps(cloud.region)}",
            '    identity_api_version: "3"',
            "    interface: public",
        ]
    return "\n".join(lines) + "\n"


def write(clouds: Iterable[Cloud]) -> None:
    """Write clouds.yaml (mode 0600: it holds passwords)."""
    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = paths.CLOUDS_YAML.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(render(clouds))
    os.replace(tmp, paths.CLOUDS_YAML)
