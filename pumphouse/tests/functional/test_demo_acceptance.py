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

"""Issue acceptance: ``pumphouse migrate ... project demo`` on the seed.

The harness's ``full`` seed has project ``demo`` (with ``demo-child``
below it) holding users, a group, a custom role with an implied role,
assignments, flavors, keypairs, quotas, security groups, a server group,
networks, a router, ports, floating IPs, images, volumes and servers.
The destination is first cleared of everything an earlier run brought
there (:mod:`purge`), so every run proves creation again: the plan
creates every kind, then the destination's assignments on both projects
(by names) and project demo's whole footprint equal the source's; ports
keep their MACs and fixed IPs, floating IPs their addresses, servers come
up ACTIVE with the same addresses, key, flavor and volumes (the source
ones are kept, resumed); the verification report is empty; discovery
stays around 1.5 source API requests per resource; a second run plans no
create and changes no count.

Compared by names and values, as an operator would check by hand.
"""

import re

import pytest

from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import purge

NOVA = '2.79'
PROJECTS = ('demo', 'demo-child')
#: What the first run must create (the seed has at least one of each).
CREATED_KINDS = (
    'identity.project', 'identity.user', 'identity.group',
    'identity.group_membership', 'identity.role', 'identity.role_inference',
    'identity.role_assignment', 'compute.flavor', 'compute.keypair',
    'compute.server_group', 'compute.server', 'image.image',
    'volume.volume', 'network.security_group',
    'network.security_group_rule', 'network.network', 'network.subnet',
    'network.router', 'network.router_interface', 'network.port',
    'network.floating_ip')


@pytest.fixture
def cleared(full_seed):
    """The destination without what an earlier migration of demo
    brought."""
    purge.SeededWorkload(['demo']).purge(
        fixtures.sdk_connection('destination'),
        source=fixtures.sdk_connection('source'))


def migrate(tmp_path, *extra):
    return fixtures.pumphouse_migrate(tmp_path, *extra, 'project', 'demo',
                                      timeout=1200)


def created(stdout: str) -> dict[str, int]:
    """{resource type: items to create} from the plan summary."""
    found = {}
    for kind, actions in re.findall(r'^  (\S+)\s+(.+)$', stdout, re.M):
        count = re.search(r'(\d+) create', actions)
        if count:
            found[kind] = int(count.group(1))
    return found


def assignments_by_name(conn, project_name: str) -> set[tuple]:
    """Direct assignments on a project as (role, actor, inherited)."""
    project = conn.identity.find_project(project_name, domain_id='default')
    response = conn.identity.get('/role_assignments', params={
        'scope.project.id': project.id, 'include_names': 'true'})
    rows = set()
    for entry in response.json()['role_assignments']:
        actor = entry.get('user') or entry.get('group')
        kind = 'user' if 'user' in entry else 'group'
        rows.add((entry['role']['name'], kind, actor['name'],
                  'OS-INHERIT:inherited_to' in entry['scope']))
    return rows


def identity_counts(conn, names: dict) -> dict:
    """How many projects, users, groups and roles carry the names the
    migration of demo brings, and how many assignments demo's projects
    have: where a second run would add one. Counted by names, as other
    tests make identities of their own meanwhile (tox runs two lanes)."""
    identity = conn.identity
    ids = [project_id(conn, p) for p in PROJECTS]
    return {
        'projects': sum(len(list(identity.projects(name=n)))
                        for n in PROJECTS),
        'users': sum(len(list(identity.users(name=n)))
                     for n in names['users']),
        'groups': sum(len(list(identity.groups(name=n)))
                      for n in names['groups']),
        'roles': sum(len(list(identity.roles(name=n)))
                     for n in names['roles']),
        'assignments': sum(len(identity.get('/role_assignments', params={
            'scope.project.id': i}).json()['role_assignments'])
            for i in ids)}


def seeded_names(rows: dict[str, set[tuple]]) -> dict:
    """The users, groups and roles named by the seed's assignments on
    demo's projects (``assignments_by_name`` rows by project)."""
    names = {'users': set(), 'groups': set(), 'roles': set()}
    for role, kind, actor, _inherited in set().union(*rows.values()):
        names['roles'].add(role)
        names[f'{kind}s'].add(actor)
    return {k: sorted(v) for k, v in names.items()}


def project_id(conn, name='demo') -> str:
    return conn.identity.find_project(name, domain_id='default').id


def flavors(conn) -> dict:
    body = conn.compute.get('/flavors/detail?is_public=None',
                            microversion=NOVA).json()
    return {f['name']: f for f in body['flavors']}


