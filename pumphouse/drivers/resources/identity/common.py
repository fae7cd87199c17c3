"""Shared pieces of the identity drivers: cached lists and raw calls."""

import abc

from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import base


def check(response):
    """Raise the SDK's exception for an error response; return it."""
    sdk_exc.raise_from_response(response)
    return response


def exists(response) -> bool:
    """True for 2xx, False for 404; raise for anything else."""
    if response.status_code == 404:
        return False
    check(response)
    return True


def source_list(ctx, name: str, load) -> dict:
    """A whole source collection by id, listed once per discovery."""
    return ctx.cached(f'source:{name}',
                      lambda: {r.id: r for r in load()})


def by_ids(ctx, name: str, load, ids: set[str]) -> list:
    everything = source_list(ctx, name, load)
    return [everything[i] for i in sorted(ids) if i in everything]


def get_or_none(getter, resource_id: str):
    """``getter(resource_id)``, or None when it does not exist."""
    try:
        return getter(resource_id)
    except sdk_exc.NotFoundException:
        return None


def one_or_none(items):
    items = list(items)
    if len(items) > 1:
        raise sdk_exc.SDKException(
            f'{len(items)} destination resources match where one was '
            'expected')
    return items[0] if items else None


class IdentityDriver(base.ResourceDriver):
    """Common behaviour: fetch by id from the cached source list."""

    collection = ''

    @abc.abstractmethod
    def list_source(self, ctx):
        """Every source resource of the type (called once, cached)."""

    def all_source(self, ctx) -> dict:
        return source_list(ctx, self.collection,
                           lambda: self.list_source(ctx))

    def fetch(self, ctx, ids):
        return [self.describe_source(r)
                for r in by_ids(ctx, self.collection,
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
