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

"""pumphouse-status upgrade check: every check passing and failing.

The database checks run on SQLite, MariaDB and PostgreSQL (the db tests'
``db_backend``); the key and policy checks on real files.
"""

import datetime
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from cryptography import fernet
from oslo_upgradecheck import upgradecheck
from oslo_utils import timeutils

from pumphouse.cmd import status
from pumphouse.common import crypto
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import owner_api
from pumphouse.db import schema

SUCCESS = upgradecheck.Code.SUCCESS
WARNING = upgradecheck.Code.WARNING
FAILURE = upgradecheck.Code.FAILURE
OURS = rpcapi.ConductorAPI.RPC_API_VERSION


@pytest.fixture
def checks() -> status.Checks:
    return status.Checks()


@pytest.fixture
def key_file(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    path = tmp_path / 'credentials.key'
    CONF.set_override('key_file', str(path), group='credentials')
    crypto.reset_cache()
    crypto.ensure_key_file()
    try:
        yield path
    finally:
        crypto.reset_cache()
        CONF.clear_override('key_file', group='credentials')


@pytest.fixture
def policy_file(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    path = tmp_path / 'policy.yaml'
    CONF.set_override('policy_file', str(path), group='oslo_policy')
    try:
        yield path
    finally:
        CONF.clear_override('policy_file', group='oslo_policy')


def _assert(result: upgradecheck.Result, code: upgradecheck.Code,
            *texts: str) -> None:
    assert result.code == code, result.details
    for text in texts:
        assert text in result.details


def _store_cloud_secret(name: str, token: str) -> None:
    db_api.create_cloud({'name': name, 'config': {}, 'credentials': token})


# Database revision

def test_database_at_the_latest_revision(migrated_db, checks) -> None:
    _assert(checks._check_database(), SUCCESS,
            f'at revision {schema.head()}')


def test_empty_database(db_backend, checks) -> None:
    _assert(checks._check_database(), FAILURE, 'has no schema',
            'run "pumphouse-dbsync upgrade"')
    for check in (checks._check_conductors, checks._check_rpc_version):
        _assert(check(), FAILURE, 'The database has no owners table: it is '
                                  'not upgraded')


def test_database_behind(db_backend, checks) -> None:
    schema.upgrade('0005')
    _assert(checks._check_database(), FAILURE,
            f'at revision 0005 but this release needs {schema.head()}',
            'run "pumphouse-dbsync upgrade"')


def test_database_of_a_newer_release(migrated_db, checks) -> None:
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text(
            "UPDATE alembic_version SET version_num = '0099'"))
    _assert(checks._check_database(), FAILURE, 'at revision 0099',
            'a newer release of Pumphouse upgraded it')


def test_database_one_revision_ahead(migrated_db, checks) -> None:
    ahead = f'{int(schema.head()) + 1:04d}'
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text('UPDATE alembic_version SET version_num = '
                             ':ahead'), {'ahead': ahead})
    _assert(checks._check_database(), WARNING, f'at revision {ahead}, one '
            'newer', 'still run on it during a rolling upgrade')


def test_unreachable_database(checks) -> None:
    CONF.set_override('connection', 'mysql+pymysql://nobody@127.0.0.1:1/x',
                      group='database')
    CONF.set_override('max_retries', 0, group='database')
    db_api.reset_facade()
    try:
        for check in (checks._check_database, checks._check_conductors,
                      checks._check_rpc_version):
            _assert(check(), FAILURE, 'Cannot read the database '
                                      '([database] connection)')
    finally:
        db_api.reset_facade()
        CONF.clear_override('connection', group='database')
        CONF.clear_override('max_retries', group='database')


# Credential key

def test_key_file_decrypts_what_is_stored(migrated_db, key_file,
                                          checks) -> None:
    _store_cloud_secret('a', crypto.encrypt({'password': 'x'}))
    _assert(checks._check_credential_key(), SUCCESS,
            f'The key file {key_file} decrypts the 1 stored secrets')


def test_missing_key_file(migrated_db, key_file, checks) -> None:
    key_file.unlink()
    _assert(checks._check_credential_key(), FAILURE,
            f'The credential key file {key_file} ([credentials] key_file) '
            'does not exist', 'copy it')


