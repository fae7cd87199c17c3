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

"""Policies of /v1/migrations: a migration belongs to a project.

Members of the owning project create and act on it, readers of that
project look at it, administrators do everything. Another project's
migration is answered with 404, as if it did not exist.
"""

from oslo_policy import policy

from pumphouse.policies import base

PREFIX = 'pumphouse:migration:%s'
_MIGRATION = '/v1/migrations/{migration_uuid}'


def _rule(action: str, check_str: str, description: str,
          operations: list[tuple[str, str]]) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=PREFIX % action,
        check_str=check_str,
        scope_types=['project'],
        description=description,
        operations=[{'path': path, 'method': method}
                    for method, path in operations])


rules = [
    _rule('create', base.RULE_PROJECT_MEMBER_OR_ADMIN,
          'Create a migration owned by the caller\'s project; it is '
          'planned at once.',
          [('POST', '/v1/migrations')]),
    _rule('create_any_workload', base.RULE_ADMIN,
          'Create a migration of any workload with any strategy. Others '
          'may migrate only their own project and only what it needs, '
          'since the registered clouds\' credentials reach everything: '
          'the project their token is scoped to, by id and in its '
          'domain (the migration records both ids).',
          [('POST', '/v1/migrations')]),
    _rule('list', base.RULE_PROJECT_READER_OR_ADMIN,
          'List the migrations of the caller\'s project.',
          [('GET', '/v1/migrations')]),
    _rule('list_all', base.RULE_ADMIN,
          'List the migrations of every project.',
          [('GET', '/v1/migrations')]),
    _rule('get', base.RULE_PROJECT_READER_OR_ADMIN,
          'Show a migration.',
          [('GET', _MIGRATION)]),
    _rule('plan', base.RULE_PROJECT_READER_OR_ADMIN,
          'Show the plan of a migration.',
          [('GET', _MIGRATION + '/plan')]),
    _rule('events', base.RULE_PROJECT_READER_OR_ADMIN,
          'Show the progress log of a migration.',
          [('GET', _MIGRATION + '/events')]),
    _rule('report', base.RULE_PROJECT_READER_OR_ADMIN,
          'Show the verification report of a migration.',
          [('GET', _MIGRATION + '/report')]),
    _rule('start', base.RULE_PROJECT_MEMBER_OR_ADMIN,
          'Start (apply) a planned migration, resume a failed or '
          'cancelled one, or plan again one whose planning failed.',
          [('PUT', _MIGRATION + '/state')]),
    _rule('cancel', base.RULE_PROJECT_MEMBER_OR_ADMIN,
          'Cancel a planned or running migration.',
          [('PUT', _MIGRATION + '/state')]),
    _rule('delete', base.RULE_PROJECT_MEMBER_OR_ADMIN,
          'Delete a migration that is not being worked on, with its plan '
          'and events (the mappings it recorded stay).',
          [('DELETE', _MIGRATION)]),
    _rule('passwords', base.RULE_ADMIN,
          'Fetch, once, the passwords given to the users a migration '
          'created. Administrators only by default: users belong to more '
          'than one project, so a project member could take over accounts '
          'of others.',
          [('POST', _MIGRATION + '/passwords')]),
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
