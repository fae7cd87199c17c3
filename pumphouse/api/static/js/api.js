// Pumphouse web UI: calls to the REST API of the origin that served it.
//
// The session (a Keystone token and who it is for) lives in this tab's
// sessionStorage only; it is sent as X-Auth-Token, which a browser never
// adds by itself, so another site cannot make the browser call the API
// as the user. No cookie, no password is ever kept.

const SESSION_KEY = 'pumphouse.session';
let config = null;

/** Where the API is mounted (a proxy or uwsgi may serve it under a
 * path prefix): the page's path before /ui/. */
const BASE = location.pathname.replace(/\/ui\/.*$/, '');

/** ``path`` (``/v1/...``) under the API's mount point. */
export function url(path) {
  return BASE && path.startsWith(BASE + '/') ? path : BASE + path;
}

/** An error answered by the API: its status and message. */
export class ApiError extends Error {
  constructor(status, message, title) {
    super(message);
    this.status = status;
    this.title = title || '';
  }
}

/** How the API signs in ({auth_strategy, api_version}). */
export async function loadConfig() {
  if (config === null) {
    const response = await fetch(url('/ui/session'), {
      headers: {Accept: 'application/json'}, credentials: 'omit'});
    config = await response.json();
  }
  return config;
}

export function authStrategy() {
  return config ? config.auth_strategy : 'noauth';
}

export function session() {
  const text = sessionStorage.getItem(SESSION_KEY);
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    if (value.expires_at && Date.parse(value.expires_at) <= Date.now()) {
      sessionStorage.removeItem(SESSION_KEY);
      return null;
    }
    return value;
  } catch (e) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Whether the signed-in user has one of ``roles`` (always without
 * authentication: everyone is an administrator there). */
export function hasRole(...roles) {
  if (authStrategy() !== 'keystone') return true;
  const current = session();
  return Boolean(current && current.roles.some((r) => roles.includes(r)));
}

export function isAdmin() {
  return hasRole('admin');
}

/** Sign in with Keystone credentials through POST /ui/session. */
export async function signIn(credentials) {
  const result = await call('POST', '/ui/session', credentials,
                            {anonymous: true});
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(result));
  return result;
}

function headers(body, anonymous) {
  const result = {Accept: 'application/json'};
  if (config) {
    result['OpenStack-API-Version'] = `migration ${config.api_version}`;
  }
  if (body !== undefined) result['Content-Type'] = 'application/json';
  const current = anonymous ? null : session();
  if (current) result['X-Auth-Token'] = current.token;
  return result;
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  let title = response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) {
      message = body.error.message;
      title = body.error.title;
    }
  } catch (e) {
    // Not JSON: the status line says enough.
  }
  return new ApiError(response.status, message, title);
}

let onUnauthorized = () => {};

/** What to do when the API says the token is no longer good. */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** Call the API; the parsed JSON answer, or null for 204. Throws
 * ApiError with the API's own message. */
export async function call(method, path, body, options = {}) {
  let response;
  try {
    response = await fetch(url(path), {
      method, headers: headers(body, options.anonymous),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', signal: options.signal});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'The API could not be reached: ' + e.message);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !options.anonymous) {
      signOut();
      onUnauthorized(error);
    }
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.startsWith('application/json') ? response.json()
    : response.text();
}

export const get = (path, options) => call('GET', path, undefined, options);

/** Every item of a paginated list (following ``next`` links). */
export async function listAll(path, key, options = {}) {
  const items = [];
  let next = path;
  while (next) {
    const page = await get(next, options);
    items.push(...page[key]);
    next = page.next ? new URL(page.next).pathname + new URL(page.next).search
      : null;
    if (items.length >= (options.max || 10000)) break;
  }
  return items;
}

/** Parse a text/event-stream body into {event, data, id} records. */
export function parseFrames(buffer) {
  const frames = [];
  let rest = buffer.replace(/\r\n?/g, '\n');
  let end;
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const frame = {event: 'message', data: '', id: null, retry: null};
    let hasData = false;
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') frame.event = value;
      else if (field === 'data') {
        frame.data += (hasData ? '\n' : '') + value;
        hasData = true;
      } else if (field === 'id') frame.id = value;
      else if (field === 'retry') frame.retry = Number(value);
    }
    if (hasData || frame.retry !== null) frames.push(frame);
  }
  return {frames, rest};
}

/**
 * Follow a migration's event stream (server-sent events read with fetch,
 * which can send X-Auth-Token where EventSource cannot). Reconnects with
 * the last event id until ``handlers.onEnd`` returns false or the
 * ``signal`` aborts. Falls back to ``handlers.onFallback`` when the
 * stream cannot be had (an older API, 429).
 */
export async function followStream(path, handlers, signal) {
  let lastId = null;
  let retry = 2000;
  while (!signal.aborted) {
    const requestHeaders = headers(undefined, false);
    requestHeaders.Accept = 'text/event-stream';
    if (lastId !== null) requestHeaders['Last-Event-ID'] = lastId;
    let response;
    try {
      response = await fetch(url(path), {headers: requestHeaders,
                                    credentials: 'omit', cache: 'no-store',
                                    signal});
    } catch (e) {
      if (signal.aborted) return;
      await sleep(retry, signal);
      continue;
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) {
        signOut();
        onUnauthorized(error);
        return;
      }
      if (handlers.onFallback) handlers.onFallback(error);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let ended = null;
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, {stream: true});
        const parsed = parseFrames(buffer);
        buffer = parsed.rest;
        for (const frame of parsed.frames) {
          if (frame.retry) retry = frame.retry;
          if (frame.id !== null) lastId = frame.id;
          if (!frame.data) continue;
          const data = JSON.parse(frame.data);
          if (frame.event === 'event' && handlers.onEvent) handlers.onEvent(data);
          else if (frame.event === 'progress' && handlers.onProgress) {
            handlers.onProgress(data);
          } else if (frame.event === 'end') ended = data;
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    if (ended && handlers.onEnd && handlers.onEnd(ended) === false) return;
    await sleep(ended && ended.reason === 'timeout' ? 0 : retry, signal);
  }
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, {once: true});
    }
  });
}
