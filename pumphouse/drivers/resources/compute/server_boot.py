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

"""Booting the copy of a server in its destination project.

Nova gives a new server to the project of the token that boots it, and
takes as ``key_name`` only a keypair of the calling user. Pumphouse boots:

* a server without a keypair through the destination connection scoped
  to the server's project (:func:`scoped.destination_in`, whose
  user holds ``[identity] destination_project_role`` there for the run);
* a server with a keypair as a temporary *boot user*: a destination
  user named ``pumphouse-boot-...`` (in ``[identity]
  boot_user_domain``, by default the domain of Pumphouse's destination
  user), given ``[identity] boot_user_role`` (``member``) on the
  project and a copy of the owner's keypair (same name, same public
  key), logs in with a random password and boots the server, which so
  keeps its key name and injected key. The servers of one project that
  boot with one keypair share one boot user for the run
  (:mod:`~pumphouse.drivers.resources.compute.boot_users`); its keypair
  and the user are deleted as soon as none of them is booting. Its name
  is made from the migration, the project and the keypair, so a resumed
  run finds and removes what an interrupted one left.

Either way Nova records the booting user as the server's user: the owner
(the destination copy of the source server's user) is kept in the
server's metadata, with the source server's id as the marker that finds
the copy again.
"""

import re
import secrets

from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.conf import CONF
from pumphouse.drivers.resources.compute import keypair as keypair_mod
from pumphouse.drivers.resources.compute import server_state

LOG = log.getLogger(__name__)

BOOT_USER_PREFIX = 'pumphouse-boot-'
#: Volume attachment updates (delete on termination) need 2.85; 2.79
#: shows delete_on_termination in the attachment list.
NOVA_UPDATE_ATTACHMENT = '2.85'
NOVA_LIST_ATTACHMENTS = '2.79'
#: Characters that cannot be put into Nova's name filter (a regular
#: expression) portably; such names are matched on the client only.
_REGEX_SAFE = re.compile(r'^[\w .,:@=+\-]*$')


def boot_user_name(source_server_id: str) -> str:
    return f'{BOOT_USER_PREFIX}{source_server_id}'


def boot_domain(ctx) -> str:
    """The id of the domain boot users live in: ``[identity]
    boot_user_domain`` (an ID or a name), by default the domain of
    Pumphouse's destination user (an SQL domain: Pumphouse logs in
    there)."""
    def load():
        identity = ctx.destination.identity
        wanted = CONF.identity.boot_user_domain
        if wanted:
            return identity.find_domain(wanted, ignore_missing=False).id
        return identity.get_user(ctx.destination.current_user_id).domain_id
    return ctx.cached('destination:boot-user-domain', load)


def boot_role(ctx):
    """The role a boot user gets on its project: ``[identity]
    boot_user_role``, or ``destination_project_role`` when the
    destination has no such role."""
    def load():
        identity = ctx.destination.identity
        role = identity.find_role(CONF.identity.boot_user_role,
                                  ignore_missing=True)
        if role is None:
            LOG.warning('The destination has no role %(role)s for boot '
                        'users; giving them %(other)s',
                        {'role': CONF.identity.boot_user_role,
                         'other': CONF.identity.destination_project_role})
            role = identity.find_role(
                CONF.identity.destination_project_role, ignore_missing=False)
        return role
    return ctx.cached('destination:boot-user-role', load)


def owner_keypair(ctx, keypair_destination_id: str) -> dict:
    """Type and public key of the destination copy of a keypair."""
    user_id, name = keypair_mod.parse_id(keypair_destination_id)
    for keypair in ctx.destination.compute.keypairs(user_id=user_id):
        if keypair.name == name:
            return {'name': name, 'type': keypair.type or 'ssh',
                    'public_key': keypair.public_key}
    raise sdk_exc.NotFoundException(
        f'keypair {name} of destination user {user_id} is missing')


