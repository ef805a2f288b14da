// The certificates page: asks for the admin key once, keeps it for the tab's session, shows the gateway's SSL
// objects and secret objects from api/certificates, and refreshes itself. No framework, no build step.
'use strict';

const KEY = 'vaultSniAdminKey';
const REFRESH_MS = 10000;
const DAY_MS = 24 * 3600 * 1000;
let refreshTimer = null;

function $(id) { return document.getElementById(id); }

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = text; }
  if (className) { e.className = className; }
  return e;
}

function showLogin(message) {
  sessionStorage.removeItem(KEY);
  clearTimeout(refreshTimer);
  $('content').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('status').textContent = '';
  $('key').focus();
}

/** amber under 30 days, red under 7, red when expired. */
function expiryClass(notAfter, now) {
  const left = notAfter - now;
  if (left < 7 * DAY_MS) { return 'expiry-red'; }
  if (left < 30 * DAY_MS) { return 'expiry-amber'; }
  return 'expiry-ok';
}

function countdown(notAfter, now) {
  const left = notAfter - now;
  if (left <= 0) { return 'expired'; }
  const days = Math.floor(left / DAY_MS);
  const hours = Math.floor((left % DAY_MS) / 3600000);
  const minutes = Math.floor((left % 3600000) / 60000);
  const seconds = Math.floor((left % 60000) / 1000);
  return 'in ' + days + ' d ' + hours + ' h ' + minutes + ' min ' + seconds + ' s';
}

function tick() {
  const now = Date.now();
  document.querySelectorAll('[data-not-after]').forEach(cell => {
    const notAfter = Date.parse(cell.dataset.notAfter);
    cell.className = 'not-after ' + expiryClass(notAfter, now);
    cell.querySelector('.countdown').textContent = countdown(notAfter, now);
  });
}

function sslRow(ssl) {
  const row = el('tr');
  row.dataset.id = ssl.id;
  row.appendChild(el('td', ssl.id));
  row.appendChild(el('td', ssl.snis.join(', ')));
  const state = el('td', ssl.state, 'state state-' + ssl.state);
  if (ssl.error) { state.appendChild(el('div', ssl.error, 'error')); }
  if (ssl.revocation) {
    const list = ssl.revocation;
    state.appendChild(el('div', 'CRL ' + list.state + ', ' + list.revoked + ' revoked (' + list.fail_mode + ')',
      'revocation revocation-' + list.state));
  }
  row.appendChild(state);
  row.appendChild(el('td', ssl.subject));
  row.appendChild(el('td', ssl.issuer));
  const expiry = el('td', null, 'not-after');
  if (ssl.not_after) {
    expiry.dataset.notAfter = ssl.not_after;
    expiry.appendChild(el('span', ssl.not_after.replace('T', ' ').replace('Z', ' UTC')));
    expiry.appendChild(el('span', '', 'countdown'));
  }
  row.appendChild(expiry);
  const references = el('td');
  const list = el('ul');
  ssl.references.forEach(r => list.appendChild(el('li', r.reference + ' \u2192 ' + (r.secret_object || '?'))));
  references.appendChild(list);
  row.appendChild(references);
  return row;
}

function secretObjectRow(object) {
  const row = el('tr');
  row.dataset.id = object.id;
  row.appendChild(el('td', object.id));
  const reachable = object.reachable === null ? ['not read yet', 'reachable-unknown']
    : object.reachable ? ['reachable', 'reachable-yes'] : ['unreachable', 'reachable-no'];
  row.appendChild(el('td', reachable[0], 'reachable ' + reachable[1]));
  row.appendChild(el('td', utc(object.last_read)));
  row.appendChild(el('td', object.last_failure));
  const auth = object.auth;
  const failure = auth && auth.logins.consecutive_failures > 0 ? auth.logins.last_failure : null;
  const method = el('td', auth ? auth.method : null, 'auth ' + (failure ? 'auth-failing' : 'auth-ok'));
  if (failure) { method.appendChild(el('div', failure.message, 'error')); }
  row.appendChild(method);
  row.appendChild(el('td', auth && auth.token ? (utc(auth.token.expires_at) || 'never') : null));
  return row;
}

/** Seconds since the epoch as "2026-12-07 23:17:01 UTC"; null stays null. */
function utc(seconds) {
  return seconds === null || seconds === undefined ? null
    : new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function render(report) {
  const ssls = $('ssls').querySelector('tbody');
  ssls.replaceChildren(...report.ssls.map(sslRow));
  const objects = $('secret-objects').querySelector('tbody');
  objects.replaceChildren(...report.secret_objects.map(secretObjectRow));
  tick();
  $('status').textContent = report.ssls.length + ' SSL objects, updated ' + new Date().toLocaleTimeString();
}

async function load() {
  const key = sessionStorage.getItem(KEY);
  if (!key) { showLogin(); return; }
  clearTimeout(refreshTimer);
  try {
    const response = await fetch('api/certificates', { headers: { 'X-API-KEY': key }, cache: 'no-store' });
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      showLogin(body.description || 'the key was refused');
      return;
    }
    if (!response.ok) { throw new Error('HTTP ' + response.status); }
    $('login').hidden = true;
    $('content').hidden = false;
    $('logout').hidden = false;
    render(await response.json());
  } catch (e) {
    $('status').textContent = 'could not refresh: ' + e.message;
  }
  refreshTimer = setTimeout(load, REFRESH_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('key').value);
    $('key').value = '';
    load();
  });
  $('logout').addEventListener('click', () => showLogin());
  setInterval(tick, 1000);
  load();
});
