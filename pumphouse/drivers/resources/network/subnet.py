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

"""network.subnet_pool and network.subnet.

A subnet is part of its network: whenever a network is in the graph, its
subnets follow it, whatever the subnets' strategy (a network copied
without its subnets is of no use to anybody).
"""

from openstack.network.v2 import subnet as sdk_subnet
from openstack.network.v2 import subnet_pool as sdk_subnet_pool

from pumphouse.drivers.resources.network import common
from pumphouse.drivers.resources.network import destination
from pumphouse.engine import resource as res
from pumphouse.engine.checks import facts


def pool_fields(pool) -> dict:
    """The compared attributes of a subnet pool (source or destination)."""
    return {
        'name': pool.name,
        'description': common.neutron_text(pool.description),
        'prefixes': sorted(pool.prefixes or []),
        'ip_version': pool.ip_version,
        'default_prefixlen': pool.default_prefix_length,
        'min_prefixlen': pool.minimum_prefix_length,
        'max_prefixlen': pool.maximum_prefix_length,
        'shared': bool(pool.is_shared),
        'is_default': bool(pool.is_default),
        'default_quota': pool.default_quota,
        'tags': common.tags(pool),
    }


class SubnetPoolDriver(common.NetworkDriver):
    """Subnet pools used by the workload's subnets (supplementary).

    Address scopes are not copied.
    """

    strategies = ('depend', 'all', 'tenant', 'specific')
    workload_strategies: dict[str, str] = {}
    sdk_resource = sdk_subnet_pool.SubnetPool
    quota = ('network', 'subnetpool')

    def all_source(self, ctx) -> dict:
        return common.subnet_pools(ctx)

    def describe_source(self, ctx, pool) -> res.Resource:
        attrs = dict(pool_fields(pool),
                     project=res.ref('identity.project', pool.project_id))
        data = {}
        if pool.address_scope_id:
            data['note'] = 'the address scope is not copied'
        return res.Resource(self.resource_type, pool.id, pool.name, attrs,
                            data=data)

    @staticmethod
    def _describe(pool) -> dict:
        return dict(pool_fields(pool), id=pool.id, project=pool.project_id)

    def get_destination(self, ctx, destination_id):
        pool = common.get_or_none(ctx.destination.network.get_subnet_pool,
                                  destination_id)
        return self._describe(pool) if pool else None

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['project']):
            return None
        pool = common.one_or_none(ctx.destination.network.subnet_pools(
            name=attrs['name'], project_id=attrs['project']))
        return self._describe(pool) if pool else None

    def create(self, ctx, resource, attrs) -> str:
        optional = {'default_prefix_length': attrs['default_prefixlen'],
                    'minimum_prefix_length': attrs['min_prefixlen'],
                    'maximum_prefix_length': attrs['max_prefixlen'],
                    'default_quota': attrs['default_quota']}
        pool = ctx.destination.network.create_subnet_pool(
            name=attrs['name'], description=attrs['description'],
            project_id=attrs['project'], prefixes=attrs['prefixes'],
            is_shared=attrs['shared'], is_default=attrs['is_default'],
            **{k: v for k, v in optional.items() if v is not None})
        if resource.data.get('note'):
            ctx.event('not_copied', f'{self.resource_type} {attrs["name"]}: '
                      f'{resource.data["note"]}', level='WARNING')
        common.set_tags(ctx.destination.network, pool, attrs['tags'],
                        lambda: self.delete(ctx, pool.id))
        return pool.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_subnet_pool(destination_id,
                                                   ignore_missing=True)


def sorted_pools(pools) -> list[dict]:
    return sorted(({'start': p['start'], 'end': p['end']}
                   for p in pools or ()),
                  key=lambda p: common.address_key(p['start']))


def sorted_routes(routes) -> list[dict]:
    return sorted(({'destination': r['destination'],
                    'nexthop': r['nexthop']} for r in routes or ()),
                  key=lambda r: (r['destination'], r['nexthop']))