class BootUser:
    """A temporary destination user holding copies of keypairs, with a
    connection as that user scoped to the server's project (also used to
    adopt a stack whose servers use keypairs: Heat checks them against
    the adopting user's).

    Use as a context manager: the user and its keypair are removed on
    the way out, whatever happened, unless the engine tries the item
    again after a transient fault (the copy may still be building with
    the user's token; the next attempt removes the user).
    """

    def __init__(self, ctx, name: str, project_id: str,
                 keypairs: list[dict]) -> None:
        self.ctx = ctx
        self.name = name
        self.project_id = project_id
        self.keypairs = keypairs
        self.connection = None

    def __enter__(self) -> 'BootUser':
        self.create()
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc is not None and self.ctx.retry_planned(exc):
            # Nova may still build the copy with the user's token; the
            # next attempt finishes the copy and then removes the user.
            return
        remove_users_named(self.ctx, self.name)

    def create(self) -> None:
        """Make the user, its role and keypairs, and log in; nothing is
        left when this fails."""
        try:
            self._create()
        except Exception:
            remove_users_named(self.ctx, self.name)
            raise

    def _create(self) -> None:
        identity = self.ctx.destination.identity
        domain_id = boot_domain(self.ctx)
        name = self.name
        password = secrets.token_urlsafe(32)
        options = {'ignore_change_password_upon_first_use': True,
                   'ignore_password_expiry': True,
                   'ignore_lockout_failure_attempts': True}
        # One left by an interrupted run or an earlier attempt is
        # replaced, never given a new password: Keystone revokes a user's
        # tokens when its password changes, to the second, so a token
        # issued in the same second would be refused (HTTP 401) by Nova.
        remove_users_named(self.ctx, name)
        user = identity.create_user(
            name=name, domain_id=domain_id, password=password,
            description='Pumphouse: boots migrated servers, then is '
                        'deleted', options=options)
        identity.assign_project_role_to_user(self.project_id, user,
                                             boot_role(self.ctx))
        compute = self.ctx.destination.compute
        for keypair in self.keypairs:
            compute.delete_keypair(keypair['name'], ignore_missing=True,
                                   user_id=user.id)
            compute.create_keypair(name=keypair['name'], user_id=user.id,
                                   type=keypair['type'],
                                   public_key=keypair['public_key'])
        self.connection = self.ctx.destination.connect_as(
            username=name, password=password, user_domain_id=domain_id,
            project_id=self.project_id)
        # Log in and find the compute API now, before the server's turn
        # on its source host (see server_path.migrate): the boot itself
        # is then one request.
        self.connection.authorize()
        self.connection.compute.get_endpoint()


def remove_boot_user(ctx, source_server_id: str) -> bool:
    """Delete the boot user of one server (a name of
    :func:`boot_user_name`: a stack's adopting user, or a server's of a
    release that made one per server) and its keypairs; True if there
    was one."""
    return remove_users_named(ctx, boot_user_name(source_server_id))


def remove_users_named(ctx, name: str) -> bool:
    """Delete the destination users named ``name`` in the boot users'
    domain and their keypairs (Nova keeps a deleted user's keypairs);
    True if there was one."""
    identity = ctx.destination.identity
    found = False
    for user in identity.users(name=name, domain_id=boot_domain(ctx)):
        found = True
        for keypair in ctx.destination.compute.keypairs(user_id=user.id):
            ctx.destination.compute.delete_keypair(
                keypair.name, ignore_missing=True, user_id=user.id)
        identity.delete_user(user, ignore_missing=True)
    return found


def boot_users_of_project(conn, project_id: str) -> list:
    """The boot users (any name of the prefix) holding a role on a
    destination project: what an interrupted run may have left."""
    user_ids = {a.user['id'] for a in conn.identity.role_assignments(
        scope_project_id=project_id) if a.user}
    return [u for u in (conn.identity.get_user(i) for i in sorted(user_ids))
            if u.name.startswith(BOOT_USER_PREFIX)]


