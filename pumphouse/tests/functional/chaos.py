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

"""Chaos: the conductor working on a migration is SIGKILLed at seeded
points of its progress.

Used by ``test_chaos.py`` (three points, in CI) and by
``tools/bench/chaos.py`` (ten points, printed tallies). A kill point is a
number of plan items done: once the migration has that many done, the
conductor that owns it is killed; the other conductor takes it over
(after the heartbeat timeout), then the killed one is started again, so
that the next point again has two conductors to choose from.
"""

import collections
import dataclasses
import random
import signal

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import server_workspace

FINISHED = ('planned', 'completed', 'failed', 'cancelled')


def kill_points(seed: int, total: int, count: int) -> list[int]:
    """``count`` distinct numbers of items done, in (1, total - 1)."""
    chooser = random.Random(seed)
    return sorted(chooser.sample(range(1, max(total - 1, count + 1)),
                                 count))


@dataclasses.dataclass
class Kill:
    point: int
    done: int
    owner: str
    taken_over_by: str | None = None


def show(admin, uuid: str, suffix: str = '') -> dict:
    response = admin.request('GET', f'/v1/migrations/{uuid}{suffix}')
    assert response.status_code == 200, response.text
    return response.json()


def run_with_kills(deployment, admin, uuid: str, points: list[int],
                   timeout: float = 600) -> list[Kill]:
    """Kill the owning conductor at each point; the kills made (a point
    the migration finished before is not reached)."""
    kills = []
    for point in points:
        def reached(point=point):
            shown = show(admin, uuid)
            done = shown['items']['by_state'].get('done', 0)
            if shown['state'] in FINISHED or (
                    shown['conductor'] and done >= point):
                return shown
            return None
        shown = fixtures.wait_until(reached, timeout, interval=0.05)
        assert shown, show(admin, uuid)
        if shown['state'] in FINISHED:
            break
        owner = shown['conductor']
        deployment.processes[owner].stop(signal.SIGKILL)
        kill = Kill(point, shown['items']['by_state'].get('done', 0), owner)
        kills.append(kill)
        moved = fixtures.wait_until(
            lambda owner=owner: (lambda s: s if s['state'] in FINISHED or (
                s['conductor'] and s['conductor'] != owner) else None)(
                    show(admin, uuid)), timeout, interval=0.2)
        assert moved, show(admin, uuid)
        kill.taken_over_by = moved['conductor']
        deployment.start_conductor(owner)
        assert fixtures.wait_until(lambda: deployment.live_conductors() == [
            *deployment_mod.CONDUCTORS], 60)
    return kills


def duplicates(workspace: server_workspace.ServerWorkspace) -> dict:
    """Names the destination holds more than once for the workspace."""
    conn = workspace.destination
    project = workspace.destination_project()
    if project is None:
        return {'project': ['missing']}
    found = {
        'servers': [s.name for s in conn.compute.servers(
            all_projects=True, project_id=project.id)],
        'volumes': [v.name for v in conn.block_storage.volumes(
            all_projects=True, project_id=project.id)],
        'networks': [n.name for n in conn.network.networks(
            project_id=project.id)],
        'subnets': [s.name for s in conn.network.subnets(
            project_id=project.id)],
        'ports': [(p.name, p.mac_address) for p in conn.network.ports(
            project_id=project.id)],
        'security groups': [g.name for g in conn.network.security_groups(
            project_id=project.id)],
        'routers': [r.name for r in conn.network.routers(
            project_id=project.id)],
        'images': [i.name for i in conn.image.images()
                   if i.name == workspace.image.name],
        'users': [u.name for u in conn.identity.users()
                  if u.name == workspace.user.name],
        'flavors': [f.name for f in conn.compute.flavors(is_public=None)
                    if f.name in workspace.flavor_names],
    }
    return {kind: sorted(str(n) for n, c in collections.Counter(
        names).items() if c > 1) for kind, names in found.items()
        if any(c > 1 for c in collections.Counter(names).values())}
