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

"""Checking that a registered cloud can be used.

Authenticates with openstacksdk and asks every endpoint of the catalog for
its API versions, so the operator learns before a migration whether the
credentials work and which services and microversions the cloud offers.
"""

import time

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import api_versions
from pumphouse.common import cloud_config
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: The error of an endpoint the validation had no time left to ask.
NOT_CHECKED = ('not checked: the validation took [clouds] '
               'validation_timeout before reaching it')


def _failure(reason: str, message: str) -> dict:
    return {'valid': False, 'reason': reason,
            'message': masking.mask_text(message), 'services': []}


def _version_view(version) -> dict:
    return {'version': api_versions.format_version(version.get('version')),
            'status': version.get('status'),
            'url': version.get('url'),
            'min_microversion': version.get('min_microversion'),
            'max_microversion': version.get('max_microversion')}


class _Deadline:
    """The time a validation has left, given to its requests.

    Each step (authentication, the discovery of one endpoint) makes at
    most two requests, so each request gets half of what is left: the
    validation ends within ``[clouds] validation_timeout``.
    """

    def __init__(self, session, seconds: float) -> None:
        self.session = session
        self.end = time.monotonic() + seconds

    def next_step(self) -> bool:
        """Give the session's requests their timeout; False when no time
        is left."""
        left = self.end - time.monotonic()
        if left <= 0:
            return False
        self.session.timeout = max(left / 2, 0.05)
        return True


def _services(conn, interface: str, region_name: str | None,
              deadline: _Deadline) -> list[dict]:
    session = conn.session
    deadline.next_step()
    # Through keystoneauth, not conn.authorize(): that one folds every
    # failure into one SDK exception and the cause would be lost.
    access = session.auth.get_access(session)
    endpoints = access.service_catalog.get_endpoints_data(
        interface=interface, region_name=region_name)
    services = []
    for service_type, entries in sorted(endpoints.items()):
        for entry in entries:
            view = {'type': service_type,
                    'name': entry.service_name,
                    'region': entry.region_name,
                    'url': entry.url,
                    'versions': [],
                    'error': None}
            if not deadline.next_step():
                view['error'] = NOT_CHECKED
                services.append(view)
                continue
            try:
                versions = entry.get_all_version_string_data(
                    session=session, project_id=access.project_id)
            except ksa_exc.ClientException as e:
                view['error'] = masking.mask_text(str(e))
                versions = []
            view['versions'] = [_version_view(v) for v in versions]
            # keystoneauth falls back to the version in the URL when the
            # endpoint does not answer discovery; raw_status tells them
            # apart (it is what the discovery document said).
            if not view['error'] and not any(v.get('raw_status')
                                             for v in versions):
                view['error'] = ('the endpoint did not answer version '
                                 'discovery')
            services.append(view)
    return services


def check(cloud) -> dict:
    """Validate a cloud record; never raises for a faulty cloud.

    Returns ``{'valid', 'reason', 'message', 'services'}``; ``reason`` is
    None when valid, else one of ``configuration``,
    ``authentication_failed``, ``forbidden``, ``tls``, ``unreachable`` or
    ``error``.
    """
    timeout = CONF.clouds.validation_timeout
    try:
        # No retries: a validation is bounded in time.
        conn = cloud_config.connect(cloud.config, cloud.credentials,
                                    api_timeout=timeout, retries=0,
                                    name=cloud.name)
    except exception.PumphouseException as e:
        return _failure('configuration', str(e))
    interface = cloud.config.get('interface', 'public')
    region = cloud.config.get('region_name')
    try:
        services = _services(conn, interface, region,
                             _Deadline(conn.session, timeout))
    except ksa_exc.Unauthorized:
        return _failure('authentication_failed',
                        'The cloud rejected the credentials (HTTP 401).')
    except ksa_exc.Forbidden as e:
        return _failure('forbidden', f'The cloud refused access: {e}')
    except ksa_exc.SSLError as e:
        return _failure('tls', f'TLS verification failed: {e}')
    except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout,
            ksa_exc.DiscoveryFailure) as e:
        return _failure('unreachable', f'The cloud is unreachable: {e}')
    except ksa_exc.MissingRequiredOptions as e:
        return _failure('configuration', str(e))
    except (ksa_exc.ClientException, sdk_exc.SDKException) as e:
        LOG.warning('Validation of cloud %(cloud)s failed: %(err)s',
                    {'cloud': cloud.uuid, 'err': masking.mask_text(str(e))})
        return _failure('error', str(e))
    finally:
        conn.close()
    failed = [s['type'] for s in services if s['error']]
    message = None
    if failed:
        message = 'No version data from: ' + ', '.join(failed)
    return {'valid': True, 'reason': None, 'message': message,
            'services': services}
