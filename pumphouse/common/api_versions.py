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

"""The API versions a cloud offers, as its version discovery tells them.

Every OpenStack service answers version discovery: the major version of
its API and, for the services with microversions (Nova, Cinder,
Placement, Ironic), the range it accepts. Neutron has no microversions;
what its API can do is the list of its extensions. Pumphouse reads these
once per migration and per cloud, records them in the migration's events
and compares them with what its resource drivers need before it acts.
"""

import dataclasses

from keystoneauth1 import discover
from keystoneauth1 import exceptions as ksa_exc
from oslo_log import log

LOG = log.getLogger(__name__)

#: The services a migration may call, in the order they are reported.
SERVICE_TYPES = ('identity', 'compute', 'placement', 'network', 'image',
                 'block-storage', 'orchestration')
#: Names of the services for messages.
SERVICE_NAMES = {'identity': 'Keystone', 'compute': 'Nova',
                 'placement': 'Placement', 'network': 'Neutron',
                 'image': 'Glance', 'block-storage': 'Cinder',
                 'orchestration': 'Heat'}


@dataclasses.dataclass(frozen=True)
class ServiceApi:
    """One service of a cloud: its API version, its microversion range
    (None for services without microversions) and, for Neutron, the
    aliases of its extensions."""

    service_type: str
    version: str | None
    min_microversion: str | None = None
    max_microversion: str | None = None
    extensions: frozenset[str] = frozenset()

    def describe(self) -> str:
        """``compute v2.1 (microversions 2.1-2.96)``."""
        text = f'{self.service_type} v{self.version or "?"}'
        if self.max_microversion:
            text += (f' (microversions {self.min_microversion}-'
                     f'{self.max_microversion})')
        if self.extensions:
            text += f' ({len(self.extensions)} extensions)'
        return text

    def offers(self, microversion: str | None = None,
               version: str | None = None,
               extension: str | None = None) -> bool:
        """Whether the service accepts ``microversion``, has at least API
        ``version`` and has ``extension``; what is not asked holds."""
        if microversion is not None and not in_range(
                microversion, self.min_microversion, self.max_microversion):
            return False
        if version is not None and not at_least(self.version, version):
            return False
        return extension is None or extension in self.extensions


def format_version(value) -> str | None:
    """``(2, 96)`` or ``'2.96'`` as ``'2.96'``; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return '.'.join(str(part) for part in value)


def at_least(have: str | None, need: str) -> bool:
    """Whether version ``have`` is ``need`` or later (None is never)."""
    if have is None:
        return False
    return (discover.normalize_version_number(have) >=
            discover.normalize_version_number(need))


def in_range(wanted: str, minimum: str | None, maximum: str | None) -> bool:
    """Whether ``wanted`` lies in a microversion range; a service that
    announces no range accepts none."""
    if maximum is None:
        return False
    return at_least(wanted, minimum or '0.0') and at_least(maximum, wanted)


def discover_cloud(conn,
                   service_types: tuple[str, ...] = SERVICE_TYPES,
                   ) -> dict[str, ServiceApi]:
    """The services of ``conn``'s catalog among ``service_types``;
    services the catalog lacks are left out."""
    found = {}
    for service_type in service_types:
        data = _endpoint_data(conn, service_type)
        if data is None:
            continue
        extensions = frozenset()
        if service_type == 'network':
            extensions = _network_extensions(conn)
        found[service_type] = ServiceApi(
            service_type=service_type,
            version=format_version(data.api_version),
            min_microversion=format_version(data.min_microversion),
            max_microversion=format_version(data.max_microversion),
            extensions=extensions)
    return found


def _endpoint_data(conn, service_type: str):
    config = conn.config
    try:
        return conn.session.get_endpoint_data(
            service_type=service_type,
            interface=config.get_interface(service_type),
            region_name=config.get_region_name(service_type),
            discover_versions=True)
    except ksa_exc.EndpointNotFound:
        return None


def _network_extensions(conn) -> frozenset[str]:
    response = conn.network.get('/extensions')
    if response.status_code != 200:
        LOG.warning('Neutron answered %(status)s to the list of its '
                    'extensions', {'status': response.status_code})
        return frozenset()
    return frozenset(e['alias'] for e in response.json()['extensions'])
