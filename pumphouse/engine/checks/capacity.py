"""The capacity pre-check: Placement inventory and usage of the
destination's resource providers against what the plan's servers need.

Free capacity of a provider is ``(total - reserved) * allocation_ratio -
used`` per resource class; one server must also fit ``max_unit`` and the
free capacity of a single provider.
"""

import dataclasses

from pumphouse.drivers.resources import common
from pumphouse.engine.checks import FAILED
from pumphouse.engine.checks import PASSED
from pumphouse.engine.checks import Result

MICROVERSION = '1.14'


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


def providers(conn) -> list[Provider]:
    """Every resource provider of the destination with free capacity."""
    placement = conn.placement

    def get(path: str) -> dict:
        return common.check(placement.get(
            path, microversion=MICROVERSION)).json()

    found = []
    for rp in get('/resource_providers')['resource_providers']:
        inventories = get(f'/resource_providers/{rp["uuid"]}/inventories')
        usages = get(f'/resource_providers/{rp["uuid"]}/usages')
        free, max_unit = free_capacity(inventories['inventories'],
                                       usages['usages'])
        found.append(Provider(rp['name'], free, max_unit))
    return found


def check(ctx, plan, drivers) -> list[Result]:
    wanted: list[tuple[str, dict[str, int]]] = []
    for resource in plan.created():
        driver = drivers.get(resource.type)
        if driver is None:
            continue
        need = {key[1]: amount for key, amount in driver.demand(
            ctx, resource, plan.graph).items()
            if key[0] == 'placement' and amount > 0}
        if need:
            wanted.append((plan.name(resource.key), need))
    if not wanted:
        return []
    found = providers(ctx.destination)
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
