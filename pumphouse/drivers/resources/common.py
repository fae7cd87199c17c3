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

"""Helpers every resource driver shares: cached lists and raw calls."""

from collections.abc import Callable
from collections.abc import Iterable

from openstack import exceptions as sdk_exc


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


def source_list(ctx, name: str, load: Callable[[], Iterable]) -> dict:
    """A whole source collection by id, listed once per discovery."""
    return ctx.cached(f'source:{name}',
                      lambda: {r.id: r for r in load()})


def by_ids(ctx, name: str, load: Callable[[], Iterable],
           ids: set[str]) -> list:
    """The listed source objects with the given ids, in id order."""
    everything = source_list(ctx, name, load)
    return [everything[i] for i in sorted(ids) if i in everything]


def get_or_none(getter: Callable, resource_id: str):
    """``getter(resource_id)``, or None when it does not exist."""
    try:
        return getter(resource_id)
    except sdk_exc.NotFoundException:
        return None


def one_or_none(items: Iterable):
    """The only item, None when there is none; raise when there are more."""
    items = list(items)
    if len(items) > 1:
        raise sdk_exc.SDKException(
            f'{len(items)} destination resources match where one was '
            'expected')
    return items[0] if items else None


def neutron_text(value: str | None) -> str:
    """A Neutron name or description, as Neutron means it.

    Unlike Nova, Cinder and Keystone, whose ``""`` and null are two values
    carried as they are, Neutron stores ``""`` for a name or description
    never given and refuses null: its API never shows null, so a None
    (what the SDK holds for a field the response lacks) can only mean
    ``""``, and ``""`` is what is sent.
    """
    return value or ''
