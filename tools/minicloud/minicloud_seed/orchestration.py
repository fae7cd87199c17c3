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

"""Heat stacks of a seed file (section ``stacks``).

Each item::

    - name: demo-app
      project: demo
      user: alice            # the stack's owner (default: admin)
      template: templates/app.yaml   # relative to the seed directory
      files: [templates/worker.yaml] # nested templates, by base name
      parameters: {key_name: alice-key, ...}

A stack that exists in a ``*_COMPLETE`` state is left alone; one that
failed is reported (delete it to seed it again).
"""

from pathlib import Path
from typing import Any

import yaml
from minicloud_lib import paths

from minicloud_seed.context import Context
from minicloud_seed.context import SeedError
from minicloud_seed.context import wait_until

SEED_DIR = paths.TOOL_DIR / "seed"
STACK_TIMEOUT = 600


def _files(item: dict[str, Any]) -> dict[str, str]:
    """Nested templates, keyed as the template refers to them."""
    return {Path(rel).name: (SEED_DIR / rel).read_text(encoding="utf-8")
            for rel in item.get("files", [])}


def _settled(orchestration: Any, stack_id: str) -> Any:
    """The stack once no operation is in progress, else None."""
    found = orchestration.get_stack(stack_id)
    return None if found.status.endswith("IN_PROGRESS") else found


def stacks(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Create each stack as its owner and wait for CREATE_COMPLETE."""
    for item in items:
        name = item["name"]
        conn = ctx.session(item["project"], item.get("user"))
        orchestration = conn.orchestration
        stack = orchestration.find_stack(name, ignore_missing=True)
        created = stack is None
        if created:
            template = yaml.safe_load(
                (SEED_DIR / item["template"]).read_text(encoding="utf-8"))
            # YAML reads 2018-08-31 as a date; Heat wants the text.
            template["heat_template_version"] = str(
                template["heat_template_version"])
            stack = orchestration.create_stack(
                name=name, template=template, files=_files(item),
                parameters=dict(item.get("parameters", {})),
                timeout_mins=STACK_TIMEOUT // 60)

        final = wait_until(
            lambda api=orchestration, sid=stack.id: _settled(api, sid),
            STACK_TIMEOUT, f"stack {name}", interval=2.0)
        if not final.status.endswith("COMPLETE") or \
                final.status.startswith("DELETE"):
            raise SeedError(f"stack {name}: {final.status} "
                            f"({final.status_reason})")
        ctx.log("stack", name, created)
