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
