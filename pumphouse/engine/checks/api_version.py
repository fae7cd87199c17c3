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

"""The API version pre-check: each cloud offers what the drivers need.

A migration from an old cloud meets APIs with fewer microversions and
extensions. Every resource driver declares what it needs
(:class:`pumphouse.engine.driver.ApiNeed`); this check compares that with
the versions each cloud announces, so that a cloud too old for the
workload is refused by the plan, naming the cloud, the service and the
version, instead of failing halfway through the migration.
"""

from pumphouse.common import api_versions
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import Result

SIDES = ('source', 'destination')


def announce(ctx) -> None:
    """Record in the migration's events the API versions of both clouds."""
    for side in SIDES:
        found = ctx.api_versions(side)
        ctx.event('versions', f'{side} cloud: ' + (', '.join(
            api.describe() for api in found.values()) or 'no services'))


def needs(plan, drivers) -> dict[tuple[str, str], list]:
    """The needs of the plan per ``(side, service type)``: a driver's
    source needs when the workload has its resources, its destination
    needs when the plan creates some."""
    present = {r.type for r in plan.graph}
    created = {r.type for r in plan.created()}
    found: dict[tuple[str, str], list] = {}
    for resource_type in sorted(present):
        driver = drivers.get(resource_type)
        for need in getattr(driver, 'api_needs', ()):
            if need.side == 'destination' and resource_type not in created:
                continue
            wanted = found.setdefault((need.side, need.service_type), [])
            if need not in wanted:
                wanted.append(need)
    return found


def check(ctx, plan, drivers) -> list[Result]:
    results = []
    for (side, service), wanted in sorted(needs(plan, drivers).items()):
        api = ctx.api_versions(side).get(service)
        missing = [n for n in wanted if api is None or not api.offers(
            microversion=n.microversion, version=n.version,
            extension=n.extension)]
        subject = f'{side}:{service}'
        if not missing:
            results.append(Result(
                'api_version', subject, PASSED,
                f'{api.describe()} offers the {len(wanted)} needed'))
            continue
        results.append(Result(
            'api_version', subject, FAILED,
            f'the {side} cloud\'s {_offered(service, api)}; ' + '; '.join(
                f'{n.feature} needs {n.wanted}' for n in missing)))
    return results


def _offered(service: str, api) -> str:
    name = f'{service} API ({api_versions.SERVICE_NAMES.get(service, "?")})'
    if api is None:
        return f'{name} is not in its catalog'
    if api.max_microversion:
        return (f'{name} offers microversions {api.min_microversion} to '
                f'{api.max_microversion}')
    if service == 'network':
        return f'{name} v{api.version} has {len(api.extensions)} extensions'
    return f'{name} is v{api.version}'
