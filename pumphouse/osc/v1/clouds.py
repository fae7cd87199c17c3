"""``openstack migration cloud create|list|show|delete|validate``."""

import logging

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


class CreateCloud(command.ShowOne):
    """Register a source or destination cloud.

    Either name a clouds.yaml entry the Pumphouse service can read
    (--cloud), or give the credentials, which are stored encrypted and
    never shown again.
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
        parser.add_argument('--password', metavar='<password>',
                            help='Password of --username (stored '
                                 'encrypted).')
        parser.add_argument('--application-credential-secret',
                            metavar='<secret>')
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
        auth = {key: getattr(parsed_args, key)
                for key in AUTH_OPTIONS + ('password',
                                           'application_credential_secret')
                if getattr(parsed_args, key)}
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
            f'/clouds/{parsed_args.cloud}'))


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
            api.delete(f'/clouds/{cloud}')


class ValidateCloud(command.ShowOne):
    """Check that Pumphouse can log in to a cloud and see its services."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        result = common.client(self).post(
            f'/clouds/{parsed_args.cloud}/validate')
        return common.show(result)
