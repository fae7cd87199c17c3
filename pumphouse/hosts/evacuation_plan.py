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

"""The evacuation plan of a host: where each of its servers can go and why
every other host is out, worked out from plain facts before anything
changes (reading the source is :mod:`pumphouse.hosts.plan_source`'s job).

A server moves within the source by its status: ACTIVE and PAUSED ones
live (``live``), SHUTOFF ones cold (``cold``), SUSPENDED ones are resumed,
live-migrated and suspended again (``resume-live-suspend``), one waiting
for its resize to be confirmed is confirmed, one under way is waited for;
any other status (ERROR, SHELVED, RESCUED...) is refused: Nova cannot move
it.

A host is a candidate for a server unless one of these rules puts it out
(named as the operator finds them in Nova's scheduler):

* ``HostDisabled``, ``HostDown``: its nova-compute is disabled or down;
* ``HandedOver``: Pumphouse is handing it over too;
* ``AvailabilityZone``: a server booted into an availability zone stays in
  it (Nova 2.96 tells whether it was; before, the zone it runs in is
  assumed);
* ``ServerGroupAffinity``: a member of an ``affinity`` group goes only
  where its group's members are (Nova counts the member itself on the
  host being evacuated, so a group all there cannot be moved one by one);
* ``ServerGroupAntiAffinity``: a member of an ``anti-affinity`` group goes
  only to a host with fewer than ``max_server_per_host`` (default 1) of
  its group's other members;
* ``Capacity``: Placement's inventory of the host's resource provider
  against what the server uses on the evacuated host (VCPU, MEMORY_MB,
  DISK_GB): free is ``(total - reserved) * allocation_ratio - used``, and
  one server also fits ``max_unit``.

``soft-affinity`` and ``soft-anti-affinity`` put no host out: they only
order the candidates, as Nova's weighers do.

Whole-host feasibility is worked out greedily, in a fixed order: the
largest server first (MEMORY_MB, then VCPU, then DISK_GB; ties by name and
id), each on its best candidate (soft group policies first, then the most
free MEMORY_MB left, then the host name), where it then takes the capacity
it uses and counts as a member of its group. A greedy placement can miss
one that exists; it never promises one that does not.

A server with no candidate blocks the evacuation (nothing is changed)
unless the operator chooses for it: ``to_destination`` (migrate it to the
destination cloud), ``leave`` (it stays; the host then ends ``disabled``,
not ``evacuated``) or ``override`` (try anyway: Nova's scheduler picks).
"""

import datetime

from pumphouse.common import evacuation_choices
from pumphouse.engine.checks import capacity

HOST_DISABLED = 'HostDisabled'
HOST_DOWN = 'HostDown'
HANDED_OVER = 'HandedOver'
AVAILABILITY_ZONE = 'AvailabilityZone'
AFFINITY = 'ServerGroupAffinity'
ANTI_AFFINITY = 'ServerGroupAntiAffinity'
CAPACITY = 'Capacity'
#: Why a server cannot move at all, wherever it would go.
SERVER_STATE = 'ServerState'
VOLUME = 'Volume'
SOURCE_DOWN = 'SourceHostDown'

RESOURCE_CLASSES = ('VCPU', 'MEMORY_MB', 'DISK_GB')

#: The host option holding the operator's choices: server id or name to
#: one of :data:`CHOICES`.
CHOICES_OPTION = 'evacuation_choices'
#: What the operator may choose for a server.
TO_DESTINATION = evacuation_choices.TO_DESTINATION
LEAVE = evacuation_choices.LEAVE
OVERRIDE = evacuation_choices.OVERRIDE
CHOICES = (TO_DESTINATION, LEAVE, OVERRIDE)
#: What the evacuation does with a server: one of the choices, or
MOVE = 'move'        # move it to ``target`` in the source
BLOCKED = 'blocked'  # nothing: it blocks the evacuation

