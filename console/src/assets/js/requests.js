// Requests: pending requests the viewer may decide (approve with an optional comment, deny with a
// required reason), the viewer's own requests (cancel while pending), and a form for a new one.
import { api, el, fill, table, say, describe, when, duration, page, values, actionWithText } from './console.js';

function nodes(r) {
  return Array.isArray(r.nodes) ? r.nodes.join(', ') : (r.nodes || r.node || '');
}

function approvals(r) {
  const list = Array.isArray(r.approvals) ? r.approvals : [];
  if (list.length === 0) return 'none yet';
  return list.map((a) => `${a.by} at ${when(a.at)}${a.comment ? `: ${a.comment}` : ''}`).join('; ');
}

async function load(viewer) {
  const pending = document.getElementById('pending');
  const mine = document.getElementById('mine');
  const [open, all] = await Promise.all([api('/requests', { query: { state: 'pending' } }), api('/requests')]);
  const decide = ((open && open.items) || []).filter((r) => r.may_decide);
  fill(pending, table(decide, [
    ['Request', (r) => r.id],
    ['Requester', (r) => r.requester],
    ['Login', (r) => r.login],
    ['Nodes', nodes],
    ['Duration', (r) => duration(r.duration)],
    ['Reason', (r) => r.reason],
    ['Approvals', approvals],
    ['Asked', (r) => when(r.created)],
    ['Decide', (r) => el('span', { class: 'actions', 'data-request': r.id },
      actionWithText('Approve', { name: 'approve', placeholder: 'Comment (optional)', required: false,
        act: async (comment) => {
          await api(`/requests/${encodeURIComponent(r.id)}/approve`, { method: 'POST', body: comment ? { comment } : {} });
          say(`Approved request ${r.id}.`);
          await load(viewer);
        } }),
      actionWithText('Deny', { name: 'deny', placeholder: 'Reason', required: true,
        act: async (reason) => {
          await api(`/requests/${encodeURIComponent(r.id)}/deny`, { method: 'POST', body: { reason } });
          say(`Denied request ${r.id}.`);
          await load(viewer);
        } }))],
  ], { empty: 'No requests are waiting for your decision.' }));

  const own = ((all && all.items) || []).filter((r) => r.requester === viewer.user);
  fill(mine, table(own, [
    ['Request', (r) => r.id],
    ['Login', (r) => r.login],
    ['Nodes', nodes],
    ['Duration', (r) => duration(r.duration)],
    ['Reason', (r) => r.reason],
    ['State', (r) => r.state],
    ['Approvals', approvals],
    ['Asked', (r) => when(r.created)],
    ['', (r) => (r.state === 'pending'
      ? el('button', { type: 'button', 'data-action': 'cancel', onclick: async () => {
        try {
          await api(`/requests/${encodeURIComponent(r.id)}/cancel`, { method: 'POST', body: {} });
          say(`Cancelled request ${r.id}.`);
          await load(viewer);
        } catch (err) {
          say(`Cancel failed: ${describe(err)}`, true);
        }
      } }, 'Cancel')
      : '')],
  ], { empty: 'You have no requests.' }));
}

page('/requests', async (viewer) => {
  const form = document.getElementById('new-request');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = values(form);
    if (!v.login || !v.node || !v.duration || !v.reason) {
      say('Login, node, duration and reason are all required.', true);
      return;
    }
    try {
      const created = await api('/requests', { method: 'POST', body: v });
      say(`Requested: ${created && created.id ? created.id : 'sent'} (${created && created.state ? created.state : 'pending'}).`);
      form.reset();
      await load(viewer);
    } catch (err) {
      say(`Request failed: ${describe(err)}`, true);
    }
  });
  document.getElementById('refresh').addEventListener('click', () => load(viewer).catch((e) => say(describe(e), true)));
  await load(viewer);
});
