#!/usr/bin/env python3
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

"""Register Pumphouse in a Keystone catalog (idempotent).

Creates, when missing, the service of type ``migration`` and its public,
internal and admin endpoints at ``--url``, and optionally a service user
with a role on the service project (its password is read from the
environment variable PUMPHOUSE_SERVICE_PASSWORD, never from the command
line). Run with the cloud's admin credentials::

    tools/register_service.py --os-cloud mycloud --url http://ctl:8799 \
        [--region RegionOne] [--service-user pumphouse]

devstack's plugin does the same with devstack's helpers.
"""

import argparse
import os
import sys

import openstack

SERVICE_TYPE = 'migration'
INTERFACES = ('public', 'internal', 'admin')


def ensure_service(conn, name: str):
    for service in conn.identity.services(type=SERVICE_TYPE):
        return service
    return conn.identity.create_service(
        name=name, type=SERVICE_TYPE, enabled=True,
        description='Pumphouse workload migration service')


def ensure_endpoints(conn, service, url: str, region: str | None) -> None:
    existing = {e.interface: e for e in conn.identity.endpoints(
        service_id=service.id) if region is None or e.region_id == region}
    for interface in INTERFACES:
        endpoint = existing.get(interface)
        if endpoint is None:
            # A null region_id is refused by Keystone 25 (2024.1) and
            # earlier: leave it out when there is no region.
            where = {'region_id': region} if region else {}
            conn.identity.create_endpoint(service_id=service.id, url=url,
                                          interface=interface, **where)
        elif endpoint.url != url:
            conn.identity.update_endpoint(endpoint, url=url)


def ensure_service_user(conn, name: str, project: str, role: str) -> None:
    password = os.environ.get('PUMPHOUSE_SERVICE_PASSWORD')
    if not password:
        sys.exit('PUMPHOUSE_SERVICE_PASSWORD is not set')
    user = conn.identity.find_user(name, domain_id='default')
    if user is None:
        user = conn.identity.create_user(name=name, domain_id='default',
                                         password=password)
    else:
        conn.identity.update_user(user, password=password)
    project = conn.identity.find_project(project, domain_id='default',
                                         ignore_missing=False)
    role = conn.identity.find_role(role, ignore_missing=False)
    conn.identity.assign_project_role_to_user(project, user, role)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'),
                        help='clouds.yaml entry with admin credentials.')
    parser.add_argument('--url', required=True,
                        help='Base URL of pumphouse-api.')
    parser.add_argument('--region', help='Region of the endpoints '
                        '(default: the cloud\'s region, if it has one).')
    parser.add_argument('--name', default='pumphouse')
    parser.add_argument('--service-user',
                        help='Also make this service user.')
    parser.add_argument('--service-project', default='service')
    parser.add_argument('--service-role', default='admin')
    args = parser.parse_args(argv)
    conn = openstack.connect(cloud=args.os_cloud)
    service = ensure_service(conn, args.name)
    region = args.region or conn.config.get_region_name('identity')
    ensure_endpoints(conn, service, args.url.rstrip('/'), region)
    if args.service_user:
        ensure_service_user(conn, args.service_user, args.service_project,
                            args.service_role)
    print(f'service {service.id} ({SERVICE_TYPE}) at {args.url}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