#: How a server moves within the source, by its status.
LIVE = 'live'
COLD = 'cold'
RESUME_LIVE = 'resume-live-suspend'
CONFIRM = 'confirm-then-move'
WAIT = 'wait-then-move'
METHODS = {'ACTIVE': LIVE, 'PAUSED': LIVE, 'SHUTOFF': COLD,
           'SUSPENDED': RESUME_LIVE, 'VERIFY_RESIZE': CONFIRM,
           'MIGRATING': WAIT, 'RESIZE': WAIT, 'REBUILD': WAIT}
#: Statuses in which a server can be migrated to the destination cloud.
TO_DESTINATION_STATUSES = ('ACTIVE', 'PAUSED', 'SHUTOFF', 'SUSPENDED')

EVACUATED = 'evacuated'
IN_DESTINATION = 'in_destination'

_HARD_GROUP_POLICIES = ('affinity', 'anti-affinity')


def make(facts: dict, choices: dict[str, str] | None = None,
         target: str = EVACUATED, all_to_destination: bool = False,
         now: datetime.datetime | None = None) -> dict:
    """The plan of evacuating ``facts['host']``.

    ``facts``: ``host``; ``service`` (``status``, ``state`` of the host's
    own nova-compute); ``servers`` (``id``, ``name``, ``status``,
    ``task_state``, ``resources`` by class, ``availability_zone``,
    ``availability_zone_pinned``, ``group``, ``volumes`` with ``id`` and
    ``status``, ``notes``); ``hosts``, the other compute hosts (``name``,
    ``status``, ``state``, ``zone``, ``disabled_reason``, ``handed_over``,
    ``providers`` with ``name``, ``inventories``, ``usages``); ``groups``
    by id (``name``, ``policy``, ``rules``, ``members``: server id to the
    host it is on, ``names``: server id to name where known).
    ``choices``: server id to one of :data:`CHOICES`.
    ``target``: where the host goes (a host going to the destination
    cloud cannot keep servers). ``all_to_destination``: every server
    without a choice goes to the destination cloud.
    """
    choices = dict(choices or {})
    source_name = facts['host']
    hosts = [_Host(h) for h in sorted(facts.get('hosts', []),
                                      key=lambda h: h['name'])
             if h['name'] != source_name]
    groups = {gid: dict(g, members=dict(g.get('members') or {}))
              for gid, g in (facts.get('groups') or {}).items()}
    for server in facts.get('servers', []):
        if server.get('group') in groups:
            groups[server['group']]['members'].setdefault(server['id'],
                                                          source_name)
    source_down = (facts.get('service') or {}).get('state') == 'down'
    planned = []
    for server in sorted(facts.get('servers', []), key=_order):
        choice = choices.get(server['id']) or (
            TO_DESTINATION if all_to_destination else None)
        planned.append(_plan_server(server, choice, hosts, groups,
                                    source_name, source_down, target))
    return {
        'host': source_name,
        'target': target,
        'created_at': (now or datetime.datetime.now(
            datetime.UTC)).isoformat(),
        'feasible': not any(s['action'] == BLOCKED for s in planned),
        'servers': planned,
        'hosts': [h.summary() for h in hosts],
    }


def _order(server: dict) -> tuple:
    resources = server.get('resources') or {}
    return (tuple(-int(resources.get(rc, 0)) for rc in
                  ('MEMORY_MB', 'VCPU', 'DISK_GB')),
            server.get('name') or '', server['id'])


