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

"""What the network pre-checks ask of the destination's Neutron, in the
engine's terms (:mod:`pumphouse.engine.checks.facts`)."""

from pumphouse.engine.checks import facts


def network(obj) -> facts.Network:
    return facts.Network(obj.id, obj.name, bool(obj.is_shared),
                         bool(obj.is_router_external))


def subnet(obj) -> facts.Subnet:
    return facts.Subnet(obj.id, obj.name, obj.network_id, obj.cidr,
                        obj.ip_version, obj.project_id,
                        tuple(obj.allocation_pools or ()))


def get_network(ctx, network_id: str) -> facts.Network:
    return network(ctx.destination.network.get_network(network_id))


def networks(ctx) -> list[facts.Network]:
    return [network(n) for n in ctx.destination.network.networks()]


def get_subnet(ctx, subnet_id: str) -> facts.Subnet:
    return subnet(ctx.destination.network.get_subnet(subnet_id))


def subnets(ctx, network_id: str | None = None) -> list[facts.Subnet]:
    query = {} if network_id is None else {'network_id': network_id}
    return [subnet(s) for s in ctx.destination.network.subnets(**query)]


def addresses(ctx, network_id: str) -> dict[str, str]:
    """Fixed IPs in use on a destination network: ``{address: port
    id}``."""
    return {ip['ip_address']: port.id
            for port in ctx.destination.network.ports(network_id=network_id)
            for ip in port.fixed_ips or ()}
