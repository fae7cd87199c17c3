// Progress: items by state, live from the migration's event stream;
// bytes moved and the rate, elapsed time and what is left (the API's
// re-estimate of the items not done yet, else one from the rates seen
// here); the plan's estimate; cancel and resume; errors.

import * as api from '../api.js';
import {h, clear, table, errorBox, badge, bytes, duration, estimateText, when,
        announce, confirmDialog} from '../dom.js';

const STATES = ['pending', 'running', 'done', 'failed', 'reverted'];
const FINISHED = ['done', 'failed', 'reverted'];
const EVENTS_KEPT = 300;

/** Rates from successive snapshots, smoothed (bytes/s and items/s). */
export class RateMeter {
  constructor() {
    this.last = null;
    this.bytesRate = null;
    this.itemsRate = null;
  }

  add(time, bytesDone, itemsDone) {
    if (this.last && time > this.last.time) {
      const seconds = (time - this.last.time) / 1000;
      const bytesNow = (bytesDone - this.last.bytes) / seconds;
      const itemsNow = (itemsDone - this.last.items) / seconds;
      const mix = (old, now) => (old === null ? now : 0.7 * old + 0.3 * now);
      this.bytesRate = mix(this.bytesRate, Math.max(0, bytesNow));
      this.itemsRate = mix(this.itemsRate, Math.max(0, itemsNow));
    }
    this.last = {time, bytes: bytesDone, items: itemsDone};
  }
}

/** Seconds left: the slower of what the bytes and the items say. */
export function timeLeft(snapshot, meter, elapsed) {
  const total = snapshot.items.total;
  const done = FINISHED.reduce((sum, s) => sum + (snapshot.items.by_state[s] || 0), 0);
  if (!total || done >= total) return 0;
  const estimates = [];
  const itemsRate = meter.itemsRate || (elapsed > 0 ? done / elapsed : 0);
  if (itemsRate > 0) estimates.push((total - done) / itemsRate);
  const bytesLeft = snapshot.bytes_total - snapshot.bytes_done;
  if (bytesLeft > 0 && meter.bytesRate > 0) estimates.push(bytesLeft / meter.bytesRate);
  return estimates.length ? Math.max(...estimates) : null;
}

/** The API's time left (`time` of a snapshot) in words, or null. */
export function leftText(time) {
  if (!time || time.remaining_high_s === null || time.remaining_high_s === undefined) {
    return null;
  }
  if (time.remaining_high_s === 0) return 'nothing';
  const low = duration(time.remaining_low_s);
  const high = duration(time.remaining_high_s);
  return low === high ? `about ${low}` : `${low} to ${high}`;
}

