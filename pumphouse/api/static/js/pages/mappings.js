// Mappings: which destination resource each source resource became.

import * as api from '../api.js';
import {h, clear, field, table, clearErrors, showError, when} from '../dom.js';

export async function render(main, {query, signal}) {
  const form = h('form', {class: 'card inline', novalidate: true, role: 'search'},
    field('Type', h('input', {name: 'type', placeholder: 'identity.user',
                              value: query.get('type') || ''}), {name: 'type'}),
    field('Source id', h('input', {name: 'source_id',
                                   value: query.get('source_id') || ''}),
          {name: 'source_id'}),
    field('Source cloud', h('input', {name: 'source_cloud'}), {name: 'source_cloud'}),
    field('Destination cloud', h('input', {name: 'destination_cloud'}),
          {name: 'destination_cloud'}),
    h('div', {class: 'buttons'}, h('button', {type: 'submit'}, 'Search')));
  const output = h('div', {'aria-live': 'polite'});
  main.append(h('h1', {}, 'Mappings'), form, output);
  const migration = query.get('migration');

  async function search(marker) {
    clearErrors(form);
    const params = new URLSearchParams({limit: '200'});
    for (const name of ['type', 'source_id', 'source_cloud', 'destination_cloud']) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    if (marker) params.set('marker', marker);
    let page;
    try {
      page = await api.get(`/v1/mappings?${params}`, {signal});
    } catch (e) {
      if (e.name !== 'AbortError') showError(form, e);
      return;
    }
    let found = page.mappings;
    if (migration) found = found.filter((m) => m.migration === migration);
    clear(output).append(table(`Mappings found (${found.length})`,
      ['Type', 'Source id', 'Destination id', 'Migration', 'Created'],
      found.map((m) => [m.resource_type, m.source_id, m.destination_id,
        m.migration ? h('a', {href: `#/migrations/${m.migration}`},
                          m.migration.slice(0, 8)) : '–',
        when(m.created_at)])));
    if (page.next) {
      const next = new URL(page.next).searchParams.get('marker');
      output.append(h('button', {type: 'button', class: 'secondary',
                                 onclick: () => search(next)}, 'Next page'));
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search();
  });
  await search();
}
