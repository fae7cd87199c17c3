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

import argparse
import sys
import threading
from collections.abc import Sequence

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy

from pumphouse import policies
from pumphouse.common import exception

CONF = cfg.CONF

_ENFORCER: policy.Enforcer | None = None
_lock = threading.Lock()

#: [oslo_policy] policy_file unless configured: looked for beside the
#: configuration files, and not needed (the rules have defaults in code).
DEFAULT_POLICY_FILE = 'policy.yaml'

policy_opts.set_defaults(CONF, policy_file=DEFAULT_POLICY_FILE)


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


def _config_args(argv: Sequence[str]) -> list[str]:
    """The ``--config-file`` and ``--config-dir`` options of a command line,
    without the tool's own options (``--namespace``, ``--output-file``, ...)
    that Pumphouse's configuration does not know."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument('--config-file', action='append', default=[])
    parser.add_argument('--config-dir', action='append', default=[])
    known, _others = parser.parse_known_args(list(argv))
    return ([arg for path in known.config_file
             for arg in ('--config-file', path)]
            + [arg for path in known.config_dir
               for arg in ('--config-dir', path)])


def get_enforcer() -> policy.Enforcer:
    """The enforcer, for the oslopolicy-* tools (entry point).

    As ironic does: the tools' command line is parsed again for Pumphouse's
    configuration, so that ``--config-file`` (and with it ``[oslo_policy]
    policy_file``) is honoured; without one, the usual files
    (``/etc/pumphouse/pumphouse.conf``, ...) are read.
    """
    CONF(_config_args(sys.argv[1:]), project='pumphouse')
    return init_enforcer()


def authorize(rule: str, target: dict, context) -> None:
    """Raise Forbidden unless the context may do ``rule`` on ``target``."""
    enforcer = init_enforcer()
    try:
        enforcer.authorize(rule, target, context, do_raise=True,
                           exc=exception.Forbidden, action=rule)
    except policy.InvalidScope as e:
        raise exception.Forbidden(action=rule) from e