def test_unusable_key_file(migrated_db, key_file, checks) -> None:
    key_file.write_text('not a key\n')
    _assert(checks._check_credential_key(), FAILURE, 'not a Fernet key',
            str(key_file))


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads any file')
def test_key_file_not_readable_by_this_user(migrated_db, key_file,
                                            checks) -> None:
    key_file.chmod(0)
    _assert(checks._check_credential_key(), FAILURE, 'Permission denied',
            'as the user of the services')


def test_key_file_of_another_deployment(migrated_db, key_file,
                                        checks) -> None:
    _store_cloud_secret('a', crypto.encrypt({'password': 'x'}))
    crypto.write_keys([crypto.generate_key()])
    _assert(checks._check_credential_key(), FAILURE,
            'None of the 1 secrets stored in the database can be '
            "decrypted", "it is not this deployment's key")


def test_some_secrets_stored_with_a_lost_key(migrated_db, key_file,
                                             checks) -> None:
    _store_cloud_secret('a', crypto.encrypt({'password': 'x'}))
    lost = fernet.Fernet(crypto.generate_key()).encrypt(b'{}').decode()
    _store_cloud_secret('b', lost)
    _assert(checks._check_credential_key(), WARNING,
            '1 of the 2 stored secrets cannot be decrypted',
            'clouds 2 credentials')


def test_key_file_readable_by_others(migrated_db, key_file, checks) -> None:
    key_file.chmod(0o644)
    _assert(checks._check_credential_key(), WARNING,
            'can be read by other users (mode 0644)')


# Policy file

def test_no_policy_file(checks) -> None:
    _assert(checks._check_policy_file(), SUCCESS, 'the default rules apply')


def test_configured_policy_file_missing(policy_file, checks) -> None:
    _assert(checks._check_policy_file(), FAILURE,
            f'[oslo_policy] policy_file is {policy_file}, which does not '
            'exist')


def test_valid_policy_file(policy_file, checks) -> None:
    policy_file.write_text('"pumphouse:cloud:get": "role:reader"\n'
                           '"admin": "role:admin or role:operator"\n')
    _assert(checks._check_policy_file(), SUCCESS,
            f'The policy file {policy_file} is valid (2 rules)')


@pytest.mark.parametrize('content, problem', [
    ('"pumphouse:cloud:gets": "role:reader"\n',
     'unknown rules (ignored): pumphouse:cloud:gets'),
    ('"pumphouse:cloud:get": "role:reader and ("\n',
     'rules that cannot be parsed (they deny everything): '
     'pumphouse:cloud:get'),
    ('"pumphouse:cloud:get": "rule:nobody_defined_this"\n',
     "['pumphouse:cloud:get'] reference a rule that is not defined"),
])
def test_invalid_policy_files(policy_file, checks, content, problem) -> None:
    policy_file.write_text(content)
    _assert(checks._check_policy_file(), FAILURE,
            f'The policy file {policy_file} has', problem)


def test_policy_file_that_is_not_yaml(policy_file, checks) -> None:
    policy_file.write_text('"pumphouse:cloud:get": [\n')
    _assert(checks._check_policy_file(), FAILURE,
            f'The policy file {policy_file} cannot be read')


def test_json_policy_file(policy_file, checks) -> None:
    policy_file.write_text('{"pumphouse:cloud:get": "role:reader"}\n')
    name, (check, kwargs) = checks._upgrade_checks[3]
    assert name == 'Policy file format'
    _assert(check(checks, **kwargs), FAILURE, 'JSON-formatted')
    policy_file.write_text('"pumphouse:cloud:get": "role:reader"\n')
    assert check(checks, **kwargs).code == SUCCESS


# Live conductors and their RPC version

def _age(name: str, seconds: int) -> None:
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text('UPDATE owners SET heartbeat_at = :t '
                             'WHERE name = :n'),
                     {'t': timeutils.utcnow()
                      - datetime.timedelta(seconds=seconds), 'n': name})


