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

"""network.port: user ports with their MAC and fixed IPs.

Ports of servers (``compute:*``) are copied without their owner, device
and binding: the servers, migrated later, boot with these pre-made ports.
Router, DHCP, floating IP and other ports Neutron makes for itself are
not ports of this type (see :func:`common.is_user_port`).
"""

from openstack.network.v2 import port as sdk_port

from pumphouse.drivers.resources.network import common
from pumphouse.drivers.resources.network import destination
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


def address_pairs(pairs) -> list[dict]:
    return sorted(({'ip_address': p.get('ip_address'),
                    'mac_address': p.get('mac_address')}
                   for p in pairs or ()),
                  key=lambda p: (common.address_key(p['ip_address']),
                                 p['mac_address'] or ''))


def port_fields(port) -> dict:
    """The compared attributes of a port without its references."""
    return {
        'name': common.neutron_text(port.name),
        'description': common.neutron_text(port.description),
        'mac_address': port.mac_address,
        'allowed_address_pairs': address_pairs(port.allowed_address_pairs),
        'port_security_enabled': bool(port.is_port_security_enabled),
        'admin_state_up': bool(port.is_admin_state_up),
        'vnic_type': port.binding_vnic_type or 'normal',
        'tags': common.tags(port),
    }


def requested_fixed_ips(fixed_ips: list[dict],
                        auto_subnets: set[str]) -> list[dict]:
    """``fixed_ips`` for creating a port.

    On IPv6 auto-address subnets Neutron derives the address from the MAC
    (the same MAC gives the same address) and refuses one given.
    """
    return [{'subnet_id': ip['subnet']} if ip['subnet'] in auto_subnets
            else {'subnet_id': ip['subnet'], 'ip_address': ip['ip_address']}
            for ip in fixed_ips]


class PortDriver(common.NetworkDriver):
    """User ports: MAC, fixed IPs, security groups, address pairs, port
    security, admin state, VNIC type, tags; matched by MAC on the
    translated network (same MAC, different content is a conflict)."""

    sdk_resource = sdk_port.Port
    quota = ('network', 'port')
    renamable = False
    api_needs = (
        *base.on_both('network', 'allowed address pairs',
                      extension='allowed-address-pairs'),
        *base.on_both('network', 'port security', extension='port-security'),
        *base.on_both('network', 'port bindings (VNIC type)',
                      extension='binding'))

    def all_source(self, ctx) -> dict:
        return common.ports(ctx)

    def copied(self, ctx, port) -> bool:
        return common.is_user_port(port.device_owner)

    def describe_source(self, ctx, port) -> res.Resource:
        attrs = dict(
            port_fields(port),
            network=res.ref('network.network', port.network_id),
            project=res.ref('identity.project', port.project_id),
            fixed_ips=common.sorted_fixed_ips(
                port.fixed_ips, lambda i: res.ref('network.subnet', i)),
            security_groups=[res.ref('network.security_group', i)
                             for i in sorted(port.security_group_ids or [])])
        return res.Resource(self.resource_type, port.id,
                            port.name or port.mac_address, attrs)

    def fetch(self, ctx, ids):
        found = []
        for port in common.by_ids(ctx, 'neutron:ports',
                                  ctx.source.network.ports, ids):
            if self.copied(ctx, port):
                found.append(self.describe_source(ctx, port))
            else:
                # Something refers to a port Neutron makes by itself: keep
                # the graph whole, but migrate nothing.
                found.append(res.Resource(
                    self.resource_type, port.id, port.name or port.id, {},
                    data={'skip': f'{port.device_owner} ports are not '
                                  'copied'}))
        return found

    def tenant_ids(self, ctx, selection, graph) -> set[str]:
        return {i for i, p in self.all_source(ctx).items()
                if p.project_id in selection.scope_projects
                and self.copied(ctx, p)}

    def used_ids(self, ctx, selection, graph) -> set[str]:
        return {p.id for p in common.used_ports(ctx, selection, graph)}

    @staticmethod
    def _describe(port) -> dict:
        return dict(port_fields(port), id=port.id,
                    network=port.network_id, project=port.project_id,
                    fixed_ips=common.sorted_fixed_ips(port.fixed_ips,
                                                      lambda i: i),
                    security_groups=sorted(port.security_group_ids or []))

    def get_destination(self, ctx, destination_id):
        port = common.get_or_none(ctx.destination.network.get_port,
                                  destination_id)
        return self._describe(port) if port else None

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['network']):
            return None
        port = common.one_or_none(ctx.destination.network.ports(
            network_id=attrs['network'], mac_address=attrs['mac_address']))
        return self._describe(port) if port else None

    def create(self, ctx, resource, attrs) -> str:
        network = ctx.destination.network
        auto = {s.id for s in network.subnets(network_id=attrs['network'])
                if s.ipv6_address_mode in common.AUTO_ADDRESS_MODES}
        port = network.create_port(
            network_id=attrs['network'], project_id=attrs['project'],
            name=attrs['name'], description=attrs['description'],
            mac_address=attrs['mac_address'],
            fixed_ips=requested_fixed_ips(attrs['fixed_ips'], auto),
            security_group_ids=attrs['security_groups'],
            allowed_address_pairs=attrs['allowed_address_pairs'],
            is_port_security_enabled=attrs['port_security_enabled'],
            is_admin_state_up=attrs['admin_state_up'],
            binding_vnic_type=attrs['vnic_type'])
        common.set_tags(network, port, attrs['tags'],
                        lambda: self.delete(ctx, port.id))
        return port.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_port(destination_id,
                                            ignore_missing=True)

    # -- for the pre-checks (facts.AddressFacts) --------------------------
    def destination_addresses(self, ctx, network_id: str) -> dict[str, str]:
        return destination.addresses(ctx, network_id)
