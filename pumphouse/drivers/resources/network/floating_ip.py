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

"""network.floating_ip: floating IPs, on the same address where free.

Where the destination's external network cannot hand out the source
address, the floating IP gets a new one: the operator is told with a
warning event and the mapping records the new floating IP. The address
is therefore never reported as a difference; a floating IP is found in
the destination by its address or by its port.
"""

from openstack.network.v2 import floating_ip as sdk_floating_ip

from pumphouse.drivers.resources.network import common
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


def floating_ip_fields(fip) -> dict:
    return {'floating_ip_address': fip.floating_ip_address,
            'fixed_ip_address': fip.fixed_ip_address,
            'description': common.neutron_text(fip.description),
            'tags': common.tags(fip)}


class FloatingIPDriver(common.NetworkDriver):
    """Floating IPs with their port association.

    A floating IP on a port needs the router interfaces that join the
    port's subnet to a router with a gateway on the floating network
    (Neutron refuses the association otherwise), and the external subnet
    its address comes from.
    """

    sdk_resource = sdk_floating_ip.FloatingIP
    quota = ('network', 'floatingip')
    renamable = False
    verify_ignore = ('floating_ip_address',)
    api_needs = base.on_both('network', 'floating IPs',
                             extension='external-net')

    def all_source(self, ctx) -> dict:
        return common.floating_ips(ctx)

    def describe_source(self, ctx, fip) -> res.Resource:
        port = common.ports(ctx).get(fip.port_id) if fip.port_id else None
        attrs = dict(
            floating_ip_fields(fip),
            floating_network=res.ref('network.network',
                                     fip.floating_network_id),
            project=res.ref('identity.project', fip.project_id))
        data = {}
        if port is not None and common.is_user_port(port.device_owner):
            attrs['port'] = res.ref('network.port', port.id)
        else:
            attrs.update(port=None, fixed_ip_address=None)
            if fip.port_id:
                owner = port.device_owner if port else 'missing'
                data['note'] = (f'associated with a {owner} port, which is '
                                'not copied; the copy is not associated')
        return res.Resource(self.resource_type, fip.id,
                            fip.floating_ip_address, attrs, data=data,
                            needs=self._needs(ctx, fip, attrs))

    @staticmethod
    def _needs(ctx, fip, attrs: dict) -> list[tuple[str, str]]:
        subnets = common.subnets(ctx).values()
        needs = []
        external = common.subnet_of(
            fip.floating_ip_address,
            [s for s in subnets if s.network_id == fip.floating_network_id])
        if external is not None:
            needs.append(('network.subnet', external))
        if attrs['port'] is not None:
            port = common.ports(ctx)[fip.port_id]
            internal = common.subnet_of(
                fip.fixed_ip_address,
                [s for s in subnets if s.network_id == port.network_id])
            if internal is not None:
                needs += [('network.router_interface', i) for i in
                          common.connecting_interfaces(
                              ctx, internal, fip.floating_network_id)]
        return needs

    def used_ids(self, ctx, selection, graph) -> set[str]:
        used = {p.id for p in common.used_ports(ctx, selection, graph)}
        return {i for i, f in self.all_source(ctx).items()
                if f.port_id in used}

    @staticmethod
    def _describe(fip) -> dict:
        return dict(floating_ip_fields(fip), id=fip.id,
                    floating_network=fip.floating_network_id,
                    port=fip.port_id, project=fip.project_id)

    def get_destination(self, ctx, destination_id):
        fip = common.get_or_none(ctx.destination.network.get_ip,
                                 destination_id)
        return self._describe(fip) if fip else None

    def find_destination(self, ctx, resource, attrs):
        network = attrs['floating_network']
        if common.has_unresolved(network):
            return None
        proxy = ctx.destination.network
        # Another project's floating IP on the address is not this one:
        # this one then gets a new address.
        fip = common.one_or_none(
            f for f in proxy.ips(
                floating_network_id=network,
                floating_ip_address=attrs['floating_ip_address'])
            if f.project_id == attrs['project'])
        port = attrs['port']
        if fip is None and port and not common.has_unresolved(port):
            fip = common.one_or_none(proxy.ips(floating_network_id=network,
                                               port_id=port))
        return self._describe(fip) if fip else None

    def create(self, ctx, resource, attrs) -> str:
        proxy = ctx.destination.network
        network, address = attrs['floating_network'], \
            attrs['floating_ip_address']
        wanted = {'floating_network_id': network,
                  'project_id': attrs['project'],
                  'description': attrs['description']}
        if attrs['port']:
            wanted.update(port_id=attrs['port'],
                          fixed_ip_address=attrs['fixed_ip_address'])
        same = common.address_free(proxy, network, address)
        if same:
            wanted['floating_ip_address'] = address
        fip = proxy.create_ip(**wanted)
        if not same:
            ctx.event('address_changed',
                      f'{self.resource_type} {address}: the address is not '
                      'free in the destination; got '
                      f'{fip.floating_ip_address} instead', level='WARNING')
        if resource.data.get('note'):
            ctx.event('not_associated',
                      f'{self.resource_type} {address}: '
                      f'{resource.data["note"]}', level='WARNING')
        common.set_tags(proxy, fip, attrs['tags'],
                        lambda: self.delete(ctx, fip.id))
        return fip.id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_ip(destination_id,
                                          ignore_missing=True)
