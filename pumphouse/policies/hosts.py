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

"""Policies of /v1/hosts: hypervisor hosts are the administrator's."""

from oslo_policy import policy

from pumphouse.policies import base

PREFIX = 'pumphouse:host:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Register the hardware facts of a source host, or '
                    'change them.',
        operations=[{'path': '/v1/hosts', 'method': 'POST'},
                     {'path': '/v1/hosts/{host_ident}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='List registered hosts, show one, its operations and '
                    'its evacuation plan, or make an evacuation plan as a '
                    'dry run.',
        operations=[{'path': '/v1/hosts', 'method': 'GET'},
                    {'path': '/v1/hosts/{host_ident}', 'method': 'GET'},
                    {'path': '/v1/hosts/{host_ident}/operations',
                     'method': 'GET'},
                    {'path': '/v1/hosts/{host_ident}/evacuation-plan',
                     'method': 'GET'},
                    {'path': '/v1/hosts/{host_ident}/evacuation-plan',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'set_state',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Evacuate a host, hand it to the destination cloud, or '
                    'put it back into the source\'s scheduling.',
        operations=[{'path': '/v1/hosts/{host_ident}/state',
                     'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Forget a registered host.',
        operations=[{'path': '/v1/hosts/{host_ident}',
                     'method': 'DELETE'}]),
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
