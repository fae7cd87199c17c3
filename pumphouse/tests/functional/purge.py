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

"""Remove from a cloud what a migration of seeded projects brought there.

The harness keeps its clouds between runs. A test that migrates the
seeded project ``demo`` proves creation only if the destination does
not already hold what an earlier run brought: :func:`purge_seeded`
removes it first, by the names ``tools/minicloud/seed/full.yaml``
declares (the seed file is the one list of those names). What the
destination had of its own (the admin, the standard roles, the external
network ``public``) is never touched.
"""

import pathlib
import time
from collections.abc import Iterable

import yaml

from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.tests.functional import fixtures

SERVER_TIMEOUT = 180
STACK_TIMEOUT = 300
VOLUME_TIMEOUT = 120
SEED = fixtures.REPO / 'tools' / 'minicloud' / 'seed' / 'full.yaml'
#: Roles every cloud has; a purge never deletes them.
STANDARD_ROLES = frozenset({'admin', 'member', 'reader', 'manager',
                            'service'})


def purge_project(conn, project_id: str) -> None:
    """Delete a project and every Heat stack, network, compute and
    storage resource it owns (stacks first, the project last)."""
    delete_stacks(conn, project_id)
    servers = list(conn.compute.servers(all_projects=True,
                                        project_id=project_id))
    for server in servers:
        conn.compute.delete_server(server)
    for server in servers:
        conn.compute.wait_for_delete(server, wait=SERVER_TIMEOUT)
    storage = conn.block_storage
    for volume in storage.volumes(all_projects=True, project_id=project_id):
        storage.delete_volume(volume, ignore_missing=True)
    for volume in storage.volumes(all_projects=True, project_id=project_id):
        storage.wait_for_delete(volume, wait=VOLUME_TIMEOUT)
    for group in conn.compute.server_groups(all_projects=True):
        if group.project_id == project_id:
            conn.compute.delete_server_group(group)
    for image in conn.image.images(owner=project_id):
        conn.image.delete_image(image, ignore_missing=True)
    network = conn.network
    for fip in network.ips(project_id=project_id):
        network.delete_ip(fip)
    for router in network.routers(project_id=project_id):
        for port in network.ports(device_id=router.id):
            if port.device_owner == 'network:router_interface':
                network.remove_interface_from_router(router,
                                                     port_id=port.id)
        network.delete_router(router)
    for port in network.ports(project_id=project_id):
        if not (port.device_owner or '').startswith('network:'):
            network.delete_port(port)
    for net in network.networks(project_id=project_id):
        network.delete_network(net)
    for group in network.security_groups(project_id=project_id):
        network.delete_security_group(group)
    conn.identity.delete_project(project_id)


def delete_stacks(conn, project_id: str) -> None:
    """Delete the project's Heat stacks (and so what they hold). Heat
    lists a project's stacks to tokens of that project only: the admin
    is given a role there first."""
    if not conn.endpoint_for('orchestration'):
        return
    admin = conn.identity.find_role('admin')
    conn.identity.assign_project_role_to_user(
        project_id, conn.current_user_id, admin)
    scoped = conn.connect_as(project_id=project_id)

    def busy():
        return [s for s in scoped.orchestration.get('/stacks').json()[
            'stacks'] if s['stack_status'].endswith('_IN_PROGRESS')]
    for stack in scoped.orchestration.get('/stacks').json()['stacks']:
        scoped.orchestration.delete(
            f'/stacks/{stack["stack_name"]}/{stack["id"]}')
    # A stack whose delete fails is left to the rest of the purge.
    deadline = time.monotonic() + STACK_TIMEOUT
    while busy() and time.monotonic() < deadline:
        time.sleep(2)


def delete_user(conn, user) -> None:
    """Delete a user and the keypairs Nova keeps for it."""
    for keypair in conn.compute.keypairs(user_id=user.id):
        conn.compute.delete_keypair(keypair.name, user_id=user.id)
    conn.identity.delete_user(user)


class SeededWorkload:
    """What the migration of some seeded projects brings, by name."""

    def __init__(self, projects: Iterable[str], seed: pathlib.Path = SEED):
        spec = yaml.safe_load(seed.read_text())
        self.projects = [p['name'] for p in spec['projects']
                         if _in_tree(p, set(projects), spec['projects'])]
        chosen = set(self.projects)
        assignments = [a for a in spec.get('assignments', ())
                       if a.get('project') in chosen]
        self.users = sorted({a['user'] for a in assignments
                             if 'user' in a and a['user'] != 'admin'})
        self.groups = sorted({a['group'] for a in assignments
                              if 'group' in a})
        self.roles = [r['name'] for r in spec.get('roles', ())
                      if r['name'] not in STANDARD_ROLES]
        servers = [s for s in spec.get('servers', ())
                   if s.get('project') in chosen]
        self.servers = [s['name'] for s in servers]
        self.flavors = sorted(
            {s['flavor'] for s in servers} |
            {f['name'] for f in spec.get('flavors', ())
             if chosen & set(f.get('access', ()))})
        self.images = sorted(
            {s['image'] for s in servers if 'image' in s} |
            {v['image'] for v in spec.get('volumes', ())
             if v.get('project') in chosen and 'image' in v} |
            {i['name'] for i in spec.get('images', ())
             if i.get('project') in chosen} |
            {s['name'] for s in spec.get('server_snapshots', ())
             if s.get('project') in chosen} |
            {u['name'] for u in spec.get('volume_uploads', ())
             if u.get('project') in chosen})

    def purge(self, conn, source=None) -> None:
        """Remove the workload from ``conn`` (a destination cloud).

        ``source``, when given, names the source servers whose boot users
        and temporary snapshots a migration could have left behind.
        """
        if source is not None:
            self._purge_temporaries(conn, source)
        # Children before parents: Keystone refuses to delete a parent.
        for name in reversed(self.projects):
            project = conn.identity.find_project(
                name, domain_id='default', ignore_missing=True)
            if project is not None:
                # Boot users an interrupted run left (shared by the
                # project's servers of one keypair).
                for user in server_boot.boot_users_of_project(conn,
                                                              project.id):
                    delete_user(conn, user)
                purge_project(conn, project.id)
        identity = conn.identity
        for name in self.users:
            user = identity.find_user(name, domain_id='default',
                                      ignore_missing=True)
            if user is not None:
                delete_user(conn, user)
        for name in self.groups:
            group = identity.find_group(name, domain_id='default',
                                        ignore_missing=True)
            if group is not None:
                identity.delete_group(group)
        for name in self.roles:
            role = identity.find_role(name, ignore_missing=True)
            if role is not None:
                identity.delete_role(role)
        for flavor in conn.compute.flavors(is_public=None):
            if flavor.name in self.flavors:
                conn.compute.delete_flavor(flavor)
        for name in self.images:
            for image in conn.image.images(name=name):
                conn.image.delete_image(image, ignore_missing=True)

    def _purge_temporaries(self, conn, source) -> None:
        for server in source.compute.servers(all_projects=True):
            if server.name not in self.servers:
                continue
            for user in conn.identity.users(
                    name=server_boot.boot_user_name(server.id)):
                delete_user(conn, user)
            for image in conn.image.images(
                    name=server_snapshot.tmp_name(server.id)):
                conn.image.delete_image(image, ignore_missing=True)


def _in_tree(project: dict, roots: set[str], all_projects: list) -> bool:
    """Whether ``project`` is one of ``roots`` or below one of them."""
    parents = {p['name']: p.get('parent') for p in all_projects}
    name = project['name']
    while name is not None:
        if name in roots:
            return True
        name = parents.get(name)
    return False
