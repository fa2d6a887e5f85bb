/**
 * Gate speed: a warm decision for a service with 10,000 open findings under a 200-rule policy (p50/p99), then
 * `entente gate` as a cold CLI process on a local data folder and against a running server (median of runs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connect.ts';
import { createToken } from '../src/people/tokens.ts';
import { defaultPolicy, type Policy } from '../src/policy/policy.ts';
import { decideGate } from '../src/gates/gate-decide.ts';
import type { FindingFact, GateFacts } from '../src/gates/gate-facts.ts';
import type { GateRule } from '../src/gates/gate-policy.ts';
import { benchOrg, figure } from './support.ts';
import { nodeStartLimit, type Limit } from './limits.ts';

const findings = Number(process.env.BENCH_FINDINGS ?? 10_000);
const at = Date.parse('2026-03-02T09:00:00Z');
const priorities = ['act', 'attend', 'track*', 'track'] as const;
const kinds = ['dependency', 'code', 'config', 'web', 'host'];
type GateSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';
const severities: GateSeverity[] = ['critical', 'high', 'medium', 'low', 'info'];

// A deterministic pseudo-random sequence, so every run measures the same policy and facts.
let seed = 42;
const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[], n: number): T[] => [
  ...new Set(Array.from({ length: n }, () => xs[Math.floor(rnd() * xs.length)]!)),
];

function policyWithRules(n: number): Policy {
  const rules: GateRule[] = [...defaultPolicy.gates.rules];
  for (let i = rules.length; i < n; i++) {
    const warn = rnd() < 0.5;
    rules.push({
      id: `generated-${i}`,
      description: `Generated rule ${i}.`,
      when: {
        ...(rnd() < 0.25 ? { service: { environment: ['staging'] } } : {}),
        // As policies are written: controls are asked for urgent findings; warn-mode trials may look at anything.
        findings: {
          priority: warn ? pick(priorities, 2) : pick(['act', 'attend'] as const, 2),
          kind: pick(kinds, 2),
          severity: pick(severities, 2),
          ...(rnd() < 0.3 ? { overdue: rnd() < 0.5 } : {}),
          min_count: 1 + Math.floor(rnd() * 3),
        },
      },
      outcome: warn ? 'no_go' : 'go_with_controls',
      controls: warn ? [] : ['extra-monitoring'],
      mode: warn ? 'warn' : 'enforce',
    });
  }
  return { ...defaultPolicy, gates: { rules } };
}

function factsWith(n: number): GateFacts {
  const list: FindingFact[] = [];
  for (let i = 1; i <= n; i++) {
    const r = rnd();
    const priority = r < 0.01 ? 'act' : r < 0.05 ? 'attend' : r < 0.3 ? 'track*' : 'track';
    list.push({
      id: i,
      title: `Finding ${i}`,
      priority,
      kind: kinds[i % kinds.length]!,
      severity: severities[i % severities.length]!,
      kev: i % 97 === 0,
      dueAt: new Date(at + (1 + (i % 120)) * 86_400_000).toISOString(),
      covered: i % 50 === 0,
      exceptionId: i % 50 === 0 ? i : null,
    });
  }
  return {
    at: new Date(at).toISOString(),
    environment: 'prod',
    version: '1.0.0',
    commit: null,
    findings: list,
    commitments: [],
    service: {
      id: 1,
      name: 'bench-svc',
      criticality: 4,
      exposure: 'internet',
      data: 'confidential',
      ownerTeamId: 1,
      ownerTeam: 'bench-team',
    },
  };
}

function warmDecision(): void {
  const policy = policyWithRules(200);
  const facts = factsWith(findings);
  for (let i = 0; i < 50; i++) decideGate(policy, facts);
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    outcome = decideGate(policy, facts).outcome;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const limit = naiveScan(policy, facts);
  const label = `warm gate decision, ${findings.toLocaleString('en')} open findings, 200 rules (${outcome})`;
  figure(`${label}, p50`, times[Math.floor(times.length * 0.5)]!, 'ms', undefined, limit);
  figure(`${label}, p99`, times[Math.floor(times.length * 0.99)]!, 'ms', '<= 10 ms', limit);
}

/** The limit beside a warm decision: one plain pass over the facts per rule (a filter on priority and kind, counted),
 * median of 100 — what the simplest evaluation of the same rules, without reasons or controls, costs here. */
