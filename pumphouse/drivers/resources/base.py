"""The interface every resource driver implements.

A driver handles one resource type (its entry point name in the
``pumphouse.resources`` namespace, e.g. ``identity.project``). It reads the
source with list calls, says what each resource needs, finds an equal
resource in the destination, creates and deletes there, and describes a
destination resource in the same terms as a source one so the two can be
compared.
"""

import abc
from collections.abc import Iterable

from pumphouse.engine import resource as res


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

    def compare(self, expected: dict, actual: dict) -> dict:
        """Differences between translated source attrs and a destination."""
        actual = {k: v for k, v in actual.items() if k != 'id'}
        return res.differences(expected, actual, ignore=self.verify_ignore)

    def rename(self, attrs: dict, suffix: str) -> dict:
        """Attributes for a renamed copy (conflict resolution)."""
        return dict(attrs, name=f'{attrs["name"]}{suffix}')

    def after_create(self, ctx, resource: res.Resource, destination_id: str,
                     created: bool) -> None:
        """Work after the resource exists (e.g. passwords); idempotent.

        Most drivers have none.
        """
        return None
