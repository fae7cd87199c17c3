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

"""The interface every resource driver implements.

A driver handles one resource type (its entry point name in the
``pumphouse.resources`` namespace, e.g. ``identity.project``). It reads the
source with list calls, says what each resource needs, finds an equal
resource in the destination, creates and deletes there, and describes a
destination resource in the same terms as a source one so the two can be
compared.

The engine defines this interface and the drivers implement it: drivers
import the engine, the engine reaches drivers only by loading them by
name (:mod:`pumphouse.engine.registry`). Drivers also answer the
pre-checks' questions about the destination
(:mod:`pumphouse.engine.checks.facts`).
"""

import abc
import dataclasses
from collections.abc import Iterable

from pumphouse.engine import resource as res


@dataclasses.dataclass(frozen=True)
class ApiNeed:
    """What a driver needs of one cloud's API: a ``microversion`` the
    service must accept, an API ``version`` it must have at least, or a
    Neutron ``extension``; ``side`` is ``source`` or ``destination``, and
    ``feature`` says what for (shown when the cloud lacks it).

    Source needs hold whenever the workload has resources of the driver's
    type, destination needs when the plan creates some.
    """

    side: str
    service_type: str
    feature: str
    microversion: str | None = None
    version: str | None = None
    extension: str | None = None

    @property
    def wanted(self) -> str:
        """``microversion 2.79``, ``version 3.7``, ``extension extraroute``.
        """
        if self.microversion:
            return f'microversion {self.microversion}'
        if self.version:
            return f'version {self.version}'
        return f'extension {self.extension}'


def on_both(service_type: str, feature: str, **wanted) -> tuple[ApiNeed,
                                                                 ApiNeed]:
    """The same need of the source and of the destination."""
    return (ApiNeed('source', service_type, feature, **wanted),
            ApiNeed('destination', service_type, feature, **wanted))


class ResourceDriver(abc.ABC):
    """Base class of resource drivers."""

    #: The type this driver handles; set from the entry point name.
    resource_type: str = ''
    #: Strategies the driver understands.
    strategies: tuple[str, ...] = ('depend', 'all', 'specific')
    #: The strategy per workload kind when the operator names none; types
    #: not listed are supplementary (``depend``, or ``all``).
    workload_strategies: dict[str, str] = {}
    #: Attributes left out of verification (e.g. set by the destination).
    verify_ignore: tuple[str, ...] = ()
    #: Whether a conflict may be resolved by renaming (``name`` attribute).
    renamable: bool = True
    #: The per-project quota one created resource takes, as
    #: ``(service, quota name)`` with service ``compute``, ``volume`` or
    #: ``network``; None when it takes none (see :meth:`demand`).
    quota: tuple[str, str] | None = None
    #: What the driver needs of the clouds' APIs; the ``api_version``
    #: pre-check compares it with what each cloud offers.
    api_needs: tuple[ApiNeed, ...] = ()

    @abc.abstractmethod
    def expand(self, ctx, selection, graph) -> Iterable[res.Resource]:
        """Resources of this type the workload takes in.

        Called repeatedly while discovery grows the graph; must return only
        what is not in ``graph`` yet and must cache its list calls in
        ``ctx.cache`` so repeated calls cost nothing.
        """

    @abc.abstractmethod
    def fetch(self, ctx, ids: set[str]) -> Iterable[res.Resource]:
        """Source resources of this type with the given ids (dependencies).

        Use list calls (cached), not one GET per id.
        """

    @abc.abstractmethod
    def find_destination(self, ctx, resource: res.Resource,
                         attrs: dict) -> dict | None:
        """An existing destination resource that ``resource`` would be.

        ``attrs`` are the resource's attributes with references
        translated. Returns the destination resource described like
        :meth:`describe_destination` (with its ``id``), or None. Must find
        what an interrupted earlier :meth:`create` made, so that a resumed
        migration never creates twice.
        """

    @abc.abstractmethod
    def get_destination(self, ctx, destination_id: str) -> dict | None:
        """A destination resource by id, described for comparison."""

    @abc.abstractmethod
    def create(self, ctx, resource: res.Resource, attrs: dict) -> str:
        """Create ``resource`` in the destination; return its id."""

    @abc.abstractmethod
    def delete(self, ctx, destination_id: str) -> None:
        """Undo :meth:`create`; a resource already gone is not an error."""

    def complete(self, ctx, resource: res.Resource, attrs: dict,
                 existing: dict, differences: dict) -> str | None:
        """Finish a destination resource that is only half made.

        Apply calls this instead of :meth:`create` when
        :meth:`find_destination` finds the resource but it differs from
        ``attrs`` (by ``differences``), typically because an interrupted
        earlier attempt created it and stopped before what :meth:`create`
        does afterwards (tags, extra specs). Bring it to ``attrs`` and
        return its id, or return None when the differences are not of that
        kind: apply then fails the item rather than create a second one.
        """
        return None

    def compare(self, expected: dict, actual: dict) -> dict:
        """Differences between translated source attrs and a destination."""
        actual = {k: v for k, v in actual.items() if k != 'id'}
        return res.differences(expected, actual, ignore=self.verify_ignore)

    def rename(self, attrs: dict, suffix: str) -> dict:
        """Attributes for a renamed copy (conflict resolution)."""
        return dict(attrs, name=f'{attrs["name"]}{suffix}')

    def demand(self, ctx, resource: res.Resource, graph) -> dict[tuple, int]:
        """What creating ``resource`` takes from the destination.

        Keys are ``('quota', service, project_source_id, quota_name)`` and
        ``('placement', resource_class)``; the pre-checks of the plan add
        them up over the resources the plan creates and compare them with
        the destination's quotas and free capacity. The default takes one
        unit of :attr:`quota` in the resource's ``project``.
        """
        project = resource.attrs.get('project')
        if self.quota is None or not res.is_ref(project):
            return {}
        service, name = self.quota
        return {('quota', service, res.ref_key(project)[1], name): 1}

    def after_create(self, ctx, resource: res.Resource, destination_id: str,
                     created: bool) -> None:
        """Work after the resource exists (e.g. passwords); idempotent.

        Most drivers have none.
        """
        return None

    def abandon(self, ctx, resource: res.Resource) -> None:
        """The item to create ``resource`` is blocked (something it needs
        was not migrated): give back what was taken in the source on its
        behalf before its item ran (a server quiesced while its volumes
        were copied). Idempotent; most drivers have nothing to give back.
        """
        return None
