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

"""How a registered cloud is described, stored and connected to.

A cloud is registered either by reference to a clouds.yaml entry the
services can read (nothing secret is stored) or with an explicit
keystoneauth ``auth`` dict. The public part of the configuration is stored
in clear for display; the whole configuration, secrets included, is stored
only encrypted.
"""

import copy
import os
import re
import ssl

import openstack
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import loading as ksa_loading
from openstack import config as os_config
from openstack.config import exceptions as os_config_exc
from openstack.config import loader as os_loader
from oslo_log import log

from pumphouse.common import cloud_session
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import masking
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

SECRET_AUTH_KEYS = frozenset({'password', 'application_credential_secret'})
#: The application openstacksdk and keystoneauth name in User-Agent.
APP_NAME = 'pumphouse'
CONNECTION_KEYS = ('region_name', 'interface', 'verify', 'cacert')
#: Connection settings a clouds.yaml reference cannot override: its TLS
#: settings are the operator's, in clouds.yaml.
TLS_KEYS = ('verify', 'cacert')
#: The one answer for every unusable ``cacert``: it must not tell a
#: missing file from a directory or a file that holds no certificate, or
#: a caller could probe the conductors' files.
CACERT_UNUSABLE = ('cacert cannot be used: it must name a readable file of '
                   'PEM CA certificates on the conductors\' host')


def split_registration(body: dict) -> tuple[dict, str | None]:
    """Turn a validated registration body into (public config, secret).

    The secret is the encrypted connection configuration, or None for a
    clouds.yaml reference.
    """
    connection = {k: body[k] for k in CONNECTION_KEYS if k in body}
    if 'cloud' in body:
        overridden = [k for k in TLS_KEYS if k in body]
        if overridden:
            raise exception.CloudConfigError(
                reason=f'{" and ".join(overridden)} cannot be given with '
                       '"cloud": the TLS settings of a clouds.yaml entry '
                       'are those of clouds.yaml; register the cloud with '
                       '"auth" to give TLS settings of its own')
        check_clouds_yaml_entry(body['cloud'])
        public = dict(connection, cloud=body['cloud'])
        return public, None
    auth = dict(body['auth'])
    auth_type = body.get('auth_type', 'password')
    _check_auth(auth_type, auth)
    public = dict(connection, auth_type=auth_type,
                  auth={k: v for k, v in auth.items()
                        if k not in SECRET_AUTH_KEYS})
    secret = crypto.encrypt(dict(connection, auth_type=auth_type, auth=auth))
    return public, secret


def _check_auth(auth_type: str, auth: dict) -> None:
    if masking.url_has_credentials(auth['auth_url']):
        # It would be stored, shown and logged in clear.
        raise exception.CloudConfigError(
            reason='auth.auth_url must not carry a user or password '
                   '(user:password@host); give them as auth.username and '
                   'auth.password, which are stored encrypted')
    _check_auth_fields(auth_type, auth)
    if auth_type == 'password':
        if 'password' not in auth:
            raise exception.CloudConfigError(
                reason='auth.password is required for auth_type password')
        if 'username' not in auth and 'user_id' not in auth:
            raise exception.CloudConfigError(
                reason='auth.username or auth.user_id is required')
        if 'username' in auth and not ({'user_domain_name', 'user_domain_id'}
                                       & set(auth)):
            raise exception.CloudConfigError(
                reason='auth.user_domain_name or auth.user_domain_id is '
                       'required with auth.username')
    elif auth_type == 'v3applicationcredential':
        if 'application_credential_secret' not in auth:
            raise exception.CloudConfigError(
                reason='auth.application_credential_secret is required for '
                       'auth_type v3applicationcredential')
        if 'application_credential_id' not in auth and \
                'application_credential_name' not in auth:
            raise exception.CloudConfigError(
                reason='auth.application_credential_id or '
                       'auth.application_credential_name is required')


def _check_auth_fields(auth_type: str, auth: dict) -> None:
    """Refuse fields the keystoneauth plugin of ``auth_type`` does not
    take: it would fail on them at every connection."""
    taken = {option.dest for option in
             ksa_loading.get_plugin_loader(auth_type).get_options()}
    foreign = sorted(set(auth) - taken)
    if foreign:
        raise exception.CloudConfigError(
            reason=f'{", ".join("auth." + f for f in foreign)} cannot be '
                   f'given with auth_type {auth_type}')


def clouds_yaml_files() -> list[str]:
    """The clouds.yaml files looked in, first match wins."""
    if CONF.clouds.clouds_yaml:
        return list(CONF.clouds.clouds_yaml)
    override = os.environ.get('OS_CLIENT_CONFIG_FILE')
    return ([override] if override else []) + list(os_loader.CONFIG_FILES)


def _openstack_config(session_constructor=None
                      ) -> os_config.OpenStackConfig:
    # load_envvars=False: OS_* variables of the service's environment must
    # not turn into a cloud; it would also ignore OS_CLIENT_CONFIG_FILE,
    # hence the explicit file list.
    return os_config.OpenStackConfig(config_files=clouds_yaml_files(),
                                     load_envvars=False, app_name=APP_NAME,
                                     session_constructor=session_constructor)