def test_live_conductor(migrated_db, checks) -> None:
    owner_api.register_owner('c1', owner_api.CONDUCTOR, rpc_version=OURS)
    owner_api.register_owner('c2', owner_api.CONDUCTOR, rpc_version=OURS)
    _assert(checks._check_conductors(), SUCCESS, '2 live: c1, c2')
    _assert(checks._check_rpc_version(), SUCCESS,
            f'Every live conductor serves {OURS}')


def test_no_live_conductor(migrated_db, checks) -> None:
    owner_api.register_owner('cli-host-1', owner_api.COMMAND)
    owner_api.register_owner('stale', owner_api.CONDUCTOR, rpc_version=OURS)
    _age('stale', CONF.conductor.heartbeat_timeout + 5)
    owner_api.register_owner('stopped', owner_api.CONDUCTOR,
                             rpc_version=OURS)
    owner_api.unregister_owner('stopped')
    _assert(checks._check_conductors(), FAILURE, 'No conductor is alive',
            'Start pumphouse-conductor')
    _assert(checks._check_rpc_version(), WARNING,
            'No live conductor to compare with')


def _major_minor(delta_major: int = 0, delta_minor: int = 0) -> str:
    major, minor = (int(n) for n in OURS.split('.'))
    return f'{major + delta_major}.{minor + delta_minor}'


@pytest.mark.parametrize('announced, code, text', [
    (_major_minor(0, 1), SUCCESS, 'or a compatible later version'),
    (_major_minor(0, -1), WARNING, 'upgrade and restart the conductors '
                                   'before the API'),
    (_major_minor(1, 0), FAILURE, 'incompatible with'),
    ('one.two', FAILURE, "c1 ('one.two')"),
    (None, WARNING, 'do not announce the RPC API version'),
])
def test_rpc_versions(migrated_db, checks, announced, code, text) -> None:
    owner_api.register_owner('c1', owner_api.CONDUCTOR,
                             rpc_version=announced)
    _assert(checks._check_rpc_version(), code, text)


def test_conductors_of_a_release_that_did_not_record_the_version(
        db_backend, checks) -> None:
    schema.upgrade('0006')
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text(
            'INSERT INTO owners (name, kind, online, heartbeat_at, '
            "created_at) VALUES ('old-1', 'conductor', :t, :now, :now)"),
            {'t': True, 'now': timeutils.utcnow()})
    _assert(checks._check_conductors(), SUCCESS, '1 live: old-1')
    _assert(checks._check_rpc_version(), WARNING,
            'do not announce the RPC API version they serve', 'old-1')


# The command

def _status(conf: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
    # The console script is pumphouse.cmd.status:main (setup.cfg).
    return subprocess.run(
        [sys.executable, '-m', 'pumphouse.cmd.status', '--config-file',
         str(conf), 'upgrade', 'check', *extra],
        capture_output=True, text=True, timeout=120)


def test_command_on_a_deployment(tmp_path: pathlib.Path) -> None:
    database = tmp_path / 'pumphouse.sqlite'
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[database]\nconnection = sqlite:///{database}\n')
    subprocess.run([os.path.join(os.path.dirname(sys.executable),
                                 'pumphouse-dbsync'), '--config-file',
                    str(conf), 'upgrade'],
                   check=True, capture_output=True, timeout=120)

    result = _status(conf)
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'Check: Live conductors' in result.stdout
    assert 'No conductor is alive' in result.stdout
    assert 'Traceback' not in result.stdout + result.stderr

    with sqlite3.connect(database) as conn:
        now = timeutils.utcnow().isoformat(' ')
        conn.execute(
            'INSERT INTO owners (name, kind, online, heartbeat_at, '
            "rpc_version, created_at) VALUES ('c1', 'conductor', 1, ?, ?, ?)",
            (now, OURS, now))
    result = _status(conf, '--json')
    assert result.returncode == 0, result.stdout + result.stderr
    output = json.loads(result.stdout)
    assert {c['check']: c['result'] for c in output['checks']} == {
        'Database revision': 0, 'Credential key': 0, 'Policy file': 0,
        'Policy file format': 0, 'Live conductors': 0,
        'Conductor RPC version': 0}
