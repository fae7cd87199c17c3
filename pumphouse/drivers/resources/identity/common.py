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

"""The base class of the identity drivers."""

import abc

from pumphouse.drivers.resources import common as helpers
from pumphouse.engine import driver as base


class IdentityDriver(base.ResourceDriver):
    """Common behaviour: fetch by id from the cached source list."""

    collection = ''

    @abc.abstractmethod
    def list_source(self, ctx):
        """Every source resource of the type (called once, cached)."""

    def all_source(self, ctx) -> dict:
        return helpers.source_list(ctx, self.collection,
                                   lambda: self.list_source(ctx))

    def fetch(self, ctx, ids):
        return [self.describe_source(r)
                for r in helpers.by_ids(ctx, self.collection,
                                        lambda: self.list_source(ctx), ids)]

    @abc.abstractmethod
    def describe_source(self, obj):
        """The engine's Resource for one listed source object."""

    def chosen(self, ctx, selection, tenant=None) -> set[str]:
        """Source ids the type's strategy takes in.

        ``tenant(everything)`` answers the ``tenant`` strategy; ``depend``
        takes nothing here (dependencies are fetched).
        """
        strategy = selection.strategy(self)
        if strategy == 'all':
            return set(self.all_source(ctx))
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        if strategy == 'tenant' and tenant is not None:
            return tenant(self.all_source(ctx))
        return set()

    def new(self, ctx, graph, ids) -> list:
        """Resources for ``ids`` that the graph does not hold yet."""
        everything = self.all_source(ctx)
        return [self.describe_source(everything[i]) for i in sorted(ids)
                if i in everything and (self.resource_type, i) not in graph]
