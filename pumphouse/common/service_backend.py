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

"""oslo.service's threading backend, chosen before oslo.messaging loads.

Pumphouse runs on threads. oslo.messaging imports oslo.service, whose
default backend imports eventlet, so the threading one has to be chosen
before the first import of oslo.messaging. The packages whose modules
import it call :func:`use_threads` on import (:mod:`pumphouse.cmd`,
:mod:`pumphouse.conductor`, :mod:`pumphouse.common.rpc`), so whichever
is imported first chooses; ``pumphouse`` itself does not, because the
OpenStack client plugin must not load oslo.service at all.
"""

import warnings

from oslo_service import backend


def use_threads() -> None:
    """Select oslo.service's threading backend (once; later calls and a
    threading backend already chosen elsewhere are fine)."""
    # futurist imports eventlet when it is installed (oslo.service depends
    # on it) only to detect green threads; nothing here uses it, so its
    # deprecation warning would only confuse operators.
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except backend.exceptions.BackendAlreadySelected:
        pass
