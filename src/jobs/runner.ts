/**
 * The job runner: each job is a plain function of (deps) run every so often; a server claims a due job by moving its
 * next run in one statement over `FOR UPDATE SKIP LOCKED`, so with several servers on one PostgreSQL database each
 * job runs once per period, and on embedded PGlite the same code runs in the one process. Time comes from deps.now.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { pgJson } from '../db/pg-json.ts';

export interface JobDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

/** One job: its name, how often it runs (and whether also whenever a runner starts), and the work (whose result is kept for people to read). */
export interface Job {
  name: string;
  everySeconds: number;
  atStart?: boolean;
  run(deps: JobDeps): Promise<unknown>;
}

export interface JobRun {
  name: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const retrySeconds = 60;

/** Runs every job that is due at deps.now() and that no other runner has claimed; returns what ran. */
export async function runDueJobs(deps: JobDeps, jobs: readonly Job[]): Promise<JobRun[]> {
  const now = deps.now();
  await deps.db
    .insertInto('job_schedule')
    .values(jobs.map((j) => ({ name: j.name, next_run_at: now })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const runs: JobRun[] = [];
  for (const job of jobs) {
    if (!(await claim(deps.db, job, now))) continue;
    try {
      const result = await job.run(deps);
      await finish(deps.db, job.name, deps.now(), { last_result: pgJson(result ?? null), last_error: null });
      runs.push({ name: job.name, ok: true, result });
    } catch (e) {
      // A failed run is tried again a minute later instead of waiting a whole period.
      const error = (e as Error)?.message ?? String(e);
      await finish(deps.db, job.name, deps.now(), {
        last_error: error,
        next_run_at: new Date(now.getTime() + Math.min(retrySeconds, job.everySeconds) * 1000),
      });
      runs.push({ name: job.name, ok: false, error });
    }
  }
  return runs;
}

// Moves the job's next run a period ahead if it is due and unclaimed; true when this runner got it.
async function claim(db: Kysely<DB>, job: Job, now: Date): Promise<boolean> {
  const next = new Date(now.getTime() + job.everySeconds * 1000);
  const { rows } = await sql<{
    name: string;
  }>`update job_schedule set next_run_at = ${next}, last_started_at = ${now}, runs = runs + 1
    where name = (select name from job_schedule where name = ${job.name} and next_run_at <= ${now} for update skip locked)
    returning name`.execute(db);
  return rows.length === 1;
}

async function finish(
  db: Kysely<DB>,
  name: string,
  at: Date,
  set: { last_result?: string; last_error: string | null; next_run_at?: Date },
): Promise<void> {
  await db
    .updateTable('job_schedule')
    .set({ last_finished_at: at, ...set })
    .where('name', '=', name)
    .execute();
}

// A job that runs at start (the audit verification) is made due now, so the runner's first tick runs it.
async function dueNow(deps: JobDeps, jobs: readonly Job[]): Promise<void> {
  if (jobs.length === 0) return;
  const now = deps.now();
  await deps.db
    .updateTable('job_schedule')
    .set({ next_run_at: now })
    .where(
      'name',
      'in',
      jobs.map((j) => j.name),
    )
    .where('next_run_at', '>', now)
    .execute();
}

export interface RunningJobs {
  stop(): Promise<void>;
}

/** Checks for due jobs every `tickMs` until stopped (what `entente serve` starts); a tick never overlaps the previous one. */
export function startJobRunner(
  deps: JobDeps,
  jobs: readonly Job[],
  opts: { tickMs?: number; onRun?: (runs: JobRun[]) => void } = {},
): RunningJobs {
  let current: Promise<unknown> = dueNow(
    deps,
    jobs.filter((j) => j.atStart),
  ).catch((e: Error) => opts.onRun?.([{ name: 'runner', ok: false, error: e.message }]));
  let stopped = false;
  const tick = (): void => {
    current = current.then(async () => {
      if (stopped) return;
      try {
        const runs = await runDueJobs(deps, jobs);
        if (runs.length > 0) opts.onRun?.(runs);
      } catch (e) {
        opts.onRun?.([{ name: 'runner', ok: false, error: (e as Error).message }]);
      }
    });
  };
  tick();
  const timer = setInterval(tick, opts.tickMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
