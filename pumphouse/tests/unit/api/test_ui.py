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

"""The web UI's serving (pumphouse.api.ui): its files and their headers,
the redirect of browsers, sign-in through Keystone, and the files the
package ships."""

import json
import pathlib
import re
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc

from pumphouse.api import app as api_app
from pumphouse.api import ui
from pumphouse.api import versions
from pumphouse.conf import CONF
from pumphouse.tests import base

BROWSER_ACCEPT = ('text/html,application/xhtml+xml,application/xml;q=0.9,'
                  'image/avif,image/webp,*/*;q=0.8')
JSON = 'application/json'


class TestCase(base.APITestCase):

    def setUp(self):
        api_app.register_opts(CONF)
        super().setUp()

    def assertSecured(self, response):
        for name, value in ui.SECURITY_HEADERS.items():
            self.assertEqual(value, response.headers[name], name)


class TestFiles(TestCase):

    def test_index_with_its_security_headers(self):
        response = self.app.get('/ui/')
        self.assertEqual('text/html', response.content_type)
        self.assertIn('<script type="module" src="js/main.js">',
                      response.text)
        self.assertSecured(response)
        csp = response.headers['Content-Security-Policy']
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertNotIn('unsafe-eval', csp)
        self.assertEqual('DENY', response.headers['X-Frame-Options'])
        self.assertEqual('no-cache', response.headers['Cache-Control'])

    def test_modules_and_styles_have_their_media_types(self):
        self.assertEqual('text/javascript',
                         self.app.get('/ui/js/main.js').content_type)
        self.assertEqual('text/css',
                         self.app.get('/ui/css/ui.css').content_type)
        self.assertEqual('image/svg+xml',
                         self.app.get('/ui/favicon.svg').content_type)

    def test_unchanged_file_is_304(self):
        first = self.app.get('/ui/js/api.js')
        again = self.app.get('/ui/js/api.js', status=304, headers={
            'If-None-Match': first.headers['ETag']})
        self.assertEqual(b'', again.body)
        self.assertSecured(again)

    def test_head(self):
        response = self.app.head('/ui/')
        self.assertEqual(200, response.status_int)
        self.assertEqual(b'', response.body)

    def test_nothing_outside_the_static_folder(self):
        for path in ('/ui/../ui.py', '/ui/%2e%2e/ui.py', '/ui/..%2fui.py',
                     '/ui/js/../../ui.py', '/ui/.hidden', '/ui/js/',
                     '/ui/js', '/ui/missing.js', '/ui/js//main.js',
                     '/ui/js\\main.js', '/ui/index.html.py'):
            with self.subTest(path=path):
                response = self.app.get(path, expect_errors=True)
                self.assertEqual(404, response.status_int, response.text)
                self.assertEqual(404, response.json['error']['code'])
                self.assertSecured(response)

    def test_static_file_resolution(self):
        self.assertEqual(ui.STATIC / 'index.html', ui.static_file(''))
        self.assertEqual(ui.STATIC / 'js' / 'main.js',
                         ui.static_file('js/main.js'))
        for relative in ('../ui.py', 'js/../../ui.py', '.', 'js/.x.js',
                         '/etc/passwd'):
            self.assertIsNone(ui.static_file(relative), relative)

    def test_only_get_and_head(self):
        for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
            response = self.app.request('/ui/js/main.js', method=method,
                                        expect_errors=True)
            self.assertEqual(405, response.status_int, method)
            self.assertEqual('GET, HEAD', response.headers['Allow'])


class TestRedirect(TestCase):

    def test_a_browser_asking_for_the_root_is_sent_to_the_ui(self):
        response = self.app.get('/', headers={'Accept': BROWSER_ACCEPT},
                                status=302)
        self.assertTrue(response.headers['Location'].endswith('/ui/'))
        self.assertIn('Accept', response.headers['Vary'])

    def test_other_clients_get_version_discovery(self):
        for accept in (None, '*/*', JSON, f'{JSON}, text/html;q=0.5'):
            headers = {'Accept': accept} if accept else {}
            response = self.app.get('/', headers=headers)
            self.assertEqual(200, response.status_int, accept)
            self.assertEqual('Pumphouse', response.json['name'])

    def test_ui_without_slash(self):
        response = self.app.get('/ui', status=302)
        self.assertTrue(response.headers['Location'].endswith('/ui/'))

    def test_under_a_path_prefix(self):
        response = self.app.get('/', headers={'Accept': BROWSER_ACCEPT},
                                extra_environ={'SCRIPT_NAME': '/migration'},
                                status=302)
        self.assertTrue(response.headers['Location'].endswith(
            '/migration/ui/'))


