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

"""The Neutron drivers between the two real clouds.

Every test builds projects of its own in the source (networks, subnets, a
subnet pool, a router with a gateway, interfaces and a static route,
ports, floating IPs on an external vxlan network of its own, on CIDRs of
its own) and removes everything it made, in both clouds, at the end; the
seeded objects are never touched.
"""

import random
import types
import uuid

import pytest

from pumphouse.db import migration_api
from pumphouse.drivers.resources.network import common as net_common
from pumphouse.engine import registry
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures

MINE = ('network.network', 'network.subnet', 'network.subnet_pool',
        'network.router', 'network.router_interface', 'network.router_route',
        'network.port', 'network.floating_ip')


def selection(project_name: str) -> dict:
    """The project with the network types by their defaults; every other
    non-identity type only as far as these need it."""
    strategies = {name: 'depend' for name, driver in
                  registry.load_drivers().items()
                  if not name.startswith('identity.') and name not in MINE
                  and 'depend' in driver.strategies}
    return {'workload': {'kind': 'project', 'names': [project_name]},
            'strategies': strategies}


def migrate(project_name: str):
    migration = runner.create('source', 'destination',
                              selection(project_name), {},
                              project_id='admin')
    runner.plan(migration.uuid)
    return engine_fixtures.run(migration.uuid, workers=4)


def plan_only(project_name: str):
    migration = runner.create('source', 'destination',
                              selection(project_name), {},
                              project_id='admin')
    return runner.plan(migration.uuid)


def purge_project(conn, project) -> None:
    """Every network resource of ``project`` in one cloud, then it."""
    network = conn.network
    pid = project.id
    for fip in network.ips(project_id=pid):
        network.delete_ip(fip, ignore_missing=True)
    for router in network.routers(project_id=pid):
        if router.routes:
            network.update_router(router, routes=[])
        for port in network.ports(device_id=router.id):
            if net_common.is_router_interface(port):
                network.remove_interface_from_router(router, port_id=port.id)
        network.delete_router(router, ignore_missing=True)
    for port in network.ports(project_id=pid):
        network.delete_port(port, ignore_missing=True)
    for subnet in network.subnets(project_id=pid):
        network.delete_subnet(subnet, ignore_missing=True)
    for net in network.networks(project_id=pid):
        for port in network.ports(network_id=net.id):
            network.delete_port(port, ignore_missing=True)
        network.delete_network(net, ignore_missing=True)
    for pool in network.subnet_pools(project_id=pid):
        network.delete_subnet_pool(pool, ignore_missing=True)
    for group in network.security_groups(project_id=pid):
        network.delete_security_group(group, ignore_missing=True)
    conn.identity.delete_project(project, ignore_missing=True)


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def clouds():
    """Both clouds; project names appended to the list are purged from
    both at the end (external network owners last)."""
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    projects: list[str] = []
    yield source, destination, projects
    errors = []
    for conn in (destination, source):
        for name in reversed(projects):
            project = conn.identity.find_project(name, domain_id='default',
                                                 ignore_missing=True)
            if project is None:
                continue
            try:
                purge_project(conn, project)
            except Exception as e:  # go on cleaning, report at the end
                errors.append(e)
    assert not errors, errors


def cidrs() -> types.SimpleNamespace:
    """Address ranges of one test run, unlikely to meet another run's."""
    pick = random.Random(uuid.uuid4().int)
    a = pick.randrange(1, 255)
    ext = f'100.{64 + pick.randrange(64)}.{pick.randrange(256)}'
    return types.SimpleNamespace(
        ext=ext, ext_cidr=f'{ext}.0/24',
        front=f'10.{a}.1', back=f'10.{a}.2',
        pool_prefix=f'10.{a}.128.0/17', pool_subnet=f'10.{a}.128.0/24',
        v6=f'fd00:{a:x}:{pick.randrange(65536):x}::/64')


