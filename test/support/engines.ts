/** Runs a block of tests once per database engine (PGlite and PostgreSQL), each on a database of its own. */
import { after, before, describe } from 'node:test';
import type { Context } from '../../src/context.ts';
import { openDatabase, type Engine } from '../../src/db/connect.ts';
import { defaultPolicy, type Policy } from '../../src/policy/policy.ts';
import { createApp } from '../../src/http/app.ts';
import { createToken } from '../../src/people/tokens.ts';
import { parseOrgFile } from '../../src/people/org-file.ts';
import { applyOrg } from '../../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../../src/findings/reprioritise.ts';
import { importReport, type ImportSummary } from '../../src/scans/import-service.ts';
import { reportFromBuffer } from '../../src/imports/report-input.ts';
import { importRowLimits } from '../../src/config.ts';
import { migratedScratchPg, pgliteTemplate } from './template.ts';

/** The engines this run covers: ENTENTE_TEST_ENGINES=pglite narrows it; both by default. */
export const engines: Engine[] = (process.env.ENTENTE_TEST_ENGINES ?? 'pglite,postgres')
  .split(',')
  .map((s) => s.trim()) as Engine[];

/** A test's world: a context with a clock it can move, the HTTP app, and helpers that make fixtures. */
export interface TestEnv {
  engine: Engine;
  ctx: Context;
  app: ReturnType<typeof createApp>;
  clock: { now: Date; advanceDays(days: number): void };
  /** A name no other test uses (tests share one database per file and engine). */
  uniq(prefix: string): string;
  /** Creates a team owning a service, returns their names. */
  makeService(
    opts?: Partial<{
      criticality: number;
      exposure: 'internet' | 'internal' | 'isolated';
      members: string[];
      lead: string;
    }>,
  ): Promise<{ team: string; service: string }>;
  importText(service: string, name: string, text: string): Promise<ImportSummary>;
  token(role: string, person?: string): Promise<string>;
  /** Calls the app like an HTTP client would (no port). */
  call(
    method: string,
    path: string,
    opts?: { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
}

/** Declares `fn`'s tests once per engine, with a fresh database per engine for this block. */
export function describeEachEngine(
  title: string,
  fn: (env: () => TestEnv) => void,
  policy: Policy = defaultPolicy,
): void {
  for (const engine of engines) {
    describe(`${title} [${engine}]`, () => {
      let env: TestEnv | undefined;
      let cleanup: () => Promise<void> = async () => {};
      before(async () => {
        const opened = await openEngine(engine);
        cleanup = opened.cleanup;
        env = buildEnv(engine, opened.database, policy);
      });
      after(async () => cleanup());
      fn(() => {
        if (!env) throw new Error('the test database is not open');
        return env;
      });
    });
  }
}

async function openEngine(engine: Engine) {
  if (engine === 'pglite') {
    const database = await openDatabase({ template: await pgliteTemplate() });
    return { database, cleanup: () => database.close() };
  }
  const scratch = await migratedScratchPg('entente_test');
  const database = await openDatabase({ url: scratch.url });
  return {
    database,
    cleanup: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

let counter = 0;

function buildEnv(engine: Engine, database: Awaited<ReturnType<typeof openDatabase>>, policy: Policy): TestEnv {
  const clock = {
    now: new Date('2026-03-02T09:00:00Z'),
    advanceDays(d: number) {
      this.now = new Date(this.now.getTime() + d * 86_400_000);
    },
  };
  const ctx: Context = { database, policy, now: () => clock.now };
  const app = createApp(ctx);
  const uniq = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;
  const env: TestEnv = {
    engine,
    ctx,
    app,
    clock,
    uniq,
    async makeService(opts = {}) {
      const team = uniq('team');
      const service = uniq('svc');
      const members = opts.members ?? [];
      const yaml = `teams:\n  - name: ${team}\n    kind: engineering\n${opts.lead ? `    lead: ${opts.lead}\n` : ''}    members: [${members.join(', ')}]\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: ${opts.criticality ?? 4}\n    exposure: ${opts.exposure ?? 'internet'}\n`;
      await applyOrg(database.db, parseOrgFile(yaml, 'test org'), {
        prune: false,
        actor: 'test',
        now: clock.now,
        reprioritise: reprioritiseServiceWith(policy),
      });
      return { team, service };
    },
    importText(service, name, text) {
      return importReport(
        { db: database.db, policy, now: () => clock.now, rows: importRowLimits(process.env) },
        { service, input: reportFromBuffer(name, Buffer.from(text)), actor: 'test' },
      );
    },
    async token(role, person) {
      return (await createToken(database.db, { name: uniq('token'), role, person, now: clock.now })).token;
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body = opts.body;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      }
      const res = await app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
  };
  return env;
}
