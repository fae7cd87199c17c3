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

"""Registering hosts and discovering the source's hypervisors to join
with what is registered.

Shared by the conductor (for the API) and the command line. Driver info is
validated by its driver when registered and stored encrypted with the
credential key, next to what the driver says may be shown of it (see
:mod:`pumphouse.hosts.views`).
"""

from oslo_log import log

from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.drivers.hardware.power import loader as power_loader
from pumphouse.drivers.hardware.provision import loader as provision_loader
from pumphouse.hosts import nova
from pumphouse.hosts import states

LOG = log.getLogger(__name__)

#: Options a host may be registered with.
OPTIONS = ('to_destination', 'aggregate', 'cold_fallback',
           'migration_options')


def _loader(kind: str):
    return power_loader if kind == 'power' else provision_loader


def _driver_info(kind: str, spec: dict | None
                 ) -> tuple[str | None, str | None, dict | None]:
    """The driver's name, the info encrypted, and what may be shown of
    it; the info validated by its driver."""
    if not spec:
        return None, None, None
    driver = _loader(kind).get_driver(spec['driver'])
    info = dict(spec.get('info') or {})
    driver.validate(info)
    return spec['driver'], crypto.encrypt(info), driver.describe(info)


def register(body: dict):
    """Store a host's hardware facts (``body`` as the API's schema says:
    name, source, destination, power, provision, macs, options)."""
    source = db_api.get_cloud(body['source'])
    destination = (db_api.get_cloud(body['destination'])
                   if body.get('destination') else None)
    if destination is not None and destination.id == source.id:
        raise exception.Invalid(reason='the source and the destination '
                                       'are the same cloud')
    power_driver, power_info, power_public = _driver_info(
        'power', body.get('power'))
    provision_driver, provision_info, provision_public = _driver_info(
        'provision', body.get('provision'))
    return host_api.create_host({
        'name': body['name'], 'source_cloud_id': source.id,
        'destination_cloud_id': destination.id if destination else None,
        'state': states.IN_SOURCE, 'options': dict(body.get('options') or {}),
        'power_driver': power_driver, 'power_info': power_info,
        'power_public': power_public,
        'provision_driver': provision_driver,
        'provision_info': provision_info,
        'provision_public': provision_public,
        'macs': [m.lower() for m in body.get('macs') or []],
    })


def update(ident: str, body: dict):
    """Change a registered host's hardware facts (``body``: destination,
    power, provision, macs, options, as in :func:`register`); refused
    while a live conductor or command works on the host."""
    host = host_api.get_host(ident)
    values: dict = {}
    if 'destination' in body:
        destination = db_api.get_cloud(body['destination'])
        if destination.id == host.source_cloud_id:
            raise exception.Invalid(reason='the source and the destination '
                                           'are the same cloud')
        values['destination_cloud_id'] = destination.id
    for kind in ('power', 'provision'):
        if kind in body:
            (values[f'{kind}_driver'], values[f'{kind}_info'],
             values[f'{kind}_public']) = _driver_info(kind, body[kind])
    if 'macs' in body:
        values['macs'] = [m.lower() for m in body['macs']]
    if 'options' in body:
        values['options'] = dict(host.options or {}, **body['options'])
    return host_api.update_host(host.uuid, values, unless_held=True)


def describe_missing() -> int:
    """Describe the driver info of hosts registered before it was kept
    (so that it can be shown without loading drivers); how many."""
    count = 0
    for host in host_api.list_hosts():
        values = {}
        for kind in ('power', 'provision'):
            driver = getattr(host, f'{kind}_driver')
            token = getattr(host, f'{kind}_info')
            if not driver or getattr(host, f'{kind}_public'):
                continue
            # Read back as {} when missing (stored NULL by the upgrade).
            try:
                info = crypto.decrypt(token) if token else {}
            except exception.CredentialDecryptError:
                # Shown as such (views.info_error); the others go on.
                LOG.warning('The %(kind)s info of host %(name)s (%(uuid)s) '
                            'cannot be decrypted with the credential key; '
                            'it is not described',
                            {'kind': kind, 'name': host.name,
                             'uuid': host.uuid})
                continue
            described = _loader(kind).get_driver(driver).describe(info)
            if described:
                values[f'{kind}_public'] = described
        if values:
            host_api.update_host(host.uuid, values)
            count += 1
    return count


def discover(cloud_ident: str, conn=None) -> list[dict]:
    """The source cloud's compute hosts with their service state, number
    of servers and resources, joined with what is registered of them
    (read through ``conn`` when given)."""
    cloud = db_api.get_cloud(cloud_ident)
    if conn is None:
        conn = cloud_config.connect(cloud.config, cloud.credentials,
                                    name=cloud.name)
    registered = {h.name: h for h in host_api.list_hosts(
        source_cloud_id=cloud.id)}
    hypervisors = nova._json(conn.compute.get(
        '/os-hypervisors/detail', microversion=nova.COMPUTE_MV)).get(
            'hypervisors', [])
    found = []
    for service in nova.compute_services(conn):
        name = service['host']
        nodes = [h for h in hypervisors
                 if (h.get('service') or {}).get('host') == name]
        host = registered.get(name)
        found.append({
            'name': name,
            'service_status': service['status'],
            'service_state': service['state'],
            'disabled_reason': service.get('disabled_reason'),
            'servers': len(nova.servers_on(conn, name)),
            'hypervisors': [h['hypervisor_hostname'] for h in nodes],
            'uuid': host.uuid if host else None,
            'state': host.state if host else None,
        })
    seen = {f['name'] for f in found}
    for name, host in sorted(registered.items()):
        if name not in seen:  # removed from the source by Pumphouse
            found.append({'name': name, 'service_status': None,
                          'service_state': None, 'disabled_reason': None,
                          'servers': 0, 'hypervisors': [],
                          'uuid': host.uuid, 'state': host.state})
    return found
