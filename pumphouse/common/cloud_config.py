"""How a registered cloud is described, stored and connected to.

A cloud is registered either by reference to a clouds.yaml entry the
services can read (nothing secret is stored) or with an explicit
keystoneauth ``auth`` dict. The public part of the configuration is stored
in clear for display; the whole configuration, secrets included, is stored
only encrypted.
"""

import copy
import os

import openstack
from openstack import config as os_config
from openstack.config import exceptions as os_config_exc
from openstack.config import loader as os_loader

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF

SECRET_AUTH_KEYS = frozenset({'password', 'application_credential_secret'})
CONNECTION_KEYS = ('region_name', 'interface', 'verify', 'cacert')


def split_registration(body: dict) -> tuple[dict, str | None]:
    """Turn a validated registration body into (public config, secret).

    The secret is the encrypted connection configuration, or None for a
    clouds.yaml reference.
    """
    connection = {k: body[k] for k in CONNECTION_KEYS if k in body}
    if 'cloud' in body:
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


def clouds_yaml_files() -> list[str]:
    """The clouds.yaml files looked in, first match wins."""
    if CONF.clouds.clouds_yaml:
        return list(CONF.clouds.clouds_yaml)
    override = os.environ.get('OS_CLIENT_CONFIG_FILE')
    return ([override] if override else []) + list(os_loader.CONFIG_FILES)


def _openstack_config() -> os_config.OpenStackConfig:
    # load_envvars=False: OS_* variables of the service's environment must
    # not turn into a cloud; it would also ignore OS_CLIENT_CONFIG_FILE,
    # hence the explicit file list.
    return os_config.OpenStackConfig(config_files=clouds_yaml_files(),
                                     load_envvars=False)


def check_clouds_yaml_entry(name: str) -> None:
    """Raise CloudConfigError unless clouds.yaml has an entry ``name``."""
    try:
        _openstack_config().get_one(cloud=name)
    except os_config_exc.OpenStackConfigException as e:
        raise exception.CloudConfigError(
            reason=f'clouds.yaml has no usable entry {name!r}: {e}') from e


def connect(config: dict, credentials: str | None):
    """An openstacksdk Connection to a registered cloud."""
    common = {'api_timeout': CONF.clouds.api_timeout,
              'connect_retries': CONF.clouds.connect_retries,
              'app_name': 'pumphouse'}
    if config.get('cloud'):
        overrides = {k: config[k] for k in CONNECTION_KEYS if k in config}
        try:
            region = _openstack_config().get_one(cloud=config['cloud'],
                                                 **overrides)
        except os_config_exc.OpenStackConfigException as e:
            raise exception.CloudConfigError(
                reason=f'clouds.yaml entry {config["cloud"]!r}: {e}') from e
        return openstack.connection.Connection(config=region, **common)
    if credentials is None:
        raise exception.CloudConfigError(
            reason='the cloud has neither a clouds.yaml reference nor '
                   'stored credentials')
    kwargs = copy.deepcopy(crypto.decrypt(credentials))
    region = os_config.get_cloud_region(load_yaml_config=False,
                                        load_envvars=False, **kwargs)
    return openstack.connection.Connection(config=region, **common)
