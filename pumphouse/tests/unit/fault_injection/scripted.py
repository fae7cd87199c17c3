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

"""A :class:`~pumphouse.tests.functional.faultproxy.FaultProxy` whose
faults are written down instead of drawn: each entry of its script faults
the next request it matches, once, so a test knows which request gets
which fault."""

import dataclasses
import re
import threading

from pumphouse.tests.functional import faultproxy


@dataclasses.dataclass(frozen=True)
class Step:
    """Fault the next request of ``method`` whose path ``path`` (a
    regular expression) is searched in with ``kind`` (``status`` for an
    ``error``)."""

    method: str
    path: str
    kind: str
    status: int | None = None


class ScriptedFaultProxy(faultproxy.FaultProxy):
    """Faults only what :attr:`script` says (a list of :class:`Step`,
    consumed in order of the requests; add to it at any time)."""

    def __init__(self, upstreams, script=(), **kwargs) -> None:
        kwargs.setdefault('stall_seconds', 1.0)
        super().__init__(upstreams, rate=0.0, **kwargs)
        self.script = list(script)
        self._script_lock = threading.Lock()

    def _decide(self, upstream, method, path):
        decision = super()._decide(upstream, method, path)
        with self._script_lock:
            for index, step in enumerate(self.script):
                if step.method == method and re.search(step.path, path):
                    del self.script[index]
                    status = step.status
                    if step.kind == 'error' and status is None:
                        status = 503
                    return faultproxy._Decision(decision.seq, step.kind,
                                                status)
        return decision