def build_external(source, projects, nets) -> types.SimpleNamespace:
    """An external vxlan network owned by a project of its own."""
    owner = source.identity.create_project(
        name=engine_fixtures.unique('pn-ext'), domain_id='default',
        description='owner of an external network')
    projects.append(owner.name)
    network = source.network
    ext = network.create_network(
        name=engine_fixtures.unique('pn-public'), project_id=owner.id,
        is_router_external=True, description='external for a test')
    subnet = network.create_subnet(
        network_id=ext.id, project_id=owner.id, name='pn-public-v4',
        cidr=nets.ext_cidr, ip_version=4, gateway_ip=f'{nets.ext}.1',
        is_dhcp_enabled=False,
        allocation_pools=[{'start': f'{nets.ext}.100',
                           'end': f'{nets.ext}.200'}])
    return types.SimpleNamespace(owner=owner, network=ext, subnet=subnet)


def build_workload(source, projects) -> types.SimpleNamespace:
    """A project with everything the network drivers know."""
    nets = cidrs()
    external = build_external(source, projects, nets)
    project = source.identity.create_project(
        name=engine_fixtures.unique('pn-proj'), domain_id='default',
        description='network drivers test')
    projects.append(project.name)
    network = source.network
    pid = project.id

    front = network.create_network(name='pn-front', project_id=pid,
                                   description='front-end, dual stack')
    network.set_tags(front, ['blue', 'front'])
    front_v4 = network.create_subnet(
        network_id=front.id, project_id=pid, name='pn-front-v4',
        cidr=f'{nets.front}.0/24', ip_version=4,
        gateway_ip=f'{nets.front}.1',
        allocation_pools=[{'start': f'{nets.front}.160',
                           'end': f'{nets.front}.200'},
                          {'start': f'{nets.front}.50',
                           'end': f'{nets.front}.150'}],
        dns_nameservers=['192.0.2.53', '192.0.2.54'],
        host_routes=[{'destination': '198.51.100.0/24',
                      'nexthop': f'{nets.front}.254'}])
    network.set_tags(front_v4, ['v4'])
    front_v6 = network.create_subnet(
        network_id=front.id, project_id=pid, name='pn-front-v6',
        cidr=nets.v6, ip_version=6, ipv6_ra_mode='slaac',
        ipv6_address_mode='slaac')

    back = network.create_network(name='pn-back', project_id=pid,
                                  mtu=1400)
    back_v4 = network.create_subnet(
        network_id=back.id, project_id=pid, name='pn-back-v4',
        cidr=f'{nets.back}.0/24', ip_version=4,
        gateway_ip=f'{nets.back}.1', is_dhcp_enabled=False)
    pool = network.create_subnet_pool(
        name='pn-pool', project_id=pid, prefixes=[nets.pool_prefix],
        default_prefix_length=24, description='test pool')
    # Subnets of one network come from one pool, or none.
    pooled_net = network.create_network(name='pn-pooled', project_id=pid)
    pooled = network.create_subnet(
        network_id=pooled_net.id, project_id=pid, name='pn-back-pooled',
        ip_version=4, subnet_pool_id=pool.id, cidr=nets.pool_subnet)

    router = network.create_router(
        name='pn-router', project_id=pid, description='test router',
        external_gateway_info={
            'network_id': external.network.id,
            'external_fixed_ips': [{'subnet_id': external.subnet.id,
                                    'ip_address': f'{nets.ext}.150'}]})
    network.add_interface_to_router(router, subnet_id=front_v4.id)
    # An interface on an address other than the gateway's.
    back_if = network.create_port(
        network_id=back.id, project_id=pid,
        fixed_ips=[{'subnet_id': back_v4.id,
                    'ip_address': f'{nets.back}.254'}])
    network.add_interface_to_router(router, port_id=back_if.id)
    network.add_extra_routes_to_router(router, {'router': {'routes': [
        {'destination': '192.0.2.0/24', 'nexthop': f'{nets.back}.10'}]}})

    web = network.create_port(
        network_id=front.id, project_id=pid, name='pn-web',
        description='web port',
        fixed_ips=[{'subnet_id': front_v4.id,
                    'ip_address': f'{nets.front}.10'}],
        allowed_address_pairs=[{'ip_address': f'{nets.front}.99'}])
    network.set_tags(web, ['web'])
    # A server's port (the server is made up: Nova is not involved).
    db = network.create_port(
        network_id=back.id, project_id=pid, name='pn-db',
        fixed_ips=[{'subnet_id': back_v4.id,
                    'ip_address': f'{nets.back}.10'}],
        is_port_security_enabled=False, security_group_ids=[],
        device_owner='compute:nova', device_id=str(uuid.uuid4()))
    web_fip = network.create_ip(
        floating_network_id=external.network.id, project_id=pid,
        floating_ip_address=f'{nets.ext}.160', port_id=web.id,
        description='web')
    spare_fip = network.create_ip(
        floating_network_id=external.network.id, project_id=pid,
        floating_ip_address=f'{nets.ext}.161', description='spare')
    return types.SimpleNamespace(
        nets=nets, external=external, project=project, front=front,
        front_v4=front_v4, front_v6=front_v6, back=back, back_v4=back_v4,
        pool=pool, pooled=pooled, router=router, back_if=back_if, web=web,
        db=db, web_fip=web_fip, spare_fip=spare_fip)