def subnet_fields(subnet) -> dict:
    """The compared attributes of a subnet without its references."""
    return {
        'name': subnet.name,
        'description': common.neutron_text(subnet.description),
        'cidr': subnet.cidr,
        'ip_version': subnet.ip_version,
        'allocation_pools': sorted_pools(subnet.allocation_pools),
        'gateway_ip': subnet.gateway_ip,
        'enable_dhcp': bool(subnet.is_dhcp_enabled),
        'dns_nameservers': list(subnet.dns_nameservers or []),
        'host_routes': sorted_routes(subnet.host_routes),
        'ipv6_ra_mode': subnet.ipv6_ra_mode,
        'ipv6_address_mode': subnet.ipv6_address_mode,
        'service_types': sorted(subnet.service_types or []),
        'tags': common.tags(subnet),
    }


class SubnetDriver(common.NetworkDriver):
    """Subnets: CIDR, pools, gateway, DHCP, DNS, host routes, IPv6 modes.

    Matched in the destination by network and CIDR (Neutron refuses
    overlapping subnets on one network), so a renamed copy is no way out
    of a conflict.
    """

    sdk_resource = sdk_subnet.Subnet
    quota = ('network', 'subnet')
    renamable = False

    def all_source(self, ctx) -> dict:
        return common.subnets(ctx)

    def describe_source(self, ctx, subnet) -> res.Resource:
        attrs = dict(
            subnet_fields(subnet),
            network=res.ref('network.network', subnet.network_id),
            project=res.ref('identity.project', subnet.project_id),
            subnet_pool=res.ref('network.subnet_pool',
                                subnet.subnet_pool_id))
        return res.Resource(self.resource_type, subnet.id,
                            subnet.name or subnet.cidr, attrs)

    def used_ids(self, ctx, selection, graph) -> set[str]:
        return common.used_subnet_ids(ctx, selection, graph)

    def related_ids(self, ctx, selection, graph) -> set[str]:
        networks = {r.id for r in graph.of_type('network.network')}
        if not networks:
            return set()
        return {s.id for s in self.all_source(ctx).values()
                if s.network_id in networks}

    @staticmethod
    def _describe(subnet) -> dict:
        return dict(subnet_fields(subnet), id=subnet.id,
                    network=subnet.network_id, project=subnet.project_id,
                    subnet_pool=subnet.subnet_pool_id)

    def get_destination(self, ctx, destination_id):
        subnet = common.get_or_none(ctx.destination.network.get_subnet,
                                    destination_id)
        return self._describe(subnet) if subnet else None

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['network']):
            return None
        subnet = common.one_or_none(ctx.destination.network.subnets(
            network_id=attrs['network'], cidr=attrs['cidr']))
        return self._describe(subnet) if subnet else None

    def create(self, ctx, resource, attrs) -> str:
        optional = {'ipv6_ra_mode': attrs['ipv6_ra_mode'],
                    'ipv6_address_mode': attrs['ipv6_address_mode'],
                    'subnet_pool_id': attrs['subnet_pool'],
                    'service_types': attrs['service_types'] or None}
        subnet = ctx.destination.network.create_subnet(
            network_id=attrs['network'], project_id=attrs['project'],
            name=attrs['name'], description=attrs['description'],
            cidr=attrs['cidr'], ip_version=attrs['ip_version'],
            allocation_pools=attrs['allocation_pools'],
            # None is meaningful: a subnet without a gateway.
            gateway_ip=attrs['gateway_ip'],
            is_dhcp_enabled=attrs['enable_dhcp'],
            dns_nameservers=attrs['dns_nameservers'],
            host_routes=attrs['host_routes'],
            **{k: v for k, v in optional.items() if v is not None})
        common.set_tags(ctx.destination.network, subnet, attrs['tags'],
                        lambda: self.delete(ctx, subnet.id))
        return subnet.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_subnet(destination_id,
                                              ignore_missing=True)

    # -- for the pre-checks (facts.SubnetFacts) ---------------------------
    def destination_subnet(self, ctx, subnet_id: str) -> facts.Subnet:
        return destination.get_subnet(ctx, subnet_id)

    def destination_subnets(self, ctx, network_id: str | None = None
                            ) -> list[facts.Subnet]:
        return destination.subnets(ctx, network_id)
