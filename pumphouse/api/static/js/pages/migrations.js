// Migrations: the ones the caller may see, newest first.

import * as api from '../api.js';
import {h, table, errorBox, badge, when} from '../dom.js';

export async function cloudNames(signal) {
  try {
    const clouds = await api.listAll('/v1/clouds', 'clouds', {signal});
    return Object.fromEntries(clouds.map((c) => [c.uuid, c.name]));
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return {};  // a member or reader: the UUIDs then
  }
}

export function workloadText(workload) {
  const names = workload.names.join(', ');
  const hosts = workload.hosts ? ` on ${workload.hosts.join(', ')}` : '';
  const project = workload.project ? ` in project ${workload.project}` : '';
  return `${workload.kind} ${names}${project}${hosts}`;
}

export async function render(main, {signal}) {
  main.append(h('h1', {}, 'Migrations'),
              h('p', {}, h('a', {class: 'button', href: '#/new'},
                           'New migration')));
  let migrations;
  let names;
  try {
    [migrations, names] = await Promise.all([
      api.listAll('/v1/migrations?sort_key=created_at&sort_dir=desc',
                  'migrations', {signal, max: 500}),
      cloudNames(signal)]);
  } catch (e) {
    main.append(errorBox(e));
    return;
  }
  if (!migrations.length) {
    main.append(h('p', {}, 'No migration yet.'));
    return;
  }
  main.append(table('Migrations', ['Name', 'State', 'Workload', 'Source',
                                   'Destination', 'Created', 'Pages'],
    migrations.map((m) => [
      h('a', {href: `#/migrations/${m.uuid}`}, m.name || m.uuid.slice(0, 8)),
      badge(m.state), workloadText(m.workload),
      names[m.source] || m.source, names[m.destination] || m.destination,
      when(m.created_at),
      h('span', {class: 'actions'},
        h('a', {href: `#/migrations/${m.uuid}`}, 'Plan'),
        h('a', {href: `#/migrations/${m.uuid}/progress`}, 'Progress'),
        h('a', {href: `#/migrations/${m.uuid}/report`}, 'Report'))])));
}
