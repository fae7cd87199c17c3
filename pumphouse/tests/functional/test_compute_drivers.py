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

"""The Nova drivers between the two real clouds.

Every test builds a project of its own in the source (a member user with
a keypair, flavors, server groups and servers) and removes everything it
made, in both clouds, at the end; the seeded objects are never touched.
"""

import secrets
import types

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pumphouse.common import exception
from pumphouse.db import migration_api
from pumphouse.drivers.resources.compute import flavor as flavor_mod
from pumphouse.engine import registry
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures

#: The types these tests are about; other resource types (networks,
#: ports, quotas, ...) are kept to what these need, so that the tests do
#: not depend on those drivers.
COMPUTE = ('compute.flavor', 'compute.keypair', 'compute.server_group')


def public_key(comment: str) -> str:
    """A fresh OpenSSH ed25519 public key."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH
                            ).decode() + f' {comment}'


def strategies_for(*types_wanted: str) -> dict:
    """``depend`` for every non-identity type but ``types_wanted``."""
    return {name: 'depend' for name, driver in
            registry.load_drivers().items()
            if not name.startswith('identity.')
            and name not in types_wanted and 'depend' in driver.strategies}


def migrate(selection: dict, **options):
    """Create, plan and run a migration; return it when it ended."""
    migration = runner.create('source', 'destination', selection, options,
                              project_id='admin')
    runner.plan(migration.uuid)
    return engine_fixtures.run(migration.uuid, workers=2)


def project_selection(name: str, *types_wanted: str) -> dict:
    return {'workload': {'kind': 'project', 'names': [name]},
            'strategies': strategies_for(*types_wanted)}


def resources_selection(*entries: str) -> dict:
    named = {e.partition('=')[0] for e in entries}
    return {'workload': {'kind': 'resources', 'names': list(entries)},
            'strategies': strategies_for(*named)}


def items_by_key(migration) -> dict:
    return {(i.resource_type, i.source_id): i
            for i in migration_api.list_plan_items(migration.id)}


def assert_clean(migration) -> None:
    assert migration.state == 'completed', migration.last_error
    assert migration.report['differences'] == []
    assert migration.report['not_migrated'] == []


def find_flavor(conn, name: str):
    return next((f for f in conn.compute.flavors(is_public=None)
                 if f.name == name), None)


class Workspace:
    """A project of the test's own in the source, with a member user.

    Records what the test makes by name, and :meth:`purge` removes it from
    a cloud, whoever made it there (the test or the migration).
    """

    def __init__(self, source, destination, prefix: str) -> None:
        self.source = source
        self.destination = destination
        self.prefix = prefix
        self.flavors: list[str] = []
        self.users: list[str] = []
        self.projects: list[str] = []
        self.project = self.new_project()
        self.password = secrets.token_urlsafe(16)
        self.user = self.new_user(default_project_id=self.project.id)
        member = source.identity.find_role('member')
        source.identity.assign_project_role_to_user(self.project, self.user,
                                                    member)
        self._member = None
        self._image = None

    def name(self, kind: str) -> str:
        return engine_fixtures.unique(f'{self.prefix}-{kind}')

    def new_project(self, conn=None, name: str | None = None):
        name = name or self.name('project')
        self.projects.append(name)
        return (conn or self.source).identity.create_project(
            name=name, domain_id='default', description='driver test')

    def new_user(self, **kwargs):
        name = self.name('user')
        self.users.append(name)
        return self.source.identity.create_user(
            name=name, domain_id='default', password=self.password,
            **kwargs)

    def new_flavor(self, conn=None, **kwargs):
        kwargs.setdefault('name', self.name('flavor'))
        self.flavors.append(kwargs['name'])
        return (conn or self.source).compute.create_flavor(**kwargs)

    @property
    def member(self):
        """A source connection as the project's member user."""
        if self._member is None:
            self._member = self.source.connect_as(
                username=self.user.name, password=self.password,
                user_domain_id='default', project_id=self.project.id)
        return self._member

    def boot_image(self):
        """A tiny public image of the test's own (the fake virt driver
        does not read it), made once."""
        if self._image is None:
            self._image = self.source.image.create_image(
                name=self.name('image'), disk_format='raw',
                container_format='bare', visibility='public',
                data=b'\0' * 4096, wait=True)
        return self._image

    def boot(self, flavor, key_name: str, network, group=None):
        """A server of the project's member user, ACTIVE."""
        image = self.boot_image()
        kwargs = {'name': self.name('server'), 'flavor_id': flavor.id,
                  'image_id': image.id, 'key_name': key_name,
                  'networks': [{'uuid': network.id}]}
        if group is not None:
            kwargs['scheduler_hints'] = {'group': group.id}
        server = self.member.compute.create_server(**kwargs)
        return self.member.compute.wait_for_server(server, wait=120)

    def network(self):
        network = self.member.network.create_network(name=self.name('net'))
        self.member.network.create_subnet(
            network_id=network.id, ip_version=4, cidr='10.199.0.0/24',
            name=self.name('subnet'))
        return network

    def purge_all(self) -> None:
        errors = []
        if self._image is not None:
            self.source.image.delete_image(self._image, ignore_missing=True)
        for conn in (self.destination, self.source):
            try:
                purge(conn, self)
            except Exception as e:  # noqa: BLE001 - clean the other cloud
                errors.append(e)
        if errors:
            raise errors[0]


