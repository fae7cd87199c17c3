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

"""``openstack migration cloud create|list|show|delete|validate`` and
``openstack migration cloud stack list``."""

import logging

from osc_lib.command import command

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import secrets

LOG = logging.getLogger(__name__)

COLUMNS = ('uuid', 'name', 'cloud', 'auth_type', 'region_name',
           'interface', 'description', 'created_at', 'updated_at')
LIST_COLUMNS = ('uuid', 'name', 'cloud', 'region_name', 'description')
STACK_COLUMNS = ('id', 'name', 'status', 'created_at', 'updated_at')
#: The microversion that lists a project's stacks.
STACKS_VERSION = (1, 5)
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


#: The secrets of ``cloud create``, each with the auth type it goes with.
SECRETS = ((secrets.Secret('password', 'Password of --username',
                           'OS_MIGRATION_CLOUD_PASSWORD',
                           on_command_line=True), 'password'),
           (secrets.Secret('application_credential_secret',
                           'Secret of the application credential',
                           'OS_MIGRATION_CLOUD_APPLICATION_CREDENTIAL_SECRET',
                           on_command_line=True),
            'v3applicationcredential'))


class CreateCloud(common.ShowOne):
    """Register a source or destination cloud.

    Either name a clouds.yaml entry the Pumphouse service can read
    (--cloud), or give the credentials, which are stored encrypted and
    never shown again. Give the password (or application credential
    secret) with --password-prompt, --password-file, --password-stdin or
    $OS_MIGRATION_CLOUD_PASSWORD rather than --password, which every user
    sees in the process list and the shell history keeps.
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
        for secret, _auth_type in SECRETS:
            secret.add_options(parser)
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
        secrets.one_stdin_reader(secret.stdin_option(parsed_args)
                                 for secret, _auth_type in SECRETS)
        for secret, goes_with in SECRETS:
            # The environment is read only for the secret of explicit
            # credentials of its auth type (never with --cloud).
            value = secret.read(
                parsed_args, self.app.stdin,
                environment=bool(auth) and auth_type == goes_with)
            if value:
                auth[secret.name] = value
        if auth:
            body['auth'] = auth
        return cloud_fields(common.client(self).post('/clouds', body))


class ListCloud(common.Lister):
    """List the registered clouds."""

    def take_action(self, parsed_args):
        clouds = common.client(self).list_all('/clouds', 'clouds')
        return LIST_COLUMNS, [[common.cell(c.get(k)) for k in LIST_COLUMNS]
                              for c in clouds]


class ShowCloud(common.ShowOne):
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


class ValidateCloud(common.ShowOne):
    """Check that Pumphouse can log in to a cloud and see its services."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        result = common.client(self).post(
            common.path('clouds', parsed_args.cloud, 'validate'))
        return common.show(result)


class ListCloudStack(common.Lister):
    """List the Heat stacks of a project of a registered cloud.

    Read from the cloud now. Heat lists a project's stacks only to a
    token scoped to the project: when the cloud's user has no role
    there, the service gives it [identity] source_project_role for the
    listing and takes it back afterwards.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or UUID.')
        parser.add_argument('--project', metavar='<project>', required=True,
                            help='Project of the cloud: its id, or a name '
                                 'only one of its projects has.')
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        api.require(STACKS_VERSION, "a project's stacks")
        found = api.get(common.path('clouds', parsed_args.cloud, 'projects',
                                    parsed_args.project, 'stacks'))
        return STACK_COLUMNS, [[common.cell(s.get(k)) for k in STACK_COLUMNS]
                               for s in found['stacks']]
