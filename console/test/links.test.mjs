// node --test (npm test): the link rules of src/assets/js/links.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appHref } from '../src/assets/js/links.js';

const here = new URL('https://gw.example.org:8443/');

test('an app URL the gateway builds is kept', () => {
  assert.equal(appHref('https://jupyter--gpu-node-1.apps.gw.example.org:8443/', here),
    'https://jupyter--gpu-node-1.apps.gw.example.org:8443/');
  assert.equal(appHref('https://a.apps.gw.example.org/', new URL('https://gw.example.org/')),
    'https://a.apps.gw.example.org/');
});

// Threat: a policy (or a compromised API answer) puts a script URL or another site into the
// overview's link, which a viewer then clicks with the console open.
test('anything else is refused', () => {
  for (const bad of [
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http://jupyter--gpu-node-1.apps.gw.example.org:8443/',
    'https://evil.example/',
    'https://jupyter.apps.gw.example.org.evil.example:8443/',
    'https://apps.gw.example.org:8443/',
    'https://a.b.apps.gw.example.org:8443/',
    'https://jupyter--gpu-node-1.apps.gw.example.org:9443/',
    'https://jupyter--gpu-node-1.apps.gw.example.org/',
    'https://user:pw@jupyter--gpu-node-1.apps.gw.example.org:8443/',
    'https://jupyter--gpu-node-1.apps.gw.example.org:8443/elsewhere',
    'https://jupyter--gpu-node-1.apps.gw.example.org:8443/?x=1',
    'https://gw.example.org:8443/',
    '//jupyter--gpu-node-1.apps.gw.example.org:8443/',
    '',
    null,
    42,
  ]) {
    assert.equal(appHref(bad, here), null, String(bad));
  }
});
