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

"""The DevStack plugin (devstack/), phase by phase, in a sandbox.

``sandbox.sh`` sources devstack/settings and plugin.sh as stack.sh,
unstack.sh and clean.sh do, with DevStack's functions replaced by stubs
that record their calls (and, for iniset and write_uwsgi_config, write
the files); these tests read the record and the files.
"""

import configparser
import dataclasses
import os
import pathlib
import subprocess
import sys

import pytest

SANDBOX = pathlib.Path(__file__).with_name('sandbox.sh')
PLUGIN = SANDBOX.parents[4] / 'devstack' / 'plugin.sh'
STACK = ('stack:install', 'stack:post-config', 'stack:extra')
HOST = '192.0.2.10'
URL = f'http://{HOST}/migration'

pytestmark = pytest.mark.skipif(
    not (PLUGIN.exists() and SANDBOX.exists()),
    reason='the devstack plugin is not in this tree (an installed package)')


@dataclasses.dataclass
class Run:
    """What the plugin did in the sandbox."""

    workdir: pathlib.Path
    returncode: int
    output: str
    calls: list[tuple[str, ...]]

    @property
    def conf_dir(self) -> pathlib.Path:
        return self.workdir / 'etc' / 'pumphouse'

    def named(self, name: str) -> list[tuple[str, ...]]:
        """The arguments of every call of ``name``."""
        return [call[1:] for call in self.calls if call[0] == name]

    def in_phase(self, phase: str) -> list[tuple[str, ...]]:
        """The calls made in ``phase`` (iniset left out)."""
        found, inside = [], False
        for call in self.calls:
            if call[0] == 'phase':
                inside = call[1] == phase
            elif inside and call[0] != 'iniset':
                found.append(call)
        return found

    def ini(self, name: str) -> configparser.RawConfigParser:
        parser = configparser.RawConfigParser(default_section='__none__',
                                              strict=False)
        parser.optionxform = str
        path = self.conf_dir / name
        assert path.exists(), f'{path} was not written'
        parser.read(path)
        return parser


def run_plugin(workdir: pathlib.Path, *phases: str, **env: str) -> Run:
    environ = {**os.environ, 'SANDBOX_PYTHON': sys.executable, **env}
    process = subprocess.run(
        ['bash', str(SANDBOX), str(workdir), *phases], env=environ,
        capture_output=True, text=True, timeout=120)
    record = (workdir / 'record').read_text().splitlines()
    return Run(workdir, process.returncode,
               process.stdout + process.stderr,
               [tuple(line.split('\t')) for line in record])


@pytest.fixture(scope='module')
def stacked(tmp_path_factory):
    """The three stack phases of a node with keystone, mysql, rabbit."""
    run = run_plugin(tmp_path_factory.mktemp('stacked'), *STACK)
    assert run.returncode == 0, run.output
    return run


def test_install_develops_the_checkout_and_installs_uwsgi(stacked):
    repo = str(SANDBOX.parents[4])
    assert stacked.in_phase('stack:install') == [
        ('setup_develop', repo), ('install_apache_uwsgi',)]


def test_pumphouse_conf(stacked):
    conf = stacked.ini('pumphouse.conf')
    state = str(stacked.workdir / 'data' / 'pumphouse')
    assert dict(conf['DEFAULT']) == {
        'debug': 'True',
        'host': 'sandbox-host',
        'state_path': state,
        'transport_url': f'rabbit://stackrabbit:secretrabbit@{HOST}:5672/',
    }
    # utf8mb4: names with 4-byte characters
    assert conf['database']['connection'] == (
        'mysql+pymysql://root:secretdatabase@127.0.0.1/pumphouse'
        '?charset=utf8mb4')
    assert dict(conf['api']) == {'public_endpoint': URL,
                                 'auth_strategy': 'keystone',
                                 'threads': '8'}
    assert dict(conf['keystone_authtoken']) == {
        'auth_type': 'password', 'interface': 'public',
        'auth_url': f'http://{HOST}/identity', 'username': 'pumphouse',
        'password': 'secretservice', 'user_domain_name': 'Default',
        'project_name': 'service', 'project_domain_name': 'Default',
        'memcached_servers': 'localhost:11211',
        'www_authenticate_uri': f'http://{HOST}/identity'}
    conf_dir = stacked.conf_dir
    assert conf['credentials']['key_file'] == str(
        conf_dir / 'credentials.key')
    assert conf['clouds']['clouds_yaml'] == '/etc/openstack/clouds.yaml'
    assert conf['oslo_policy']['policy_file'] == str(conf_dir /
                                                     'policy.yaml')
    assert (conf_dir / 'policy.yaml').exists()
    assert stacked.named('iniset_rpc_backend') == [
        ('pumphouse', str(conf_dir / 'pumphouse.conf'))]
    assert stacked.named('setup_logging') == [
        (str(conf_dir / 'pumphouse.conf'),)]


def test_pumphouse_conf_keeps_the_sample_comments_out_of_the_options(
        stacked):
    # The sample's commented-out defaults are comments, not options: only
    # what the plugin set is set.
    conf = stacked.ini('pumphouse.conf')
    assert not conf.has_option('api', 'port')
    assert not conf.has_option('api', 'host_ip')