def check_clouds_yaml_entry(name: str) -> None:
    """Raise CloudConfigError unless clouds.yaml has an entry ``name``."""
    try:
        _openstack_config().get_one(cloud=name)
    except os_config_exc.OpenStackConfigException as e:
        raise exception.CloudConfigError(
            reason=f'clouds.yaml has no usable entry {name!r}: {e}') from e


def connect(config: dict, credentials: str | None,
            api_timeout: float | None = None, retries: int | None = None,
            name: str | None = None, global_request_id: str | None = None):
    """An openstacksdk Connection to a registered cloud.

    Its requests time out after ``api_timeout`` seconds (default:
    ``[clouds] api_timeout``) and those safe to repeat are retried up to
    ``retries`` times (default: ``[clouds] api_retries``) by its
    :class:`~pumphouse.common.cloud_session.CloudSession`, which tells
    each retry to the connection's observer
    (:func:`~pumphouse.common.cloud_session.observe`) naming the cloud
    ``name`` (default: the clouds.yaml entry). keystoneauth's own retries
    are off, whatever clouds.yaml says: they would send a POST again.
    Every request sends ``X-OpenStack-Request-ID``: ``global_request_id``,
    by default that of the thread's request context. The connections
    derived from it (``connect_as``) get the same.
    """
    settings = {'api_timeout': (CONF.clouds.api_timeout if api_timeout is None
                                else api_timeout),
                'connect_retries': 0, 'status_code_retries': 0}
    label = name or config.get('cloud') or '(unnamed)'
    constructor = cloud_session.session_constructor(
        label, cloud_session.RetryPolicy.from_conf(retries),
        global_request_id=global_request_id)
    if config.get('cloud'):
        # TLS settings stored by an earlier release are not applied: those
        # of clouds.yaml are.
        overrides = {k: config[k] for k in CONNECTION_KEYS
                     if k in config and k not in TLS_KEYS}
        ignored = [k for k in TLS_KEYS if k in config]
        if ignored:
            LOG.warning('The %(keys)s stored with the reference to '
                        'clouds.yaml entry %(cloud)s are not applied: the '
                        'TLS settings of an entry are those of clouds.yaml',
                        {'keys': ' and '.join(ignored),
                         'cloud': config['cloud']})
        try:
            region = _openstack_config(constructor).get_one(
                cloud=config['cloud'], **overrides, **settings)
        except os_config_exc.OpenStackConfigException as e:
            raise exception.CloudConfigError(
                reason=f'clouds.yaml entry {config["cloud"]!r}: {e}') from e
    else:
        if credentials is None:
            raise exception.CloudConfigError(
                reason='the cloud has neither a clouds.yaml reference nor '
                       'stored credentials')
        kwargs = copy.deepcopy(crypto.decrypt(
            credentials, what="The cloud's stored credentials",
            remedy='Restore the key file they were stored with, or '
                   'register the cloud again.'))
        kwargs.update(settings)
        try:
            region = os_config.OpenStackConfig(
                load_yaml_config=False, load_envvars=False,
                app_name=APP_NAME,
                session_constructor=constructor).get_one(**kwargs)
        except TypeError as e:
            # keystoneauth's plugin refused a field of the stored auth
            # (registered before such fields were refused).
            raise exception.CloudConfigError(
                reason=f'the stored auth does not suit its auth_type: '
                       f'{masking.mask_text(str(e))}; register the cloud '
                       'again') from None
    verify, _cert = region.get_requests_verify_args()
    if isinstance(verify, str):
        check_cacert(verify)
    # Connection(config=...) ignores every other keyword argument: what
    # the connection is to do must be in the region.
    return openstack.connection.Connection(config=region)


def check_cacert(path: str) -> None:
    """Raise CloudConfigError, always with the same message, unless
    ``path`` is a readable file holding at least one PEM certificate."""
    try:
        if not os.path.isfile(path):
            raise OSError(path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cafile=path)
        if not context.cert_store_stats().get('x509'):
            raise ssl.SSLError('no certificate')
    except (OSError, ssl.SSLError, ValueError):
        raise exception.CloudConfigError(reason=CACERT_UNUSABLE) from None


#: How keystoneauth words a connection that failed.
_CONNECT_FAILURE = re.compile(r'^Unable to establish connection to (\S+): ')


def error_text(error: Exception) -> str:
    """What went wrong talking to a cloud, in one short line: a
    connection that failed is "cannot connect to URL: Connection refused"
    rather than keystoneauth's nested urllib3 message; credentials in it
    are masked."""
    text = str(error) or type(error).__name__
    found = _CONNECT_FAILURE.match(text)
    if isinstance(error, ksa_exc.ConnectFailure) and found:
        text = f'cannot connect to {found[1]}: {_root_reason(error)}'
    return masking.mask_text(' '.join(text.split()))


def _root_reason(error: BaseException) -> str:
    """The operating system's word for the failure at the bottom of
    ``error``'s chain (Connection refused, Name or service not known)."""
    reason, seen, current = None, set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            reason = current.strerror
        current = current.__cause__ or current.__context__
    return reason or 'the connection failed'
