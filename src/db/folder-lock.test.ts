import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataFolder } from './folder-lock.ts';
import { EntenteError } from '../errors.ts';

test('a second opener of a data folder is told which process holds it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-lock-'));
  try {
    const release = lockDataFolder(dir);
    assert.throws(
      () => lockDataFolder(dir),
      (e: unknown) =>
        e instanceof EntenteError
        && e.code === 'conflict'
        && e.message.includes(String(process.pid))
        && e.message.includes('--server'),
    );
    release();
    assert.equal(existsSync(join(dir, 'entente.lock')), false);
    lockDataFolder(dir)();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a process that is gone is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-lock-'));
  try {
    writeFileSync(join(dir, 'entente.lock'), '2147483646');
    const release = lockDataFolder(dir);
    release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
