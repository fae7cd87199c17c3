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

"""A source project of a test's (or the bench's) own, with servers.

Everything is named ``<prefix>-<kind>-<random>``: a project with a member
user, the user's keypair, a tiny flavor and raw image, a network with a
subnet (and, on request, a router to the external network ``public``).
The member user boots the servers. :meth:`purge` removes what the
workspace made from both clouds, whoever made it there (the test or the
migration), including what Pumphouse might have left (boot users,
temporary images).
"""

import base64
import pathlib
import secrets
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.drivers.resources.volume import common as volume_common
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import purge

SERVER_TIMEOUT = 180


def public_key(comment: str) -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH
                            ).decode() + f' {comment}'


def user_data(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class ServerWorkspace:
    """The source project and what its servers need."""

    def __init__(self, prefix: str, cidr: str = '10.201.0.0/24',
                 quotas: dict | None = None) -> None:
        self.source = fixtures.sdk_connection('source')
        self.destination = fixtures.sdk_connection('destination')
        self.prefix = f'{prefix}-{uuid.uuid4().hex[:6]}'
        self.server_ids: list[str] = []
        self.volume_ids: list[str] = []
        self.flavor_names: list[str] = []
        source = self.source
        self.project = source.identity.create_project(
            name=self.name('project'), domain_id='default',
            description='server driver test')
        if quotas:
            source.compute.update_quota_set(self.project.id, **quotas)
        self.password = secrets.token_urlsafe(16)
        self.user = source.identity.create_user(
            name=self.name('user'), domain_id='default',
            password=self.password, default_project_id=self.project.id)
        source.identity.assign_project_role_to_user(
            self.project, self.user, source.identity.find_role('member'))
        self.member = source.connect_as(
            username=self.user.name, password=self.password,
            user_domain_id='default', project_id=self.project.id)
        self.public_key = public_key(f'{self.prefix}@test')
        self.keypair = self.member.compute.create_keypair(
            name=self.name('key'), public_key=self.public_key)
        self.flavor = self.new_flavor(vcpus=1, ram=64, disk=1)
        self.image = source.image.create_image(
            name=self.name('image'), disk_format='raw',
            container_format='bare', visibility='public',
            data=secrets.token_bytes(4096), wait=True)
        self.network = self.member.network.create_network(
            name=self.name('net'))
        self.subnet = self.member.network.create_subnet(
            network_id=self.network.id, ip_version=4, cidr=cidr,
            name=self.name('subnet'))
        self.router = None

    def name(self, kind: str) -> str:
        return f'{self.prefix}-{kind}-{uuid.uuid4().hex[:4]}'

    def new_flavor(self, **sizes):
        sizes.setdefault('name', self.name('flavor'))
        self.flavor_names.append(sizes['name'])
        return self.source.compute.create_flavor(**sizes)

    def new_flavor_in_destination(self):
        """A destination flavor no host can give (a resource class
        nobody has): Nova puts a server of it in ERROR, NoValidHost."""
        flavor = self.destination.compute.create_flavor(
            name=self.name('nowhere'), vcpus=1, ram=64, disk=1)
        self.flavor_names.append(flavor.name)
        self.destination.compute.create_flavor_extra_specs(
            flavor, {'resources:CUSTOM_PUMPHOUSE_NOWHERE': '1'})
        return flavor

    def route_to_public(self):
        """A router with a gateway on the external network ``public``
        and an interface on the workspace's subnet."""
        fixtures.ensure_seeded()
        public = self.source.network.find_network('public',
                                                  ignore_missing=False)
        self.router = self.member.network.create_router(
            name=self.name('router'),
            external_gateway_info={'network_id': public.id})
        self.member.network.add_interface_to_router(
            self.router, subnet_id=self.subnet.id)
        return public

    def port(self, ip_address: str):
        return self.member.network.create_port(
            network_id=self.network.id, name=self.name('port'),
            fixed_ips=[{'subnet_id': self.subnet.id,
                        'ip_address': ip_address}])

    def boot(self, wait: bool = True, **kwargs):
        """A server of the member user (image, flavor, keypair and the
        network by default)."""
        kwargs.setdefault('name', self.name('server'))
        kwargs.setdefault('flavor_id', self.flavor.id)
        if 'block_device_mapping' not in kwargs:
            kwargs.setdefault('image_id', self.image.id)
        kwargs.setdefault('key_name', self.keypair.name)
        kwargs.setdefault('networks', [{'uuid': self.network.id}])
        server = self.member.compute.create_server(**kwargs)
        self.server_ids.append(server.id)
        if wait:
            server = self.wait(server)
        return server

    def wait(self, server):
        return self.member.compute.wait_for_server(
            server, status='ACTIVE', failures=['ERROR'],
            wait=SERVER_TIMEOUT)

    def data_volume(self, data: bytes, size: int = 1):
        """A volume of the member user holding ``data`` at its start
        (written into the harness's backing file)."""
        storage = self.member.block_storage
        volume = storage.create_volume(size=size, name=self.name('data'))
        self.volume_ids.append(volume.id)
        volume = storage.wait_for_status(volume, status='available',
                                         failures=['error'], wait=120)
        with open(volume_file('source', volume.id), 'r+b') as f:
            f.write(data)
        return volume

    def attach(self, server, volume):
        """Attach ``volume`` to ``server``; the volume once in-use."""
        self.member.compute.create_volume_attachment(server,
                                                     volume_id=volume.id)
        return self.member.block_storage.wait_for_status(
            volume, status='in-use', failures=['error'], wait=120)

    def actions(self, server_id: str) -> list[str]:
        """The actions Nova recorded on a source server, oldest first."""
        response = self.source.compute.get(
            f'/servers/{server_id}/os-instance-actions')
        assert response.status_code == 200, response.text
        return [a['action'] for a in sorted(
            response.json()['instanceActions'],
            key=lambda a: a['start_time'])]

    def copies(self) -> list:
        """The destination servers of the workspace's project."""
        project = self.destination_project()
        if project is None:
            return []
        return list(self.destination.compute.servers(
            all_projects=True, project_id=project.id))

    def destination_project(self):
        return self.destination.identity.find_project(
            self.project.name, domain_id='default', ignore_missing=True)

    def leftovers(self) -> dict:
        """What Pumphouse must never leave behind in either cloud."""
        found = {}
        users = [u.name for u in self.destination.identity.users()
                 if u.name in {server_boot.boot_user_name(i)
                               for i in self.server_ids}]
        project = self.destination_project()
        if project is not None:
            users += [u.name for u in server_boot.boot_users_of_project(
                self.destination, project.id)]
        if users:
            found['boot users'] = users
        for name, conn in (('source', self.source),
                           ('destination', self.destination)):
            images = [i.name for i in conn.image.images()
                      if i.name in {server_snapshot.tmp_name(s)
                                    for s in self.server_ids}]
            if images:
                found[f'{name} temporary images'] = images
            volume_tmp = [f'{kind} {o.id}' for volume_id in self.volume_ids
                          for kind, o in _volume_temporaries(conn,
                                                             volume_id)]
            if volume_tmp:
                found[f'{name} volume temporaries'] = volume_tmp
        return found

    # -- clean-up --------------------------------------------------------
    def purge(self) -> None:
        errors = []
        for conn in (self.destination, self.source):
            try:
                self._purge(conn)
            except Exception as e:  # noqa: BLE001 - clean the other cloud
                errors.append(e)
        if errors:
            raise errors[0]

    def purge_destination(self) -> None:
        """Remove what a migration made of the workspace."""
        self._purge(self.destination)

    def _purge(self, conn) -> None:
        project = conn.identity.find_project(
            self.project.name, domain_id='default', ignore_missing=True)
        users = ([] if project is None else
                 server_boot.boot_users_of_project(conn, project.id))
        for server_id in self.server_ids:
            users += conn.identity.users(
                name=server_boot.boot_user_name(server_id))
        for user in users:
            for keypair in conn.compute.keypairs(user_id=user.id):
                conn.compute.delete_keypair(keypair.name, user_id=user.id)
            conn.identity.delete_user(user)
        for server_id in self.server_ids:
            for image in conn.image.images(
                    name=server_snapshot.tmp_name(server_id)):
                conn.image.delete_image(image)
        for volume_id in self.volume_ids:
            for kind, found in _volume_temporaries(conn, volume_id):
                if kind == 'image':
                    conn.image.delete_image(found, ignore_missing=True)
                    continue
                if found.status not in ('available', 'error'):
                    conn.block_storage.wait_for_status(
                        found, status='available', failures=['error'],
                        wait=120)
                conn.block_storage.delete_volume(found, ignore_missing=True)
        if project is not None:
            purge.purge_project(conn, project.id)
        for image in conn.image.images(name=self.image.name):
            conn.image.delete_image(image)
        user = conn.identity.find_user(self.user.name, domain_id='default',
                                       ignore_missing=True)
        if user is not None:
            for keypair in conn.compute.keypairs(user_id=user.id):
                conn.compute.delete_keypair(keypair.name, user_id=user.id)
            conn.identity.delete_user(user)
        for flavor in conn.compute.flavors(is_public=None):
            if flavor.name in self.flavor_names:
                conn.compute.delete_flavor(flavor)


def _volume_temporaries(conn, volume_id: str) -> list[tuple[str, object]]:
    """The temporary images and clones of a volume's copy in a cloud."""
    name = volume_common.temp_name(volume_id)
    return [('image', i) for i in volume_common.named_images(conn, name)] + \
        [('clone', v) for v in volume_common.named_volumes(conn, name)]


def volume_file(cloud: str, volume_id: str) -> pathlib.Path:
    """The backing file of a volume of the harness's Cinder."""
    return (fixtures.REPO / '.minicloud' / cloud / 'cinder' / 'volumes' /
            f'volume-{volume_id}')

