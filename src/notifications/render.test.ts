import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDigest } from './render.ts';
import { digestListed } from '../voice/messages/notifications.ts';

test('a digest folds updates that say the same thing into one line with their number, and lists at most 50 lines', () => {
  const alike = Array.from({ length: 1_500 }, (_, i) => ({
    subject: 'New finding to attend to: SQL injection on checkout-api',
    link: `https://entente.example.com/findings/${i + 1}`,
  }));
  const distinct = Array.from({ length: digestListed + 10 }, (_, i) => ({
    subject: `Exception #${i + 1} waits for your approval: a finding of payments`,
    link: null,
  }));
  const r = renderDigest('2026-12-07', [alike[0]!, ...distinct, ...alike.slice(1)]);
  assert.match(r.subject, /1560 updates/);
  assert.match(r.text, /since your last digest \(1560 updates\)/);
  const lines = r.text.split('\n').filter((l) => l.startsWith('- '));
  // 50 listed (the folded line first, where its first update came), then one that counts the rest.
  assert.equal(lines.length, digestListed + 1);
  assert.equal(lines[0], '- New finding to attend to: SQL injection on checkout-api (1500 of these)');
  assert.doesNotMatch(r.text, /findings\/1\b/, 'a folded line of different pages links none of them');
  assert.match(lines.at(-1)!, /^- and 11 more updates; `entente notifications list` lists every one of them\.$/);
  assert.equal(r.html.match(/<li>/g)?.length, digestListed + 1);
  assert.match(r.html, /<li>New finding to attend to: SQL injection on checkout-api \(1500 of these\)<\/li>/);
});

test('a digest of different updates lists each with its page, as before', () => {
  const r = renderDigest('2026-12-07', [
    { subject: 'New finding to attend to: qs on checkout-api', link: 'https://e.example.com/findings/4' },
    { subject: 'New finding to attend to: lodash on checkout-api', link: 'https://e.example.com/findings/5' },
  ]);
  assert.match(r.text, /- New finding to attend to: qs on checkout-api\n {2}https:\/\/e\.example\.com\/findings\/4/);
  assert.doesNotMatch(r.text, /of these|more update/);
  assert.equal(r.html.match(/<a href=/g)?.length, 2);
});