export async function render(main, {args, signal}) {
  const uuid = args[0];
  const path = `/v1/migrations/${encodeURIComponent(uuid)}`;
  let migration;
  try {
    migration = await api.get(path, {signal});
  } catch (e) {
    main.append(h('h1', {}, 'Progress'), errorBox(e));
    return;
  }
  const meter = new RateMeter();
  const headline = h('p', {class: 'summary'});
  const bar = h('progress', {max: 1, value: 0, 'aria-label': 'Items finished'});
  const figures = h('dl', {class: 'figures'});
  const controls = h('div', {class: 'buttons'});
  const running = h('div', {});
  const failures = h('div', {});
  const log = h('ol', {class: 'log', role: 'log', 'aria-label': 'Events',
                       'aria-live': 'off'});
  main.append(h('h1', {}, `Progress: ${migration.name || uuid}`),
    h('p', {}, h('a', {href: `#/migrations/${uuid}`}, 'Plan'), ' · ',
      h('a', {href: `#/migrations/${uuid}/report`}, 'Report')),
    headline, bar, figures, controls,
    h('section', {'aria-labelledby': 'running-title'},
      h('h2', {id: 'running-title'}, 'Running now'), running),
    h('section', {'aria-labelledby': 'errors-title'},
      h('h2', {id: 'errors-title'}, 'Errors'), failures),
    h('section', {'aria-labelledby': 'events-title'},
      h('h2', {id: 'events-title'}, 'Events'),
      h('div', {class: 'log-wrap', tabindex: '0', role: 'region',
                'aria-label': 'Events'}, log)));
  let lastState = migration.state;
  let following = null;

  function itemRows(list) {
    return list.map((i) => [i.source_name || String(i.id), i.resource_type,
      i.bytes_total ? `${bytes(i.bytes_done)} of ${bytes(i.bytes_total)}` : '–',
      i.error || '']);
  }

  function draw(snapshot) {
    const total = snapshot.items.total;
    const byState = snapshot.items.by_state;
    const finished = FINISHED.reduce((sum, s) => sum + (byState[s] || 0), 0);
    meter.add(Date.now(), snapshot.bytes_done, finished);
    const startedAt = snapshot.started_at ? Date.parse(snapshot.started_at
      + (snapshot.started_at.endsWith('Z') ? '' : 'Z')) : null;
    const endAt = snapshot.finished_at ? Date.parse(snapshot.finished_at
      + (snapshot.finished_at.endsWith('Z') ? '' : 'Z')) : Date.now();
    const elapsed = startedAt ? (endAt - startedAt) / 1000 : null;
    bar.max = Math.max(1, total);
    bar.value = finished;
    bar.textContent = `${finished} of ${total}`;
    clear(headline).append(badge(snapshot.state), ` ${finished} of ${total} items finished`);
    if (snapshot.last_error) {
      headline.append(h('span', {class: 'error'}, ` – ${snapshot.last_error}`));
    }
    const active = ['planning', 'running', 'verifying'].includes(snapshot.state);
    let left = leftText(snapshot.time);
    const until = {planned: 'once started', failed: 'if resumed',
                   cancelled: 'if resumed'}[snapshot.state];
    if (active && left === null) {
      const seconds = timeLeft(snapshot, meter, elapsed);
      left = seconds === null ? 'estimating…' : `about ${duration(seconds)}`;
    } else if (!active) {
      left = until && left !== null ? `${left} ${until}` : '–';
    }
    const facts = [
      ...STATES.map((s) => [s, String(byState[s] || 0)]),
      ['bytes moved', `${bytes(snapshot.bytes_done)} of ${bytes(snapshot.bytes_total)}`],
      ['rate', meter.bytesRate ? `${bytes(meter.bytesRate)}/s` : '–'],
      ['elapsed', duration(elapsed)],
      ['time left', left],
      ['plan estimate', estimateText(migration.estimate)],
    ];
    clear(figures).append(...facts.map(([k, v]) => h('div', {class: 'figure'},
      h('dt', {}, k), h('dd', {}, v))));
    clear(running).append(snapshot.running.length
      ? table('Items running', ['Item', 'Type', 'Bytes', ''], itemRows(snapshot.running))
      : h('p', {class: 'muted'}, 'Nothing is running.'));
    clear(failures).append(snapshot.failed.length
      ? table('Failed items', ['Item', 'Type', 'Bytes', 'Error'], itemRows(snapshot.failed))
      : h('p', {class: 'muted'}, 'No error.'));
    drawControls(snapshot);
    if (snapshot.state !== lastState) {
      announce(`The migration is ${snapshot.state}.`);
      lastState = snapshot.state;
    }
  }

  function drawControls(snapshot) {
    clear(controls);
    const state = snapshot.state;
    const act = (label, target, question, detail, kind) => h('button', {
      type: 'button', class: kind, onclick: async () => {
        if (!await confirmDialog(question, detail, label)) return;
        try {
          await api.call('PUT', `${path}/state`, {target});
          announce(`${label} requested.`);
          follow();
        } catch (e) {
          controls.append(errorBox(e));
        }
      }}, label);
    if (['planning', 'running', 'verifying'].includes(state)) {
      controls.append(act('Cancel', 'cancelled', `Cancel ${migration.name || 'this migration'}?`,
        'The items under way finish; nothing more starts. It can be resumed.', 'danger'));
    }
    if (['failed', 'cancelled'].includes(state)) {
      controls.append(act('Resume', 'running', `Resume ${migration.name || 'this migration'}?`,
        'It continues where it stopped; nothing is created twice.', 'primary'));
    }
    if (state === 'planned') {
      controls.append(h('a', {class: 'button', href: `#/migrations/${uuid}`},
                          'Review the plan and start'));
    }
    if (snapshot.report_available) {
      controls.append(h('a', {class: 'button secondary',
                              href: `#/migrations/${uuid}/report`}, 'Open the report'));
    }
  }

  function addEvent(event) {
    log.append(h('li', {class: `level-${event.level}`},
      h('time', {datetime: event.created_at}, when(event.created_at)), ' ',
      h('span', {class: 'event-type'}, event.event_type), ' ', event.message));
    while (log.children.length > EVENTS_KEPT) log.firstChild.remove();
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
  }

  async function poll(localSignal) {
    // Without the stream (an older API, or too many streams): every 3 s.
    let after = null;
    while (!localSignal.aborted) {
      try {
        const [now, events] = await Promise.all([
          api.get(path, {signal: localSignal}),
          api.get(`${path}/events?limit=200${after ? `&after=${after}` : ''}`,
                  {signal: localSignal})]);
        for (const event of events.events) {
          addEvent(event);
          after = event.id;
        }
        const plan = await api.get(`${path}/plan`, {signal: localSignal});
        const list = (state) => plan.items.filter((i) => i.state === state).slice(0, 50);
        const sized = plan.items.filter((i) => i.bytes_total);
        draw({state: now.state, last_error: now.last_error, started_at: now.started_at,
              finished_at: now.finished_at, report_available: now.report_available,
              items: now.items,
              bytes_done: sized.reduce((s, i) => s + i.bytes_done, 0),
              bytes_total: sized.reduce((s, i) => s + i.bytes_total, 0),
              running: list('running'), failed: list('failed'), time: now.time});
      } catch (e) {
        if (e.name === 'AbortError') return;
      }
      await api.sleep(3000, localSignal);
    }
  }

  function follow() {
    if (following) following.abort();
    following = new AbortController();
    const local = following;
    signal.addEventListener('abort', () => local.abort(), {once: true});
    clear(log);
    api.followStream(`${path}/event-stream`, {
      onEvent: addEvent,
      onProgress: draw,
      onEnd: (end) => end.reason === 'timeout',
      onFallback: () => poll(local.signal),
    }, local.signal);
  }
  follow();
}
