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

"""An identity workload the service tests create in the source Keystone,
with names unique to the run, and the helpers that wait for the harness
clouds when they are being restarted."""

import time
import uuid

import requests
from keystoneauth1 import exceptions as ksa_exc

from pumphouse.tests.functional import fixtures


def keystone_answers(name: str) -> bool:
    url = fixtures.cloud_entry(name)['auth']['auth_url']
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def wait_for_clouds() -> None:
    """The harness clouds may be being restarted: wait for them."""
    assert fixtures.wait_until(
        lambda: all(keystone_answers(n) for n in ('source', 'destination')),
        300, interval=2), 'the harness Keystones do not answer: is ' \
        'tools/minicloud/minicloud status up?'


def retry(func, *args, attempts: int = 3, **kwargs):
    """Call a harness cloud; if it is away, wait for it and call again."""
    for attempt in range(attempts):
        try:
            return func(*args, **kwargs)
        except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout):
            if attempt == attempts - 1:
                raise
            time.sleep(1)
            wait_for_clouds()


def listed(list_resources, **filters) -> list:
    return retry(lambda: list(list_resources(**filters)))


class IdentityWorkload:
    """A project with a sub-project, users, a group, a role, assignments.

    Names are unique per run; :meth:`cleanup` deletes them, and their
    copies, from both clouds.
    """

    def __init__(self, users: int = 1) -> None:
        self.suffix = uuid.uuid4().hex[:8]
        self.project = f'ph-func-{self.suffix}'
        self.child = f'{self.project}-child'
        self.users = [f'ph-func-{self.suffix}-user{n}' for n in range(users)]
        self.group = f'ph-func-{self.suffix}-group'
        self.role = f'ph-func-{self.suffix}-role'
        self.source = fixtures.sdk_connection('source')
        self.destination = fixtures.sdk_connection('destination')

    def create(self) -> None:
        identity = self.source.identity
        project = retry(identity.create_project, name=self.project,
                        domain_id='default')
        child = retry(identity.create_project, name=self.child,
                      domain_id='default', parent_id=project.id)
        role = retry(identity.create_role, name=self.role)
        member = retry(identity.find_role, 'member', ignore_missing=False)
        group = retry(identity.create_group, name=self.group,
                      domain_id='default')
        for name in self.users:
            user = retry(identity.create_user, name=name,
                         domain_id='default', default_project_id=project.id,
                         password=uuid.uuid4().hex)
            retry(identity.assign_project_role_to_user, project, user, role)
        retry(identity.add_user_to_group, user, group)
        retry(identity.assign_project_role_to_group, child, group, member)

    def cleanup(self) -> None:
        for conn in (self.source, self.destination):
            identity = conn.identity
            for name in self.users:
                for user in listed(identity.users, name=name):
                    retry(identity.delete_user, user)
            for group in listed(identity.groups, name=self.group):
                retry(identity.delete_group, group)
            for name in (self.child, self.project):
                for project in listed(identity.projects, name=name):
                    retry(identity.delete_project, project)
            for role in listed(identity.roles, name=self.role):
                retry(identity.delete_role, role)

    def count_users(self, conn) -> dict[str, int]:
        names = set(self.users)
        counts = dict.fromkeys(names, 0)
        for user in listed(conn.identity.users, domain_id='default'):
            if user.name in names:
                counts[user.name] += 1
        return counts
