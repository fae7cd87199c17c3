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

"""Every API call of a cloud through a :class:`~.faultproxy.FaultProxy`.

A cloud's APIs are its endpoints by service type (``identity``,
``compute``, ``image``, ``network``, ``block-storage``, ``placement``,
``baremetal``). :func:`minicloud_endpoints` knows them for a cloud of
``tools/minicloud`` from its clouds.yaml entry (asking ``minicloud_lib``
itself, nothing is started); :func:`upstreams` turns them into the
proxy's upstreams, and :func:`proxied_entry` into a clouds.yaml entry
whose every call goes through the proxy:

* ``auth.auth_url`` is the proxied Keystone: the token, and with it the
  catalog, come through the proxy, which rewrites the catalog's URLs to
  its own (so a client that follows the catalog, as keystoneauth's
  version discovery and :mod:`pumphouse.common.api_versions` do, stays on
  the proxy);
* ``<service_type>_endpoint_override`` (openstacksdk's key: the service
  type with ``_`` for ``-``, e.g. ``block_storage_endpoint_override``)
  for every service, so that openstacksdk's proxies do not need the
  catalog at all. Network's override ends with ``/v2.0``: openstacksdk
  appends the version to Neutron's catalog URL itself, but takes an
  override as it is.

::

    src = fixtures.cloud_entry('source')
    endpoints = {'source': minicloud_endpoints(src, 'source'), ...}
    with faultproxy.FaultProxy({**upstreams('source', endpoints['source']),
                                ...}, seed=seed) as proxy:
        write_clouds_yaml(path, {
            'source': proxied_entry(src, endpoints['source'], proxy), ...})
"""

import copy
import os
import pathlib
import sys
import urllib.parse

import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
MINICLOUD = REPO / 'tools' / 'minicloud'

#: openstacksdk asks the Network API without a version in its path;
#: an override must carry it (see the module's docstring).
OVERRIDE_SUFFIX = {'network': '/v2.0'}


def override_key(service_type: str) -> str:
    """The clouds.yaml key of the endpoint override of a service."""
    return f'{service_type.replace("-", "_")}_endpoint_override'


def load_entry(path: str | os.PathLike, name: str) -> dict:
    """The entry ``name`` of the clouds.yaml at ``path``."""
    with open(path) as f:
        return yaml.safe_load(f)['clouds'][name]


def _minicloud_lib():
    if str(MINICLOUD) not in sys.path:
        sys.path.insert(0, str(MINICLOUD))
    from minicloud_lib import cloud as mc_cloud  # noqa: PLC0415
    from minicloud_lib import services as mc_services  # noqa: PLC0415
    from minicloud_lib.services import keystone as mc_keystone  # noqa
    return mc_cloud, mc_services, mc_keystone


def minicloud_endpoints(entry: dict, role: str) -> dict[str, str]:
    """The endpoint of each API of a ``tools/minicloud`` cloud by service
    type, from its clouds.yaml ``entry`` and its ``role`` (``source`` or
    ``destination``: only the destination runs Ironic).

    The cloud's host and port base come from the entry's Keystone URL;
    the services, their ports and paths from ``minicloud_lib`` (the URLs
    it registers in the catalog). A catalog URL templated with
    Keystone's ``$(project_id)s`` (Heat's) is given with openstacksdk's
    ``%(project_id)s``, which endpoint overrides are filled with.
    """
    mc_cloud, mc_services, mc_keystone = _minicloud_lib()
    url = urllib.parse.urlsplit(entry['auth']['auth_url'])
    cloud = mc_cloud.Cloud(
        name=role, host=url.hostname,
        port_base=url.port - mc_keystone.Keystone.port_offset,
        role=role, region=entry.get('region_name', 'RegionOne'))
    endpoints = {}
    for service in mc_services.for_cloud(cloud):
        if isinstance(service, mc_keystone.Keystone):
            endpoints['identity'] = service.auth_url()
            continue
        for service_type, _name, path in getattr(service, 'catalog', ()):
            endpoints[service_type] = service.url(path).replace(
                '$(project_id)s', '%(project_id)s')
    if endpoints.get('identity') != entry['auth']['auth_url'].rstrip('/'):
        raise ValueError(
            f'{entry["auth"]["auth_url"]} is not the Keystone of a '
            f'minicloud cloud (expected {endpoints.get("identity")})')
    return endpoints


def upstreams(cloud: str, endpoints: dict[str, str]) -> dict[str, str]:
    """The proxy's upstreams for a cloud's APIs, named
    ``<cloud>-<service_type>`` (the names :class:`~.faultproxy.Rule`
    matches)."""
    return {f'{cloud}-{service_type}': url
            for service_type, url in endpoints.items()}


def proxied_entry(entry: dict, endpoints: dict[str, str], proxy) -> dict:
    """A copy of clouds.yaml ``entry`` whose every API call goes through
    ``proxy`` (started, with the :func:`upstreams` of ``endpoints``)."""
    proxied = copy.deepcopy(entry)
    proxied['auth']['auth_url'] = proxy.url(entry['auth']['auth_url'])
    for service_type, url in sorted(endpoints.items()):
        value = proxy.url(url)
        if value == url:
            raise ValueError(f'{url} ({service_type}) is not proxied')
        suffix = OVERRIDE_SUFFIX.get(service_type, '')
        if suffix and not value.rstrip('/').endswith(suffix):
            value = value.rstrip('/') + suffix
        proxied[override_key(service_type)] = value
    return proxied


def write_clouds_yaml(path: str | os.PathLike,
                      entries: dict[str, dict]) -> None:
    """Write a clouds.yaml of ``entries`` (mode 0600: passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        yaml.safe_dump({'clouds': entries}, f, default_flow_style=False)
