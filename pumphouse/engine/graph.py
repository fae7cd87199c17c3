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

"""The resource graph: resources and what each one needs."""

import networkx

from pumphouse.common import exception
from pumphouse.engine import resource as res


class ResourceGraph:
    """Resources by key; edges point from a resource to what it needs."""

    def __init__(self) -> None:
        self._resources: dict[res.Key, res.Resource] = {}

    def __len__(self) -> int:
        return len(self._resources)

    def __contains__(self, key) -> bool:
        return tuple(key) in self._resources

    def __iter__(self):
        return iter(self._resources.values())

    def get(self, key: res.Key) -> res.Resource | None:
        return self._resources.get(tuple(key))

    def add(self, resource: res.Resource) -> bool:
        """Add a resource; False when it was there already."""
        if resource.key in self._resources:
            return False
        self._resources[resource.key] = resource
        return True

    def of_type(self, resource_type: str) -> list[res.Resource]:
        return [r for r in self._resources.values()
                if r.type == resource_type]

    def missing(self) -> set[res.Key]:
        """Keys that resources require but the graph does not hold yet
        (optional references do not count)."""
        return {key for r in self._resources.values()
                for key in r.requires if key not in self._resources}

    def ordered(self) -> list[res.Resource]:
        """Resources, each after everything it needs that the graph
        holds."""
        digraph = networkx.DiGraph()
        for resource in self._resources.values():
            digraph.add_node(resource.key)
            for key in resource.depends_on:
                if key in self._resources:
                    digraph.add_edge(key, resource.key)
        try:
            order = list(networkx.lexicographical_topological_sort(digraph))
        except networkx.NetworkXUnfeasible as e:
            cycle = networkx.find_cycle(digraph)
            raise exception.PumphouseException(
                f'the resources depend on each other in a cycle: {cycle}'
            ) from e
        return [self._resources[k] for k in order if k in self._resources]
