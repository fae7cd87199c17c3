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

"""What each API operation takes and answers, declared at its route.

:func:`pumphouse.api.method.expose` gives a controller method its
:class:`Contract`; the decorators of :mod:`pumphouse.api.validation`
above it declare its query string, request body and response body. The
request checks read the contract, and so does the OpenAPI document
(:mod:`pumphouse.api.openapi`): what is validated and what is documented
are the same schema objects.
"""

import dataclasses

import pecan

from pumphouse.api import versions

Version = tuple[int, int]

#: The environ key of the contract of the operation being served.
ENVIRON_KEY = 'pumphouse.contract'


@dataclasses.dataclass
class Body:
    """A request body schema and the microversions it is the one of."""

    schema: dict
    min_version: Version = versions.MIN_VERSION
    max_version: Version = versions.MAX_VERSION

    def covers(self, version: Version) -> bool:
        return self.min_version <= version <= self.max_version


@dataclasses.dataclass
class Contract:
    """What one operation takes and answers.

    ``status`` is the status of a success (204: no body), ``min_version``
    the first microversion with the operation, ``query`` the schema of
    its query string, ``bodies`` the schemas of its JSON request body by
    microversion (``body_optional``: it may be left out), ``response``
    the schema of the JSON it answers, ``media_types`` the schemas of
    other media types it may answer with instead and ``errors`` the error
    statuses particular to it, with what they mean.
    """

    status: int = 200
    min_version: Version = versions.MIN_VERSION
    query: dict | None = None
    bodies: list[Body] = dataclasses.field(default_factory=list)
    body_optional: bool = False
    response: dict | None = None
    media_types: dict[str, dict] = dataclasses.field(default_factory=dict)
    errors: dict[int, str] = dataclasses.field(default_factory=dict)

    def body_schema(self, version: Version) -> dict | None:
        """The request body schema of ``version``, if it takes one."""
        for body in self.bodies:
            if body.covers(version):
                return body.schema
        return None


def of(func) -> Contract | None:
    """The contract of a controller method, if it has one."""
    return getattr(func, 'contract', None)


def declared(func) -> Contract:
    """The contract of ``func`` to add to; TypeError when there is none
    (the declaring decorators go above :func:`.method.expose`)."""
    found = of(func)
    if found is None:
        raise TypeError(f'{func.__qualname__} has no contract: put '
                        '@method.expose() below the decorators that '
                        'declare its schemas')
    return found


def current() -> Contract:
    """The contract of the operation serving the current request."""
    return pecan.request.environ.get(ENVIRON_KEY) or Contract()
