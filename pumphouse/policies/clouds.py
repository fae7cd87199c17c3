"""Policies of /v1/clouds: registered clouds are the administrator's."""

from oslo_policy import policy

from pumphouse.policies import base

PREFIX = 'pumphouse:cloud:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='Register a source or destination cloud.',
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
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
