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

"""Command line of ``tools/minicloud/minicloud``."""

import argparse
import os
import sys
from collections.abc import Sequence

from minicloud_lib import commands
from minicloud_lib import paths
from minicloud_lib import releases
from minicloud_lib.cloud import CLOUDS
from minicloud_lib.errors import SetupError

PROFILES = ("small", "full")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the sub-command; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="minicloud",
        description="Two small OpenStack clouds (source, destination) "
        "on loopback for Pumphouse's functional tests.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="install once, start both clouds, write "
                        "clouds.yaml (idempotent)")
    up.add_argument(
        "--source-release", choices=tuple(releases.RELEASES),
        default=None,
        help="OpenStack release of the source cloud (default: "
        "$MINICLOUD_SOURCE_RELEASE, else "
        f"{releases.DEFAULT_SOURCE_RELEASE}); switching needs `down` "
        "first (or --rebuild-source) and rebuilds the source from "
        "nothing")
    up.add_argument(
        "--rebuild-source", action="store_true",
        help="when the running source cloud runs another release, stop "
        "it and rebuild it on the release asked for (its workload is "
        "lost) instead of refusing")
    sub.add_parser("down", help="stop the processes named by our PID files")
    sub.add_parser("status", help="one line per service: up/down and URL; "
                   "the source's release")
    sub.add_parser("check-config", help="check the written service "
                   "configs against the options of each cloud's release")
    for name, text in (("stop-unit", "stop one process of a cloud"),
                       ("start-unit", "start one stopped process of a "
                        "cloud, without configuring anything again")):
        unit = sub.add_parser(name, help=text)
        unit.add_argument("cloud", choices=tuple(c.name for c in CLOUDS))
        unit.add_argument("unit", help="e.g. nova-compute-3")
    seed = sub.add_parser(
        "seed", help="create a workload in the source cloud from a "
        "declarative YAML file (idempotent)")
    seed.add_argument("--profile", choices=PROFILES, default="small",
                      help="tools/minicloud/seed/<profile>.yaml")
    seed.add_argument("--file", help="another seed YAML file instead")
    args = parser.parse_args(argv)
    # Another state directory must not reuse the harness's clouds: a new
    # state directory recreates its clouds' databases.
    if paths.CUSTOM_STATE_DIR != bool(os.environ.get("MINICLOUD_CLOUDS")):
        print("ERROR: MINICLOUD_STATE_DIR and MINICLOUD_CLOUDS go together "
              "(see README.rst, \"A trial cloud beside the harness\")",
              file=sys.stderr)
        return 2
    try:
        if args.command == "seed":
            return commands.seed(args.profile, args.file)
        if args.command == "stop-unit":
            return commands.stop_unit(args.cloud, args.unit)
        if args.command == "start-unit":
            return commands.start_unit(args.cloud, args.unit)
        if args.command == "up":
            return commands.up(args.source_release, args.rebuild_source)
        return {"down": commands.down, "status": commands.status,
                "check-config": commands.check_config}[args.command]()
    except SetupError as exc:  # e.g. the lock stayed busy
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
