import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { cliWorld, entente } from './support/cli.ts';

const partner = (text: string) => assert.doesNotMatch(text, /\b(blocked|violation|cannot|denied)\b/i, text);

describe('entente policy check and policy test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check reads the default policy and notes a rule description that reads as gatekeeping; a broken file is exit 2 with its path', () => {
    const ok = entente({ ENTENTE_DATA: join(dir, 'none') }, 'policy', 'check');
    assert.equal(ok.code, 0, ok.err);
    assert.match(
      ok.out,
      /^the default policy reads well: 6 gate rules \(0 in warn mode\) and 8 controls in the catalogue\./,
    );
    const file = join(dir, 'p.yaml');
    writeFileSync(
      file,
      'gates:\n  rules:\n    - id: harsh\n      description: Your release is rejected while criticals are open.\n      when: { findings: { severity: [critical] } }\n      outcome: no_go\n      mode: warn\n',
    );
    const noted = entente({}, 'policy', 'check', file);
    assert.equal(noted.code, 0, noted.err);
    assert.match(noted.out, /1 gate rule \(1 in warn mode\).*1 wording note/);
    assert.match(noted.out, /gates\.rules\.0\.description: "release is rejected" may read as gatekeeping or blame/);
    writeFileSync(
      file,
      'gates:\n  rules:\n    - id: r\n      description: d\n      when: {}\n      outcome: go_with_controls\n      controls: [moat]\n',
    );
    const bad = entente({}, 'policy', 'check', file);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /p\.yaml: gates\.rules\.0\.controls\.0: no control "moat"/);
  });

  test('test runs examples with expected outcomes: exit 0 when all come out as expected, 1 naming the one that differs', () => {
    const file = join(dir, 'examples.yaml');
    const examples = (secretExpect: string) =>
      [
        'examples:',
        '  - name: KEV on the storefront within its SLA',
        '    service: { criticality: 4, exposure: internet }',
        '    findings: [{ priority: act, kev: true, severity: critical, due_in_days: 5 }]',
        '    expect: go_with_controls',
        '    controls: [fix-finding, waf-virtual-patch]',
        '  - name: only track items',
        '    findings: [{ priority: track }, { priority: track*, severity: medium }]',
        '    expect: go',
        '  - name: a committed secret',
        '    findings: [{ priority: track, kind: secret }]',
        `    expect: ${secretExpect}`,
      ].join('\n');
    writeFileSync(file, examples('no_go'));
    const ok = entente({ ENTENTE_DATA: join(dir, 'none') }, 'policy', 'test', file);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /All 3 examples came out as expected\./);
    writeFileSync(file, examples('go'));
    const differs = entente({ ENTENTE_DATA: join(dir, 'none') }, 'policy', 'test', file);
    assert.equal(differs.code, 1);
    assert.match(
      differs.out,
      /differs {2}a committed secret: expected go, the policy gives a no-go \(rules: committed-secret\)/,
    );
    writeFileSync(file, 'examples:\n  - name: x\n    expect: maybe\n');
    const bad = entente({}, 'policy', 'test', file);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /examples\.yaml: examples\.0\.expect/);
  });
});

