// Overview: who you are, the web apps you may open (GET /api/v1/apps) and what each page is for
// (only the pages you may use).
import { api, el, fill, page, may, describe } from './console.js';
import { appHref } from './links.js';

const PAGES = [
  ['/requests', 'Requests', 'Decide pending elevation requests, follow your own, ask for a new one.', null],
  ['/grants', 'Grants', 'Active grants and their time left; revoke one.', null],
  ['/locks', 'Locks', 'Lock or unlock a user, node, login or tenant.', 'ADMIN'],
  ['/live', 'Live sessions', 'Sessions running now: observe one read-only or terminate it.', 'AUDIT'],
  ['/sessions', 'Sessions', 'Search recorded sessions, including by the commands run, and replay them.', 'AUDIT'],
  ['/audit', 'Audit log', 'The hash-chained audit events; verify the chain; witness status.', 'AUDIT'],
  ['/me', 'Me', 'Your identity, roles and API tokens.', null],
];

async function apps() {
  const target = document.getElementById('apps');
  try {
    const result = await api('/apps');
    // only an https link to an app host of this console (links.js), never another site or a script URL
    const items = ((result && result.items) || []).map((a) => ({ ...a, href: appHref(a.url, location) }))
      .filter((a) => a.href !== null);
    fill(target, items.length === 0
      ? el('p', { class: 'empty' }, 'No web apps are open to you.')
      : el('ul', {}, items.map((a) => el('li', {}, el('a', { href: a.href }, `${a.app} on ${a.node}`)))));
  } catch (err) {
    fill(target, el('p', { class: 'error' }, `Your apps could not be listed: ${describe(err)}`));
  }
}

page('/', async (viewer) => {
  fill(document.getElementById('hello'), `Logged in as ${viewer.user}${viewer.tenant ? ` (tenant ${viewer.tenant})` : ''}.`);
  const open = PAGES.filter(([, , , need]) => !need || may(need) || may('ADMIN'));
  fill(document.getElementById('pages'), el('ul', { class: 'cards' },
    open.map(([href, title, text]) => el('li', {}, el('a', { href }, title), el('p', {}, text)))));
  await apps();
});
