// Report: what verification found, per resource.

import * as api from '../api.js';
import {h, table, errorBox} from '../dom.js';

function details(entry) {
  const known = new Set(['resource_type', 'source_id', 'name',
                         'destination_id']);
  const rest = Object.entries(entry).filter(([k]) => !known.has(k));
  if (!rest.length) return '–';
  return h('dl', {class: 'compact'}, rest.map(([k, v]) => [
    h('dt', {}, k),
    h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]));
}

export async function render(main, {args, signal}) {
  const uuid = args[0];
  main.append(h('h1', {}, 'Report'),
    h('p', {}, h('a', {href: `#/migrations/${uuid}`}, 'Plan'), ' · ',
      h('a', {href: `#/migrations/${uuid}/progress`}, 'Progress'), ' · ',
      h('a', {href: `#/mappings?migration=${uuid}`}, 'Mappings')));
  let report;
  try {
    report = await api.get(`/v1/migrations/${encodeURIComponent(uuid)}/report`,
                           {signal});
  } catch (e) {
    main.append(errorBox(e));
    return;
  }
  main.append(h('p', {class: report.differences.length ? 'warning' : 'ok'},
    `${report.checked} resources checked; ${report.differences.length} with `
    + `differences; ${report.not_migrated.length} not migrated.`));
  const rows = (entries) => entries.map((e) => [
    e.name || e.source_id, e.resource_type, e.source_id,
    e.destination_id || '–', details(e)]);
  const columns = ['Resource', 'Type', 'Source id', 'Destination id', 'Differences'];
  if (report.differences.length) {
    main.append(h('h2', {}, 'Differences'),
                table('Resources that differ', columns, rows(report.differences)));
  }
  if (report.not_migrated.length) {
    main.append(h('h2', {}, 'Not migrated'),
                table('Resources not migrated', columns, rows(report.not_migrated)));
  }
}