def test_uwsgi_serves_the_wsgi_module_at_migration(stacked):
    path = stacked.conf_dir / 'pumphouse-api-uwsgi.ini'
    assert stacked.named('write_uwsgi_config') == [
        (str(path), 'pumphouse.wsgi:application', '/migration', '',
         'pumphouse-api')]
    uwsgi = stacked.ini('pumphouse-api-uwsgi.ini')['uwsgi']
    assert uwsgi['module'] == 'pumphouse.wsgi:application'
    assert 'wsgi-file' not in uwsgi
    assert uwsgi['env'] == ('PUMPHOUSE_CONFIG_FILE='
                            f'{stacked.conf_dir / "pumphouse.conf"}')
    assert uwsgi['threads'] == '8'
    assert uwsgi['socket'] == '/var/run/uwsgi/pumphouse-api.socket'


def test_the_wsgi_module_has_the_application():
    # What uwsgi imports, without running it (it reads the configuration
    # at import).
    source = (SANDBOX.parents[3] / 'wsgi.py').read_text()
    assert '\napplication = ' in source


def test_one_service_with_a_public_endpoint_only(stacked):
    assert stacked.named('create_service_user') == [('pumphouse', 'admin')]
    assert stacked.named('get_or_create_service') == [
        ('pumphouse', 'migration', 'Pumphouse workload migration service')]
    # get_or_create_endpoint SERVICE REGION PUBLIC [ADMIN [INTERNAL]]
    assert stacked.named('get_or_create_endpoint') == [
        ('service-id-of-pumphouse', 'RegionOne', URL)]


def test_extra_creates_the_database_and_starts_both_services(stacked):
    conf = stacked.conf_dir / 'pumphouse.conf'
    bindir = stacked.workdir / 'bin'
    uwsgi_ini = stacked.conf_dir / 'pumphouse-api-uwsgi.ini'
    assert stacked.in_phase('stack:extra') == [
        ('recreate_database', 'pumphouse'),
        ('exec', 'pumphouse-dbsync', '--config-file', str(conf), 'upgrade'),
        ('run_process', 'pumphouse-conductor',
         f'{bindir}/pumphouse-conductor --config-file {conf}'),
        ('run_process', 'pumphouse-api',
         f'{bindir}/uwsgi --procname-prefix pumphouse-api --ini '
         f'{uwsgi_ini}'),
        ('wait_for_service', '60', f'{URL}/healthcheck'),
    ]


def test_unstack_stops_both_services(tmp_path):
    run = run_plugin(tmp_path, *STACK, 'unstack')
    assert run.returncode == 0, run.output
    assert run.in_phase('unstack') == [
        ('stop_process', 'pumphouse-api'),
        ('stop_process', 'pumphouse-conductor')]


def test_clean_removes_the_configuration_state_and_apache_site(tmp_path):
    run = run_plugin(tmp_path, *STACK, 'unstack', 'clean')
    assert run.returncode == 0, run.output
    conf_dir = run.conf_dir
    assert run.in_phase('clean') == [
        ('remove_uwsgi_config', str(conf_dir / 'pumphouse-api-uwsgi.ini'),
         'pumphouse-api'),
        ('sudo', 'rm', '-rf', str(conf_dir),
         str(tmp_path / 'data' / 'pumphouse'))]
    assert not conf_dir.exists()


def test_conductor_only_node(tmp_path):
    run = run_plugin(tmp_path, *STACK, SANDBOX_DISABLE='pumphouse-api')
    assert run.returncode == 0, run.output
    assert run.named('install_apache_uwsgi') == []
    assert run.named('write_uwsgi_config') == []
    assert run.named('get_or_create_service') == []
    assert run.named('get_or_create_endpoint') == []
    assert [c[0] for c in run.named('run_process')] == [
        'pumphouse-conductor']
    assert (run.conf_dir / 'pumphouse.conf').exists()


def test_noauth_needs_no_keystone(tmp_path):
    run = run_plugin(tmp_path, *STACK, PUMPHOUSE_AUTH_STRATEGY='noauth',
                     ENABLED_SERVICES='mysql,rabbit')
    assert run.returncode == 0, run.output
    conf = run.ini('pumphouse.conf')
    assert conf['api']['auth_strategy'] == 'noauth'
    assert not conf.has_section('keystone_authtoken') or \
        not dict(conf['keystone_authtoken'])
    assert run.named('create_service_user') == []
    assert run.named('get_or_create_endpoint') == []
    assert [c[0] for c in run.named('run_process')] == [
        'pumphouse-conductor', 'pumphouse-api']


def test_keystone_strategy_without_keystone_stops(tmp_path):
    run = run_plugin(tmp_path, *STACK, ENABLED_SERVICES='mysql,rabbit')
    assert run.returncode != 0
    assert 'PUMPHOUSE_AUTH_STRATEGY=keystone needs the' in run.output
    assert run.named('run_process') == []


def test_no_rpc_backend_stops(tmp_path):
    run = run_plugin(tmp_path, *STACK, ENABLED_SERVICES='key,mysql')
    assert run.returncode != 0
    assert 'Pumphouse needs an RPC backend' in run.output


def test_nothing_happens_when_both_services_are_disabled(tmp_path):
    run = run_plugin(tmp_path, *STACK, 'unstack', 'clean',
                     SANDBOX_DISABLE='pumphouse-api pumphouse-conductor')
    assert run.returncode == 0, run.output
    assert {call[0] for call in run.calls} == {'phase'}