def dest_project(destination, name: str):
    project = destination.identity.find_project(name, domain_id='default')
    assert project is not None, name
    return project


def one(items):
    items = list(items)
    assert len(items) == 1, items
    return items[0]


def fixed(port) -> set[tuple[str, str]]:
    """A port's addresses with the CIDRs of their subnets."""
    return {(ip['ip_address'], ip['subnet_id']) for ip in port.fixed_ips}


def interface_macs(network, router_id: str) -> dict[str, str]:
    """``{address: MAC}`` of a router's interface ports."""
    return {ip['ip_address']: p.mac_address
            for p in network.ports(device_id=router_id)
            if net_common.is_router_interface(p) for ip in p.fixed_ips}


def assert_clean(migration) -> None:
    assert migration.state == 'completed', migration.last_error
    assert migration.report['not_migrated'] == []
    assert migration.report['differences'] == []


def assert_copied(source, destination, w) -> None:
    """The destination holds what the source does, on the same addresses."""
    dnet = destination.network
    project = dest_project(destination, w.project.name)
    owner = dest_project(destination, w.external.owner.name)

    ext = one(dnet.networks(name=w.external.network.name,
                            project_id=owner.id))
    assert ext.is_router_external
    ext_v4 = one(dnet.subnets(network_id=ext.id))
    assert ext_v4.cidr == w.nets.ext_cidr
    assert ext_v4.allocation_pools == w.external.subnet.allocation_pools
    assert not ext_v4.is_dhcp_enabled

    front = one(dnet.networks(name='pn-front', project_id=project.id))
    assert sorted(front.tags) == ['blue', 'front']
    assert front.description == 'front-end, dual stack'
    back = one(dnet.networks(name='pn-back', project_id=project.id))
    assert back.mtu == 1400
    subnets = {s.name: s for s in dnet.subnets(project_id=project.id)}
    assert sorted(subnets) == ['pn-back-pooled', 'pn-back-v4',
                               'pn-front-v4', 'pn-front-v6']
    for name in ('front_v4', 'front_v6', 'back_v4', 'pooled'):
        want = getattr(w, name)
        got = subnets[want.name]
        assert (got.cidr, got.gateway_ip, got.is_dhcp_enabled,
                got.ipv6_ra_mode, got.ipv6_address_mode) == (
            want.cidr, want.gateway_ip, want.is_dhcp_enabled,
            want.ipv6_ra_mode, want.ipv6_address_mode), name
        assert sorted(got.allocation_pools, key=str) == sorted(
            want.allocation_pools, key=str), name
        assert got.host_routes == want.host_routes, name
        assert got.dns_nameservers == want.dns_nameservers, name
    assert subnets['pn-front-v4'].host_routes == [
        {'destination': '198.51.100.0/24',
         'nexthop': f'{w.nets.front}.254'}]
    pool = one(dnet.subnet_pools(name='pn-pool', project_id=project.id))
    assert pool.prefixes == [w.nets.pool_prefix]
    assert subnets['pn-back-pooled'].subnet_pool_id == pool.id

    cidr_of = {s.id: s.cidr for s in dnet.subnets()}
    source_cidr = {s.id: s.cidr for s in source.network.subnets(
        network_id=w.front.id)} | {s.id: s.cidr for s in
                                   source.network.subnets(
                                       network_id=w.back.id)}
    for want in (w.web, w.db):
        want = source.network.get_port(want.id)
        got = one(dnet.ports(mac_address=want.mac_address))
        assert {(ip, cidr_of[s]) for ip, s in fixed(got)} == {
            (ip, source_cidr[s]) for ip, s in fixed(want)}
        assert got.project_id == project.id
        assert (got.name, got.description, got.is_port_security_enabled,
                sorted(got.tags)) == (want.name, want.description,
                                      want.is_port_security_enabled,
                                      sorted(want.tags))
        # Server ports come without their device: the server boots later.
        assert got.device_owner == '' and got.device_id == ''
    web = one(dnet.ports(mac_address=w.web.mac_address))
    assert len(web.fixed_ips) == 2  # the IPv6 address from the MAC too
    assert [p['ip_address'] for p in web.allowed_address_pairs] == [
        f'{w.nets.front}.99']
    assert web.security_group_ids == [one(dnet.security_groups(
        project_id=project.id, name='default')).id]

    router = one(dnet.routers(name='pn-router', project_id=project.id))
    gateway = router.external_gateway_info
    assert gateway['network_id'] == ext.id
    assert [ip['ip_address'] for ip in gateway['external_fixed_ips']] == [
        f'{w.nets.ext}.150']
    interfaces = sorted(
        ip['ip_address'] for p in dnet.ports(device_id=router.id)
        if net_common.is_router_interface(p) for ip in p.fixed_ips)
    assert interfaces == [f'{w.nets.front}.1', f'{w.nets.back}.254']
    # Each interface port keeps the source port's MAC.
    assert interface_macs(dnet, router.id) == interface_macs(
        source.network, w.router.id)
    assert interface_macs(dnet, router.id)[f'{w.nets.back}.254'] == \
        w.back_if.mac_address
    assert router.routes == [{'destination': '192.0.2.0/24',
                              'nexthop': f'{w.nets.back}.10'}]

    fips = {f.floating_ip_address: f for f in dnet.ips(project_id=project.id)}
    assert sorted(fips) == [f'{w.nets.ext}.160', f'{w.nets.ext}.161']
    assert fips[f'{w.nets.ext}.160'].port_id == web.id
    assert fips[f'{w.nets.ext}.160'].fixed_ip_address == f'{w.nets.front}.10'
    assert fips[f'{w.nets.ext}.161'].port_id is None
    assert fips[f'{w.nets.ext}.161'].description == 'spare'
    # Router, floating IP and gateway ports were not copied as ports:
    # the only ports on the external network are the ones Neutron made.
    assert sorted(p.device_owner for p in dnet.ports(network_id=ext.id)) \
        == ['network:floatingip', 'network:floatingip',
            'network:router_gateway']


