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

"""The API's middleware stack: CORS, and links behind a TLS-terminating
proxy and under a path prefix."""

import json

import webtest

from pumphouse.api import app as api_app
from pumphouse.conf import CONF
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds

DASHBOARD = 'https://dashboard.example.org'
PROXY_HEADERS = {'X-Forwarded-Proto': 'https',
                 'X-Forwarded-Host': 'cloud.example.org',
                 'X-Forwarded-Prefix': '/migration'}
PUBLIC = 'https://cloud.example.org/migration'


def preflight(origin: str, method: str = 'POST') -> dict:
    return {'Origin': origin, 'Access-Control-Request-Method': method,
            'Access-Control-Request-Headers':
                'X-Auth-Token,OpenStack-API-Version,Content-Type'}


class TestCase(base.APITestCase):

    def setUp(self):
        api_app.register_opts(CONF)
        super().setUp()


class TestCORS(TestCase):

    def configure(self):
        self.config(allowed_origin=[DASHBOARD], group='cors')

    def test_preflight_of_an_allowed_origin(self):
        response = self.app.options('/v1/clouds',
                                    headers=preflight(DASHBOARD))
        self.assertEqual(200, response.status_int)
        self.assertEqual(DASHBOARD,
                         response.headers['Access-Control-Allow-Origin'])
        self.assertEqual('POST',
                         response.headers['Access-Control-Allow-Methods'])
        self.assertEqual('X-Auth-Token,OpenStack-API-Version,Content-Type',
                         response.headers['Access-Control-Allow-Headers'])

    def test_request_of_an_allowed_origin(self):
        response = self.app.post(
            '/v1/clouds', json.dumps(test_clouds.auth_body()),
            content_type='application/json', status=201,
            headers={'Origin': DASHBOARD})
        self.assertEqual(DASHBOARD,
                         response.headers['Access-Control-Allow-Origin'])
        exposed = response.headers['Access-Control-Expose-Headers']
        for name in ('OpenStack-API-Version', 'X-OpenStack-Request-ID',
                     'Location'):
            self.assertIn(name, exposed)
        # An error body is readable by the page too.
        error = self.app.get('/v1/clouds/nope', status=404,
                             headers={'Origin': DASHBOARD})
        self.assertEqual(DASHBOARD,
                         error.headers['Access-Control-Allow-Origin'])

    def test_other_origins_get_no_cors_headers(self):
        response = self.app.options(
            '/v1/clouds', headers=preflight('https://evil.example.com'),
            expect_errors=True)
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        # Without authentication, the request itself is refused.
        response = self.app.get('/v1/clouds', status=403, headers={
            'Origin': 'https://evil.example.com'})
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)

    def test_disallowed_method(self):
        response = self.app.options('/v1/clouds',
                                    headers=preflight(DASHBOARD, 'TRACE'))
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)


class TestCORSAnyOriginWithoutAuthentication(TestCase):

    def configure(self):
        self.config(allowed_origin=['*'], group='cors')

    def test_star_does_not_open_the_api_to_every_page(self):
        with self.assertLogs('pumphouse.api.middleware', 'WARNING') as logs:
            self.app = webtest.TestApp(api_app.setup_app())
        self.assertIn('allowed_origin = * is not honoured', logs.output[0])
        self.app.get('/v1/clouds', status=403,
                     headers={'Origin': 'https://evil.example.com'})


class TestCORSWithKeystone(TestCase):
    """A browser's preflight request carries no token: it is answered
    before authentication."""

    auth_strategy = 'keystone'

    def configure(self):
        self.config(allowed_origin=[DASHBOARD], group='cors')
        # Named in the 401's WWW-Authenticate; never reached.
        self.config(www_authenticate_uri='http://127.0.0.1:1/identity',
                    group='keystone_authtoken')

    def test_preflight_needs_no_token(self):
        response = self.app.options('/v1/clouds',
                                    headers=preflight(DASHBOARD, 'GET'))
        self.assertEqual(200, response.status_int)
        self.assertEqual(DASHBOARD,
                         response.headers['Access-Control-Allow-Origin'])

    def test_request_without_token_is_401_with_cors_headers(self):
        response = self.app.get('/v1/clouds', status=401,
                                headers={'Origin': DASHBOARD})
        self.assertEqual(DASHBOARD,
                         response.headers['Access-Control-Allow-Origin'])


