"""The destination's resource providers as Placement describes them, for
the capacity pre-check (:mod:`pumphouse.engine.checks.capacity` does the
arithmetic)."""

from pumphouse.drivers.resources import common
from pumphouse.engine.checks import facts

MICROVERSION = '1.14'


def resource_providers(conn) -> list[facts.ProviderUsage]:
    """Every resource provider of ``conn``'s cloud with its inventories
    and usages."""
    placement = conn.placement

    def get(path: str) -> dict:
        return common.check(placement.get(
            path, microversion=MICROVERSION)).json()

    found = []
    for rp in get('/resource_providers')['resource_providers']:
        inventories = get(f'/resource_providers/{rp["uuid"]}/inventories')
        usages = get(f'/resource_providers/{rp["uuid"]}/usages')
        found.append(facts.ProviderUsage(
            rp['name'], inventories['inventories'], usages['usages']))
    return found
