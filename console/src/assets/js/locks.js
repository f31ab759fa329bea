// Locks (ADMIN): the locks in force, lock a user, node, login or tenant with a reason, unlock.
import { api, el, fill, table, say, describe, when, page, values, may, actionWithText } from './console.js';

async function load() {
  const result = await api('/locks');
  fill(document.getElementById('locks'), table((result && result.items) || [], [
    ['Kind', (l) => l.kind],
    ['Name', (l) => l.name],
    ['Reason', (l) => l.reason],
    ['By', (l) => l.by || ''],
    ['Since', (l) => when(l.at || l.created)],
    ['', (l) => el('span', { 'data-lock': `${l.kind}/${l.name}` }, actionWithText('Unlock', { name: 'unlock', placeholder: 'Reason', required: true,
      act: async (reason) => {
        await api(`/locks/${encodeURIComponent(l.kind)}/${encodeURIComponent(l.name)}`, { method: 'DELETE', body: { reason } });
        say(`Unlocked ${l.kind} ${l.name}.`);
        await load();
      } }))],
  ], { empty: 'Nothing is locked.' }));
}

page('/locks', async () => {
  if (!may('ADMIN')) {
    say('Locks need the ADMIN permission.', true);
    return;
  }
  const form = document.getElementById('new-lock');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = values(form);
    if (!v.name || !v.reason) {
      say('Name and reason are required.', true);
      return;
    }
    try {
      await api('/locks', { method: 'POST', body: { kind: v.kind, name: v.name, reason: v.reason } });
      say(`Locked ${v.kind} ${v.name}.`);
      form.reset();
      await load();
    } catch (err) {
      say(`Lock failed: ${describe(err)}`, true);
    }
  });
  await load();
});
