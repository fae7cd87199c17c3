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

"""Showing a plan: a table, JSON or Graphviz DOT."""

import json
import re

COLUMNS = ('resource_type', 'source_name', 'source_id', 'action', 'state',
           'destination_id')


def item_view(item) -> dict:
    """The view of a plan item (an ORM object or any object with the
    attributes of :data:`VIEW_COLUMNS`)."""
    view = {key: getattr(item, key) for key in _VIEW_KEYS_SHOWN}
    view['depends_on'] = list(view['depends_on'])
    _add_details(view, item.details or {})
    return view


#: What of an item's details :func:`item_view` shows, when they hold it.
VIEW_DETAILS = ('differences', 'note', 'renamed_from')
_VIEW_KEYS = re.compile('|'.join(f'"{key}"' for key in VIEW_DETAILS))

#: The columns :func:`row_views` takes: those :func:`item_view` shows, in
#: its order, then the details.
VIEW_COLUMNS = ('id', 'resource_type', 'source_id', 'source_name', 'action',
                'state', 'destination_id', 'depends_on', 'attempts', 'error',
                'bytes_done', 'bytes_total', 'details')
_VIEW_KEYS_SHOWN = VIEW_COLUMNS[:-1]


def _add_details(view: dict, details: dict) -> None:
    for extra in VIEW_DETAILS:
        if extra in details:
            view[extra] = details[extra]


def row_views(rows) -> list[dict]:
    """:func:`item_view` of each item of a whole plan, from rows of
    :data:`VIEW_COLUMNS` whose details are the stored JSON text.

    The same views without ORM objects (see
    :func:`pumphouse.db.migration_api.plan_item_rows`), made on every
    ``GET /v1/migrations/{id}/plan``. An item's details hold the whole
    source resource; they are decoded only when they may hold what the
    view shows: a key is written ``"key"`` in the text, so details
    without any of :data:`VIEW_DETAILS` so written hold none of them.
    """
    views = []
    for row in rows:
        # Without the details.
        view = dict(zip(_VIEW_KEYS_SHOWN, row, strict=False))
        view['depends_on'] = list(view['depends_on'])
        stored = row[-1]
        if stored and _VIEW_KEYS.search(stored) is not None:
            _add_details(view, json.loads(stored) or {})
        views.append(view)
    return views


def as_json(items) -> str:
    return json.dumps([item_view(i) for i in items], indent=2,
                      ensure_ascii=False, default=str)


def as_table(items) -> str:
    rows = [[str(getattr(i, c) if getattr(i, c) is not None else '')
             for c in COLUMNS] for i in items]
    header = [c.replace('_', ' ') for c in COLUMNS]
    widths = [max(len(h), *(len(r[n]) for r in rows)) if rows else len(h)
              for n, h in enumerate(header)]
    line = '+'.join('-' * (w + 2) for w in widths)
    out = [line, _row(header, widths), line]
    out += [_row(r, widths) for r in rows]
    out.append(line)
    for item in items:
        diffs = (item.details or {}).get('differences')
        if item.action == 'conflict' and diffs:
            out.append(f'conflict {item.resource_type} '
                       f'{item.source_name or item.source_id}: '
                       + '; '.join(f'{k}: {v["source"]!r} in source, '
                                   f'{v["destination"]!r} in destination'
                                   for k, v in diffs.items()))
    return '\n'.join(out)


def _row(values, widths) -> str:
    return ' ' + ' | '.join(v.ljust(w) for v, w in zip(values, widths,
                                                         strict=True))


_COLOURS = {'create': 'palegreen', 'reuse': 'lightblue',
            'skip': 'lightgrey', 'conflict': 'salmon'}


def as_dot(items) -> str:
    """Graphviz DOT: one node per item, edges from need to needed-by."""
    lines = ['digraph plan {', '  rankdir=LR;',
             '  node [shape=box, style=filled, fontname="sans"];']
    for item in items:
        label = (f'{item.resource_type}\\n{_dot(item.source_name or "")}'
                 f'\\n{item.action} / {item.state}')
        colour = _COLOURS.get(item.action, 'white')
        lines.append(f'  i{item.id} [label="{label}", fillcolor={colour}];')
    for item in items:
        for dep in item.depends_on:
            lines.append(f'  i{dep} -> i{item.id};')
    lines.append('}')
    return '\n'.join(lines)


def _dot(text: str) -> str:
    return text.replace('\\', '\\\\').replace('"', '\\"')


FORMATS = {'table': as_table, 'json': as_json, 'dot': as_dot}