def purge(conn, workspace: Workspace) -> None:
    """Remove the workspace's projects, users and flavors from ``conn``."""
    for name in workspace.projects:
        project = conn.identity.find_project(name, domain_id='default',
                                             ignore_missing=True)
        if project is not None:
            purge_project(conn, project.id)
    for name in workspace.users:
        user = conn.identity.find_user(name, domain_id='default',
                                       ignore_missing=True)
        if user is None:
            continue
        # Nova keeps a deleted user's keypairs.
        for keypair in conn.compute.keypairs(user_id=user.id):
            conn.compute.delete_keypair(keypair.name, user_id=user.id)
        conn.identity.delete_user(user)
    for name in workspace.flavors:
        flavor = find_flavor(conn, name)
        if flavor is not None:
            conn.compute.delete_flavor(flavor)


def purge_project(conn, project_id: str) -> None:
    """Servers, server groups, networks and security groups, then the
    project (Nova and Neutron keep them when a project goes)."""
    servers = [s for s in conn.compute.servers(all_projects=True)
               if s.project_id == project_id]
    for server in servers:
        conn.compute.delete_server(server)
    for server in servers:
        conn.compute.wait_for_delete(server, wait=120)
    for group in conn.compute.server_groups(all_projects=True):
        if group.project_id == project_id:
            conn.compute.delete_server_group(group)
    for port in conn.network.ports(project_id=project_id):
        if not (port.device_owner or '').startswith('network:'):
            conn.network.delete_port(port)
    for network in conn.network.networks(project_id=project_id):
        conn.network.delete_network(network)
    for group in conn.network.security_groups(project_id=project_id):
        conn.network.delete_security_group(group)
    conn.identity.delete_project(project_id)


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def clouds():
    return (fixtures.sdk_connection('source'),
            fixtures.sdk_connection('destination'))


@pytest.fixture
def workspace(clouds):
    source, destination = clouds
    created = Workspace(source, destination, 'pc')
    yield created
    created.purge_all()


@pytest.fixture
def project_workload(workspace):
    """Two servers on two flavors (one private), a keypair, two server
    groups; an unused flavor and another user's keypair stay behind."""
    source = workspace.source
    used = workspace.new_flavor(
        vcpus=1, ram=64, disk=1, ephemeral=1, swap=16, rxtx_factor=2.0,
        description='used, public, with extra specs')
    source.compute.create_flavor_extra_specs(
        used, {'hw:cpu_policy': 'shared', 'pumphouse:tier': 'gold'})
    private = workspace.new_flavor(vcpus=1, ram=96, disk=1,
                                   is_public=False)
    source.compute.flavor_add_tenant_access(private, workspace.project.id)
    unused = workspace.new_flavor(vcpus=1, ram=64, disk=1)
    key = public_key('pumphouse@test')
    keypair = source.compute.create_keypair(
        name=workspace.name('key'), public_key=key,
        user_id=workspace.user.id)
    other = workspace.new_user()
    other_keypair = source.compute.create_keypair(
        name=workspace.name('key'), public_key=public_key('other@test'),
        user_id=other.id)
    spread = workspace.member.compute.create_server_group(
        name=workspace.name('spread'), policy='anti-affinity',
        rules={'max_server_per_host': 2})
    together = workspace.member.compute.create_server_group(
        name=workspace.name('together'), policy='affinity')
    network = workspace.network()
    workspace.boot(used, keypair.name, network, group=spread)
    workspace.boot(private, keypair.name, network)
    return types.SimpleNamespace(
        used=used, private=private, unused=unused, keypair=keypair,
        public_key=key, other=other, other_keypair=other_keypair,
        spread=spread, together=together)