def test_project_network_is_copied_verified_and_reused(tmp_path, clouds):
    source, destination, projects = clouds
    w = build_workload(source, projects)
    # The destination has no such external network yet: the migration
    # makes it (and its owner project) as a dependency.
    assert not list(destination.network.networks(
        name=w.external.network.name))

    with engine_fixtures.engine_state(tmp_path / 'first'):
        first = migrate(w.project.name)
        assert_clean(first)
        items = migration_api.list_plan_items(first.id)
        ports = {i.source_id for i in items
                 if i.resource_type == 'network.port'}
        assert ports == {w.web.id, w.db.id}
        assert {i.resource_type for i in items} >= set(MINE)
        assert_copied(source, destination, w)

        second = migrate(w.project.name)
        assert_clean(second)
        actions = {i.action for i in
                   migration_api.list_plan_items(second.id)}
        assert actions == {'reuse'}

    # Without the mappings of the first run (another Pumphouse, a lost
    # state), every resource is found in the destination and reused.
    with engine_fixtures.engine_state(tmp_path / 'fresh'):
        fresh = plan_only(w.project.name)
        items = migration_api.list_plan_items(fresh.id)
        assert {(i.resource_type, i.action) for i in items
                if i.resource_type in MINE} == {
            (t, 'reuse') for t in MINE}, [
            (i.resource_type, i.source_name, i.action,
             (i.details or {}).get('differences')) for i in items
            if i.action != 'reuse']
    assert_copied(source, destination, w)


