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

"""``python -m minicloud_seed``: apply a seed YAML file to a cloud.

Usage (``minicloud seed`` runs this in the harness venv)::

    python -m minicloud_seed --profile full
    python -m minicloud_seed --file my.yaml --cloud source
"""

import argparse
import sys
import time
from pathlib import Path

import yaml
from minicloud_lib import paths
from openstack import exceptions

from minicloud_seed import compute
from minicloud_seed import identity
from minicloud_seed import network
from minicloud_seed import orchestration
from minicloud_seed import storage
from minicloud_seed.context import Context
from minicloud_seed.context import SeedError

SEED_DIR = paths.TOOL_DIR / "seed"
#: Sections in the order they are applied (later ones refer to earlier).
SECTIONS = (
    ("domains", identity.domains),
    ("projects", identity.projects),
    ("roles", identity.roles),
    ("users", identity.users),
    ("groups", identity.groups),
    ("assignments", identity.assignments),
    ("quotas", identity.quotas),
    ("flavors", compute.flavors),
    ("keypairs", compute.keypairs),
    ("images", storage.images),
    ("security_groups", network.security_groups),
    ("networks", network.networks),
    ("routers", network.routers),
    ("ports", network.ports),
    ("floating_ips", network.floating_ips),
    ("server_groups", compute.server_groups),
    ("volumes", storage.volumes),
    ("servers", compute.servers),
    ("server_snapshots", compute.server_snapshots),
    ("volume_uploads", storage.volume_uploads),
    ("stacks", orchestration.stacks),
)


def profile_path(profile: str) -> Path:
    """YAML file of a named profile (``tools/minicloud/seed/<name>.yaml``)."""
    return SEED_DIR / f"{profile}.yaml"


def main(argv: list[str] | None = None) -> int:
    """Apply the file; exit 0 when the cloud matches it."""
    parser = argparse.ArgumentParser(prog="minicloud seed")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--profile", default="small",
                        help="seed/<profile>.yaml (default: small)")
    source.add_argument("--file", type=Path, help="any seed YAML file")
    parser.add_argument("--cloud", help="clouds.yaml entry (default: "
                        "the file's `cloud`, else source)")
    parser.add_argument("--config", default=str(paths.CLOUDS_YAML),
                        help="clouds.yaml to use")
    args = parser.parse_args(argv)
    path = args.file or profile_path(args.profile)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(spec) - {name for name, _ in SECTIONS} - {"cloud"}
    if unknown:
        print(f"ERROR: unknown sections in {path}: {sorted(unknown)}",
              file=sys.stderr)
        return 2
    cloud = args.cloud or spec.get("cloud", "source")
    print(f"seeding {cloud} from {path}")
    began = time.monotonic()
    ctx = Context(cloud, args.config)
    try:
        for name, handler in SECTIONS:
            if spec.get(name):
                print(f"{name}:", flush=True)
                handler(ctx, spec[name])
    except (SeedError, exceptions.SDKException) as exc:
        print(f"ERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"seeded {cloud}: {ctx.changes} created "
          f"in {time.monotonic() - began:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