function naiveScan(policy: Policy, facts: GateFacts): Limit {
  const rules = policy.gates.rules;
  let matched = 0;
  const once = (): number => {
    const s = performance.now();
    for (const rule of rules) {
      const f = rule.when.findings;
      matched += facts.findings.filter(
        (x) => (!f?.priority || f.priority.includes(x.priority)) && (!f?.kind || f.kind.includes(x.kind)),
      ).length;
    }
    return performance.now() - s;
  };
  for (let i = 0; i < 10; i++) once();
  const value = median(Array.from({ length: 100 }, once));
  if (matched < 0) throw new Error('unreachable'); // keeps the filters from being optimised away
  return { name: `${rules.length} plain filters over the facts`, value, unit: 'ms' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeCli(env: Record<string, string>, args: string[], runs: number): { ms: number; code: number | null } {
  const times: number[] = [];
  let code: number | null = null;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = spawnSync(process.execPath, ['dist/entente.js', ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    times.push(performance.now() - s);
    code = r.status;
    if (code !== 0 && code !== 10 && code !== 1)
      throw new Error(`entente ${args.join(' ')}: exit ${code}: ${r.stderr}`);
  }
  return { ms: median(times), code };
}

async function seed10k(dir: string): Promise<string> {
  const init = spawnSync(process.execPath, ['--import', 'tsx', 'bench/init-pglite.ts', dir], { stdio: 'inherit' });
  if (init.status !== 0) throw new Error('could not initialise the PGlite data folder');
  const database = await openDatabase({ dataDir: dir });
  try {
    await benchOrg(database);
    await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
        file_path, line, status, priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at)
      select (select id from services where name = 'bench-svc'), md5(g::text), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Finding ' || g,
        (array['critical','high','medium','low','info'])[g % 5 + 1], g % 5 + 1, '{}', array[20 + g % 50], 'src/f' || g || '.ts', 1, 'open',
        case when g % 100 = 0 then 'act' when g % 25 = 0 then 'attend' when g % 4 = 0 then 'track*' else 'track' end,
        case when g % 100 = 0 then 1 when g % 25 = 0 then 2 when g % 4 = 0 then 3 else 4 end,
        now() + make_interval(days => 3 + g % 100), (select id from teams where name = 'bench-team'), now(), now()
      from generate_series(1, ${findings}::int) g`.execute(database.db);
    return (await createToken(database.db, { name: 'bench-ci', role: 'engineer', person: 'bench-ci@example.com' }))
      .token;
  } finally {
    await database.close();
  }
}

async function cold(): Promise<void> {
  const bare = await nodeStartLimit(5);
  const dir = mkdtempSync(join(tmpdir(), 'entente-bench-gate-'));
  try {
    const token = await seed10k(dir);
    const env = { ENTENTE_DATA: dir };
    const args = ['gate', '--service', 'bench-svc', '--env', 'prod', '--format', 'json'];
    timeCli(env, args, 1); // the first run creates the commitments; later runs rely on them
    const local = timeCli(env, args, 5);
    figure(
      `cold \`entente gate\` CLI on a local data folder, ${findings.toLocaleString('en')} open findings, median (exit ${local.code})`,
      local.ms,
      'ms',
      '<= 1,500 ms',
      bare,
    );
    const port = String(4300 + Math.floor(Math.random() * 500));
    const server = spawn(process.execPath, ['dist/entente.js', 'serve', '--port', port], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('listening')) resolve();
        });
        server.once('exit', (code) => reject(new Error(`the server stopped (exit ${code})`)));
      });
      const remote = [
        'gate',
        '--service',
        'bench-svc',
        '--env',
        'prod',
        '--format',
        'json',
        '--server',
        `http://127.0.0.1:${port}`,
        '--token',
        token,
      ];
      timeCli({}, remote, 1);
      const r = timeCli({}, remote, 5);
      figure(
        `cold \`entente gate\` CLI against a running server, ${findings.toLocaleString('en')} open findings, median (exit ${r.code})`,
        r.ms,
        'ms',
        '<= 500 ms',
        bare,
      );
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

warmDecision();
if (process.argv[2] !== 'no-db') await cold();
