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

"""Pre-checks of a plan: can the clouds do it, can the destination hold it?

Each check compares what the plan will create with the clouds: the API
versions the drivers need of each cloud, the Keystone databases
``copy_hash`` copies passwords between, per-project quotas, hypervisor
capacity in Placement, free addresses in subnets and floating IP pools,
CIDR overlaps, stacks the destination's Heat can adopt. A failed check
stops the migration from starting unless the operator overrides it by
name (the check's full name, e.g.
``quota:demo:network.port``, or its category, e.g. ``quota``). Warnings
are shown and never stop anything.

The checks add up and decide; what they need to know of the destination
they ask the resource drivers (see :mod:`.facts`).
"""

from oslo_log import log

from pumphouse.common import exception
from pumphouse.engine.checks import api_version
from pumphouse.engine.checks import capacity
from pumphouse.engine.checks import keystone_db
from pumphouse.engine.checks import network
from pumphouse.engine.checks import quota
from pumphouse.engine.checks import stack
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import Result

LOG = log.getLogger(__name__)


def overridden(check: dict, overrides) -> bool:
    """Whether the operator overrode ``check`` by its name or category."""
    return any(o in (check['name'], check['category']) or
               check['name'].startswith(f'{o}:') for o in overrides or ())


def blocking(checks, overrides) -> list[dict]:
    """Failed checks that were not overridden."""
    return [c for c in checks or ()
            if c['status'] == FAILED and not overridden(c, overrides)]


def announce(ctx) -> None:
    """Record the API versions of both clouds in the migration's events
    (before discovery, so that a failing discovery has them too)."""
    api_version.announce(ctx)


def run(ctx, graph, items: list[dict], drivers: dict) -> list[dict]:
    """Every pre-check of a plan, as dicts stored with the migration."""
    plan = Plan(graph, items)
    results: list[Result] = []
    for check in (api_version.check, keystone_db.check, quota.check,
                  capacity.check, network.check_addresses,
                  network.check_cidrs, stack.check):
        results.extend(check(ctx, plan, drivers))
    failed = [r for r in results if r.status == FAILED]
    for result in results:
        if result.status != PASSED:
            ctx.event('check', f'{result.name}: {result.message}',
                      level='ERROR' if result.status == FAILED
                      else 'WARNING')
    ctx.event('check', f'Pre-checks: {len(results)} run, {len(failed)} '
                       'failed')
    return [r.to_dict() for r in results]


class Plan:
    """The graph and the planned actions, as the checks read them."""

    def __init__(self, graph, items: list[dict]) -> None:
        self.graph = graph
        self._items = {(i['resource_type'], i['source_id']): i
                       for i in items}

    def action(self, key) -> str | None:
        item = self._items.get(tuple(key))
        return item['action'] if item else None

    def attrs(self, resource) -> dict:
        """The attributes the plan creates from (renamed ones included)."""
        item = self._items.get(resource.key)
        if item is not None:
            return item['details'].get('attrs', resource.attrs)
        return resource.attrs

    def created(self, resource_type: str | None = None) -> list:
        """Resources the plan creates, of one type or all."""
        return [r for r in self.graph
                if (resource_type is None or r.type == resource_type)
                and self.action(r.key) == 'create']

    def name(self, key) -> str:
        resource = self.graph.get(tuple(key))
        if resource is not None and resource.name:
            return resource.name
        return key[1]


def refuse_unless_overridden(migration_uuid: str, checks,
                             overrides) -> None:
    """Raise PreCheckFailed for failed checks not overridden."""
    found = blocking(checks, overrides)
    if found:
        raise exception.PreCheckFailed(
            migration=migration_uuid, count=len(found),
            checks='; '.join(f'{c["name"]}: {c["message"]}'
                             for c in found[:10]))
