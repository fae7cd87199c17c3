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

"""What the pre-checks ask of the destination, and who answers.

The checks never call a cloud: the resource drivers do, through the
methods below, and answer in these plain terms. The checks add up and
decide; the drivers know the APIs (Placement, Neutron).

* the driver of any resource type whose :meth:`ResourceDriver.demand`
  names ``('placement', resource class)`` answers
  :class:`PlacementFacts` (``compute.server``);
* ``network.network`` answers :class:`NetworkFacts`, ``network.subnet``
  :class:`SubnetFacts` and ``network.port`` :class:`AddressFacts`.
"""

import dataclasses
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class ProviderUsage:
    """One destination resource provider, as Placement describes it:
    ``inventories`` and ``usages`` by resource class (``total``,
    ``reserved``, ``allocation_ratio``, ``max_unit``; amount used)."""

    name: str | None
    inventories: dict[str, dict]
    usages: dict[str, int]


@dataclasses.dataclass(frozen=True)
class Network:
    """A destination network."""

    id: str
    name: str | None
    is_shared: bool = False
    is_router_external: bool = False


@dataclasses.dataclass(frozen=True)
class Subnet:
    """A destination subnet; ``allocation_pools`` are ``{'start',
    'end'}`` dicts."""

    id: str
    name: str | None
    network_id: str
    cidr: str
    ip_version: int = 4
    project_id: str | None = None
    allocation_pools: tuple[dict, ...] = ()


class PlacementFacts(Protocol):
    def placement_providers(self, ctx) -> list[ProviderUsage]:
        """Every resource provider of the destination."""


class NetworkFacts(Protocol):
    def destination_network(self, ctx, network_id: str) -> Network:
        """One destination network by id."""

    def destination_networks(self, ctx) -> list[Network]:
        """Every destination network."""


class SubnetFacts(Protocol):
    def destination_subnet(self, ctx, subnet_id: str) -> Subnet:
        """One destination subnet by id."""

    def destination_subnets(self, ctx,
                            network_id: str | None = None) -> list[Subnet]:
        """Every destination subnet, or those of one network."""


class AddressFacts(Protocol):
    def destination_addresses(self, ctx, network_id: str) -> dict[str, str]:
        """Fixed IPs in use on a destination network: ``{address: port
        id}``."""
