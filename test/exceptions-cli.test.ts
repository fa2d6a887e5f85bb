import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { cliWorld, entente, serveCli } from './support/cli.ts';

for (const engine of engines) {
  describe(`entente exceptions and commitments [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'exceptions-cli');
    const tokens: Record<'engineer' | 'lead' | 'security' | 'auditor', string> = {
      engineer: '',
      lead: '',
      security: '',
      auditor: '',
    };
    before(async () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\n    lead: ana@example.com\n    members: [ana@example.com, raj@example.com]\n'
          + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 2\n    exposure: internal\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const report = join(dir, 'r.sarif');
      writeFileSync(
        report,
        sarif('CodeQL', [{ rule: 'js/xss', file: 'src/page.ts', line: 20, cwe: 79, level: 'warning' }]),
      );
      assert.equal(entente(env, 'import', report, '--service', 'checkout-api').code, 0);
      const make = (role: string, person?: string) =>
        entente(
          env,
          'token',
          'create',
          '--role',
          role,
          '--name',
          `${role}-${person ?? 'x'}`,
          ...(person ? ['--person', person] : []),
        ).out.trim();
      Object.assign(tokens, {
        engineer: make('engineer', 'raj@example.com'),
        lead: make('engineer', 'ana@example.com'),
        security: make('security', 'sam@example.com'),
        auditor: make('auditor'),
      });
    });

    test("an approved exception's controls are listed by `entente commitments` and `entente exceptions show`", async () => {
      const server = await serveCli(env);
      try {
        const remote = (token: string, ...args: string[]) =>
          entente({}, ...args, '--server', server.url, '--token', token);
        const asked = remote(
          tokens.engineer,
          'exceptions',
          'request',
          '--finding',
          '1',
          '--reason',
          'vendor fix due in May',
          '--control',
          'WAF rule blocks the payload',
          '--days',
          '60',
          '--json',
        );
        assert.equal(asked.code, 0, asked.err);
        const id = JSON.parse(asked.out).id as number;
        assert.equal(remote(tokens.lead, 'exceptions', 'approve', String(id)).code, 0);
        const approved = remote(tokens.security, 'exceptions', 'approve', String(id));
        assert.equal(approved.code, 0, approved.err);
        assert.match(
          approved.out,
          /commitment #\d+ \(open\): WAF rule blocks the payload for checkout-api: payments has it in hand by \d{4}-\d{2}-\d{2}/,
        );
        const listed = remote(tokens.auditor, 'commitments', '--team', 'payments');
        assert.equal(listed.code, 0, listed.err);
        assert.match(
          listed.out,
          new RegExp(
            `^#\\d+  open +due \\d{4}-\\d{2}-\\d{2}  payments  checkout-api  WAF rule blocks the payload  \\[exception ${id}\\]$`,
            'm',
          ),
        );
        const revoked = remote(tokens.engineer, 'exceptions', 'revoke', String(id), '--reason', 'the fix landed early');
        assert.equal(revoked.code, 0, revoked.err);
        assert.match(
          revoked.out,
          /commitment #\d+ \(released\): WAF rule blocks the payload for checkout-api is no longer owed since/,
        );
        assert.match(
          remote(tokens.auditor, 'commitments', '--state', 'released').out,
          /released +due .* WAF rule blocks the payload/,
        );
      } finally {
        await server.stop();
      }
    });
  });
}