def flavor_view(conn, flavor) -> tuple:
    access = []
    if not flavor['os-flavor-access:is_public']:
        entries = conn.compute.get(
            f'/flavors/{flavor["id"]}/os-flavor-access').json()
        names = {p.id: p.name for p in conn.identity.projects()}
        access = sorted(names.get(e['tenant_id'], e['tenant_id'])
                        for e in entries['flavor_access'])
    return (flavor['vcpus'], flavor['ram'], flavor['disk'],
            flavor['OS-FLV-EXT-DATA:ephemeral'], flavor['swap'] or 0,
            flavor['os-flavor-access:is_public'], flavor['extra_specs'],
            access)


def keypairs(conn, user_names) -> dict:
    found = {}
    for name in user_names:
        user = conn.identity.find_user(name, domain_id='default')
        body = conn.compute.get(f'/os-keypairs?user_id={user.id}',
                                microversion=NOVA).json()
        for entry in body['keypairs']:
            keypair = entry['keypair']
            found[name, keypair['name']] = (keypair['type'],
                                            keypair['public_key'])
    return found


def security_groups(conn, project) -> dict:
    groups = {g.id: g for g in conn.network.security_groups(
        project_id=project)}
    view = {}
    for group in groups.values():
        rules = set()
        for rule in group.security_group_rules:
            remote = groups.get(rule['remote_group_id'])
            rules.add((rule['direction'], rule['ethertype'],
                       rule['protocol'], rule['port_range_min'],
                       rule['port_range_max'], rule['remote_ip_prefix'],
                       remote.name if remote else None))
        view[group.name] = (group.description, frozenset(rules))
    return view


def networks(conn, project) -> dict:
    view = {}
    for network in conn.network.networks(project_id=project):
        subnets = {}
        for subnet in conn.network.subnets(network_id=network.id):
            subnets[subnet.name] = (
                subnet.cidr, subnet.ip_version, subnet.gateway_ip,
                subnet.is_dhcp_enabled,
                sorted(map(str, subnet.allocation_pools)),
                sorted(subnet.dns_nameservers),
                sorted(map(str, subnet.host_routes)),
                subnet.ipv6_ra_mode, subnet.ipv6_address_mode)
        view[network.name] = (network.description, network.mtu,
                              network.is_port_security_enabled, subnets)
    return view


def user_ports(conn, project) -> dict:
    """Ports that are not Neutron's own: {MAC: (network, name, IPs)}."""
    networks_by_id = {n.id: n.name for n in conn.network.networks()}
    subnets_by_id = {s.id: s.name for s in conn.network.subnets()}
    return {p.mac_address: (networks_by_id[p.network_id], p.name,
                            sorted((subnets_by_id[ip['subnet_id']],
                                    ip['ip_address'])
                                   for ip in p.fixed_ips))
            for p in conn.network.ports(project_id=project)
            if not (p.device_owner or '').startswith('network:')}


def routers(conn, project) -> dict:
    view = {}
    subnets_by_id = {s.id: s.name for s in conn.network.subnets()}
    networks_by_id = {n.id: n.name for n in conn.network.networks()}
    for router in conn.network.routers(project_id=project):
        interfaces = sorted(
            (subnets_by_id[ip['subnet_id']], ip['ip_address'])
            for port in conn.network.ports(
                device_id=router.id, device_owner='network:router_interface')
            for ip in port.fixed_ips)
        gateway = router.external_gateway_info or {}
        view[router.name] = (networks_by_id.get(gateway.get('network_id')),
                             interfaces, sorted(map(str, router.routes)))
    return view


def floating_ips(conn, project) -> dict:
    ports = {p.id: p.mac_address for p in conn.network.ports()}
    return {ip.floating_ip_address: (ip.description,
                                     ports.get(ip.port_id),
                                     ip.fixed_ip_address)
            for ip in conn.network.ips(project_id=project)}


def server_groups(conn, project) -> dict:
    body = conn.compute.get('/os-server-groups?all_projects=True',
                            microversion='2.64').json()
    return {g['name']: (g['policy'], g.get('rules') or {})
            for g in body['server_groups'] if g['project_id'] == project}


def quotas(conn, project) -> dict:
    compute = conn.compute.get(f'/os-quota-sets/{project}',
                               microversion=NOVA).json()['quota_set']
    volume = conn.block_storage.get(
        f'/os-quota-sets/{project}').json()['quota_set']
    network = conn.network.get(f'/quotas/{project}').json()['quota']
    return {'compute': {k: compute[k] for k in ('cores', 'ram', 'instances',
                                                'key_pairs')},
            'volume': {k: volume[k] for k in ('volumes', 'gigabytes',
                                              'snapshots')},
            'network': {k: network[k] for k in (
                'network', 'port', 'router', 'floatingip',
                'security_group')}}


