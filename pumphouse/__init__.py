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

"""Pumphouse: move OpenStack workloads between clouds."""

import warnings

# futurist imports eventlet when it is installed (oslo.service depends on
# it) only to detect green threads; nothing here uses it, so its
# deprecation warning would only confuse operators.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from oslo_service import backend as _oslo_service_backend  # noqa: E402

# Pumphouse runs on threads. oslo.messaging imports oslo.service, whose
# default backend would import eventlet; choose the threading one first.
try:
    _oslo_service_backend.init_backend(
        _oslo_service_backend.BackendType.THREADING)
except _oslo_service_backend.exceptions.BackendAlreadySelected:
    pass
