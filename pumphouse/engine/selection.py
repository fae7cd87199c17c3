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

"""What the operator asks to move: a workload and per-type strategies.

* ``project``: projects (by name or id, with their sub-projects) and
  everything in them, used or not;
* ``domain``: domains and everything in them;
* ``server``: servers (by name or id) and what they need;
* ``host``: every server on the named source hypervisor hosts;
* ``resources``: an explicit list of ``type=id`` resources;
* ``stack``: Heat stacks (by name or id, optionally in ``project``), their
  resources, and the stacks themselves adopted by the destination's Heat.

A ``project`` workload may also name ``hosts``: then only its servers on
those hosts move (project + host), to limit the downtime and the
destination capacity one maintenance window takes. A ``stack`` workload
may name a ``project`` (by name or id; ``domain`` is then the project's
domain when it is named) that its stack names are looked up in.

Each resource type then follows a strategy: ``all``, ``tenant`` (what
belongs to the workload's projects or domains; for flavors, those their
servers use and the private ones they may use), ``specific`` (the listed
ids), ``public``, ``user`` (what belongs to the workload's users),
``depend`` (only what other resources of the workload refer to) and
``used`` (what the workload's servers use; ``depend`` for types whose
drivers do not look at servers themselves).
Supplementary types follow ``depend`` unless ``supplementary = all``.
"""

import dataclasses

from pumphouse.common import exception

WORKLOAD_KINDS = ('project', 'domain', 'server', 'host', 'resources',
                  'stack')
SUPPLEMENTARY_MODES = ('depend', 'all')

WORKLOAD_SCHEMA = {
    'type': 'object',
    'properties': {
        'kind': {'type': 'string', 'enum': list(WORKLOAD_KINDS)},
        'names': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                  'items': {'type': 'string', 'minLength': 1,
                            'maxLength': 255}},
        'domain': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'hosts': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                  'items': {'type': 'string', 'minLength': 1,
                            'maxLength': 255}},
        'project': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                    'description': 'Of a stack workload only: the project '
                                   '(name or id) its stacks are looked up '
                                   'in; domain is its domain when it is '
                                   'named.'},
    },
    'required': ['kind', 'names'],
    'additionalProperties': False,
}

STRATEGIES_SCHEMA = {
    'type': 'object',
    'propertyNames': {'pattern': r'^[a-z_]+\.[a-z_]+\Z'},
    'additionalProperties': {'type': 'string', 'enum': [
        'all', 'tenant', 'specific', 'public', 'used', 'depend', 'user',
        'host']},
}


@dataclasses.dataclass
class Workload:
    kind: str
    names: list[str]
    domain: str | None = None
    #: Source hypervisor hosts a ``project`` workload is limited to.
    hosts: list[str] = dataclasses.field(default_factory=list)
    #: The project (name or id) a ``stack`` workload's names are in.
    project: str | None = None

    def to_dict(self) -> dict:
        data = {'kind': self.kind, 'names': list(self.names)}
        if self.domain:
            data['domain'] = self.domain
        if self.hosts:
            data['hosts'] = list(self.hosts)
        if self.project:
            data['project'] = self.project
        return data

    @classmethod
    def from_dict(cls, data: dict) -> 'Workload':
        return cls(kind=data['kind'], names=list(data['names']),
                   domain=data.get('domain'),
                   hosts=list(data.get('hosts', [])),
                   project=data.get('project'))

    def on_hosts(self) -> set[str] | None:
        """Source hosts whose servers the workload takes; None: any."""
        if self.kind == 'host':
            return set(self.names)
        return set(self.hosts) or None


@dataclasses.dataclass
class Selection:
    """A workload and the strategy of each resource type."""

    workload: Workload
    strategies: dict[str, str] = dataclasses.field(default_factory=dict)
    supplementary: str = 'depend'
    #: Filled in by discovery: ids of the projects and domains in scope.
    scope_projects: set[str] = dataclasses.field(default_factory=set)
    scope_domains: set[str] = dataclasses.field(default_factory=set)

    def specific_ids(self, resource_type: str) -> set[str]:
        if self.workload.kind != 'resources':
            return set()
        ids = set()
        for entry in self.workload.names:
            name, _, value = entry.partition('=')
            if name == resource_type:
                ids.add(value)
        return ids

    def strategy(self, driver) -> str:
        """The strategy ``driver``'s type follows in this selection."""
        chosen = self.strategies.get(driver.resource_type)
        if chosen:
            # ``used`` is ``depend`` unless the driver finds use itself.
            if chosen == 'used' and 'used' not in driver.strategies:
                return 'depend'
            return chosen
        if self.workload.kind == 'resources':
            return ('specific' if self.specific_ids(driver.resource_type)
                    else self._supplementary(driver))
        return driver.workload_strategies.get(
            self.workload.kind, self._supplementary(driver))

    def _supplementary(self, driver) -> str:
        if self.supplementary == 'all' and 'all' in driver.strategies:
            return 'all'
        return 'depend'

    def validate(self, drivers: dict) -> None:
        """Raise Invalid for unknown types or unsupported strategies."""
        if self.workload.kind not in WORKLOAD_KINDS:
            raise exception.Invalid(
                reason=f'unknown workload kind {self.workload.kind!r}')
        if self.workload.hosts and self.workload.kind != 'project':
            raise exception.Invalid(
                reason='hosts limit a project workload to the servers on '
                       'those hosts; use a host workload for all of a '
                       "host's servers")
        if self.workload.project and self.workload.kind != 'stack':
            raise exception.Invalid(
                reason='project names the project of the stacks of a '
                       'stack workload; to migrate a whole project use a '
                       'project workload')
        if (self.workload.kind == 'stack' and self.workload.domain
                and not self.workload.project):
            raise exception.Invalid(
                reason="domain names the domain of a stack workload's "
                       'project: give the project too')
        if self.supplementary not in SUPPLEMENTARY_MODES:
            raise exception.Invalid(
                reason=f'supplementary must be one of '
                       f'{", ".join(SUPPLEMENTARY_MODES)}')
        known = ', '.join(sorted(drivers))
        for resource_type, strategy in self.strategies.items():
            driver = drivers.get(resource_type)
            if driver is None:
                raise exception.Invalid(
                    reason=f'unknown resource type {resource_type!r}; '
                           f'known types: {known}')
            allowed = set(driver.strategies) | (
                {'used'} if 'depend' in driver.strategies else set())
            if strategy not in allowed:
                raise exception.Invalid(
                    reason=f'{resource_type} does not support strategy '
                           f'{strategy!r}; it supports '
                           f'{", ".join(sorted(allowed))}')
        if self.workload.kind == 'resources':
            for entry in self.workload.names:
                resource_type, sep, value = entry.partition('=')
                if not sep or not value:
                    raise exception.Invalid(
                        reason=f'resources are given as TYPE=ID, not '
                               f'{entry!r}')
                if resource_type not in drivers:
                    raise exception.Invalid(
                        reason=f'unknown resource type {resource_type!r}; '
                               f'known types: {known}')

    def to_dict(self) -> dict:
        return {'workload': self.workload.to_dict(),
                'strategies': dict(self.strategies),
                'supplementary': self.supplementary}

    @classmethod
    def from_dict(cls, data: dict) -> 'Selection':
        return cls(workload=Workload.from_dict(data['workload']),
                   strategies=dict(data.get('strategies', {})),
                   supplementary=data.get('supplementary', 'depend'))