class _Host:
    """A candidate host as the plan fills it."""

    def __init__(self, facts: dict) -> None:
        self.name = facts['name']
        self.zone = facts.get('zone')
        self.status = facts.get('status')
        self.state = facts.get('state')
        self.out = []  # rules that put it out for every server
        if facts.get('handed_over'):
            self.out.append((HANDED_OVER, 'Pumphouse is handing it over '
                             f'({facts["handed_over"]})'))
        if self.status != 'enabled':
            reason = facts.get('disabled_reason')
            self.out.append((HOST_DISABLED, 'its nova-compute is disabled'
                             + (f' ({reason})' if reason else '')))
        if self.state != 'up':
            self.out.append((HOST_DOWN, 'its nova-compute is down'))
        self.providers = []
        for provider in facts.get('providers') or []:
            free, max_unit = capacity.free_capacity(
                provider.get('inventories') or {},
                provider.get('usages') or {})
            self.providers.append({'name': provider.get('name'),
                                   'free': free, 'max_unit': max_unit})
        self.free_before = self._free()
        self.servers: list[str] = []

    def _free(self) -> dict:
        """Free amount by class, over the host's providers."""
        total: dict[str, int] = {}
        for provider in self.providers:
            for rc in RESOURCE_CLASSES:
                if rc in provider['free']:
                    total[rc] = total.get(rc, 0) + provider['free'][rc]
        return total

    def fit(self, need: dict[str, int]) -> tuple[dict | None, list[str]]:
        """The provider that takes ``need`` (the one with the most free
        memory), or None and why none does."""
        fitting, shortfalls = [], []
        for provider in self.providers:
            missing = []
            for rc, amount in sorted(need.items()):
                if amount <= 0:
                    continue
                if rc not in provider['free']:
                    missing.append(f'no {rc} inventory')
                elif amount > provider['max_unit'][rc]:
                    missing.append(f'needs {amount} {rc}, more than its '
                                   f'max_unit {provider["max_unit"][rc]}')
                elif amount > provider['free'][rc]:
                    missing.append(f'needs {amount} {rc}, '
                                   f'{provider["free"][rc]} free')
            if missing:
                shortfalls.append(', '.join(missing))
            else:
                fitting.append(provider)
        if not self.providers:
            return None, ['Placement has no resource provider with an '
                          'inventory for it']
        if not fitting:
            return None, shortfalls
        return max(fitting, key=lambda p: (p['free'].get('MEMORY_MB', 0),
                                           p['name'] or '')), []

    def take(self, provider: dict, need: dict[str, int],
             server_id: str) -> None:
        for rc, amount in need.items():
            if rc in provider['free']:
                provider['free'][rc] -= amount
        self.servers.append(server_id)

    def free_memory_after(self, need: dict[str, int]) -> int:
        provider, _ = self.fit(need)
        if provider is None:
            return 0
        return provider['free'].get('MEMORY_MB', 0) - need.get('MEMORY_MB',
                                                               0)

    def summary(self) -> dict:
        return {'name': self.name, 'zone': self.zone,
                'status': self.status, 'state': self.state,
                'out': [{'rule': r, 'reason': t} for r, t in self.out],
                'free': self.free_before if not self.out else None,
                'free_after': self._free() if not self.out else None,
                'servers': list(self.servers)}


def _method(server: dict) -> str | None:
    if server.get('task_state') and server['status'] in METHODS:
        return WAIT
    return METHODS.get(server['status'])


def _refusal(server: dict, method: str | None,
             source_down: bool) -> tuple[str, str] | None:
    """Why the server cannot move at all, wherever it would go."""
    if method is None:
        return (SERVER_STATE, f'it is {server["status"]}: Nova cannot move '
                'a server in that state; repair or delete it, or leave it')
    if source_down:
        return (SOURCE_DOWN, 'the nova-compute of the host is down: Nova '
                'can neither live- nor cold-migrate its servers')
    busy = [f'{v["id"]} is {v["status"]}' for v in server.get('volumes', [])
            if v.get('status') not in (None, 'in-use')]
    if busy:
        return (VOLUME, 'an attached volume is not in-use ('
                + ', '.join(busy) + '): Nova refuses to move the server '
                'until it is')
    return None