def test_project_workload_migrates_what_its_servers_use(
        engine, workspace, project_workload):
    wl = project_workload
    destination = workspace.destination
    migration = migrate(project_selection(workspace.project.name, *COMPUTE))
    assert_clean(migration)
    items = items_by_key(migration)
    assert ('compute.flavor', wl.used.id) in items
    assert ('compute.flavor', wl.private.id) in items
    assert ('compute.flavor', wl.unused.id) not in items
    assert ('compute.keypair',
            f'{wl.other.id}/{wl.other_keypair.name}') not in items

    project = destination.identity.find_project(
        workspace.project.name, domain_id='default', ignore_missing=False)
    user = destination.identity.find_user(
        workspace.user.name, domain_id='default', ignore_missing=False)

    used = destination.compute.get_flavor(wl.used.id)  # the id is kept
    assert (used.name, used.vcpus, used.ram, used.disk, used.ephemeral,
            used.swap, used.rxtx_factor, used.is_public, used.description) \
        == (wl.used.name, 1, 64, 1, 1, 16, 2.0, True,
            'used, public, with extra specs')
    assert used.extra_specs == {'hw:cpu_policy': 'shared',
                                'pumphouse:tier': 'gold'}
    private = destination.compute.get_flavor(wl.private.id)
    assert private.is_public is False
    assert [a['tenant_id'] for a in
            destination.compute.get_flavor_access(private)] == [project.id]
    assert find_flavor(destination, wl.unused.name) is None

    keypairs = {k.name: k for k in
                destination.compute.keypairs(user_id=user.id)}
    assert list(keypairs) == [wl.keypair.name]
    assert keypairs[wl.keypair.name].public_key.strip() == wl.public_key
    assert keypairs[wl.keypair.name].type == 'ssh'
    keypair_item = items[('compute.keypair',
                          f'{workspace.user.id}/{wl.keypair.name}')]
    assert keypair_item.destination_id == f'{user.id}/{wl.keypair.name}'

    groups = {g.name: g for g in
              destination.compute.server_groups(all_projects=True)
              if g.project_id == project.id}
    assert set(groups) == {wl.spread.name, wl.together.name}
    assert groups[wl.spread.name].policy == 'anti-affinity'
    assert groups[wl.spread.name].rules == {'max_server_per_host': 2}
    assert groups[wl.together.name].policy == 'affinity'
    assert groups[wl.spread.name].member_ids == []

    flavors_before = len(list(destination.compute.flavors(is_public=None)))
    second = migrate(project_selection(workspace.project.name, *COMPUTE))
    assert_clean(second)
    assert {i.action for i in migration_api.list_plan_items(second.id)} \
        == {'reuse'}
    assert len(list(destination.compute.flavors(is_public=None))) == \
        flavors_before
    assert len([g for g in
                destination.compute.server_groups(all_projects=True)
                if g.project_id == project.id]) == 2

    # ``used`` takes only the group that holds a server.
    selection = project_selection(workspace.project.name, *COMPUTE)
    selection['strategies']['compute.server_group'] = 'used'
    used = runner.plan(runner.create('source', 'destination', selection,
                                     {}, project_id='admin').uuid)
    assert [k[1] for k in items_by_key(used)
            if k[0] == 'compute.server_group'] == [wl.spread.id]


def test_private_flavor_the_project_may_use_moves_with_it(engine,
                                                          workspace):
    """Issue 14: a private flavor whose access list holds the project
    (with extra specs), used by no server, moves with ``project NAME``.
    In the destination its access names the migrated project; a project
    of the list outside the migration is left out, with a WARNING naming
    the flavor and that project, and verification is clean. Migrating
    that project later (same state) gives it access to the same flavor.
    """
    source, destination = workspace.source, workspace.destination
    outsider = workspace.new_project()
    flavor = workspace.new_flavor(vcpus=1, ram=80, disk=1, is_public=False,
                                  description='private, used by no server')
    source.compute.create_flavor_extra_specs(
        flavor, {'hw:cpu_policy': 'shared', 'pumphouse:tier': 'silver'})
    source.compute.flavor_add_tenant_access(flavor, workspace.project.id)
    source.compute.flavor_add_tenant_access(flavor, outsider.id)
    theirs = workspace.new_flavor(vcpus=1, ram=80, disk=1, is_public=False)
    source.compute.flavor_add_tenant_access(theirs, outsider.id)

    migration = migrate(project_selection(workspace.project.name, *COMPUTE))
    assert_clean(migration)
    items = items_by_key(migration)
    item = items[('compute.flavor', flavor.id)]
    assert item.action == 'create'
    assert ('compute.flavor', theirs.id) not in items
    assert ('identity.project', outsider.id) not in items
    assert destination.identity.find_project(
        outsider.name, domain_id='default', ignore_missing=True) is None
    project = destination.identity.find_project(
        workspace.project.name, domain_id='default', ignore_missing=False)
    copy = destination.compute.get_flavor(flavor.id)  # the id is kept
    assert (copy.is_public, copy.vcpus, copy.ram, copy.description) == (
        False, 1, 80, 'private, used by no server')
    assert copy.extra_specs == {'hw:cpu_policy': 'shared',
                                'pumphouse:tier': 'silver'}
    assert [a['tenant_id'] for a in
            destination.compute.get_flavor_access(copy)] == [project.id]
    assert outsider.name in item.details['note']
    warnings = [e.message for e in migration_api.list_events(migration.id)
                if e.level == 'WARNING']
    assert any(flavor.name in m and outsider.name in m and outsider.id in m
               for m in warnings), warnings

    later = migrate(project_selection(outsider.name, *COMPUTE))
    assert_clean(later)
    items = items_by_key(later)
    assert items[('compute.flavor', flavor.id)].action == 'reuse'
    assert items[('compute.flavor', theirs.id)].action == 'create'
    outsider_copy = destination.identity.find_project(
        outsider.name, domain_id='default', ignore_missing=False)
    assert sorted(a['tenant_id'] for a in
                  destination.compute.get_flavor_access(copy)) == sorted(
        [project.id, outsider_copy.id])


