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

"""Policies of /v1/clouds: registered clouds are the administrator's."""

from oslo_policy import policy

from pumphouse.policies import base

PREFIX = 'pumphouse:cloud:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Register a source or destination cloud. A cloud '
                    'registered by reference to a clouds.yaml entry '
                    '("cloud") takes its TLS settings from clouds.yaml: '
                    '"verify" and "cacert" are refused with it, so no '
                    'caller can weaken TLS on an operator\'s entry. A '
                    'cloud registered with "auth" may give them; '
                    '"cacert" names a file on the conductors\' host, and '
                    'every unusable one gets the same answer.',
        operations=[{'path': '/v1/clouds', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='List registered clouds or show one.',
        operations=[{'path': '/v1/clouds', 'method': 'GET'},
                    {'path': '/v1/clouds/{cloud_ident}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Delete a registered cloud.',
        operations=[{'path': '/v1/clouds/{cloud_ident}',
                     'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'validate',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Authenticate against a registered cloud and list the '
                    'services of its catalog.',
        operations=[{'path': '/v1/clouds/{cloud_ident}/validate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'resources',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Read what a registered cloud holds now (its projects '
                    'with their servers, volumes, images and networks, its '
                    'compute hosts, or a project\'s Heat stacks): the web '
                    'UI\'s source browser.',
        operations=[{'path': '/v1/clouds/{cloud_ident}/resources',
                     'method': 'GET'},
                    {'path': '/v1/clouds/{cloud_ident}/projects/'
                             '{project}/stacks',
                     'method': 'GET'}]),
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
