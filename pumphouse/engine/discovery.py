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

"""Discovery: read the source and build the resource graph.

Drivers ``expand`` the workload by their strategy; what the resources
found need is then fetched type by type with list calls, and the loop
repeats until nothing new turns up (group members pull in users, role
inferences pull in roles, ...).
"""

import time

from oslo_log import log

from pumphouse.common import exception
from pumphouse.engine import graph as graph_mod

LOG = log.getLogger(__name__)

MAX_ROUNDS = 50


def discover(ctx, selection, drivers: dict) -> graph_mod.ResourceGraph:
    """The graph of every resource the selection takes in."""
    started = time.monotonic()
    graph = graph_mod.ResourceGraph()
    for _round in range(MAX_ROUNDS):
        grown = False
        for driver in drivers.values():
            for resource in driver.expand(ctx, selection, graph):
                grown |= graph.add(resource)
        grown |= _fetch_missing(ctx, drivers, graph)
        if not grown:
            break
    else:
        raise exception.PumphouseException(
            f'discovery did not settle after {MAX_ROUNDS} rounds')
    missing = graph.missing()
    if missing:
        raise exception.Invalid(
            reason='resources needed by the workload could not be found in '
                   'the source: ' + ', '.join(
                       f'{t} {i}' for t, i in sorted(missing)[:20]))
    requests = ctx.source_requests.total
    count = len(graph)
    ctx.event('discovery',
              f'Discovered {count} resources with {requests} API requests '
              f'({requests / max(count, 1):.2f} per resource) in '
              f'{time.monotonic() - started:.1f}s')
    return graph


def _fetch_missing(ctx, drivers: dict, graph) -> bool:
    grown = False
    wanted: dict[str, set[str]] = {}
    for resource_type, source_id in graph.missing():
        wanted.setdefault(resource_type, set()).add(source_id)
    for resource_type, ids in sorted(wanted.items()):
        driver = drivers.get(resource_type)
        if driver is None:
            raise exception.PumphouseException(
                f'no resource driver for type {resource_type}')
        for resource in driver.fetch(ctx, ids):
            grown |= graph.add(resource)
    return grown
