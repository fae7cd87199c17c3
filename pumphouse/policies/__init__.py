"""Default policies of Pumphouse's API, one module per API resource."""

import itertools

from oslo_policy import policy

from pumphouse.policies import base
from pumphouse.policies import clouds
from pumphouse.policies import hosts
from pumphouse.policies import mappings
from pumphouse.policies import migrations


def list_rules() -> list[policy.RuleDefault]:
    return list(itertools.chain(base.list_rules(), clouds.list_rules(),
                                migrations.list_rules(),
                                mappings.list_rules(), hosts.list_rules()))
