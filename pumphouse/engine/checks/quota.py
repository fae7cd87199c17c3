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

"""The quota pre-check: per project and quota, what the plan creates
against what the destination project will allow."""

from pumphouse.engine import resource as res
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import Result


def demands(ctx, plan, drivers) -> dict[tuple, int]:
    """Quota needed per ``(service, project source id, quota name)``."""
    needed: dict[tuple, int] = {}
    for resource in plan.created():
        driver = drivers.get(resource.type)
        if driver is None:
            continue
        for key, amount in driver.demand(ctx, resource, plan.graph).items():
            if key[0] == 'quota':
                needed[key[1:]] = needed.get(key[1:], 0) + amount
    return needed


def _planned_limits(plan, service: str, project_id: str) -> dict | None:
    """The limits the plan sets for a project, if it sets them."""
    key = (f'{service}.quota', project_id)
    resource = plan.graph.get(key)
    if resource is None or plan.action(key) != 'create':
        return None
    return plan.attrs(resource).get('limits')


def check(ctx, plan, drivers) -> list[Result]:
    results = []
    state: dict[tuple, dict] = {}
    for (service, project_id, name), amount in sorted(
            demands(ctx, plan, drivers).items()):
        driver = drivers.get(f'{service}.quota')
        if driver is None or amount <= 0:
            continue
        destination = ctx.lookup(('identity.project', project_id))
        if (service, project_id) not in state:
            state[service, project_id] = _destination_state(
                ctx, driver, destination)
        usage = state[service, project_id]
        planned = _planned_limits(plan, service, project_id) or {}
        if name not in usage and name not in planned:
            continue
        limit, in_use = usage.get(name, (None, 0))
        limit = planned.get(name, limit)
        project = plan.name(('identity.project', project_id))
        subject = f'{project}:{service}.{name}'
        if limit is None or limit < 0:
            results.append(Result('quota', subject, PASSED,
                                  f'needs {amount}, unlimited',
                                  amount, -1))
            continue
        free = max(limit - in_use, 0)
        status = PASSED if amount <= free else FAILED
        results.append(Result(
            'quota', subject, status,
            f'project {project} needs {amount} {service} {name}, the '
            f'destination allows {free} more (limit {limit}, {in_use} in '
            'use)', amount, free))
    return results


def _destination_state(ctx, driver, destination_id) -> dict:
    """``{name: (limit, in use)}`` of a destination project, or the
    defaults with nothing in use for a project the plan creates."""
    if destination_id is None or isinstance(destination_id, res.Unresolved):
        return {k: (v, 0) for k, v in driver.defaults(ctx).items()}
    return driver.usage(ctx, destination_id)
