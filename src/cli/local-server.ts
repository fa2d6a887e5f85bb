/**
 * A running `entente serve` on a data folder, as the CLI finds it: PGlite lets one process hold the folder, so while
 * the server runs, local commands go through its API with the local admin token it keeps in the folder.
 * Light on purpose (fs and net only): every command that can reach a server reads it before deciding.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { processAlive as alive } from '../process-alive.ts';

/** What `entente serve` writes into its data folder while it listens, and removes on a clean exit. */
export interface ServerRecord {
  url: string;
  pid: number;
  startedAt: string;
}

const serverRecordFile = 'server.json';
export const localAdminTokenFile = 'local-admin.token';

/** Writes a private file (0600 whatever the umask). */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writeServerRecord(dataDir: string, record: ServerRecord): void {
  writePrivateFile(join(dataDir, serverRecordFile), `${JSON.stringify(record)}\n`);
}

/** Removes the record if it is still ours (a later server on the same folder may have written its own). */
export function removeServerRecord(dataDir: string, pid: number = process.pid): void {
  if (readServerRecord(dataDir)?.pid === pid) rmSync(join(dataDir, serverRecordFile), { force: true });
}

function readServerRecord(dataDir: string): ServerRecord | undefined {
  const path = join(dataDir, serverRecordFile);
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerRecord>;
    return typeof r.url === 'string' && Number.isInteger(r.pid) && r.pid! > 0 ? (r as ServerRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** The server running on this data folder and the local admin token to call it with; undefined when none runs (a
 * record whose process is gone is stale, and removed; one that nothing answers at is ignored). */
export async function runningServer(
  dataDir: string,
): Promise<{ url: string; pid: number; token: string | undefined } | undefined> {
  const record = readServerRecord(dataDir);
  if (record && !alive(record.pid)) removeServerRecord(dataDir, record.pid); // left by a server that was killed
  if (!record || !alive(record.pid) || !(await listening(record.url))) return undefined;
  let token: string | undefined;
  try {
    token = readFileSync(join(dataDir, localAdminTokenFile), 'utf8').trim() || undefined;
  } catch {
    token = undefined;
  }
  return { url: record.url, pid: record.pid, token };
}

// A TCP connection is enough to tell a listening server from a pid reused by another program; on the loopback it
// answers or is refused at once.
function listening(url: string): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
