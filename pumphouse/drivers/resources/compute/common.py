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

"""Shared pieces of the Nova drivers: source servers and flavors.

Each list is read once per engine context (all projects, admin) and kept
in ``ctx.cache``; the flavor, server group and security group strategies
and the server driver read the same lists.
"""

from collections.abc import Iterable

from pumphouse.drivers.resources import common

#: The flavor fields a server embeds (microversion 2.47 and later).
_SIZE_FIELDS = ('vcpus', 'ram', 'disk', 'ephemeral', 'swap')


def source_servers(ctx) -> dict:
    """Every source server of every project, by id."""
    return common.source_list(
        ctx, 'servers',
        lambda: ctx.source.compute.servers(all_projects=True))


def source_flavors(ctx) -> dict:
    """Every source flavor, public and private, by id.

    The flavor proxy lists at microversion 2.61, so ``extra_specs`` come
    with the list (no request per flavor).
    """
    return common.source_list(
        ctx, 'flavors', lambda: ctx.source.compute.flavors(is_public=None))


def source_projects(ctx) -> dict:
    """The projects that exist in the source, by id.

    Nova and Neutron keep what a deleted project owned (server groups,
    security groups, flavor access); such leftovers cannot be migrated.
    Shares the identity.project driver's cached list.
    """
    return common.source_list(
        ctx, 'projects', lambda: [p for p in ctx.source.identity.projects()
                                  if not p.is_domain])


def source_project_ids(ctx) -> set[str]:
    """Ids of the projects that exist in the source (see
    :func:`source_projects`)."""
    return set(source_projects(ctx))


def servers_of_projects(ctx, project_ids: Iterable[str]) -> list:
    """Source servers owned by the given projects."""
    wanted = set(project_ids)
    if not wanted:
        return []
    return [s for s in source_servers(ctx).values()
            if s.project_id in wanted]


def server_flavor_id(server, flavors: dict) -> str | None:
    """The source flavor id a server was booted with, or None.

    From microversion 2.47 a server embeds a copy of its flavor (name and
    sizes) instead of the flavor's id: the flavor is then found by name
    and checked to have the same sizes (a flavor deleted and re-created
    with other sizes is not the server's).
    """
    embedded = server.flavor
    if embedded is None:
        return None
    name = getattr(embedded, 'original_name', None)
    if not name:
        # Before 2.47: a link with the flavor's id.
        flavor_id = getattr(embedded, 'id', None)
        return flavor_id if flavor_id in flavors else None
    for flavor in flavors.values():
        if flavor.name == name and all(
                _size(flavor, f) == _size(embedded, f)
                for f in _SIZE_FIELDS):
            return flavor.id
    return None


def _size(flavor, field: str) -> int:
    return int(getattr(flavor, field, None) or 0)


def pick(candidates: list[dict], expected: dict, compare) -> dict | None:
    """The candidate equal to ``expected``, else the first one, or None.

    For resources whose names need not be unique (server groups, security
    groups): an equal one is reused, otherwise a same-named one is the
    conflict to report.
    """
    for candidate in candidates:
        if not compare(expected, candidate):
            return candidate
    return candidates[0] if candidates else None
