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

"""``openstack migration cloud create|list|show|delete|validate``."""

import logging
import os

from osc_lib import exceptions
from osc_lib import utils
from osc_lib.command import command

from pumphouse.osc.v1 import common

LOG = logging.getLogger(__name__)

COLUMNS = ('uuid', 'name', 'cloud', 'auth_type', 'region_name',
           'interface', 'description', 'created_at', 'updated_at')
LIST_COLUMNS = ('uuid', 'name', 'cloud', 'region_name', 'description')
AUTH_OPTIONS = ('auth_url', 'username', 'user_id', 'user_domain_name',
                'user_domain_id', 'project_name', 'project_id',
                'project_domain_name', 'project_domain_id',
                'application_credential_id', 'application_credential_name')


def cloud_fields(cloud: dict) -> tuple:
    data = dict(cloud)
    for key, value in (cloud.get('auth') or {}).items():
        data[f'auth.{key}'] = value
    data.pop('auth', None)
    data.pop('links', None)
    return common.show(data)


#: The secrets of ``cloud create``: (option, what it is, environment
#: variable read when no option gives it, the auth type it goes with).
SECRETS = (('password', 'Password of --username',
            'OS_MIGRATION_CLOUD_PASSWORD', 'password'),
           ('application_credential_secret',
            'Secret of the application credential',
            'OS_MIGRATION_CLOUD_APPLICATION_CREDENTIAL_SECRET',
            'v3applicationcredential'))


def _add_secret_options(parser, option: str, what: str, env: str) -> None:
    flag = '--' + option.replace('_', '-')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(flag, dest=option, metavar='<secret>',
                       help=f'{what} (stored encrypted). It shows in the '
                            'process list and the shell history: prefer '
                            f'{flag}-prompt, {flag}-file or ${env}.')
    group.add_argument(f'{flag}-prompt', dest=f'{option}_prompt',
                       action='store_true',
                       help=f'Ask for the {what.lower()} on the terminal, '
                            'without echoing it.')
    group.add_argument(f'{flag}-file', dest=f'{option}_file',
                       metavar='<file>',
                       help=f'Read the {what.lower()} from the first line '
                            'of a file ("-": standard input).')


def _read_secret_file(path: str, stdin, flag: str) -> str:
    try:
        if path == '-':
            line = stdin.readline()
        else:
            with open(path) as f:
                line = f.readline()
    except OSError as e:
        raise exceptions.CommandError(
            f'cannot read {flag}-file {path}: {e.strerror or e}') from None
    secret = line.rstrip('\r\n')
    if not secret:
        raise exceptions.CommandError(f'{flag}-file {path}: the first line '
                                      'is empty')
    return secret


def _secret(parsed_args, option: str, what: str, env: str | None,
            stdin) -> str | None:
    """A secret from its option, a prompt, a file or the environment
    variable ``env`` (if any), in that order; never echoed."""
    flag = '--' + option.replace('_', '-')
    if getattr(parsed_args, option):
        return getattr(parsed_args, option)
    if getattr(parsed_args, f'{option}_prompt'):
        return utils.get_password(stdin, prompt=f'{what}: ', confirm=True)
    if getattr(parsed_args, f'{option}_file'):
        return _read_secret_file(getattr(parsed_args, f'{option}_file'),
                                 stdin, flag)
    return (os.environ.get(env) or None) if env else None


class CreateCloud(command.ShowOne):
    """Register a source or destination cloud.

    Either name a clouds.yaml entry the Pumphouse service can read
    (--cloud), or give the credentials, which are stored encrypted and
    never shown again. Give the password (or application credential
    secret) with --password-prompt, --password-file or
    $OS_MIGRATION_CLOUD_PASSWORD rather than --password, which the
    process list and the shell history show.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the cloud in Pumphouse.')
        parser.add_argument('--description', metavar='<text>')
        parser.add_argument('--cloud', metavar='<entry>',
                            help='clouds.yaml entry on the Pumphouse '
                                 'service side.')
        parser.add_argument('--auth-type', metavar='<type>',
                            choices=('password', 'v3applicationcredential'))
        for option in AUTH_OPTIONS:
            parser.add_argument(f'--{option.replace("_", "-")}',
                                dest=option, metavar='<value>')
        for option, what, env, _auth_type in SECRETS:
            _add_secret_options(parser, option, what, env)
        parser.add_argument('--region-name', metavar='<region>')
        parser.add_argument('--interface',
                            choices=('public', 'internal', 'admin'))
        return parser

    def take_action(self, parsed_args):
        body = {'name': parsed_args.name}
        for key in ('description', 'cloud', 'auth_type', 'region_name',
                    'interface'):
            if getattr(parsed_args, key):
                body[key] = getattr(parsed_args, key)
        auth = {key: getattr(parsed_args, key) for key in AUTH_OPTIONS
                if getattr(parsed_args, key)}
        auth_type = parsed_args.auth_type or 'password'
        for option, what, env, goes_with in SECRETS:
            # The environment is read only for the secret of explicit
            # credentials of its auth type (never with --cloud).
            environ = env if auth and auth_type == goes_with else None
            secret = _secret(parsed_args, option, what, environ,
                             self.app.stdin)
            if secret:
                auth[option] = secret
        if auth:
            body['auth'] = auth
        return cloud_fields(common.client(self).post('/clouds', body))


class ListCloud(command.Lister):
    """List the registered clouds."""

    def take_action(self, parsed_args):
        clouds = common.client(self).list_all('/clouds', 'clouds')
        return LIST_COLUMNS, [[c.get(k) for k in LIST_COLUMNS]
                              for c in clouds]


class ShowCloud(command.ShowOne):
    """Show a registered cloud (never its secrets)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        return cloud_fields(common.client(self).get(
            common.path('clouds', parsed_args.cloud)))


class DeleteCloud(command.Command):
    """Forget registered clouds (refused while a migration uses one)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('clouds', metavar='<cloud>', nargs='+',
                            help='Names or UUIDs.')
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        for cloud in parsed_args.clouds:
            api.delete(common.path('clouds', cloud))


class ValidateCloud(command.ShowOne):
    """Check that Pumphouse can log in to a cloud and see its services."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        result = common.client(self).post(
            common.path('clouds', parsed_args.cloud, 'validate'))
        return common.show(result)
