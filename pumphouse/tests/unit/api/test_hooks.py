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

"""The Pecan hooks, through the whole WSGI application."""

import logging

from oslo_context import context as oslo_context

from pumphouse.tests.unit.api import test_clouds


class _RequestIds(logging.Handler):
    """The request id each record would be logged with: oslo.log's
    formatter takes the thread's current context when the record has
    none."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.seen: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        current = oslo_context.get_current()
        self.seen.append((record.getMessage(),
                          current.request_id if current else None))


class TestRequestIdInLogs(test_clouds.CloudsTestCase):

    def test_noauth_log_lines_carry_the_current_request_id(self):
        handler = _RequestIds()
        logger = logging.getLogger('pumphouse.api')
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)
        self.addCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.INFO)
        answered = []
        for name in ('first', 'second'):
            response = self.post(test_clouds.auth_body(name))
            answered.append(response.headers['X-OpenStack-Request-Id'])
        logged = [request_id for message, request_id in handler.seen
                  if 'registered' in message]
        self.assertEqual(answered, logged)
