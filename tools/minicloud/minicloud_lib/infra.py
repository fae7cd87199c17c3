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

"""Shared infrastructure: MariaDB databases and RabbitMQ vhosts.

The harness itself uses only the standard library, so SQL runs through
the harness venv's Python (which has PyMySQL).
"""

import shutil
import subprocess

from minicloud_lib import cloud as cloud_mod
from minicloud_lib import paths
from minicloud_lib.errors import SetupError

_CREATE_DB = """
import sys, pymysql
conn = pymysql.connect(host=sys.argv[1], port=int(sys.argv[2]),
                       user=sys.argv[3], autocommit=True)
with conn.cursor() as cur:
    drop = sys.argv[4] == "recreate"
    for name in sys.argv[5:]:
        if drop:
            cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
        cur.execute("CREATE DATABASE IF NOT EXISTS `%s` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                    % name)
"""


def ensure_databases(names: list[str], recreate: bool = False) -> None:
    """Create the MariaDB databases ``names`` if they do not exist.

    ``recreate`` drops them first: a cloud whose state directory is new
    must not meet the rows of an older one (Nova refuses to start a
    compute host whose node identity is in the database but not on disk).
    """
    for name in names:
        # Names are ours (minicloud_<cloud>_<service>); keep them tame.
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad database name {name!r}")
    done = subprocess.run(
        [
            str(paths.VENV_PYTHON), "-c", _CREATE_DB,
            cloud_mod.DB_HOST, str(cloud_mod.DB_PORT), cloud_mod.DB_USER,
            "recreate" if recreate else "keep", *names,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise SetupError(
            f"cannot create databases on MariaDB at {cloud_mod.DB_HOST}:"
            f"{cloud_mod.DB_PORT} as {cloud_mod.DB_USER}: {last}"
        )


def ensure_vhost(vhost: str) -> str:
    """Create RabbitMQ ``vhost`` for the guest user; return a status.

    Needs ``rabbitmqctl`` (run as root or the rabbitmq user). Without
    it the vhost is left alone and the returned text says so.
    """
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return f"rabbitmqctl not found: vhost {vhost} not created"
    listed = subprocess.run(
        [ctl, "-q", "list_vhosts"],
        capture_output=True, text=True, timeout=120,
    )
    if listed.returncode != 0:
        return f"rabbitmqctl failed: {listed.stderr.strip()[:200]}"
    if vhost in listed.stdout.split():
        return f"vhost {vhost} exists"
    for args in (
        ["add_vhost", vhost],
        ["set_permissions", "-p", vhost, cloud_mod.RABBIT_USER,
         ".*", ".*", ".*"],
    ):
        done = subprocess.run(
            [ctl, "-q", *args], capture_output=True, text=True,
            timeout=120,
        )
        if done.returncode != 0:
            return f"rabbitmqctl {args[0]} failed: {done.stderr.strip()}"
    return f"vhost {vhost} created"
