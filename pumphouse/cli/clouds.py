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

"""The clouds a command names: registered ones, or clouds.yaml entries
registered on first use.

Every command that takes a cloud name (``--source``, ``--destination``)
resolves it here, so that any of them may be the first command run on a
new state directory.
"""

from oslo_log import log

from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)


def ensure_cloud(name: str):
    """A registered cloud by name or id; a clouds.yaml entry ``name`` is
    registered on first use (nothing secret is stored for it).

    Raises CloudConfigError when ``name`` is neither registered nor a
    usable clouds.yaml entry.
    """
    try:
        return db_api.get_cloud(name)
    except exception.CloudNotFound:
        pass
    config, secret = cloud_config.split_registration(
        {'name': name, 'cloud': name})
    try:
        cloud = db_api.create_cloud({
            'name': name, 'config': config, 'credentials': secret,
            'description': f'clouds.yaml entry {name}'})
    except exception.CloudAlreadyExists:
        return db_api.get_cloud(name)  # registered meanwhile elsewhere
    LOG.info('Registered cloud %(name)s from clouds.yaml', {'name': name})
    return cloud


def cloud_id(name: str | None) -> int | None:
    """The id of the cloud ``name`` (see :func:`ensure_cloud`), or None
    when no cloud is named."""
    return None if name is None else ensure_cloud(name).id
