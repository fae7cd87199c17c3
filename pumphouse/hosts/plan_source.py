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

"""The evacuation plan of a registered host: its facts read from the source
cloud (Nova, Placement, Cinder), the plan worked out by
:mod:`pumphouse.hosts.evacuation_plan`, and the plan kept with the host.

The plan is made before the host is disabled and stored with it
(``hosts.evacuation_plan``): the evacuation moves the servers as it says,
and whoever resumes or takes the host over later follows the same plan. A
new target for the host (a new request) makes a new plan, with the
operator's choices (the host option ``evacuation_choices``: server id or
name to ``to_destination``, ``leave`` or ``override``).
"""

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import evacuation_plan
from pumphouse.hosts import nova
from pumphouse.hosts import states

CHOICES_OPTION = evacuation_plan.CHOICES_OPTION


def gather(conn, host_name: str,
           handed_over: dict[str, str] | None = None) -> dict:
    """The facts :func:`evacuation_plan.make` works from, read from the
    source cloud ``conn``. ``handed_over``: other hosts Pumphouse is
    handing over, with what it is doing with them."""
    handed_over = handed_over or {}
    service = nova.compute_service(conn, host_name)
    if service is None:
        raise exception.Invalid(
            reason=f'the source cloud has no nova-compute service on host '
                   f'{host_name}')
    hypervisors = nova.hypervisors(conn)
    nodes: dict[str, list[dict]] = {}
    for hypervisor in hypervisors:
        on = (hypervisor.get('service') or {}).get('host')
        nodes.setdefault(on, []).append(hypervisor)
    own_providers = {h['id'] for h in nodes.get(host_name, [])}
    pinned = nova.offers(conn, nova.PINNED_AZ_MV)
    servers = nova.servers_on(conn, host_name, microversion=(
        nova.PINNED_AZ_MV if pinned else nova.COMPUTE_MV))
    facts_servers = [_server_facts(conn, s, own_providers, pinned)
                     for s in servers]
    groups = _groups(conn, host_name, servers) if servers else {}
    for server in facts_servers:
        server['group'] = next((gid for gid, g in groups.items()
                                if server['id'] in g['members']), None)
    hosts = []
    for other in nova.compute_services(conn):
        if other['host'] == host_name:
            continue
        entry = {'name': other['host'], 'status': other['status'],
                 'state': other['state'], 'zone': other.get('zone'),
                 'disabled_reason': other.get('disabled_reason'),
                 'handed_over': handed_over.get(other['host']),
                 'providers': []}
        usable = (entry['status'] == 'enabled' and entry['state'] == 'up'
                  and not entry['handed_over'])
        if usable and servers:
            entry['providers'] = [
                {'name': node['hypervisor_hostname'],
                 'inventories': nova.inventories(conn, node['id']),
                 'usages': nova.usages(conn, node['id'])}
                for node in nodes.get(other['host'], [])]
        hosts.append(entry)
    return {'host': host_name,
            'service': {'status': service['status'],
                        'state': service['state']},
            'servers': facts_servers, 'hosts': hosts, 'groups': groups}


def _server_facts(conn, server: dict, own_providers: set[str],
                  pinned: bool) -> dict:
    notes: list[str] = []
    resources = _resources(conn, server, own_providers, notes)
    if pinned:
        zone = server.get('pinned_availability_zone')
    else:
        zone = server.get('OS-EXT-AZ:availability_zone')
    return {
        'id': server['id'], 'name': server.get('name'),
        'status': server['status'],
        'task_state': server.get('OS-EXT-STS:task_state'),
        'resources': resources,
        'availability_zone': zone or None,
        'availability_zone_pinned': pinned,
        'volumes': _volumes(conn, server, notes),
        'notes': notes,
    }


