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
