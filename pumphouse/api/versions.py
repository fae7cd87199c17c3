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

"""API microversions: ``OpenStack-API-Version: migration X.Y``.

:data:`HISTORY` says what each microversion brought; the API reference's
microversion history (``api-ref/``) is made from it. A new microversion
raises :data:`MAX_VERSION` and adds its entry there.
"""

import microversion_parse

from pumphouse.common import exception

SERVICE_TYPE = 'migration'
HEADER = 'OpenStack-API-Version'
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 5)

#: What each microversion brought, oldest first (reStructuredText).
HISTORY: tuple[tuple[tuple[int, int], str], ...] = (
    ((1, 0), 'Initial version: clouds, migrations, mappings.'),
    ((1, 1), 'Hosts: ``/v1/hosts`` (register, state, operations).'),
    ((1, 2), 'Evacuation plans: ``GET /v1/hosts/{host}/evacuation-plan`` '
             '(the plan the host\'s evacuation follows), ``POST`` there (a '
             'dry run with choices); ``PUT /v1/hosts/{host}/state`` takes '
             '``servers``, the operator\'s choice for servers the plan '
             'cannot place (``to_destination``, ``leave``, ``override``).'),
    ((1, 3), 'The web UI\'s routes: ``GET '
             '/v1/migrations/{migration}/event-stream`` (events and '
             'progress as server-sent events) and ``GET '
             '/v1/clouds/{cloud}/resources?type=projects|hosts`` (what a '
             'cloud holds, read now).'),
    ((1, 4), 'Stack workloads: ``POST /v1/migrations`` takes the workload '
             'kind ``stack`` (Heat stacks by name or id, adopted by the '
             'destination\'s Heat) and the workload\'s ``project``, the '
             'project the stacks are looked up in.'),
    ((1, 5), 'A project\'s Heat stacks, for the web UI\'s source browser: '
             '``GET /v1/clouds/{cloud}/projects/{project}/stacks`` (read '
             'now, with a token scoped to the project).'),
)


def format_version(version: tuple[int, int]) -> str:
    """``1.2`` for (1, 2)."""
    major, minor = version
    return f'{major}.{minor}'


def parse(headers) -> tuple[int, int]:
    """The microversion a request asks for; the minimum when it asks none.

    Raises Invalid (400) for a malformed header and NotAcceptable (406) for
    a version outside the supported range.
    """
    try:
        requested = microversion_parse.get_version(
            headers, service_type=SERVICE_TYPE)
    except (ValueError, TypeError) as e:
        raise exception.Invalid(reason=f'bad {HEADER} header: {e}') from e
    if requested is None:
        return MIN_VERSION
    requested = requested.strip()
    if requested == 'latest':
        return MAX_VERSION
    try:
        major, minor = requested.split('.')
        version = (int(major), int(minor))
    except ValueError as e:
        raise exception.Invalid(
            reason=f'{HEADER} must be "{SERVICE_TYPE} X.Y" or '
                   f'"{SERVICE_TYPE} latest", not {requested!r}') from e
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.NotAcceptable(
            reason=f'version {requested} is not supported; this API '
                   f'supports {format_version(MIN_VERSION)} to '
                   f'{format_version(MAX_VERSION)}')
    return version


def supported() -> list[tuple[int, int]]:
    """Every microversion this API supports, oldest first."""
    major = MIN_VERSION[0]
    return [(major, minor)
            for minor in range(MIN_VERSION[1], MAX_VERSION[1] + 1)]
