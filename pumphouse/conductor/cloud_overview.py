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
project.
"""

import collections

from pumphouse.common import cloud_config
from pumphouse.db import api as db_api
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