class TestSessionWithoutAuthentication(TestCase):

    def test_how_to_sign_in(self):
        response = self.app.get('/ui/session')
        self.assertEqual({'auth_strategy': 'noauth',
                          'api_version': versions.format_version(
                              versions.MAX_VERSION)}, response.json)
        self.assertEqual('no-store', response.headers['Cache-Control'])

    def test_nothing_to_sign_in_to(self):
        response = self.app.post_json('/ui/session', {
            'method': 'password', 'username': 'u', 'password': 'p'},
            status=404)
        self.assertIn('without authentication',
                      response.json['error']['message'])

    def test_another_origin_is_refused(self):
        # What keeps other sites' pages from driving a noauth API.
        response = self.app.post_json(
            '/v1/clouds', {'name': 'x', 'cloud': 'x'}, status=403,
            headers={'Origin': 'https://evil.example.com'})
        self.assertIn('another origin', response.json['error']['message'])

    def test_the_ui_s_own_origin_is_answered(self):
        response = self.app.get(
            '/v1/clouds', headers={'Origin': 'http://localhost:8799',
                                   'Host': 'localhost:8799'})
        self.assertEqual([], response.json['clouds'])


def _access(token='tok-123'):  # noqa: S107 - a fake token
    access = mock.Mock(auth_token=token, user_id='u1', username='alice',
                       user_domain_id='default', project_id='p1',
                       project_name='demo', project_domain_id='default',
                       role_names=['reader', 'member'])
    access.expires.isoformat.return_value = '2030-01-01T00:00:00+00:00'
    return access


class TestSignIn(TestCase):

    auth_strategy = 'keystone'

    def configure(self):
        ui.register_opts(CONF)
        self.config(www_authenticate_uri='http://127.0.0.1:1/identity/v3',
                    group='keystone_authtoken')

    def sign_in(self, body, status=200, **kwargs):
        return self.app.post('/ui/session', json.dumps(body),
                             content_type=JSON, status=status, **kwargs)

    def test_the_ui_s_files_need_no_token(self):
        self.app.get('/ui/')
        self.assertEqual('keystone',
                         self.app.get('/ui/session').json['auth_strategy'])
        self.app.get('/v1/clouds', status=401)

    @mock.patch('keystoneauth1.identity.v3.Password.get_access',
                autospec=True)
    def test_password(self, get_access):
        get_access.return_value = _access()
        response = self.sign_in({
            'method': 'password', 'username': 'alice',
            'password': 'secret', 'user_domain_name': 'Default',
            'project_name': 'demo', 'project_domain_name': 'Default'})
        self.assertEqual('no-store', response.headers['Cache-Control'])
        self.assertSecured(response)
        self.assertEqual({
            'token': 'tok-123', 'expires_at': '2030-01-01T00:00:00+00:00',
            'user': {'id': 'u1', 'name': 'alice', 'domain_id': 'default'},
            'project': {'id': 'p1', 'name': 'demo',
                        'domain_id': 'default'},
            'roles': ['member', 'reader']}, response.json)
        plugin = get_access.call_args[0][0]
        self.assertEqual('http://127.0.0.1:1/identity/v3', plugin.auth_url)
        self.assertEqual('demo', plugin.project_name)

    @mock.patch('keystoneauth1.identity.v3.Token.get_access', autospec=True)
    def test_token(self, get_access):
        get_access.return_value = _access('tok-scoped')
        response = self.sign_in({'method': 'token', 'token': 'tok-0',
                                 'project_id': 'p1'})
        self.assertEqual('tok-scoped', response.json['token'])

    @mock.patch('keystoneauth1.identity.v3.Password.get_access',
                autospec=True)
    def test_refused_credentials(self, get_access):
        get_access.side_effect = ksa_exc.Unauthorized('no')
        response = self.sign_in({'method': 'password', 'username': 'alice',
                                 'password': 'wrong'}, status=401)
        self.assertIn('did not accept', response.json['error']['message'])
        self.assertNotIn('wrong', response.text)

    @mock.patch('keystoneauth1.identity.v3.Password.get_access',
                autospec=True)
    def test_keystone_unreachable(self, get_access):
        get_access.side_effect = ksa_exc.ConnectFailure('refused')
        response = self.sign_in({'method': 'password', 'username': 'alice',
                                 'password': 'pw'}, status=503)
        self.assertIn('could not be reached',
                      response.json['error']['message'])

    def test_not_configured(self):
        self.config(www_authenticate_uri=None, group='keystone_authtoken')
        response = self.sign_in({'method': 'password', 'username': 'alice',
                                 'password': 'pw'}, status=503)
        self.assertIn('www_authenticate_uri',
                      response.json['error']['message'])

    def test_bad_bodies(self):
        for body, expected in (
                ({'method': 'password', 'username': 'alice'},
                 "'password' is a required property"),
                ({'method': 'sso'}, 'method'),
                ({'method': 'token', 'token': 't', 'extra': 1},
                 'Unknown field'),
                ([], 'JSON object')):
            with self.subTest(body=body):
                response = self.sign_in(body, status=400)
                self.assertIn(expected, response.json['error']['message'])
        # The password is never quoted back.
        response = self.sign_in({'method': 'password', 'username': 'a',
                                 'password': 'x' * 5000}, status=400)
        self.assertNotIn('xxxx', response.text)

    def test_only_json(self):
        response = self.app.post('/ui/session', 'username=a&password=b',
                                 content_type='application/x-www-form-'
                                              'urlencoded', status=415)
        self.assertEqual(415, response.json['error']['code'])