def _resources(conn, server: dict, own_providers: set[str],
               notes: list[str]) -> dict[str, int]:
    """What the server uses on the host: its Placement allocations on the
    host's providers; its flavor when Placement has none."""
    used: dict[str, int] = {}
    for provider, allocation in nova.allocations(conn, server['id']).items():
        if provider not in own_providers:
            continue
        for rc, amount in (allocation.get('resources') or {}).items():
            used[rc] = used.get(rc, 0) + int(amount)
    others = sorted(rc for rc in used
                    if rc not in evacuation_plan.RESOURCE_CLASSES)
    if others:
        notes.append('also uses ' + ', '.join(
            f'{used[rc]} {rc}' for rc in others) + ': not checked')
    if any(rc in used for rc in evacuation_plan.RESOURCE_CLASSES):
        return {rc: used.get(rc, 0)
                for rc in evacuation_plan.RESOURCE_CLASSES}
    flavor = server.get('flavor') or {}
    notes.append('Placement has no allocation of it on the host: its '
                 'flavor counts')
    disk = 0 if not server.get('image') else (
        int(flavor.get('disk') or 0) + int(flavor.get('ephemeral') or 0)
        + -(-int(flavor.get('swap') or 0) // 1024))
    return {'VCPU': int(flavor.get('vcpus') or 0),
            'MEMORY_MB': int(flavor.get('ram') or 0), 'DISK_GB': disk}


def _volumes(conn, server: dict, notes: list[str]) -> list[dict]:
    found = []
    for attached in server.get('os-extended-volumes:volumes_attached') or []:
        try:
            volume = nova.get_volume(conn, attached['id'])
        except (sdk_exc.SDKException, ksa_exc.ClientException) as e:
            notes.append(f'volume {attached["id"]}: Cinder could not be '
                         f'read ({e})')
            found.append({'id': attached['id'], 'status': None})
            continue
        found.append({'id': attached['id'],
                      'status': volume['status'] if volume else 'missing',
                      'multiattach': bool(volume and
                                          volume.get('multiattach'))})
    return found


def _groups(conn, host_name: str, servers: list[dict]) -> dict:
    """The server groups of the host's servers, with where each of their
    members is."""
    here = {s['id']: s for s in servers}
    if nova.offers(conn, nova.GROUPS_MV):
        listed = nova.server_groups(conn)
    else:  # before 2.64: ``policies``, no rules
        listed = [dict(g, policy=(g.get('policies') or [None])[0],
                       rules={})
                  for g in nova.server_groups(conn, nova.COMPUTE_MV)]
    groups = {}
    for group in listed:
        members = group.get('members') or []
        if not any(m in here for m in members):
            continue
        hosts, names = {}, {}
        for member in members:
            if member in here:
                hosts[member] = host_name
                names[member] = here[member].get('name')
                continue
            found = nova.get_server(conn, member)
            hosts[member] = nova.server_host(found) if found else None
            if found:
                names[member] = found.get('name')
        groups[group['id']] = {
            'id': group['id'], 'name': group.get('name'),
            'policy': group.get('policy'),
            'rules': group.get('rules') or {},
            'members': hosts, 'names': names}
    return groups


def handed_over(host) -> dict[str, str]:
    """Other hosts of the same source that Pumphouse is handing over (or
    left disabled), with where they are on their way."""
    found = {}
    for other in host_api.list_hosts(source_cloud_id=host.source_cloud_id):
        if other.id == host.id:
            continue
        if other.state != states.IN_SOURCE or other.target in (
                states.EVACUATED, states.IN_DESTINATION):
            found[other.name] = (f'{other.state}' + (
                f', on its way to {other.target}' if other.target else ''))
    return found


def resolve(choices: dict[str, str], servers: list[dict],
            strict: bool) -> tuple[dict[str, str], list[str]]:
    """The operator's choices by server id; ``choices`` name servers by id
    or name. A server that is not on the host is an error when ``strict``
    (a new evacuation), otherwise (a resumed one: it may have left
    already) a note."""
    resolved, notes = {}, []
    for ident, choice in (choices or {}).items():
        if choice not in evacuation_plan.CHOICES:
            raise exception.InvalidEvacuationChoice(
                reason=f'the choice for server {ident} must be one of '
                       f'{", ".join(evacuation_plan.CHOICES)}, not '
                       f'{choice!r}')
        matches = [s['id'] for s in servers
                   if s['id'] == ident or s.get('name') == ident]
        if len(matches) > 1:
            raise exception.InvalidEvacuationChoice(
                reason=f'{len(matches)} servers on the host are named '
                       f'{ident}; give the server id')
        if not matches:
            if strict:
                raise exception.InvalidEvacuationChoice(
                    reason=f'server {ident} is not on the host')
            notes.append(f'the choice {choice} for server {ident} no '
                         'longer applies: it is not on the host')
            continue
        resolved[matches[0]] = choice
    return resolved, notes


def make(host, choices: dict[str, str] | None = None,
         target: str | None = None, all_to_destination: bool | None = None,
         conn=None, strict: bool | None = None,
         retries: int | None = None) -> dict:
    """The evacuation plan of ``host`` (a registered host row) now.

    What is not given comes from the host: its choices (option
    ``evacuation_choices``), its target (else ``evacuated``), its option
    ``to_destination``. Raises InvalidEvacuationChoice for a choice naming
    no server of the host (on a host not yet disabled), Invalid for a host
    the source has no nova-compute service for. ``retries`` is the
    connection's (default ``[clouds] api_retries``) when none is given:
    0 for a caller waiting on the answer, who is better served by a
    quick "unreachable" than by minutes of retries.
    """
    if conn is None:
        cloud = next(c for c in db_api.list_clouds()
                     if c.id == host.source_cloud_id)
        conn = cloud_config.connect(cloud.config, cloud.credentials,
                                    name=cloud.name, retries=retries)
    options = dict(host.options or {})
    if choices is None:
        choices = options.get(CHOICES_OPTION) or {}
    if all_to_destination is None:
        all_to_destination = bool(options.get('to_destination'))
    if strict is None:  # a new evacuation: every server is still there
        strict = states.position(host.state, host.failed_step) == 0
    facts = gather(conn, host.name, handed_over(host))
    resolved, notes = resolve(choices, facts['servers'], strict)
    plan = evacuation_plan.make(
        facts, resolved, target or host.target or states.EVACUATED,
        all_to_destination=all_to_destination)
    plan['notes'] = notes
    return plan


def ensure(ctx) -> dict:
    """The plan the host's evacuation follows: the one stored with it, or
    one made now and stored. Raises EvacuationInfeasible (nothing done)
    when a server blocks it."""
    plan = ctx.host.evacuation_plan
    if not plan:  # none yet (a missing plan reads back as {})
        try:
            plan = make(ctx.host, conn=ctx.source)
        except exception.InvalidEvacuationChoice as e:
            raise exception.EvacuationInfeasible(
                host=ctx.name, reason=e.kwargs.get('reason') or str(e)) \
                from None
        except exception.Invalid as e:  # e.g. no nova-compute there
            raise ctx.fail(e.kwargs.get('reason') or str(e)) from None
        ctx.host = host_api.update_host(ctx.host.uuid,
                                        {'evacuation_plan': plan})
        ctx.event(evacuation_plan.summary(plan))
        for line in describe(plan):
            ctx.event(line)
    message = evacuation_plan.blocking_message(plan)
    if message:
        raise exception.EvacuationInfeasible(host=ctx.name, reason=message)
    return plan


def describe(plan: dict) -> list[str]:
    """A line for each server of a plan: what happens to it and why."""
    lines = []
    for server in plan.get('servers', []):
        what = {
            evacuation_plan.MOVE: f'{server["method"]} to '
                                  f'{server["target"]}',
            evacuation_plan.TO_DESTINATION: 'to the destination cloud',
            evacuation_plan.LEAVE: 'left on the host',
            evacuation_plan.OVERRIDE: f'{server["method"] or "moved"} '
                                      'where Nova picks (override)',
            evacuation_plan.BLOCKED: 'BLOCKED',
        }[server['action']]
        line = f'{evacuation_plan.label(server)}, {server["status"]}: {what}'
        if server['action'] == evacuation_plan.BLOCKED:
            line += f': {server["reason"]}'
        lines.append(line)
    return lines