def block_device_mapping(image_id: str | None,
                         block_devices: list[dict]) -> list[dict]:
    """``block_device_mapping_v2`` for a boot: the image as the local
    root disk (when there are volumes too) and every volume.

    Volumes are attached with ``delete_on_termination`` off, so that
    deleting a half-built copy never takes the migrated volumes with it;
    the source's value is set once the copy is complete.
    """
    mapping = []
    if image_id and block_devices:
        mapping.append({'boot_index': 0, 'uuid': image_id,
                        'source_type': 'image',
                        'destination_type': 'local',
                        'delete_on_termination': True})
    for device in block_devices:
        entry = {'uuid': device['volume'], 'source_type': 'volume',
                 'destination_type': 'volume',
                 'delete_on_termination': False,
                 'boot_index': (device['boot_index']
                                if device['boot_index'] is not None
                                else -1)}
        if device.get('device'):
            entry['device_name'] = device['device']
        mapping.append(entry)
    return mapping


def boot_request(attrs: dict, image_id: str | None, markers: dict,
                 availability_zone: str | None) -> dict:
    """Keyword arguments of ``compute.create_server`` for the copy.

    ``attrs`` are the server's attributes with references translated;
    ``image_id`` the image to boot from (None for a volume), ``markers``
    the metadata Pumphouse adds.
    """
    request = {
        'name': attrs['name'],
        'flavor_id': attrs['flavor'],
        'networks': ([{'port': p} for p in attrs['ports']]
                     if attrs['ports'] else 'none'),
        'metadata': {**attrs['metadata'], **markers},
    }
    if image_id:
        request['image_id'] = image_id
    mapping = block_device_mapping(image_id, attrs['block_devices'])
    if mapping:
        request['block_device_mapping'] = mapping
    # None is left out (Nova's default); "" is sent as it is.
    optional = {'key_name': attrs['key_name'],
                'description': attrs['description'],
                'user_data': attrs['user_data'],
                'tags': attrs['tags'] or None,
                'availability_zone': availability_zone,
                'config_drive': attrs['config_drive'] or None}
    request.update({k: v for k, v in optional.items() if v is not None})
    if attrs['server_group']:
        request['scheduler_hints'] = {'group': attrs['server_group']}
    return request


def name_filter(name: str) -> str | None:
    """Nova's ``name`` filter (a regular expression) matching exactly
    ``name``, or None when the name holds characters that database
    regular expressions do not all read the same way."""
    if not _REGEX_SAFE.match(name):
        return None
    return '^' + name.replace('.', '[.]').replace('+', '[+]') + '$'


def marked_copies(conn, project_id: str, name: str,
                  source_server_id: str) -> list:
    """Destination servers of ``project_id`` named ``name`` that carry
    the marker of ``source_server_id`` and are not being deleted (the
    name is matched again here: Nova's filter is only a narrowing)."""
    filters = {'all_projects': True, 'project_id': project_id}
    pattern = name_filter(name)
    if pattern is not None:
        filters['name'] = pattern
    return [s for s in conn.compute.servers(**filters)
            if s.name == name and (s.metadata or {}).get(
                server_state.SOURCE_ID_KEY) == source_server_id
            and s.task_state != 'deleting'
            and s.status not in ('DELETED', 'SOFT_DELETED')]


def attachments(conn, server_id: str) -> list[dict]:
    """The volume attachments of a server (device, volume, delete on
    termination)."""
    response = conn.compute.get(
        f'/servers/{server_id}/os-volume_attachments',
        microversion=NOVA_LIST_ATTACHMENTS)
    sdk_exc.raise_from_response(response)
    return response.json()['volumeAttachments']


def set_delete_on_termination(conn, server_id: str, volume_id: str,
                              value: bool) -> None:
    response = conn.compute.put(
        f'/servers/{server_id}/os-volume_attachments/{volume_id}',
        json={'volumeAttachment': {'volumeId': volume_id,
                                   'delete_on_termination': value}},
        microversion=NOVA_UPDATE_ATTACHMENT)
    sdk_exc.raise_from_response(response)


def delete_copy(conn, server_id: str) -> None:
    """Delete a destination server and wait until it is gone."""
    try:
        conn.compute.delete_server(server_id, ignore_missing=False)
    except sdk_exc.NotFoundException:
        return
    server_state.wait_for_delete(conn, server_id)