class TestShippedFiles(base.TestCase):
    """Every file the page loads is in the package, and nothing inline."""

    def test_every_module_import_resolves(self):
        modules = list((ui.STATIC / 'js').rglob('*.js'))
        self.assertGreaterEqual(len(modules), 12)
        for module in modules:
            text = module.read_text()
            for target in re.findall(r"from '(\.[^']+)'", text) + \
                    re.findall(r"import\('(\.[^']+)'\)", text):
                path = (module.parent / target).resolve()
                self.assertTrue(path.is_file(), f'{module}: {target}')
                self.assertIsNotNone(ui.static_file(
                    str(path.relative_to(ui.STATIC.resolve()))))

    def test_index_loads_only_shipped_files_and_nothing_inline(self):
        index = (ui.STATIC / 'index.html').read_text()
        for target in re.findall(r'(?:src|href)="([^"#]+)"', index):
            self.assertIsNotNone(ui.static_file(target), target)
        self.assertNotIn('style=', index)
        self.assertEqual(1, index.count('<script'))
        self.assertNotRegex(index, r'<script(?![^>]*\bsrc=)')
        for path in ui.STATIC.rglob('*'):
            if path.suffix in ('.js', '.html'):
                text = path.read_text()
                for bad in ('innerHTML', 'outerHTML', 'eval(',
                            'new Function', 'document.write',
                            "setAttribute('style'", 'localStorage',
                            'document.cookie'):
                    self.assertNotIn(bad, text, f'{path}: {bad}')
                # Nothing from another origin (no CDN).
                self.assertNotRegex(
                    text, r"(?:from |import\(|fetch\(|src=|href=)"
                          r"['\"]?(?:https?:)?//")

    def test_manifest_ships_the_static_files(self):
        repo = pathlib.Path(ui.__file__).parents[2]
        manifest = (repo / 'MANIFEST.in').read_text()
        self.assertIn('recursive-include pumphouse/api/static', manifest)


class TestHostForm(base.TestCase):
    """The Hosts page's register form offers every hardware driver with
    the info keys of its schema, and a secret only in a password field."""

    KINDS = ('power', 'provision')

    def _form_drivers(self) -> dict:
        """{kind: {driver: [(key, field literal)]}} read from the
        DRIVERS table of host_register.js."""
        text = (ui.STATIC / 'js' / 'pages' / 'host_register.js').read_text()
        table = text.split('export const DRIVERS = {', 1)[1].split(
            '\n};', 1)[0]
        parts = re.split(r'^  (power|provision): \{$', table,
                         flags=re.MULTILINE)[1:]
        found = {}
        for kind, body in zip(parts[::2], parts[1::2], strict=True):
            drivers = re.split(r'^    ([a-z_]+): \{label: ', body,
                               flags=re.MULTILINE)[1:]
            found[kind] = {
                name: re.findall(r"\{key: '([^']+)'([^}]*)\}", fields)
                for name, fields in zip(drivers[::2], drivers[1::2],
                                        strict=True)}
        return found

    def test_every_driver_and_only_its_schema_s_keys(self):
        from importlib import metadata  # noqa: PLC0415

        from pumphouse.common import masking  # noqa: PLC0415
        form = self._form_drivers()
        self.assertEqual(set(self.KINDS), set(form))
        for kind in self.KINDS:
            entry_points = {ep.name: ep for ep in metadata.entry_points(
                group=f'pumphouse.hardware.{kind}')}
            self.assertEqual(set(entry_points), set(form[kind]), kind)
            for name, fields in form[kind].items():
                driver = entry_points[name].load()
                self.assertTrue(fields, f'{kind} {name}: no field')
                for key, literal in fields:
                    where = f'{kind} {name} {key}'
                    schema = driver.info_schema
                    path = key.split('/')
                    for part in path[:-1]:
                        schema = schema['properties'][part]
                    self.assertIn(path[-1], schema['properties'], where)
                    self.assertEqual(
                        path[-1] in schema.get('required', ()),
                        'required: true' in literal, where)
                    # (Fuel's auth is secret as a whole; its fields but
                    # the password are shown.)
                    if key in driver.secret_keys or any(
                            masking.is_secret_key(p) for p in path):
                        self.assertRegex(
                            literal, r"type: '(password|secret-json)'",
                            where)
                    elif "type: 'integer'" in literal:
                        self.assertEqual(
                            'integer',
                            schema['properties'][path[-1]]['type'], where)

    def test_the_form_s_secret_words_are_the_api_s(self):
        from pumphouse.common import masking  # noqa: PLC0415
        text = (ui.STATIC / 'js' / 'pages' / 'host_register.js').read_text()
        words = text.split('const SECRET_WORDS = [', 1)[1].split('];', 1)[0]
        self.assertEqual(list(masking._SECRET_WORDS),
                         re.findall(r"'([^']+)'", words))
        suffix = re.search(r'const SECRET_SUFFIX = /(.+)/;', text).group(1)
        self.assertEqual(masking._SECRET_SUFFIX.pattern, suffix)
