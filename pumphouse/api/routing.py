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

"""Routing by explicit path segments.

Pecan's default routing looks every path segment up as an attribute of
the controller (``getattr``): ``/v1/clouds/__class__`` or
``/v1/clouds/_lookup`` reach Python internals and end in a 500, and a
cloud named ``index`` could not be reached by its name. A
:class:`Resource` routes only to what it declares: its sub-resources by
name, anything else to the item it looks up, and a 404 otherwise.
"""

import dataclasses
from collections.abc import Callable
from collections.abc import Iterator

import pecan
from pecan import util as pecan_util
from webob import exc as webob_exc


def _not_found():
    # Pecan's own 404: the error hook and the JSON error middleware give
    # it the same body as any other unknown path.
    raise webob_exc.HTTPNotFound()


def attribute(segment: str) -> str:
    """The attribute of a :class:`Resource` that serves a child's path
    segment."""
    return segment.replace('-', '_').replace('.', '_')


class Resource:
    """A controller whose routes are what it declares.

    ``children`` names the sub-resources as they appear in paths (the
    attributes: controllers or generic methods, with ``-`` and ``.`` as
    ``_``); :meth:`item` returns the controller of a path segment that is
    not one of them (an id or a name), or None. ``item_name`` and
    ``item_description`` say what that segment is, for the OpenAPI
    document.
    """

    children: tuple[str, ...] = ()
    item_name: str = ''
    item_description: str = ''

    def item(self, ident: str):
        """The controller of ``ident`` below this one, or None."""
        return None

    @pecan.expose()
    def _route(self, args: list[str], request=None):
        if all(segment == '' for segment in args):
            # The resource itself, with or without a trailing slash.
            return self.index, []
        segment, rest = args[0], args[1:]
        if segment in self.children:
            target = getattr(self, attribute(segment))
        elif segment:
            target = self.item(segment)
        else:
            target = None
        if target is None:
            _not_found()
        if pecan_util.iscontroller(target):
            if any(rest):
                _not_found()
            return target, []
        return target._route(rest, request)


@dataclasses.dataclass(frozen=True)
class Operation:
    """A method on a path (``/v1/clouds/{cloud}``) and its handler;
    ``parameters``: (name, description) of the path's items."""

    path: str
    method: str
    handler: Callable
    parameters: tuple[tuple[str, str], ...] = ()


def _handled(generic, path: str, parameters: tuple) -> Iterator[Operation]:
    """The operations of a generic method: its ``.when`` handlers."""
    for http_method, handler in generic._pecan['generic_handlers'].items():
        if http_method != 'DEFAULT':
            yield Operation(path, http_method, handler, parameters)


def operations(resource: Resource, path: str = '',
               parameters: tuple = ()) -> Iterator[Operation]:
    """Every operation below ``resource``, reached at ``path``: what
    :meth:`Resource._route` routes to."""
    yield from _handled(resource.index, path or '/', parameters)
    for child in resource.children:
        target = getattr(resource, attribute(child))
        if pecan_util.iscontroller(target):
            yield from _handled(target, f'{path}/{child}', parameters)
        else:
            yield from operations(target, f'{path}/{child}', parameters)
    if resource.item_name:
        placeholder = f'{{{resource.item_name}}}'
        yield from operations(
            resource.item(placeholder), f'{path}/{placeholder}',
            (*parameters, (resource.item_name, resource.item_description)))
