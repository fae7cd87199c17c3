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

"""Which failures of a cloud are transient."""

import socket

import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from openstack import exceptions as sdk_exc

from pumphouse.common import exception
from pumphouse.common import faults
from pumphouse.tests import base


def refused() -> ksa_exc.ConnectFailure:
    """keystoneauth's error for a port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        url = f'http://127.0.0.1:{probe.getsockname()[1]}/'
    try:
        ksa_session.Session().get(url, authenticated=False)
    except ksa_exc.ConnectFailure as e:
        return e
    raise AssertionError('connected')


class TestTransient(base.TestCase):

    def test_statuses(self):
        for status in (429, 500, 502, 503, 504):
            self.assertTrue(faults.is_transient(
                sdk_exc.HttpException('x', http_status=status)), status)
        for status in (400, 401, 403, 404, 409, 413, 501):
            self.assertFalse(faults.is_transient(
                sdk_exc.HttpException('x', http_status=status)), status)
        self.assertTrue(faults.is_transient(
            ksa_exc.ServiceUnavailable()))
        self.config(api_retry_statuses=[503], group='clouds')
        self.assertFalse(faults.is_transient(
            sdk_exc.HttpException('x', http_status=500)))

    def test_connections(self):
        for error in (ksa_exc.ConnectFailure('x'),
                      ksa_exc.ConnectTimeout('x'),
                      requests.exceptions.ChunkedEncodingError('x'),
                      requests.exceptions.ReadTimeout('x'),
                      ConnectionResetError(104, 'reset'),
                      refused()):
            self.assertTrue(faults.is_transient(error), error)
        for error in (ksa_exc.SSLError('x'),
                      requests.exceptions.SSLError('x'),
                      ksa_exc.Unauthorized(), ValueError('x'),
                      sdk_exc.ResourceTimeout('x')):
            self.assertFalse(faults.is_transient(error), error)

    def test_a_failure_caused_by_one(self):
        try:
            try:
                raise ksa_exc.ConnectFailure('reset')
            except ksa_exc.ConnectFailure as e:
                raise exception.PumphouseException('scoping failed') from e
        except exception.PumphouseException as e:
            self.assertTrue(faults.is_transient(e))
        try:
            try:
                raise ksa_exc.ConnectFailure('reset')
            except ksa_exc.ConnectFailure:
                raise ValueError('while handling it') from None
        except ValueError as e:
            self.assertFalse(faults.is_transient(e))

    def test_expected_errors_have_no_traceback(self):
        for error in (ksa_exc.ConnectFailure('x'), sdk_exc.SDKException(),
                      exception.PumphouseException(),
                      requests.exceptions.ChunkedEncodingError(),
                      ConnectionResetError()):
            self.assertTrue(faults.is_expected(error), error)
        self.assertFalse(faults.is_expected(KeyError('bug')))

    def test_describe(self):
        self.assertEqual('connection refused', faults.describe(refused()))
        self.assertEqual('HTTP 503', faults.describe(
            sdk_exc.HttpException('x', http_status=503)))
        self.assertEqual('connection failed', faults.describe(
            ksa_exc.ConnectFailure('x')))
        self.assertEqual('timed out waiting for the answer', faults.describe(
            ksa_exc.ConnectTimeout('x')))

    def test_nothing_sent(self):
        self.assertTrue(faults.nothing_sent(refused()))
        self.assertFalse(faults.nothing_sent(ksa_exc.ConnectFailure('x')))
