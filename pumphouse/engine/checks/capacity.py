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

"""The capacity pre-check: Placement inventory and usage of the
destination's resource providers against what the plan's servers need.

Free capacity of a provider is ``(total - reserved) * allocation_ratio -
used`` per resource class; one server must also fit ``max_unit`` and the
free capacity of a single provider. The inventories and usages come from
the driver of the resources that need them (:class:`facts.PlacementFacts`).
"""

import dataclasses
from collections.abc import Iterable

from pumphouse.engine.checks import facts
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import Result


@dataclasses.dataclass
class Provider:
    name: str
    free: dict[str, int]
    max_unit: dict[str, int]

    def fits(self, resource_class: str, amount: int) -> bool:
        return (amount <= self.free.get(resource_class, 0) and
                amount <= self.max_unit.get(resource_class, 0))


def free_capacity(inventories: dict, usages: dict) -> tuple[dict, dict]:
    """Free amount and max unit per resource class of one provider."""
    free, max_unit = {}, {}
    for resource_class, inventory in inventories.items():
        usable = int((inventory['total'] - inventory.get('reserved', 0)) *
                     inventory.get('allocation_ratio', 1.0))
        free[resource_class] = max(usable - usages.get(resource_class, 0), 0)
        max_unit[resource_class] = inventory.get('max_unit',
                                                 inventory['total'])
    return free, max_unit


def providers(found: Iterable[facts.ProviderUsage]) -> list[Provider]:
    """The free capacity of every resource provider a driver described."""
    return [Provider(p.name, *free_capacity(p.inventories, p.usages))
            for p in found]


def check(ctx, plan, drivers: dict) -> list[Result]:
    """Total and per-server capacity for what the plan creates."""
    wanted: list[tuple[str, dict[str, int]]] = []
    answering: dict[str, facts.PlacementFacts] = {}
    for resource in plan.created():
        driver = drivers.get(resource.type)
        if driver is None:
            continue
        need = {key[1]: amount for key, amount in driver.demand(
            ctx, resource, plan.graph).items()
            if key[0] == 'placement' and amount > 0}
        if need:
            wanted.append((plan.name(resource.key), need))
            answering.setdefault(resource.type, driver)
    if not wanted:
        return []
    # Every driver that demands Placement reads the same destination:
    # one of them answers (the first by type, for a stable choice).
    found = providers(answering[min(answering)].placement_providers(ctx))
    totals: dict[str, int] = {}
    for _name, need in wanted:
        for resource_class, amount in need.items():
            totals[resource_class] = totals.get(resource_class, 0) + amount
    results = []
    for resource_class, amount in sorted(totals.items()):
        free = sum(p.free.get(resource_class, 0) for p in found)
        status = PASSED if amount <= free else FAILED
        results.append(Result(
            'capacity', resource_class, status,
            f'needs {amount} {resource_class}, destination has {free} free '
            f'on {len(found)} resource providers', amount, free))
    for name, need in wanted:
        if not any(all(p.fits(rc, amount) for rc, amount in need.items())
                   for p in found):
            results.append(Result(
                'capacity', name, FAILED,
                f'{name} needs ' + ', '.join(
                    f'{amount} {rc}' for rc, amount in sorted(need.items()))
                + ' on one host; no destination host has that much free'))
    return results
