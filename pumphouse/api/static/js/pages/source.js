// Source browser: a cloud's projects (what they hold) and compute hosts,
// read now through the API; pick a workload, or a host to register, from
// here.

import * as api from '../api.js';
import {h, clear, field, select, table, errorBox, bytes} from '../dom.js';

function newMigrationLink(cloud, kind, names, extra = {}) {
  const query = new URLSearchParams({source: cloud, kind,
                                     names: names.join('\n'), ...extra});
  return `#/new?${query}`;
}

/** The Hosts page's register form, with the host and its cloud filled
 * in (names only: nothing secret goes in a URL). */
function registerLink(cloud, name) {
  return `#/hosts?${new URLSearchParams({name, source: cloud})}`;
}

export async function render(main, {args, signal}) {
  main.append(h('h1', {}, 'Source browser'));
  let clouds;
  try {
    clouds = await api.listAll('/v1/clouds', 'clouds', {signal});
  } catch (e) {
    main.append(errorBox(e));
    return;
  }
  if (!clouds.length) {
    main.append(h('p', {}, 'No cloud is registered. ',
                  h('a', {href: '#/clouds'}, 'Register one')));
    return;
  }
  const chosen = args[0] ? decodeURIComponent(args[0]) : clouds[0].name;
  const picker = select(clouds.map((c) => c.name), {name: 'cloud'});
  picker.value = chosen;
  picker.addEventListener('change', () => {
    location.hash = `#/source/${encodeURIComponent(picker.value)}`;
  });
  const view = select([['projects', 'Projects'], ['hosts', 'Hypervisor hosts']],
                      {name: 'type'});
  const output = h('div', {'aria-live': 'polite', 'aria-busy': 'false'});
  const controls = h('form', {class: 'inline', onsubmit: (e) => e.preventDefault()},
    field('Cloud', picker), field('Show', view));
  main.append(controls, output);

  async function load() {
    clear(output).append(h('p', {class: 'muted'},
                           `Reading ${view.value} of ${chosen}…`));
    output.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await api.get(`/v1/clouds/${encodeURIComponent(chosen)}`
                             + `/resources?type=${view.value}`, {signal});
    } catch (e) {
      if (e.name === 'AbortError') return;
      clear(output).append(errorBox(e));
      return;
    } finally {
      output.setAttribute('aria-busy', 'false');
    }
    clear(output);
    if (result.type === 'projects') {
      output.append(table(`Projects of ${chosen}`,
        ['Project', 'Domain', 'Servers', 'Volumes', 'Images', 'Networks',
         'Data', 'Workload'],
        result.projects.map((p) => [p.name || p.id, p.domain_id || '–',
          p.servers, p.volumes, p.images, p.networks, bytes(p.bytes),
          h('a', {class: 'button small',
                  href: newMigrationLink(chosen, 'project', [p.name || p.id],
                                         p.domain_id ? {domain: p.domain_id} : {}),
                  'aria-label': `Migrate project ${p.name || p.id}`},
            'Migrate…')])));
    } else {
      output.append(table(`Compute hosts of ${chosen}`,
        ['Host', 'nova-compute', 'Up/down', 'Servers', 'Pumphouse state',
         'Workload'],
        result.hosts.map((host) => [host.name, host.service_status || '–',
          host.service_state || '–', host.servers,
          host.state ? h('a', {href: `#/hosts/${encodeURIComponent(host.uuid)}`},
                         host.state)
            : h('span', {class: 'actions'}, 'not registered',
              h('a', {class: 'button small secondary',
                      href: registerLink(chosen, host.name),
                      'aria-label': `Register host ${host.name}`},
                'Register…')),
          h('a', {class: 'button small',
                  href: newMigrationLink(chosen, 'host', [host.name]),
                  'aria-label': `Migrate the servers of host ${host.name}`},
            'Migrate servers…')])));
    }
  }
  view.addEventListener('change', load);
  await load();
}