def test_taken_flavor_id_is_left_to_nova(engine, workspace):
    source, destination = workspace.source, workspace.destination
    flavor = workspace.new_flavor(vcpus=1, ram=64, disk=1,
                                  id=workspace.name('flavor-id'))
    # Another flavor holds the id in the destination.
    workspace.new_flavor(destination, id=flavor.id, vcpus=2, ram=128,
                         disk=1)
    migration = migrate(resources_selection(f'compute.flavor={flavor.id}'))
    assert_clean(migration)
    copy = find_flavor(destination, flavor.name)
    assert copy.id != flavor.id
    assert (copy.vcpus, copy.ram, copy.disk) == (1, 64, 1)
    assert items_by_key(migration)[
        ('compute.flavor', flavor.id)].destination_id == copy.id
    assert source.compute.get_flavor(flavor.id).vcpus == 1


def test_conflicting_flavor_stops_the_plan(engine, workspace):
    destination = workspace.destination
    flavor = workspace.new_flavor(vcpus=1, ram=64, disk=1)
    workspace.new_flavor(destination, name=flavor.name, vcpus=2, ram=64,
                         disk=1)
    before = sorted(f.id for f in destination.compute.flavors(
        is_public=None))
    migration = runner.create(
        'source', 'destination',
        resources_selection(f'compute.flavor={flavor.id}'), {},
        project_id='admin')
    migration = runner.plan(migration.uuid)
    conflict = items_by_key(migration)[('compute.flavor', flavor.id)]
    assert conflict.action == 'conflict'
    assert conflict.details['differences'] == {
        'vcpus': {'source': 1, 'destination': 2}}
    with pytest.raises(exception.PlanConflict):
        runner.start(migration.uuid)
    assert sorted(f.id for f in destination.compute.flavors(
        is_public=None)) == before


def test_interrupted_create_is_adopted(engine, workspace):
    source, destination = workspace.source, workspace.destination
    flavor = workspace.new_flavor(vcpus=1, ram=64, disk=1,
                                  is_public=False)
    source.compute.create_flavor_extra_specs(flavor, {'pumphouse:x': 'y'})
    source.compute.flavor_add_tenant_access(flavor, workspace.project.id)
    # The project is named too: a project outside the migration would be
    # left out of the flavor's access.
    migration = runner.create(
        'source', 'destination',
        resources_selection(f'compute.flavor={flavor.id}',
                            f'identity.project={workspace.project.id}'),
        {}, project_id='admin')
    migration = runner.plan(migration.uuid)
    items = items_by_key(migration)
    assert items[('compute.flavor', flavor.id)].action == 'create'

    # What an attempt that died right after its creates left: the
    # project (made the same way) and the complete flavor, not recorded.
    project = workspace.new_project(destination, workspace.project.name)
    resource = res.Resource.from_item(items[('compute.flavor', flavor.id)])
    attrs = res.translate(resource.attrs, lambda key: project.id)
    made = flavor_mod.FlavorDriver().create(
        types.SimpleNamespace(destination=destination), resource, attrs)

    migration = engine_fixtures.run(migration.uuid, workers=2)
    assert_clean(migration)
    assert items_by_key(migration)[
        ('compute.flavor', flavor.id)].destination_id == made
    assert [f.id for f in destination.compute.flavors(is_public=None)
            if f.name == flavor.name] == [made]
    events = [e.message for e in migration_api.list_events(migration.id)]
    assert any('adopted' in m and flavor.name in m for m in events), events
