"""Registering hosts, showing them, and discovering the source's
hypervisors to join with what is registered.

Shared by the API and the command line. Driver info is validated by its
driver when registered and stored encrypted with the credential key; what
is shown of it never holds the driver's secret keys.
"""

from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.drivers.hardware.power import loader as power_loader
from pumphouse.drivers.hardware.provision import loader as provision_loader
from pumphouse.hosts import nova
from pumphouse.hosts import states

#: Options a host may be registered with.
OPTIONS = ('to_destination', 'aggregate', 'cold_fallback',
           'migration_options')
_HIDDEN_OPTIONS = ('nodes', 'disabled_by_pumphouse')


def _driver_info(kind: str, spec: dict | None) -> tuple[str | None,
                                                        str | None]:
    if not spec:
        return None, None
    loader = power_loader if kind == 'power' else provision_loader
    driver = loader.get_driver(spec['driver'])
    info = dict(spec.get('info') or {})
    driver.validate(info)
    return spec['driver'], crypto.encrypt(info)


def register(body: dict):
    """Store a host's hardware facts (``body`` as the API's schema says:
    name, source, destination, power, provision, macs, options)."""
    source = db_api.get_cloud(body['source'])
    destination = (db_api.get_cloud(body['destination'])
                   if body.get('destination') else None)
    if destination is not None and destination.id == source.id:
        raise exception.Invalid(reason='the source and the destination '
                                       'are the same cloud')
    power_driver, power_info = _driver_info('power', body.get('power'))
    provision_driver, provision_info = _driver_info(
        'provision', body.get('provision'))
    return host_api.create_host({
        'name': body['name'], 'source_cloud_id': source.id,
        'destination_cloud_id': destination.id if destination else None,
        'state': states.IN_SOURCE, 'options': dict(body.get('options') or {}),
        'power_driver': power_driver, 'power_info': power_info,
        'provision_driver': provision_driver,
        'provision_info': provision_info,
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
            driver, info = _driver_info(kind, body[kind])
            values[f'{kind}_driver'], values[f'{kind}_info'] = driver, info
    if 'macs' in body:
        values['macs'] = [m.lower() for m in body['macs']]
    if 'options' in body:
        values['options'] = dict(host.options or {}, **body['options'])
    return host_api.update_host(host.uuid, values, unless_held=True)


#: States a host may be forgotten in without ``force``: not half-way.
FORGETTABLE = (states.IN_SOURCE, states.IN_DESTINATION, states.FAILED)


def forget(ident: str, force: bool = False) -> None:
    """Forget a host; refused half-way (its checkpoint would be lost)
    unless ``force``."""
    host = host_api.get_host(ident)
    if not force and host.state not in FORGETTABLE:
        raise exception.InvalidHostTransition(
            host=host.name, state=host.state, target='forgotten (give '
            'force to forget a host half-way)')
    host_api.delete_host(host.uuid)


def _public_info(kind: str, driver_name: str | None,
                 token: str | None) -> dict | None:
    if not driver_name:
        return None
    loader = power_loader if kind == 'power' else provision_loader
    secret = set(loader.get_driver(driver_name).secret_keys)
    info = crypto.decrypt(token) if token else {}
    return {'driver': driver_name,
            'info': {k: v for k, v in info.items() if k not in secret}}


def view(host, clouds: dict | None = None) -> dict:
    """What the API and the command line show of a host: no secret."""
    clouds = clouds or {c.id: c.name for c in db_api.list_clouds()}
    return {
        'uuid': host.uuid,
        'name': host.name,
        'source': clouds.get(host.source_cloud_id),
        'destination': clouds.get(host.destination_cloud_id),
        'state': host.state,
        'target': host.target,
        'failed_step': host.failed_step,
        'last_error': host.last_error,
        'conductor': host.owner,
        'power': _public_info('power', host.power_driver, host.power_info),
        'provision': _public_info('provision', host.provision_driver,
                                  host.provision_info),
        'macs': list(host.macs or []),
        'options': {k: v for k, v in (host.options or {}).items()
                    if k not in _HIDDEN_OPTIONS},
        'created_at': _timestamp(host.created_at),
        'updated_at': _timestamp(host.updated_at),
    }


def operation_view(operation) -> dict:
    return {'id': operation.id, 'step': operation.step,
            'state': operation.state, 'level': operation.level,
            'message': operation.message,
            'conductor': operation.conductor,
            'created_at': _timestamp(operation.created_at)}


def _timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def discover(cloud_ident: str) -> list[dict]:
    """The source cloud's compute hosts with their service state, number
    of servers and resources, joined with what is registered of them."""
    cloud = db_api.get_cloud(cloud_ident)
    conn = cloud_config.connect(cloud.config, cloud.credentials)
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