class TestCORSOffByDefault(TestCase):

    def test_no_cors_headers(self):
        response = self.app.options('/v1/clouds',
                                    headers=preflight(DASHBOARD),
                                    expect_errors=True)
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)

    def test_options_is_a_method_the_routes_do_not_have(self):
        # oslo.middleware's CORS answers any OPTIONS with a 200: without
        # origins configured it is not in the pipeline.
        response = self.app.options('/v1/clouds', expect_errors=True)
        self.assertEqual(405, response.status_int)


class LinksTestCase(TestCase):

    def configure(self):
        # Without authentication, only known host names are answered.
        self.config(allowed_hosts=['cloud.example.org'], group='api')

    def links(self, headers=None, extra_environ=None) -> dict:
        """Every kind of link the API makes."""
        kwargs = {'headers': headers or {},
                  'extra_environ': extra_environ or {}}
        root = self.app.get('/', **kwargs).json
        v1 = self.app.get('/v1', **kwargs).json
        created = self.app.post(
            '/v1/clouds', json.dumps(test_clouds.auth_body('c2')),
            content_type='application/json', status=201, **kwargs)
        self.app.post(
            '/v1/clouds', json.dumps(test_clouds.auth_body('c1')),
            content_type='application/json', status=201, **kwargs)
        page = self.app.get('/v1/clouds?limit=1', **kwargs).json
        return {'version': root['versions'][0]['links'][0]['href'],
                'resources': v1['clouds'][0]['href'],
                'location': created.headers['Location'],
                'self': page['clouds'][0]['links'][0]['href'],
                'next': page['next']}

    def assert_links_under(self, base_url: str, links: dict) -> None:
        self.assertEqual(f'{base_url}/v1/', links['version'])
        self.assertEqual(f'{base_url}/v1/clouds', links['resources'])
        for name in ('location', 'self'):
            self.assertRegex(links[name], f'^{base_url}/v1/clouds/[0-9a-f-]+$')
        self.assertRegex(links['next'],
                         f'^{base_url}/v1/clouds\\?limit=1&marker=[0-9a-f-]+$')


class TestLinksBehindAProxy(LinksTestCase):

    def configure(self):
        super().configure()
        self.config(enable_proxy_headers_parsing=True,
                    group='oslo_middleware')

    def test_forwarded_scheme_host_and_prefix(self):
        self.assert_links_under(PUBLIC, self.links(PROXY_HEADERS))

    def test_rfc7239_forwarded_header(self):
        self.assert_links_under(
            'https://cloud.example.org',
            self.links({'Forwarded': 'for=192.0.2.60;proto=https;'
                                     'host=cloud.example.org'}))

    def test_tls_only(self):
        # The proxy passes the Host header on and says it was HTTPS.
        self.assert_links_under(
            'https://cloud.example.org',
            self.links({'X-Forwarded-Proto': 'https',
                        'Host': 'cloud.example.org'}))

    def test_public_endpoint_wins(self):
        self.config(public_endpoint='https://api.example.net:13799/mig',
                    group='api')
        self.assert_links_under('https://api.example.net:13799/mig',
                                self.links(PROXY_HEADERS))


class TestLinksWithoutProxyParsing(LinksTestCase):

    def test_forwarded_headers_are_ignored(self):
        # Anyone could send them: they count only when the operator says
        # a proxy sets them.
        self.assert_links_under('http://localhost', self.links(PROXY_HEADERS))

    def test_mounted_under_a_path(self):
        # uwsgi's mount=/migration=..., or Apache's WSGIScriptAlias.
        self.assert_links_under(
            'http://localhost/migration',
            self.links(extra_environ={'SCRIPT_NAME': '/migration'}))
