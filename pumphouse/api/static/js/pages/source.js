// Source browser: a cloud's projects (what they hold) and compute hosts,
// read now through the API; pick a workload, or a host to register, from
// here. A project's Heat stacks are read when its "Stacks" button asks
// for them, never for every project up front.

import * as api from '../api.js';
import {h, clear, field, select, table, errorBox, bytes, badge, when, uid}
  from '../dom.js';

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

/** The badge kind of a Heat stack status (CREATE_COMPLETE...). */
function stackKind(status) {
  if (!status) return 'skip';
  if (status.endsWith('_COMPLETE')) return 'done';
  if (status.endsWith('_FAILED')) return 'failed';
  if (status.endsWith('_IN_PROGRESS')) return 'running';
  return 'skip';
}

/** The "Stacks" button of a project's row: it reads the project's
 * stacks (once; again after an error) into a row of its own below,
 * and shows or hides that row. */
function stacksControl(cloud, project, columns, signal) {
  const label = project.name || project.id;
  const regionId = uid('stacks');
  const button = h('button', {type: 'button', class: 'small secondary',
                              'aria-expanded': 'false',
                              'aria-controls': regionId,
                              'aria-label': `Stacks of project ${label}`},
                   'Stacks');
  const region = h('div', {id: regionId, class: 'stacks',
                           'aria-live': 'polite', 'aria-busy': 'false'});
  const row = h('tr', {class: 'stacks-row', hidden: true},
                h('td', {colspan: columns}, region));
  let loaded = false;

  async function load() {
    clear(region).append(h('p', {class: 'muted'},
                           `Reading the stacks of ${label}…`));
    region.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await api.get(`/v1/clouds/${encodeURIComponent(cloud)}`
                             + `/projects/${encodeURIComponent(project.id)}`
                             + '/stacks', {signal});
    } catch (e) {
      if (e.name === 'AbortError') return;
      clear(region).append(errorBox(e),
        h('button', {type: 'button', class: 'small secondary',
                     onclick: load,
                     'aria-label': `Read the stacks of ${label} again`},
          'Try again'));
      return;
    } finally {
      region.setAttribute('aria-busy', 'false');
    }
    loaded = true;
    clear(region);
    if (!result.stacks.length) {
      region.append(h('p', {class: 'muted'}, `Project ${label} has no stack.`));
      return;
    }
    const extra = project.name
      ? {project: project.name, ...(project.domain_id ? {domain: project.domain_id} : {})}
      : {project: project.id};
    region.append(table(`Heat stacks of project ${label}`,
      ['Stack', 'Status', 'Created', 'Workload'],
      result.stacks.map((stack) => [stack.name || stack.id,
        h('span', {title: stack.status_reason || ''},
          badge(stack.status || 'unknown', stackKind(stack.status))),
        when(stack.created_at),
        h('a', {class: 'button small',
                href: newMigrationLink(cloud, 'stack', [stack.name || stack.id],
                                       extra),
                'aria-label': `Migrate stack ${stack.name || stack.id} of `
                  + `project ${label}`},
          'Migrate…')])));
  }

  button.addEventListener('click', () => {
    if (!row.isConnected) button.closest('tr').after(row);
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    row.hidden = !open;
    if (open && !loaded && region.getAttribute('aria-busy') !== 'true') load();
  });
  return button;
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
      const columns = ['Project', 'Domain', 'Servers', 'Volumes', 'Images',
                       'Networks', 'Data', 'Heat stacks', 'Workload'];
      output.append(table(`Projects of ${chosen}`, columns,
        result.projects.map((p) => [p.name || p.id, p.domain_id || '–',
          p.servers, p.volumes, p.images, p.networks, bytes(p.bytes),
          stacksControl(chosen, p, columns.length, signal),
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