def _by_hand(destination, item, lookup):
    """Create an item's resource in the destination as its driver would."""
    drivers = registry.load_drivers()
    ctx = types.SimpleNamespace(destination=destination,
                                event=lambda *a, **k: None)
    resource = res.Resource.from_item(item)
    return drivers[item.resource_type].create(
        ctx, resource, res.translate(resource.attrs, lookup))


def test_interrupted_run_is_adopted_not_duplicated(engine, clouds):
    source, destination, projects = clouds
    w = build_workload(source, projects)
    migration = plan_only(w.project.name)
    items = migration_api.list_plan_items(migration.id)
    by_key = {(i.resource_type, i.source_id): i for i in items}
    assert all(i.action == 'create' for i in items
               if i.resource_type in MINE)

    # A run that died after creating these, before it could record them.
    made = {}
    for name in (w.external.owner.name, w.project.name):
        made[('identity.project', source.identity.find_project(
            name, domain_id='default').id)] = \
            destination.identity.create_project(
                name=name, domain_id='default',
                description=source.identity.find_project(
                    name, domain_id='default').description).id
    lookup = made.get
    for key in (('network.network', w.external.network.id),
                ('network.network', w.back.id),
                ('network.subnet', w.back_v4.id),
                ('network.port', w.db.id)):
        made[key] = _by_hand(destination, by_key[key], lookup)
    # ... and the port of an interface it had not attached yet (made as
    # the driver makes it: the source port's MAC on its address).
    interface = by_key[('network.router_interface', w.back_if.id)]
    assert interface.details['attrs']['mac_address'] == w.back_if.mac_address
    leftover = destination.network.create_port(
        network_id=made[('network.network', w.back.id)],
        project_id=made[('identity.project', w.project.id)],
        device_owner='network:router_interface',
        mac_address=interface.details['attrs']['mac_address'],
        fixed_ips=[{'subnet_id': made[('network.subnet', w.back_v4.id)],
                    'ip_address': interface.details['attrs']['ip_address']}])

    done = engine_fixtures.run(migration.uuid, workers=4)
    assert_clean(done)
    final = {(i.resource_type, i.source_id): i
             for i in migration_api.list_plan_items(migration.id)}
    for key, destination_id in made.items():
        if key[0] in MINE:
            assert final[key].destination_id == destination_id, key
    assert final[('network.router_interface', w.back_if.id)] \
        .destination_id == leftover.id
    adopted = sorted(e.message.split(' ')[0] for e in
                     migration_api.list_events(migration.id)
                     if e.event_type == 'adopted')
    assert [t for t in adopted if t in MINE] == [
        'network.network', 'network.network', 'network.port',
        'network.subnet'], adopted
    # Nothing was made twice.
    dnet = destination.network
    assert len(list(dnet.ports(mac_address=w.db.mac_address))) == 1
    assert len([p for p in dnet.ports(
        network_id=made[('network.network', w.back.id)])
        if p.fixed_ips[0]['ip_address'] == f'{w.nets.back}.254']) == 1
    assert_copied(source, destination, w)

    # delete() undoes create(), whatever is left: the floating IPs (which
    # hold on to the router), the router with its interfaces and route
    # still on it, then the rest, then all again.
    drivers = registry.load_drivers()
    ctx = types.SimpleNamespace(destination=destination)
    mine = [i for i in migration_api.list_plan_items(migration.id)
            if i.resource_type in MINE]
    for item in mine:
        if item.resource_type == 'network.floating_ip':
            drivers[item.resource_type].delete(ctx, item.destination_id)
    router_item = final[('network.router', w.router.id)]
    drivers['network.router'].delete(ctx, router_item.destination_id)
    assert dnet.find_router(router_item.destination_id,
                            ignore_missing=True) is None
    for _ in range(2):
        for item in reversed(mine):
            drivers[item.resource_type].delete(ctx, item.destination_id)
    project = dest_project(destination, w.project.name)
    owner = dest_project(destination, w.external.owner.name)
    for pid in (project.id, owner.id):
        assert not list(dnet.networks(project_id=pid))
        assert not list(dnet.ports(project_id=pid))
        assert not list(dnet.ips(project_id=pid))
        assert not list(dnet.subnet_pools(project_id=pid))
