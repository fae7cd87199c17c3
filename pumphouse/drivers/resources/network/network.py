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

"""network.network: Neutron networks.

Provider attributes are copied for physical types (flat, vlan); for
tunnel types (vxlan, gre, geneve) the destination allocates the segment
itself, so neither the segmentation id nor the choice of one tunnel type
over another is a difference.
"""

from openstack.network.v2 import network as sdk_network

from pumphouse.drivers.resources.network import common
from pumphouse.drivers.resources.network import destination
from pumphouse.engine import resource as res
from pumphouse.engine.checks import facts


def network_fields(net) -> dict:
    """The compared attributes of a network (source or destination)."""
    network_type = net.provider_network_type
    tunnel = network_type in common.TUNNEL_TYPES
    return {
        'name': net.name,
        'description': common.neutron_text(net.description),
        'admin_state_up': bool(net.is_admin_state_up),
        'shared': bool(net.is_shared),
        'external': bool(net.is_router_external),
        'mtu': net.mtu,
        'port_security_enabled': bool(net.is_port_security_enabled),
        'provider_network_type': network_type,
        'provider_physical_network':
            None if tunnel else net.provider_physical_network,
        'provider_segmentation_id':
            None if tunnel else net.provider_segmentation_id,
        'availability_zone_hints': sorted(net.availability_zone_hints or []),
        'tags': common.tags(net),
    }


def provider_arguments(attrs: dict) -> dict:
    """Provider attributes to create with: only for physical types."""
    network_type = attrs.get('provider_network_type')
    if network_type not in common.PHYSICAL_TYPES:
        return {}
    found = {'provider_network_type': network_type,
             'provider_physical_network': attrs.get(
                 'provider_physical_network')}
    if attrs.get('provider_segmentation_id') is not None:
        found['provider_segmentation_id'] = attrs['provider_segmentation_id']
    return found


class NetworkDriver(common.NetworkDriver):
    """Networks with their provider, external and shared settings.

    Shared and external networks of other projects come in as
    dependencies (router gateways, floating IPs, ports) and are matched in
    the destination by name and project.
    """

    sdk_resource = sdk_network.Network
    quota = ('network', 'network')

    def all_source(self, ctx) -> dict:
        return common.networks(ctx)

    def describe_source(self, ctx, net) -> res.Resource:
        attrs = dict(network_fields(net),
                     project=res.ref('identity.project', net.project_id))
        return res.Resource(self.resource_type, net.id, net.name, attrs)

    def used_ids(self, ctx, selection, graph) -> set[str]:
        return common.used_network_ids(ctx, selection, graph)

    def compare(self, expected: dict, actual: dict) -> dict:
        diffs = super().compare(expected, actual)
        kinds = diffs.get('provider_network_type')
        if kinds and kinds['source'] in common.TUNNEL_TYPES and \
                kinds['destination'] in common.TUNNEL_TYPES:
            del diffs['provider_network_type']
        return diffs

    @staticmethod
    def _describe(net) -> dict:
        return dict(network_fields(net), id=net.id, project=net.project_id)

    def get_destination(self, ctx, destination_id):
        net = common.get_or_none(ctx.destination.network.get_network,
                                 destination_id)
        return self._describe(net) if net else None

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['project']):
            return None
        net = common.one_or_none(ctx.destination.network.networks(
            name=attrs['name'], project_id=attrs['project']))
        return self._describe(net) if net else None

    def create(self, ctx, resource, attrs) -> str:
        optional = {'mtu': attrs['mtu'],
                    'availability_zone_hints':
                        attrs['availability_zone_hints'] or None}
        net = ctx.destination.network.create_network(
            name=attrs['name'], description=attrs['description'],
            project_id=attrs['project'],
            is_admin_state_up=attrs['admin_state_up'],
            is_shared=attrs['shared'],
            is_router_external=attrs['external'],
            is_port_security_enabled=attrs['port_security_enabled'],
            **{k: v for k, v in optional.items() if v is not None},
            **provider_arguments(attrs))
        common.set_tags(ctx.destination.network, net, attrs['tags'],
                        lambda: self.delete(ctx, net.id))
        return net.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_network(destination_id,
                                               ignore_missing=True)

    # -- for the pre-checks (facts.NetworkFacts) --------------------------
    def destination_network(self, ctx, network_id: str) -> facts.Network:
        return destination.get_network(ctx, network_id)

    def destination_networks(self, ctx) -> list[facts.Network]:
        return destination.networks(ctx)
