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

"""An in-memory pair of clouds and resource drivers for engine tests.

The engine's contract with drivers is ours; these drivers implement it
over dicts, so the planner, apply and verify can be tested without
clouds. Two types: ``test.team`` (name, colour) and ``test.member``
(name, team reference).
"""

import itertools
import types

import requests

from pumphouse.db import api as db_api
from pumphouse.engine import context as context_mod
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res


class Cloud:
    """Resources by type and id; ids are made up per cloud."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.data: dict[str, dict[str, dict]] = {'test.team': {},
                                                 'test.member': {}}
        self._ids = itertools.count(1)
        self.session = types.SimpleNamespace(session=requests.Session())
        self.fail_create: set[str] = set()
        self.creates = 0

    def add(self, resource_type: str, **attrs) -> str:
        new_id = f'{self.prefix}{next(self._ids)}'
        self.data[resource_type][new_id] = dict(attrs)
        return new_id


class _Driver(base.ResourceDriver):
    strategies = ('tenant', 'depend', 'all', 'specific')
    fields: tuple[str, ...] = ()

    def describe(self, resource_id: str, obj: dict) -> dict:
        return dict({f: obj.get(f) for f in self.fields}, id=resource_id)

    def source_resource(self, ctx, resource_id: str) -> res.Resource:
        obj = ctx.source.data[self.resource_type][resource_id]
        return res.Resource(self.resource_type, resource_id, obj['name'],
                            self.source_attrs(obj))

    def source_attrs(self, obj: dict) -> dict:
        return {f: obj.get(f) for f in self.fields}

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        everything = ctx.source.data[self.resource_type]
        if strategy == 'all' or (strategy == 'tenant' and
                                 selection.workload.kind == 'project'):
            chosen = [i for i, o in everything.items()
                      if strategy == 'all'
                      or o['name'] in selection.workload.names]
        elif strategy == 'specific':
            chosen = selection.specific_ids(self.resource_type)
        else:
            chosen = []
        return [self.source_resource(ctx, i) for i in sorted(chosen)
                if (self.resource_type, i) not in graph]

    def fetch(self, ctx, ids):
        return [self.source_resource(ctx, i) for i in sorted(ids)
                if i in ctx.source.data[self.resource_type]]

    def find_destination(self, ctx, resource, attrs):
        for dest_id, obj in ctx.destination.data[self.resource_type].items():
            if obj['name'] == attrs['name']:
                return self.describe(dest_id, obj)
        return None

    def get_destination(self, ctx, destination_id):
        obj = ctx.destination.data[self.resource_type].get(destination_id)
        return self.describe(destination_id, obj) if obj else None

    def create(self, ctx, resource, attrs) -> str:
        if attrs['name'] in ctx.destination.fail_create:
            raise RuntimeError(f'cannot create {attrs["name"]}')
        ctx.destination.creates += 1
        return ctx.destination.add(self.resource_type, **attrs)

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.data[self.resource_type].pop(destination_id, None)


class TeamDriver(_Driver):
    fields = ('name', 'colour')
    workload_strategies = {'project': 'tenant'}


class MemberDriver(_Driver):
    fields = ('name', 'team')

    def source_attrs(self, obj: dict) -> dict:
        return {'name': obj['name'], 'team': res.ref('test.team',
                                                     obj['team'])}

    def expand(self, ctx, selection, graph):
        if selection.strategy(self) == 'depend':
            # Members of teams in the workload come along.
            return [self.source_resource(ctx, i) for i, o in sorted(
                ctx.source.data[self.resource_type].items())
                if ('test.team', o['team']) in graph
                and (self.resource_type, i) not in graph]
        return super().expand(ctx, selection, graph)


def drivers() -> dict:
    found = {}
    for name, cls in (('test.member', MemberDriver),
                      ('test.team', TeamDriver)):
        driver = cls()
        driver.resource_type = name
        found[name] = driver
    return found


def context(source: Cloud, destination: Cloud, options=None,
            events=None) -> context_mod.EngineContext:
    """A context between two memory clouds registered in the database."""
    ids = []
    for name in ('mem-source', 'mem-destination'):
        try:
            ids.append(db_api.get_cloud(name).id)
        except Exception:
            ids.append(db_api.create_cloud(
                {'name': name, 'config': {}, 'credentials': None}).id)

    def emit(event_type, message, level, item):
        if events is not None:
            events.append((event_type, message))

    return context_mod.EngineContext(source, destination, ids[0], ids[1],
                                     options=options, emit=emit)
