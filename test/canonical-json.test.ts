// One canonical JSON for what is hashed: the audit chain's hashes of stored entries must not change with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../src/canonical-json.ts';
import { chainHash, genesis, hashedJson } from '../src/audit/chain.ts';

test('keys are sorted at every level, with no spaces, and undefined members are left out as JSON leaves them out', () => {
  assert.equal(canonicalJson({ b: [1, { d: 'x', c: null }], a: 'é' }), '{"a":"é","b":[1,{"c":null,"d":"x"}]}');
  assert.equal(canonicalJson({ a: 1, gone: undefined, list: [undefined] }), '{"a":1,"list":[null]}');
  const withUndefined = { z: { y: undefined, x: [1, 2] }, w: undefined };
  assert.equal(canonicalJson(withUndefined), canonicalJson(JSON.parse(JSON.stringify(withUndefined))));
});

test('an audit entry hashed before the two copies became one keeps its hash', () => {
  // Hash computed with the audit's own copy of canonical() (src/audit/chain.ts before issue 23) and pinned here.
  const after = JSON.parse(
    '{"service":"checkout-api","counts":{"created":2,"act":1},"tools":["Trivy","Grype"],"note":null,"score":7.5,"name":"é \\u2028 \\"q\\""}',
  );
  const text = hashedJson(after);
  assert.equal(
    text,
    '{"counts":{"act":1,"created":2},"name":"é \u2028 \\"q\\"","note":null,"score":7.5,"service":"checkout-api","tools":["Trivy","Grype"]}',
  );
  const hash = chainHash(genesis, {
    at: '2026-01-02T03:04:05.678Z',
    actor: 'alice@example.com',
    action: 'scan.import',
    entity: 'scan',
    entityId: '42',
    before: null,
    after: text,
  });
  assert.equal(hash, '52e20fae6e6c38203d28b96f31912f8505b74190eb054806f84c0f94e67ffb03');
});
