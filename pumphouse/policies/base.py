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

"""Personas of secure RBAC, reused by the rules of every resource.

``admin`` may do everything. Resources owned by a project (migrations) are
open to ``member`` of that project for creating and acting and to ``reader``
for reading; other projects see nothing.
"""

from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'

RULE_ADMIN = 'rule:admin'
RULE_PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
RULE_PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault(
        name='admin',
        check_str=ADMIN,
        description='An administrator of the cloud Pumphouse serves.'),
    policy.RuleDefault(
        name='project_member_or_admin',
        check_str=f'({PROJECT_MEMBER}) or rule:admin',
        description='A member of the project that owns the object, or an '
                    'administrator.'),
    policy.RuleDefault(
        name='project_reader_or_admin',
        check_str=f'({PROJECT_READER}) or rule:admin',
        description='A reader of the project that owns the object, or an '
                    'administrator.'),
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