def _plan_server(server: dict, choice: str | None, hosts: list[_Host],
                 groups: dict, source_name: str, source_down: bool,
                 target: str) -> dict:
    method = _method(server)
    need = {rc: int((server.get('resources') or {}).get(rc, 0))
            for rc in RESOURCE_CLASSES}
    group = groups.get(server.get('group')) if server.get('group') else None
    entry = {
        'id': server['id'], 'name': server.get('name'),
        'status': server['status'], 'method': method,
        'resources': need,
        'availability_zone': server.get('availability_zone'),
        'server_group': ({'id': server['group'], 'name': group.get('name'),
                          'policy': group.get('policy'),
                          'rules': group.get('rules') or {}}
                         if group else None),
        'volumes': [dict(v) for v in server.get('volumes', [])],
        'candidates': [], 'excluded': [], 'target': None,
        'choice': choice, 'action': BLOCKED, 'reason': None,
        'notes': list(server.get('notes') or []),
    }
    if server.get('availability_zone') and not server.get(
            'availability_zone_pinned'):
        entry['notes'].append(
            f'kept in availability zone {server["availability_zone"]}, the '
            'one it runs in (Nova before 2.96 does not tell whether it was '
            'booted into it)')
    refused = _refusal(server, method, source_down)
    if refused is None:
        for host in hosts:
            reasons = _rules(server, need, host, group, source_name)
            if reasons:
                entry['excluded'].extend(
                    {'host': host.name, 'rule': rule, 'reason': text}
                    for rule, text in reasons)
            else:
                entry['candidates'].append(host.name)
    else:
        entry['reason'] = f'{refused[0]}: {refused[1]}'

    if choice is not None:
        allowed = _choice_refused(entry, choice, refused, target)
        if allowed:
            entry['reason'] = allowed
        else:
            entry['action'] = choice
        return entry
    if refused is not None:
        return entry
    if not entry['candidates']:
        entry['reason'] = 'no host can take it: ' + ('; '.join(
            f'{e["host"]}: {e["rule"]} ({e["reason"]})'
            for e in entry['excluded']) or 'the source has no other '
            'compute host')
        return entry
    best = min((h for h in hosts if h.name in entry['candidates']),
               key=lambda h: (_soft_weight(h, group, server['id']),
                              -h.free_memory_after(need), h.name))
    provider, _ = best.fit(need)
    best.take(provider, need, server['id'])
    if group is not None:
        note = _soft_note(best, group, server['id'])
        if note:
            entry['notes'].append(note)
        group['members'][server['id']] = best.name
    entry.update(target=best.name, action=MOVE)
    return entry


def _choice_refused(entry: dict, choice: str,
                    refused: tuple[str, str] | None,
                    target: str) -> str | None:
    """Why the operator's choice cannot be carried out, or None."""
    if choice == LEAVE:
        if target == IN_DESTINATION:
            return ('the host goes to in_destination: it must be emptied, '
                    'no server can be left on it')
        return None
    if refused is not None and refused[0] in (SERVER_STATE, SOURCE_DOWN):
        if choice == TO_DESTINATION and refused[0] == SERVER_STATE and \
                entry['status'] in TO_DESTINATION_STATUSES:
            return None
        return (f'{refused[0]}: {refused[1]}; only leaving it is possible '
                f'({choice} cannot help)')
    if choice == TO_DESTINATION and \
            entry['status'] not in TO_DESTINATION_STATUSES:
        return (f'it is {entry["status"]}: only ACTIVE, PAUSED, SHUTOFF '
                'and SUSPENDED servers can be migrated to the destination '
                'cloud')
    return None


def _members_on(group: dict, host: str, server_id: str) -> list[str]:
    """The other members of ``group`` on ``host``, by name where known."""
    names = group.get('names') or {}
    return sorted(names.get(m) or m for m, on in group['members'].items()
                  if on == host and m != server_id)


