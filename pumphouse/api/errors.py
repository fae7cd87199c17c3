"""JSON error bodies: ``{"error": {"code", "title", "message"}}``."""

import json
from http import HTTPStatus

import webob


def error_body(code: int, message: str) -> dict:
    try:
        title = HTTPStatus(code).phrase
    except ValueError:
        title = 'Error'
    return {'error': {'code': code, 'title': title, 'message': message}}


def error_response(code: int, message: str,
                   headers: dict | None = None) -> webob.Response:
    response = webob.Response(status=code,
                              content_type='application/json',
                              charset='UTF-8')
    response.text = json.dumps(error_body(code, message))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
