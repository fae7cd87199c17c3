"""WSGI middleware of the API that is Pumphouse's own."""

import json

import webob
import webob.dec

from pumphouse.api import errors
from pumphouse.conf import CONF


class PathDispatcher:
    """Sends requests for some exact paths to another WSGI application.

    Used to keep version discovery out of authentication and to mount the
    health check on its own path.
    """

    def __init__(self, default_app, routes: dict) -> None:
        self.default_app = default_app
        self.routes = routes

    def __call__(self, environ, start_response):
        app = self.routes.get(environ.get('PATH_INFO') or '/',
                              self.default_app)
        return app(environ, start_response)


class JsonErrorMiddleware:
    """Makes every error response a JSON error body.

    Errors made by Pumphouse already are; this catches the ones middleware
    produces (413 from the body size limit, and the like).
    """

    def __init__(self, app) -> None:
        self.app = app

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        response = request.get_response(self.app)
        if response.status_int < 400 or request.path == '/healthcheck':
            return response
        if response.content_type == 'application/json':
            try:
                if 'error' in json.loads(response.body):
                    return response
            except ValueError:
                pass
        message = response.status.split(' ', 1)[-1]
        if response.status_int == 413:
            limit = CONF.oslo_middleware.max_request_body_size
            return errors.error_response(
                413, f'The request body is larger than the limit of {limit} '
                     'bytes.')
        text = response.text if response.charset else ''
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith('<') and line != message \
                    and not line.startswith(str(response.status_int)):
                message = f'{message}: {line}'
                break
        fixed = errors.error_response(response.status_int, message)
        for name in ('WWW-Authenticate', 'Allow', 'Retry-After'):
            if name in response.headers:
                fixed.headers[name] = response.headers[name]
        return fixed
