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

"""What the web UI's source browser shows of a cloud: its projects with
what they hold, and its compute hosts.

One paginated list call per resource type over all projects (filtered on
the server side, never one request per resource), grouped here by
project. A project's Heat stacks are read when asked for, one project at
a time (:func:`project_stacks`): Heat lists a project's stacks only to a
token scoped to it.
"""

import collections
import threading

from openstack import exceptions as sdk_exc

from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.orchestration import heat_api
from pumphouse.hosts import inventory

#: The resource types :func:`describe` knows.
TYPES = ('projects', 'hosts')
GIB = 1024 ** 3


def _project_of(resource) -> str | None:
    return (getattr(resource, 'project_id', None)
            or getattr(resource, 'owner', None)
            or getattr(resource, 'owner_id', None))


def projects(conn) -> list[dict]:
    """Every project of the cloud with its servers, volumes, images and
    networks counted, and the bytes its volumes and images hold."""
    counts: dict[str, collections.Counter] = collections.defaultdict(
        collections.Counter)
    for server in conn.compute.servers(all_projects=True):
        counts[_project_of(server)]['servers'] += 1
    for volume in conn.block_storage.volumes(all_projects=True):
        counts[_project_of(volume)]['volumes'] += 1
        counts[_project_of(volume)]['bytes'] += (volume.size or 0) * GIB
    for image in conn.image.images():
        counts[_project_of(image)]['images'] += 1
        counts[_project_of(image)]['bytes'] += image.size or 0
    for network in conn.network.networks():
        counts[_project_of(network)]['networks'] += 1
    found = []
    for project in conn.identity.projects():
        held = counts.get(project.id, collections.Counter())
        found.append({
            'id': project.id, 'name': project.name,
            'domain_id': project.domain_id,
            'parent_id': project.parent_id,
            'enabled': bool(project.is_enabled),
            'description': project.description or '',
            **{kind: held[kind] for kind in ('servers', 'volumes',
                                             'images', 'networks')},
            'bytes': held['bytes'],
        })
    return sorted(found, key=lambda p: (p['name'] or '', p['id']))


def hosts(cloud, conn) -> list[dict]:
    """The compute hosts of the cloud, with their servers and what is
    registered of them (:func:`pumphouse.hosts.inventory.discover`)."""
    return inventory.discover(cloud.uuid, conn=conn)


def describe(cloud_ident: str, resource_type: str) -> list[dict]:
    """The ``resource_type`` (one of :data:`TYPES`) of a registered
    cloud. Read once, without retries: a person waits for the answer,
    and tries again when the cloud answers again."""
    cloud = db_api.get_cloud(cloud_ident)
    conn = cloud_config.connect(cloud.config, cloud.credentials,
                                retries=0, name=cloud.name)
    if resource_type == 'hosts':
        return hosts(cloud, conn)
    return projects(conn)


#: (cloud, project) -> the lock its stacks are listed under: two
#: listings of one project in this conductor do not overlap, so that one
#: does not take back the temporary role the other's token stands on.
_listing: dict[tuple[str, str], threading.Lock] = collections.defaultdict(
    threading.Lock)
_listing_lock = threading.Lock()


def _lock_of(cloud_uuid: str, project_id: str) -> threading.Lock:
    with _listing_lock:
        return _listing[(cloud_uuid, project_id)]


def find_project(conn, cloud_name: str, ident: str):
    """The project ``ident`` (an id, or a name only one project has) of
    the cloud; CloudProjectNotFound, or Invalid for a name several
    projects have."""
    try:
        return conn.identity.get_project(ident)
    except sdk_exc.NotFoundException:
        pass
    named = list(conn.identity.projects(name=ident))
    if not named:
        raise exception.CloudProjectNotFound(project=ident, cloud=cloud_name)
    if len(named) > 1:
        raise exception.Invalid(
            reason=f'{len(named)} projects of cloud {cloud_name} are named '
                   f'{ident!r}; give its id')
    return named[0]


def _stack_view(stack: dict) -> dict:
    return {'id': stack['id'], 'name': stack.get('stack_name'),
            'status': stack.get('stack_status'),
            'status_reason': stack.get('stack_status_reason'),
            'description': stack.get('description') or '',
            'created_at': stack.get('creation_time'),
            'updated_at': stack.get('updated_time')}


def project_stacks(cloud_ident: str, project_ident: str) -> dict:
    """The top-level Heat stacks of one project of a registered cloud,
    read now (once, without retries, as :func:`describe`), with the
    project they are in.

    Heat lists a project's stacks only to a token scoped to it: when the
    cloud's user has no role on the project it is given ``[identity]
    source_project_role`` for the listing, taken back afterwards whatever
    happened (:class:`~pumphouse.drivers.resources.scoped.ProjectAccess`).
    Raises CloudNotFound, CloudProjectNotFound, CloudServiceMissing (no
    Heat), CloudConfigError (no such role, or no scoped token).
    """
    cloud = db_api.get_cloud(cloud_ident)
    conn = cloud_config.connect(cloud.config, cloud.credentials,
                                retries=0, name=cloud.name)
    if not heat_api.available(conn):
        raise exception.CloudServiceMissing(
            cloud=cloud.name, service='Heat', service_type='orchestration')
    project = find_project(conn, cloud.name, project_ident)
    with _lock_of(cloud.uuid, project.id):
        access = scoped.ProjectAccess(
            conn, CONF.identity.source_project_role, side='source')
        try:
            listed = heat_api.project_stacks(access.connection(project.id))
        finally:
            access.release()
    stacks = sorted((_stack_view(s) for s in listed),
                    key=lambda s: (s['name'] or '', s['id']))
    return {'project': {'id': project.id, 'name': project.name,
                        'domain_id': project.domain_id},
            'stacks': stacks}
