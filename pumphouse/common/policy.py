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

"""Policy enforcement (oslo.policy)."""

import threading

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy

from pumphouse import policies
from pumphouse.common import exception

CONF = cfg.CONF

_ENFORCER: policy.Enforcer | None = None
_lock = threading.Lock()

policy_opts.set_defaults(CONF, policy_file='policy.yaml')


def init_enforcer(**kwargs) -> policy.Enforcer:
    global _ENFORCER
    with _lock:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(CONF, **kwargs)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def reset() -> None:
    global _ENFORCER
    with _lock:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def get_enforcer() -> policy.Enforcer:
    """The enforcer, for oslopolicy-* tools (entry point)."""
    CONF([], project='pumphouse', default_config_files=[])
    return init_enforcer()


def authorize(rule: str, target: dict, context) -> None:
    """Raise Forbidden unless the context may do ``rule`` on ``target``."""
    enforcer = init_enforcer()
    try:
        enforcer.authorize(rule, target, context, do_raise=True,
                           exc=exception.Forbidden, action=rule)
    except policy.InvalidScope as e:
        raise exception.Forbidden(action=rule) from e
