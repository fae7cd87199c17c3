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
