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

"""Key rotation of the stored secrets, on every backend.

The secrets are made the way the product makes them (a cloud registered
with a password, a host with power and provision info, a password issued
to a migrated user), with a real key file.
"""

import datetime
import pathlib
from collections.abc import Iterator
from unittest import mock

import pytest
import sqlalchemy as sa
from cryptography import fernet

from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.db import secret_api
from pumphouse.hosts import inventory

pytestmark = pytest.mark.usefixtures('migrated_db')

CLOUD_PASSWORD = 'cloud-password-1f3'
ISSUED_PASSWORD = 'issued-password-9c2'


@pytest.fixture
def key_file(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    path = tmp_path / 'keys' / 'credentials.key'
    CONF.set_override('key_file', str(path), group='credentials')
    crypto.reset_cache()
    crypto.ensure_key_file()
    try:
        yield path
    finally:
        crypto.reset_cache()
        CONF.clear_override('key_file', group='credentials')


def _keys(path: pathlib.Path) -> list[str]:
    return path.read_text().split()


def _register_cloud(name: str) -> models.Cloud:
    config, secret = cloud_config.split_registration({
        'name': name, 'auth': {
            'auth_url': 'https://keystone.example.org/v3',
            'username': 'admin', 'password': CLOUD_PASSWORD,
            'user_domain_name': 'Default', 'project_name': 'admin',
            'project_domain_name': 'Default'}})
    return db_api.create_cloud({'name': name, 'config': config,
                                'credentials': secret})


def _make_secrets() -> dict:
    """One secret of each kind; what each decrypts to, by place."""
    source = _register_cloud('source')
    destination = _register_cloud('destination')
    inventory.register({
        'name': 'compute-1', 'source': 'source',
        'power': {'driver': 'fake', 'info': {'id': 'bmc-1'}},
        'provision': {'driver': 'manual',
                      'info': {'instructions': 'ask the DC team'}}})
    migration = migration_api.create_migration({
        'project_id': 'admin', 'source_cloud_id': source.id,
        'destination_cloud_id': destination.id, 'state': 'running',
        'workload': {}, 'options': {}})
    migration_api.add_issued_password(
        migration.id, 'u-src', 'u-dst', 'alice', 'Default',
        crypto.encrypt({'password': ISSUED_PASSWORD}))
    return _plaintexts(crypto.multi_fernet(
        crypto.read_keys(CONF.credentials.key_file)))


def _tokens() -> dict[str, str]:
    """Every stored encrypted value, by ``table id column``."""
    found = {}
    with db_api.get_engine().connect() as conn:
        for name, columns in secret_api.ENCRYPTED.items():
            table = models.Base.metadata.tables[name]
            for row in conn.execute(sa.select(table)):
                for column in columns:
                    if row._mapping[column] is not None:
                        found[f'{name} {row.id} {column}'] = \
                            row._mapping[column]
    return found


def _plaintexts(keys: fernet.MultiFernet) -> dict[str, bytes]:
    return {where: keys.decrypt(token.encode())
            for where, token in _tokens().items()}


def _updated_at() -> dict[str, object]:
    with db_api.get_engine().connect() as conn:
        return {f'{name} {row.id}': row.updated_at
                for name in secret_api.ENCRYPTED
                for row in conn.execute(sa.select(
                    models.Base.metadata.tables[name]))}


def test_every_secret_the_product_stores_is_known(key_file) -> None:
    """No encrypted value outside the columns rotate-key rewrites."""
    _make_secrets()
    everywhere = []
    with db_api.get_engine().connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if isinstance(value, str) and value.startswith('gAAAA'):
                        everywhere.append((table.name, column))
    assert sorted(set(everywhere)) == sorted(
        (table, column) for table, columns in secret_api.ENCRYPTED.items()
        for column in columns)
    assert secret_api.count() == 5


def test_rotation_re_encrypts_everything_with_the_new_key_only(
        key_file) -> None:
    before = _make_secrets()
    [old_key] = _keys(key_file)
    with db_api.get_engine().begin() as conn:
        for name in secret_api.ENCRYPTED:
            conn.execute(models.Base.metadata.tables[name].update().values(
                updated_at=datetime.datetime(2026, 1, 2, 3, 4, 5)))
    updated_at = _updated_at()

    result = secret_api.rotate_key()

    assert result.rewritten == 5
    assert result.unreadable == []
    [new_key] = _keys(key_file)
    assert new_key != old_key
    # Nothing lost: every secret decrypts with the new key alone...
    assert _plaintexts(crypto.multi_fernet([new_key])) == before
    # ... and none with the old one.
    for token in _tokens().values():
        with pytest.raises(fernet.InvalidToken):
            fernet.Fernet(old_key).decrypt(token.encode())
    # Re-encrypting is not an update of the rows.
    assert _updated_at() == updated_at
    # The product reads them (the new file is picked up by itself).
    assert crypto.decrypt(db_api.get_cloud('source').credentials)[
        'auth']['password'] == CLOUD_PASSWORD
    [issued] = migration_api.pop_issued_passwords(
        migration_api.list_migrations()[0].id)
    assert crypto.decrypt(issued.secret) == {'password': ISSUED_PASSWORD}
    assert oct(key_file.stat().st_mode & 0o777) == '0o600'


def test_running_it_again_is_safe(key_file) -> None:
    before = _make_secrets()
    secret_api.rotate_key()
    [first] = _keys(key_file)

    secret_api.rotate_key()

    [second] = _keys(key_file)
    assert second != first
    assert _plaintexts(crypto.multi_fernet([second])) == before


def test_interrupted_rotation_loses_nothing_and_is_finished_again(
        key_file) -> None:
    before = _make_secrets()
    [old_key] = _keys(key_file)
    calls = []

    def fail_on_third_row(table, row_id, transform):
        calls.append(row_id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(table, row_id, transform)

    original = secret_api._rewrite_row
    with mock.patch.object(secret_api, '_rewrite_row', fail_on_third_row), \
            pytest.raises(KeyboardInterrupt):
        secret_api.rotate_key()

    # Half done: the file has the new key first and still the old one;
    # every secret is readable with the file, some with the new key.
    keys = _keys(key_file)
    assert len(keys) == 2 and keys[1] == old_key
    assert _plaintexts(crypto.multi_fernet(keys)) == before
    assert crypto.decrypt(db_api.get_cloud('source').credentials)

    secret_api.rotate_key()

    [new_key] = _keys(key_file)
    assert new_key not in keys
    assert _plaintexts(crypto.multi_fernet([new_key])) == before


def test_secret_written_with_the_old_key_during_the_rotation(
        key_file) -> None:
    """A service that had not read the new file yet stores a secret while
    the rotation runs: it is re-encrypted too before the old key goes."""
    _make_secrets()
    [old_key] = _keys(key_file)
    original = secret_api.rewrite
    passes = []

    def rewrite_and_meanwhile(transform):
        result = original(transform)
        if not passes:
            config, _secret = cloud_config.split_registration({
                'name': 'late', 'cloud': 'late'})
            db_api.create_cloud({
                'name': 'late', 'config': config,
                'credentials': fernet.Fernet(old_key).encrypt(
                    b'{"late": true}').decode()})
        passes.append(transform)
        return result

    with mock.patch.object(cloud_config, 'check_clouds_yaml_entry'), \
            mock.patch.object(secret_api, 'rewrite', rewrite_and_meanwhile):
        result = secret_api.rotate_key()

    assert result.rewritten == 6
    [new_key] = _keys(key_file)
    late = db_api.get_cloud('late').credentials
    assert fernet.Fernet(new_key).decrypt(late.encode()) == b'{"late": true}'


def test_secret_no_key_decrypts_is_left_as_it_was(key_file) -> None:
    before = _make_secrets()
    foreign = fernet.Fernet(crypto.generate_key()).encrypt(b'{}').decode()
    cloud = db_api.create_cloud({'name': 'foreign', 'config': {},
                                 'credentials': foreign})

    result = secret_api.rotate_key()

    assert result.unreadable == [f'clouds {cloud.id} credentials']
    assert db_api.get_cloud('foreign').credentials == foreign
    [new_key] = _keys(key_file)
    tokens = _tokens()
    del tokens[f'clouds {cloud.id} credentials']
    assert {where: fernet.Fernet(new_key).decrypt(token.encode())
            for where, token in tokens.items()} == before


def test_unreadable_names_what_the_keys_cannot_decrypt(key_file) -> None:
    _make_secrets()
    host = host_api.get_host('compute-1')
    assert secret_api.unreadable(crypto.multi_fernet(
        crypto.read_keys(str(key_file)))) == []

    other = crypto.multi_fernet([crypto.generate_key()])

    assert sorted(secret_api.unreadable(other)) == sorted([
        'clouds 1 credentials', 'clouds 2 credentials',
        f'hosts {host.id} power_info', f'hosts {host.id} provision_info',
        'issued_passwords 1 secret'])


def test_rotation_stops_while_old_keys_keep_coming(key_file) -> None:
    _make_secrets()
    [old_key] = _keys(key_file)
    original = secret_api.rewrite

    def always_late(transform):
        result = original(transform)
        result.rewritten += 1
        return result

    with mock.patch.object(secret_api, 'rewrite', always_late), \
            pytest.raises(exception.CredentialKeyRotationIncomplete):
        secret_api.rotate_key()
    # The old key is still there: nothing it encrypted is lost.
    assert _keys(key_file)[1:] == [old_key]


def test_empty_database(key_file) -> None:
    assert secret_api.count() == 0
    assert secret_api.rotate_key().rewritten == 0
    assert len(_keys(key_file)) == 1