for (const engine of engines) {
  describe(`entente gate, commitments and backtest [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'gate');
    before(async () => {
      writeFileSync(
        join(dir, 'org.yaml'),
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n  - name: wiki\n    owner: payments\n    criticality: 1\n    exposure: isolated\n',
      );
      assert.equal(entente(env, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      writeFileSync(
        join(dir, 'trivy.json'),
        trivy([
          {
            cve: 'CVE-2024-0001',
            pkg: 'left-pad',
            version: '1.0.0',
            fixed: '1.0.1',
            severity: 'CRITICAL',
            vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          },
        ]),
      );
      assert.equal(entente(env, 'import', join(dir, 'trivy.json'), '--service', 'checkout-api').code, 0);
    });

    test('exit codes: 10 go with controls, 0 go, 2 for an unknown service or a bad format', () => {
      const controls = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--version', '1.4.2');
      assert.equal(controls.code, 10, controls.err);
      assert.match(
        controls.out,
        /^Go with controls: checkout-api 1\.4\.2 to prod \(gate decision \d+\)\nWe can release checkout-api 1\.4\.2 to prod with these safeguards in place/,
      );
      partner(controls.out);
      const go = entente(env, 'gate', '--service', 'wiki', '--env', 'prod');
      assert.equal(go.code, 0, go.err);
      assert.match(go.out, /We can release wiki to prod: nothing in the policy asks for more\./);
      const unknown = entente(env, 'gate', '--service', 'nope', '--env', 'prod');
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /unknown service "nope"/);
      const badFormat = entente(env, 'gate', '--service', 'wiki', '--env', 'prod', '--format', 'pdf');
      assert.equal(badFormat.code, 2);
      assert.match(badFormat.err, /--format: "pdf" is not a format; use text, json, sarif, junit, markdown/);
      assert.equal(entente(env, 'gate', '--service', 'wiki').code, 2);
    });

    test('json, sarif, junit and markdown are well formed and carry the decision', () => {
      const j = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'json');
      assert.equal(j.code, 10);
      const decision = JSON.parse(j.out);
      assert.deepEqual(
        decision.controls.map((c: { id: string }) => c.id),
        ['fix-finding', 'waf-virtual-patch'],
      );
      const s = JSON.parse(entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'sarif').out);
      assert.equal(s.version, '2.1.0');
      assert.equal(s.runs[0].results[0].ruleId, 'urgent-within-sla-internet');
      assert.equal(s.runs[0].results[0].level, 'warning');
      const x = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'junit').out;
      assert.match(
        x,
        /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites[^>]*>\n {2}<testsuite name="Go with controls: checkout-api to prod" tests="2" failures="0"/,
      );
      const md = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'markdown').out;
      assert.match(md, /^## Go with controls: checkout-api to prod\n\n> We can release/);
      assert.match(md, /^- \[ \] #\d+ A WAF rule/m);
      partner(j.out + x + md);
    });

    test('commitments list and verify; replay matches; changes and a backtest under a stricter policy show what moved', () => {
      const listed = entente(env, 'commitments', '--service', 'checkout-api', '--state', 'open', '--json');
      assert.equal(listed.code, 0, listed.err);
      const items = listed.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        items.map((c: { controlId: string }) => c.controlId).sort(),
        ['fix-finding', 'waf-virtual-patch'],
        'created once, whatever the number of gate runs',
      );
      const waf = items.find((c: { controlId: string }) => c.controlId === 'waf-virtual-patch');
      const v = entente(env, 'commitments', 'verify', String(waf.id), '--evidence', 'rule 9001 in the edge WAF');
      assert.equal(v.code, 0, v.err);
      assert.match(v.out, /is in place: verified by local-cli/);
      const again = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'json');
      const id = JSON.parse(again.out).id;
      const replay = entente(env, 'gate', 'replay', String(id));
      assert.equal(replay.code, 0, replay.err);
      assert.match(
        replay.out,
        new RegExp(`Replayed gate decision ${id} from its stored facts and policy: it comes out the same`),
      );
      const changes = entente(env, 'gate', 'changes', String(id));
      assert.equal(changes.code, 0, changes.err);
      assert.match(
        changes.out,
        /^Since the last go \(decision \d+ on \d{4}-\d\d-\d\d, go with controls\) nothing changed/,
      );
      const stricter = join(dir, 'stricter.yaml');
      writeFileSync(
        stricter,
        'gates:\n  rules:\n    - id: urgent-waits\n      description: Urgent findings get fixed before release for now.\n      when: { findings: { priority: [act, attend] } }\n      outcome: no_go\n',
      );
      const bt = entente(env, 'policy', 'backtest', '--days', '90', '--policy', stricter);
      assert.equal(bt.code, 0, bt.err);
      assert.match(bt.out, /outcomes? would change/);
      assert.match(bt.out, new RegExp(`gate ${id} .* checkout-api to prod: was go with controls, would be a no-go`));
      assert.equal(entente(env, 'gate', 'replay', 'abc').code, 2);
      assert.equal(entente(env, 'commitments', 'verify', String(waf.id), '--evidence', 'again').code, 2);
    });
  });
}
