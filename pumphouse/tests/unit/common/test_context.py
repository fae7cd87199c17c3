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

"""Request contexts across threads, and the request id every cloud
session sends (requests_mock at the HTTP boundary)."""

import threading

import requests_mock

from pumphouse.common import cloud_session
from pumphouse.common import context
from pumphouse.tests import base

GLOBAL_ID = 'req-3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d'
HEADER = 'X-OpenStack-Request-ID'
URL = 'http://cloud.test/v2/things'


def in_thread(func):
    """What ``func`` returns, run in a new thread (no context of its
    own)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join()
    return result[0]


class TestWorkContexts(base.TestCase):

    def test_for_work_takes_the_requests_context(self):
        ctx = context.RequestContext(request_id='req-1', overwrite=False)
        self.assertIs(ctx, context.for_work(ctx))
        self.assertIs(ctx, context.current())

    def test_for_work_without_one_makes_its_own(self):
        ctx = in_thread(context.for_work)
        self.assertTrue(ctx.request_id.startswith('req-'))
        self.assertIsNone(ctx.global_request_id)
        self.assertIsNone(context.current())

    def test_carried_to_another_thread(self):
        ctx = context.RequestContext(global_request_id=GLOBAL_ID)
        seen = in_thread(context.carried(context.current))
        self.assertIs(ctx, seen)

    def test_thread_pool_carries_the_submitters_context(self):
        ctx = context.RequestContext(global_request_id=GLOBAL_ID)
        with context.ContextThreadPoolExecutor(max_workers=2) as pool:
            seen = [pool.submit(context.current) for _ in range(4)]
        self.assertEqual([ctx] * 4, [f.result() for f in seen])

    def test_redacted_copy_leaves_the_current_context(self):
        ctx = context.RequestContext(auth_token='tok-1')
        copy = ctx.redacted_copy()
        self.assertIsNone(copy.auth_token)
        self.assertIs(ctx, context.current())


class TestCloudSessionRequestId(base.TestCase):

    def get(self, session, **kwargs):
        with requests_mock.Mocker() as m:
            m.get(URL, json={})
            session.get(URL, authenticated=False, **kwargs)
        return m.request_history[0].headers.get(HEADER)

    def test_the_current_contexts_global_id(self):
        context.RequestContext(request_id='req-local',
                               global_request_id=GLOBAL_ID)
        self.assertEqual(GLOBAL_ID, self.get(cloud_session.CloudSession()))

    def test_the_requests_own_id_without_a_global_one(self):
        context.RequestContext(request_id='req-local')
        self.assertEqual('req-local', self.get(cloud_session.CloudSession()))

    def test_none_without_a_context(self):
        self.assertIsNone(self.get(cloud_session.CloudSession()))

    def test_an_explicit_id_wins(self):
        context.RequestContext(global_request_id=GLOBAL_ID)
        self.assertEqual('req-other', self.get(
            cloud_session.CloudSession(), global_request_id='req-other'))

    def test_sessions_made_later_elsewhere_keep_the_id(self):
        # openstacksdk makes a connection's sessions when they are first
        # used, maybe in a thread of the migration's task pool.
        context.RequestContext(global_request_id=GLOBAL_ID)
        constructor = cloud_session.session_constructor(
            'src', cloud_session.RetryPolicy.from_conf())
        session = in_thread(constructor)
        self.assertEqual(GLOBAL_ID, in_thread(lambda: self.get(session)))
