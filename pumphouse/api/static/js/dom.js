// Pumphouse web UI: building the page. Text goes in as text nodes only
// (never as HTML), so nothing an API answer holds can become markup.

/** An element: h('a', {href: '#/x', class: 'y'}, 'text', child...). */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const element = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (!svg && key in element && typeof value !== 'string'
               && key !== 'list') {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

let ids = 0;
export function uid(prefix = 'f') {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Tell screen readers something happened. */
export function announce(text) {
  const region = document.getElementById('announce');
  if (region) {
    region.textContent = '';
    setTimeout(() => { region.textContent = text; }, 50);
  }
}

/**
 * A labelled form field with room for its error message.
 * ``name`` is the path of the API field it feeds (``auth/auth_url``).
 */
export function field(label, control, {name, help, hint} = {}) {
  const id = control.id || uid('field');
  control.id = id;
  if (name) control.dataset.field = name;
  const errorId = `${id}-error`;
  const described = [errorId];
  const parts = [h('label', {for: id}, label)];
  if (help) {
    const helpId = `${id}-help`;
    described.push(helpId);
    parts.push(h('span', {id: helpId, class: 'help'}, help));
  }
  control.setAttribute('aria-describedby', described.join(' '));
  parts.push(control);
  parts.push(h('span', {id: errorId, class: 'field-error', hidden: true}));
  return h('div', {class: `field${hint ? ' ' + hint : ''}`}, parts);
}

/** A <select> with its options: [[value, text], ...] or [value, ...]. */
export function select(options, attrs = {}) {
  return h('select', attrs, options.map((option) => {
    const [value, text] = Array.isArray(option) ? option : [option, option];
    return h('option', {value}, text);
  }));
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error, .form-error')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
}

/** Which field of ``form`` the API's ``message`` is about, if any. */
export function fieldOf(form, message) {
  const controls = [...form.querySelectorAll('[data-field]')];
  const text = message.replace(/^Invalid request: /, '');
  // "auth/auth_url: ..." (the schema path), longest path first.
  const byPath = controls
    .filter((c) => text.startsWith(`${c.dataset.field}:`)
                   || text.startsWith(`${c.dataset.field}/`))
    .sort((a, b) => b.dataset.field.length - a.dataset.field.length);
  if (byPath.length) return byPath[0];
  // "'name' is a required property", "Unknown field(s) ('x' was ...)".
  for (const control of controls) {
    const last = control.dataset.field.split('/').pop();
    if (text.includes(`'${last}'`) || text.includes(`"${last}"`)) {
      return control;
    }
  }
  // "Cloud nowhere could not be found.": the field holding that name.
  const missing = /^\S+ (.+) could not be found\.?$/.exec(text);
  if (missing) {
    const holder = controls.find(
      (c) => !['password', 'checkbox'].includes(c.type)
             && (c.value || '').trim() === missing[1]);
    if (holder) return holder;
  }
  for (const control of controls) {
    const last = control.dataset.field.split('/').pop();
    if (new RegExp(`\\b${last}\\b`).test(text)) return control;
  }
  return null;
}

/** Show the API's error next to the field it is about (``control`` when
 * the caller knows it, else the one :func:`fieldOf` finds, else above the
 * form's fields) and move the focus there. */
export function showError(form, error, control = null) {
  const message = error.message || String(error);
  control = control || fieldOf(form, message);
  let slot = control
    ? document.getElementById(`${control.id}-error`)
    : form.querySelector('.form-error');
  if (!slot) {
    slot = h('p', {class: 'form-error', role: 'alert'});
    form.prepend(slot);
  }
  slot.textContent = message;
  slot.hidden = false;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  } else {
    slot.setAttribute('tabindex', '-1');
    slot.focus();
  }
  announce(message);
}

/** A page-level error message (an API call that failed). */
export function errorBox(error) {
  return h('p', {class: 'error', role: 'alert'},
           error.message || String(error));
}

/** A table wrapped so that narrow screens scroll it (focusable, named). */
export function table(caption, columns, rows, {id} = {}) {
  const element = h('table', {id},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map(
      (cell, i) => (i === 0 ? h('th', {scope: 'row'}, cell)
        : h('td', {}, cell)))))));
  return h('div', {class: 'table-wrap', tabindex: '0', role: 'region',
                   'aria-label': caption}, element);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function bytes(value) {
  if (value === null || value === undefined) return '–';
  let amount = Number(value);
  let unit = 0;
  while (amount >= 1024 && unit < UNITS.length - 1) {
    amount /= 1024;
    unit += 1;
  }
  return `${amount.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '–';
  }
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** A plan's estimate (`estimate` of its plan) in words. */
export function estimateText(estimate) {
  if (!estimate) return '–';
  const low = duration(estimate.low_s);
  const high = duration(estimate.high_s);
  const range = low === high ? `about ${low}` : `${low} to ${high}`;
  const basis = {history: 'learnt from earlier migrations',
                 partial: 'partly learnt from earlier migrations',
                 defaults: 'from the default ranges'}[estimate.basis] || estimate.basis;
  const calibration = estimate.calibration;
  const scaled = calibration && calibration.migrations
    ? `; scaled ${Number(calibration.scale.toPrecision(2))}x to the actual time of ` +
      `${calibration.migrations} completed migration${calibration.migrations === 1 ? '' : 's'}`
    : '';
  return `${range} (${basis}${scaled})`;
}

export function when(text) {
  if (!text) return '–';
  const date = new Date(text.endsWith('Z') || text.includes('+') ? text
    : text + 'Z');
  return isNaN(date) ? text : date.toLocaleString();
}

export function badge(text, kind) {
  return h('span', {class: `badge badge-${kind || text}`}, text);
}

/** A confirmation dialog; resolves true when the user confirms. */
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h('dialog', {class: 'confirm', 'aria-labelledby': 'confirm-title'},
      h('h2', {id: 'confirm-title'}, title),
      h('p', {}, message),
      h('form', {method: 'dialog', class: 'buttons'},
        h('button', {value: 'cancel', type: 'submit', class: 'secondary'}, 'Cancel'),
        h('button', {value: 'confirm', type: 'submit', class: 'danger'},
          confirmLabel)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      if (opener && opener.focus) opener.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('button[value="cancel"]').focus();
  });
}
