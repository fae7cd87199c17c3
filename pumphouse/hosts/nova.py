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

"""The Nova, Placement and Cinder calls of the host steps, as plain REST.

One microversion for nearly everything: 2.60 gives service UUIDs (2.53),
asynchronous live migration with ``block_migration: auto`` (2.25/2.30) to
a chosen host checked by the scheduler (2.30), cold migration to a chosen
host (2.56) and the ``host`` filter of the server list, and every cloud
since Queens has it. Where a cloud offers more, the evacuation plan reads
server groups with their rules (2.64), whether a server was booted into
its availability zone (2.96), and why an action failed (2.51: the events'
tracebacks; 2.84: their details).
"""

from collections.abc import Iterator

from openstack import exceptions as sdk_exc

from pumphouse.common import api_versions

COMPUTE_MV = '2.60'
PLACEMENT_MV = '1.14'
#: Server groups with ``policy`` and ``rules`` (``max_server_per_host``).
GROUPS_MV = '2.64'
#: Servers show ``pinned_availability_zone``.
PINNED_AZ_MV = '2.96'
#: Instance action events with their details (2.84), tracebacks (2.51).
ACTIONS_MV = '2.84'
ACTIONS_MIN_MV = '2.51'
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


def compute_max_version(conn) -> str | None:
    """The highest microversion the cloud's Nova accepts (None when its
    version discovery does not say)."""
    found = api_versions.discover_cloud(conn, ('compute',)).get('compute')
    return found.max_microversion if found else None


def offers(conn, microversion: str) -> bool:
    """Whether the cloud's Nova accepts ``microversion``."""
    highest = compute_max_version(conn)
    return highest is not None and api_versions.at_least(highest,
                                                         microversion)


def servers_on(conn, host: str,
               microversion: str = COMPUTE_MV) -> list[dict]:
    """Every server Nova places on ``host``, of every project.

    A server in status ``DELETED`` is not one: Nova lists it for the
    moment between the end of its deletion and the removal of its record
    (a server a migration has just cut over, for one). ``SOFT_DELETED``
    servers still hold the host (they can be restored) and are listed.
    """
    return [server for server in _paged_servers(
        conn, {'all_tenants': 'True', 'host': host}, microversion)
        if server.get('status') != 'DELETED']


def _paged_servers(conn, params: dict,
                   microversion: str = COMPUTE_MV) -> Iterator[dict]:
    marker = None
    while True:
        query = dict(params, limit=_PAGE)
        if marker:
            query['marker'] = marker
        page = _json(conn.compute.get('/servers/detail', params=query,
                                      microversion=microversion))['servers']
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


def live_migrate(conn, server_id: str, host: str | None = None) -> None:
    """Live-migrate to ``host`` (checked by the scheduler, never forced),
    or where the scheduler chooses; block migration when the storage is
    not shared."""
    server_action(conn, server_id, {'os-migrateLive': {
        'host': host, 'block_migration': 'auto'}})


def cold_migrate(conn, server_id: str, host: str | None = None) -> None:
    """Cold-migrate to ``host`` (checked by the scheduler), or where the
    scheduler chooses."""
    server_action(conn, server_id,
                  {'migrate': {'host': host} if host else None})


def instance_actions(conn, server_id: str, microversion: str) -> list[dict]:
    """The server's actions, newest first."""
    body = _json(conn.compute.get(
        f'/servers/{server_id}/os-instance-actions',
        microversion=microversion))
    return sorted(body.get('instanceActions', []),
                  key=lambda a: a.get('start_time') or '', reverse=True)


def instance_action(conn, server_id: str, request_id: str,
                    microversion: str) -> dict:
    """One action of the server with its events."""
    return _json(conn.compute.get(
        f'/servers/{server_id}/os-instance-actions/{request_id}',
        microversion=microversion)).get('instanceAction', {})


def server_groups(conn, microversion: str = GROUPS_MV) -> list[dict]:
    """Every server group of every project, with its policy, rules and
    members (before 2.64: ``policies`` and no rules)."""
    found: list[dict] = []
    while True:
        page = _json(conn.compute.get(
            '/os-server-groups', params={'all_projects': 'True',
                                         'limit': _PAGE,
                                         'offset': len(found)},
            microversion=microversion)).get('server_groups', [])
        found.extend(page)
        if len(page) < _PAGE:
            return found


def hypervisors(conn) -> list[dict]:
    """Every compute node, with its service's host; its ``id`` is its
    resource provider's UUID (2.53)."""
    return _json(conn.compute.get('/os-hypervisors/detail',
                                  microversion=COMPUTE_MV)).get(
        'hypervisors', [])


def allocations(conn, consumer: str) -> dict:
    """What a consumer (a server) uses, by resource provider UUID."""
    return _json(conn.placement.get(
        f'/allocations/{consumer}', microversion=PLACEMENT_MV)).get(
        'allocations', {})


def get_volume(conn, volume_id: str) -> dict | None:
    response = conn.block_storage.get(f'/volumes/{volume_id}')
    if response.status_code == 404:
        return None
    return _json(response)['volume']


def migrations_of(conn, server_id: str) -> list[dict]:
    """The server's migrations, newest first."""
    body = _json(conn.compute.get(
        '/os-migrations', params={'instance_uuid': server_id},
        microversion=COMPUTE_MV))
    return sorted(body.get('migrations', []),
                  key=lambda m: m.get('id', 0), reverse=True)


def hypervisor_names(conn, host: str) -> list[str]:
    """The compute nodes (hypervisor hostnames) of a service host."""
    return [h['hypervisor_hostname'] for h in hypervisors(conn)
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