def _rules(server: dict, need: dict, host: _Host, group: dict | None,
           source_name: str) -> list[tuple[str, str]]:
    """The rules that put ``host`` out for ``server`` now."""
    reasons = list(host.out)
    zone = server.get('availability_zone')
    if zone and host.zone != zone:
        reasons.append((AVAILABILITY_ZONE, f'it is in availability zone '
                        f'{host.zone}, the server stays in {zone}'))
    if group is not None and group.get('policy') in _HARD_GROUP_POLICIES:
        rule = _group_rule(server['id'], host.name, group, source_name)
        if rule:
            reasons.append(rule)
    if not host.out:
        provider, shortfalls = host.fit(need)
        if provider is None:
            reasons.append((CAPACITY, '; '.join(shortfalls)))
    return reasons


def _group_rule(server_id: str, host: str, group: dict,
                source_name: str) -> tuple[str, str] | None:
    label = f'group {group.get("name") or group.get("id")}'
    if group['policy'] == 'anti-affinity':
        limit = int((group.get('rules') or {}).get('max_server_per_host')
                    or 1)
        there = _members_on(group, host, server_id)
        if len(there) >= limit:
            return (ANTI_AFFINITY, f'{label} (anti-affinity, at most '
                    f'{limit} per host) already has '
                    + ', '.join(there) + ' on it')
        return None
    # Nova's affinity filter lets a member go only where its group's
    # members are, the member itself included.
    group_hosts = {on for on in group['members'].values() if on}
    if host in group_hosts:
        return None
    where = ', '.join(sorted(group_hosts)) or 'nowhere'
    extra = (f' ({source_name} is being evacuated: an affinity group all '
             'on it cannot be moved one server at a time)'
             if group_hosts == {source_name} else '')
    return (AFFINITY, f'{label} (affinity) keeps its members on {where}'
            + extra)


def _soft_weight(host: _Host, group: dict | None, server_id: str) -> int:
    if group is None:
        return 0
    count = len(_members_on(group, host.name, server_id))
    if group.get('policy') == 'soft-anti-affinity':
        return count
    if group.get('policy') == 'soft-affinity':
        return -count
    return 0


def _soft_note(host: _Host, group: dict, server_id: str) -> str | None:
    there = _members_on(group, host.name, server_id)
    label = f'group {group.get("name") or group.get("id")}'
    if group.get('policy') == 'soft-anti-affinity' and there:
        return (f'{label} (soft-anti-affinity): shares {host.name} with '
                + ', '.join(there) + ' (no other candidate had fewer; Nova '
                'allows it)')
    if group.get('policy') == 'soft-affinity' and not there and any(
            on and on != host.name for m, on in group['members'].items()
            if m != server_id):
        return (f'{label} (soft-affinity): no candidate runs another '
                'member; it goes apart (Nova allows it)')
    return None


def blocked(plan: dict) -> list[dict]:
    """The servers that block the evacuation."""
    return [s for s in plan.get('servers', []) if s['action'] == BLOCKED]


def blocking_message(plan: dict) -> str | None:
    """Why the evacuation cannot go ahead, naming every blocked server;
    None when it can."""
    found = blocked(plan)
    if not found:
        return None
    return (f'{len(found)} server(s) cannot be moved: ' + '; '.join(
        f'{label(s)}: {s["reason"]}' for s in found)
        + '. Choose for each: to the destination cloud, leave it on the '
        'host, or override (try anyway)')


def label(server: dict) -> str:
    return f'server {server.get("name")} ({server["id"]})'


def summary(plan: dict) -> str:
    """One line: how many servers go where."""
    counts: dict[str, int] = {}
    for server in plan.get('servers', []):
        counts[server['action']] = counts.get(server['action'], 0) + 1
    if not counts:
        return f'host {plan["host"]} runs no server'
    words = {MOVE: 'to other source hosts', TO_DESTINATION:
             'to the destination cloud', LEAVE: 'left on the host',
             OVERRIDE: 'moved where Nova picks (override)',
             BLOCKED: 'blocked'}
    return f'evacuation plan of {plan["host"]}: ' + ', '.join(
        f'{counts[a]} {words[a]}' for a in words if a in counts)
