"""The Nova and Placement calls of the host steps, as plain REST.

One microversion for everything: 2.60 gives service UUIDs (2.53),
asynchronous live migration with ``block_migration: auto`` (2.25/2.30)
and the ``host`` filter of the server list, and every cloud since Queens
has it.
"""

from collections.abc import Iterator

from openstack import exceptions as sdk_exc

COMPUTE_MV = '2.60'
PLACEMENT_MV = '1.14'
BINARY = 'nova-compute'
_PAGE = 200


def _json(response) -> dict:
    sdk_exc.raise_from_response(response)
    return response.json() if response.content else {}


def compute_service(conn, host: str) -> dict | None:
    """The nova-compute service of ``host`` (None when it has none)."""
    body = _json(conn.compute.get(
        '/os-services', params={'binary': BINARY, 'host': host},
        microversion=COMPUTE_MV))
    services = [s for s in body.get('services', []) if s['host'] == host]
    return services[0] if services else None


def compute_services(conn) -> list[dict]:
    return _json(conn.compute.get(
        '/os-services', params={'binary': BINARY},
        microversion=COMPUTE_MV)).get('services', [])


def set_service_status(conn, service_id: str, enabled: bool,
                       reason: str | None = None) -> dict:
    body: dict = {'status': 'enabled' if enabled else 'disabled'}
    if not enabled and reason:
        body['disabled_reason'] = reason
    return _json(conn.compute.put(
        f'/os-services/{service_id}', json=body,
        microversion=COMPUTE_MV))['service']


def delete_service(conn, service_id: str) -> None:
    response = conn.compute.delete(f'/os-services/{service_id}',
                                   microversion=COMPUTE_MV)
    if response.status_code != 404:
        sdk_exc.raise_from_response(response)


def servers_on(conn, host: str) -> list[dict]:
    """Every server Nova places on ``host``, of every project."""
    return list(_paged_servers(conn, {'all_tenants': 'True',
                                      'host': host}))


def _paged_servers(conn, params: dict) -> Iterator[dict]:
    marker = None
    while True:
        query = dict(params, limit=_PAGE)
        if marker:
            query['marker'] = marker
        page = _json(conn.compute.get('/servers/detail', params=query,
                                      microversion=COMPUTE_MV))['servers']
        yield from page
        if len(page) < _PAGE:
            return
        marker = page[-1]['id']


def get_server(conn, server_id: str) -> dict | None:
    response = conn.compute.get(f'/servers/{server_id}',
                                microversion=COMPUTE_MV)
    if response.status_code == 404:
        return None
    return _json(response)['server']


def server_host(server: dict) -> str | None:
    return server.get('OS-EXT-SRV-ATTR:host')


def server_action(conn, server_id: str, action: dict) -> None:
    _json(conn.compute.post(f'/servers/{server_id}/action', json=action,
                            microversion=COMPUTE_MV))


def live_migrate(conn, server_id: str) -> None:
    """Let the scheduler choose the target; block migration when the
    storage is not shared."""
    server_action(conn, server_id, {'os-migrateLive': {
        'host': None, 'block_migration': 'auto'}})


def cold_migrate(conn, server_id: str) -> None:
    server_action(conn, server_id, {'migrate': None})


def migrations_of(conn, server_id: str) -> list[dict]:
    """The server's migrations, newest first."""
    body = _json(conn.compute.get(
        '/os-migrations', params={'instance_uuid': server_id},
        microversion=COMPUTE_MV))
    return sorted(body.get('migrations', []),
                  key=lambda m: m.get('id', 0), reverse=True)


def hypervisor_names(conn, host: str) -> list[str]:
    """The compute nodes (hypervisor hostnames) of a service host."""
    body = _json(conn.compute.get('/os-hypervisors/detail',
                                  microversion=COMPUTE_MV))
    return [h['hypervisor_hostname'] for h in body.get('hypervisors', [])
            if (h.get('service') or {}).get('host') == host]


def resource_provider(conn, name: str) -> dict | None:
    body = _json(conn.placement.get(
        '/resource_providers', params={'name': name},
        microversion=PLACEMENT_MV))
    providers = body.get('resource_providers', [])
    return providers[0] if providers else None


def provider_tree(conn, root_uuid: str) -> list[dict]:
    """The providers of a tree, leaves first (the order to delete them)."""
    providers = _json(conn.placement.get(
        '/resource_providers', params={'in_tree': root_uuid},
        microversion=PLACEMENT_MV)).get('resource_providers', [])
    parents = {p['uuid']: p.get('parent_provider_uuid') for p in providers}

    def depth(uuid: str) -> int:
        count = 0
        while parents.get(uuid):
            uuid, count = parents[uuid], count + 1
        return count
    return sorted(providers, key=lambda p: depth(p['uuid']), reverse=True)


def inventories(conn, provider_uuid: str) -> dict:
    return _json(conn.placement.get(
        f'/resource_providers/{provider_uuid}/inventories',
        microversion=PLACEMENT_MV)).get('inventories', {})


def usages(conn, provider_uuid: str) -> dict:
    return _json(conn.placement.get(
        f'/resource_providers/{provider_uuid}/usages',
        microversion=PLACEMENT_MV)).get('usages', {})


def delete_resource_provider(conn, provider_uuid: str) -> None:
    response = conn.placement.delete(
        f'/resource_providers/{provider_uuid}', microversion=PLACEMENT_MV)
    if response.status_code != 404:
        sdk_exc.raise_from_response(response)


def add_to_aggregate(conn, aggregate: str, host: str) -> bool:
    """Put ``host`` in the host aggregate named ``aggregate`` (made when
    missing); False when it was there already."""
    body = _json(conn.compute.get('/os-aggregates',
                                  microversion=COMPUTE_MV))
    found = [a for a in body.get('aggregates', []) if a['name'] == aggregate]
    if found:
        agg = found[0]
    else:
        agg = _json(conn.compute.post(
            '/os-aggregates', json={'aggregate': {'name': aggregate}},
            microversion=COMPUTE_MV))['aggregate']
    if host in (agg.get('hosts') or []):
        return False
    _json(conn.compute.post(
        f'/os-aggregates/{agg["id"]}/action',
        json={'add_host': {'host': host}}, microversion=COMPUTE_MV))
    return True
