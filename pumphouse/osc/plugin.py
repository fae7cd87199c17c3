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

"""OpenStackClient plugin hooks for the migration service."""

import argparse
import logging

from osc_lib import utils

from pumphouse.osc import client as client_mod

LOG = logging.getLogger(__name__)

API_NAME = 'migration'
API_VERSION_OPTION = 'os_migration_api_version'
CLIENT_CLASS = 'pumphouse.osc.client.Client'
# OSC needs the major version among the keys; '1' means "the latest 1.x
# both sides support". 1.1 adds the host commands, 1.2 evacuation plans.
API_VERSIONS = {'1': CLIENT_CLASS, '1.0': CLIENT_CLASS, '1.1': CLIENT_CLASS,
                '1.2': CLIENT_CLASS}


def make_client(instance) -> client_mod.Client:
    """The migration client of an OSC client manager."""
    requested = instance._api_version[API_NAME]
    config = instance.get_configuration()
    endpoint = config.get('migration_endpoint') or None
    region = getattr(instance, '_region_name', None)
    if endpoint is None:
        endpoint = instance.get_endpoint_for_service_type(
            API_NAME, interface=instance.interface, region_name=region)
    LOG.debug('Migration API at %s, version %s', endpoint, requested)
    return client_mod.Client(
        instance.session,
        api_version=client_mod.LATEST if requested == '1' else requested,
        endpoint_override=endpoint, region_name=region,
        interface=instance.interface)


def build_option_parser(parser: argparse.ArgumentParser):
    """The global options of the plugin."""
    parser.add_argument(
        '--os-migration-api-version',
        metavar='<migration-api-version>',
        default=utils.env('OS_MIGRATION_API_VERSION', default='1'),
        help='Migration API version: 1 (default: the latest both the '
             'client and the server support) or X.Y '
             '(Env: OS_MIGRATION_API_VERSION)')
    parser.add_argument(
        '--os-migration-endpoint',
        metavar='<url>',
        default=utils.env('OS_MIGRATION_ENDPOINT'),
        help='The migration API endpoint, instead of the one in the '
             'catalog (Env: OS_MIGRATION_ENDPOINT)')
    return parser
