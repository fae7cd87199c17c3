"""Policies of /v1/mappings: the id memory of every migration, admin only."""

from oslo_policy import policy

from pumphouse.policies import base

PREFIX = 'pumphouse:mapping:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='List the source to destination id mappings recorded '
                    'by migrations.',
        operations=[{'path': '/v1/mappings', 'method': 'GET'}]),
]


def list_rules() -> list[policy.RuleDefault]:
    return rules
