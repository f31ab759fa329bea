// Overview: who you are and what each page is for (only the pages you may use).
import { el, fill, page, may } from './console.js';

const PAGES = [
  ['/requests', 'Requests', 'Decide pending elevation requests, follow your own, ask for a new one.', null],
  ['/grants', 'Grants', 'Active grants and their time left; revoke one.', null],
  ['/locks', 'Locks', 'Lock or unlock a user, node, login or tenant.', 'ADMIN'],
  ['/live', 'Live sessions', 'Sessions running now: observe one read-only or terminate it.', 'AUDIT'],
  ['/sessions', 'Sessions', 'Search recorded sessions, including by the commands run, and replay them.', 'AUDIT'],
  ['/audit', 'Audit log', 'The hash-chained audit events; verify the chain; witness status.', 'AUDIT'],
  ['/me', 'Me', 'Your identity, roles and API tokens.', null],
];

page('/', async (viewer) => {
  fill(document.getElementById('hello'), `Logged in as ${viewer.user}${viewer.tenant ? ` (tenant ${viewer.tenant})` : ''}.`);
  const open = PAGES.filter(([, , , need]) => !need || may(need) || may('ADMIN'));
  fill(document.getElementById('pages'), el('ul', { class: 'cards' },
    open.map(([href, title, text]) => el('li', {}, el('a', { href }, title), el('p', {}, text)))));
});