def servers(conn, project) -> dict:
    """{name: (status, flavor, key, [(MAC, IP)], [volume names],
    metadata)} of a project's servers, Pumphouse's own metadata left out."""
    body = conn.compute.get(f'/servers/detail?all_tenants=1&project_id='
                            f'{project}', microversion=NOVA).json()
    volumes = {v.id: v.name for v in conn.block_storage.volumes(
        all_projects=True, project_id=project)}
    view = {}
    for server in body['servers']:
        addresses = sorted((a['OS-EXT-IPS-MAC:mac_addr'], a['addr'])
                           for entries in server['addresses'].values()
                           for a in entries)
        attached = sorted(volumes.get(v['id'], v['id']) for v in
                          server['os-extended-volumes:volumes_attached'])
        metadata = {k: v for k, v in server['metadata'].items()
                    if not k.startswith('pumphouse:')}
        view[server['name']] = (server['status'],
                                server['flavor']['original_name'],
                                server['key_name'], addresses, attached,
                                metadata)
    return view


def volumes(conn, project) -> dict:
    return {v.name: (v.size, v.is_bootable, v.description,
                     {k: x for k, x in (v.metadata or {}).items()
                      if not k.startswith('pumphouse')})
            for v in conn.block_storage.volumes(all_projects=True,
                                                project_id=project)}


def footprint(conn) -> dict:
    """Everything of project demo an operator would compare, by names."""
    demo = project_id(conn)
    all_flavors = flavors(conn)
    return {
        'flavors': {name: flavor_view(conn, all_flavors[name])
                    for name in ('m1.tiny', 'm1.small', 'm1.private')
                    if name in all_flavors},
        'keypairs': keypairs(conn, ('alice', 'bob', 'zoë-müller')),
        'quotas': quotas(conn, demo),
        'security_groups': security_groups(conn, demo),
        'server_groups': server_groups(conn, demo),
        'networks': networks(conn, demo),
        'ports': user_ports(conn, demo),
        'routers': routers(conn, demo),
        'floating_ips': floating_ips(conn, demo),
        'volumes': volumes(conn, demo),
        'servers': servers(conn, demo),
    }


def totals(conn, flavor_names) -> dict:
    """How many flavors carry the seed's names, and how many networks,
    subnets, ports, routers, floating IPs, security groups and rules
    demo's projects own: where a second run would add one (other tests
    make their own meanwhile)."""
    network = conn.network
    ids = [project_id(conn, p) for p in PROJECTS]
    found = {'flavors': sum(1 for name in flavors(conn)
                            if name in flavor_names)}
    for kind, listing in (('networks', network.networks),
                          ('subnets', network.subnets),
                          ('ports', network.ports),
                          ('routers', network.routers),
                          ('floating_ips', network.ips),
                          ('security_groups', network.security_groups),
                          ('rules', network.security_group_rules)):
        found[kind] = sum(len(list(listing(project_id=i))) for i in ids)
    return found


def test_demo_migrates_whole_then_stays_put(cleared, tmp_path):
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    expected = footprint(source)
    assert set(expected['flavors']) == {'m1.tiny', 'm1.small', 'm1.private'}
    assert len(expected['ports']) >= 3, expected['ports']
    assert {'web-1', 'web-2', 'db-1', 'bfv-1'} <= set(expected['servers'])
    expected_assignments = {p: assignments_by_name(source, p)
                            for p in PROJECTS}
    for project, rows in expected_assignments.items():
        assert rows, f'the seed has no assignments on {project}'

    first = migrate(tmp_path)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr
    planned = created(first.stdout)
    missing = [kind for kind in CREATED_KINDS if not planned.get(kind)]
    assert not missing, (missing, first.stdout[:4000])
    found = re.search(r'Discovered (\d+) resources with (\d+) API requests '
                      r'\(([\d.]+) per resource\)', first.stdout)
    assert found, first.stdout[-3000:]
    print(f'\ndiscovery of project demo: {found.group(1)} resources, '
          f'{found.group(2)} source API requests, {found.group(3)} per '
          'resource')
    assert float(found.group(3)) <= 1.5

    actual = footprint(destination)
    for part in expected:
        assert actual[part] == expected[part], part
    for project, rows in expected_assignments.items():
        assert assignments_by_name(destination, project) == rows, project
    child = destination.identity.find_project('demo-child',
                                              domain_id='default')
    assert child.parent_id == project_id(destination)
    # Flavor ids are kept where the destination had them free.
    source_ids = {n: f['id'] for n, f in flavors(source).items()}
    destination_ids = {n: f['id'] for n, f in flavors(destination).items()}
    for name in expected['flavors']:
        assert destination_ids[name] == source_ids[name], name

    names = seeded_names(expected_assignments)
    assert names['users'] and names['roles'], names

    def counts():
        return (totals(destination, set(expected['flavors']))
                | identity_counts(destination, names))

    before = counts()
    second = migrate(tmp_path, '--dry-run')
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    assert ' create ' not in second.stdout
    assert not created(second.stdout), second.stdout[:3000]
    third = migrate(tmp_path)
    assert third.returncode == 0, third.stdout[-3000:] + third.stderr
    assert counts() == before
