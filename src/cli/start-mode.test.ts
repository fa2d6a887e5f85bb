import { test } from 'node:test';
import assert from 'node:assert/strict';
import { args } from './commands.ts';
import { briefCommands, startMode, wholeCommands } from './start-mode.ts';

test('each command starts its embedded database as much as it needs: whole for the server and bulk work, brief for a page', () => {
  assert.equal(startMode(['serve']), 'whole');
  assert.equal(startMode(['import']), 'whole');
  assert.equal(startMode(['feeds', 'import']), 'whole');
  assert.equal(startMode(['review', 'new']), 'whole');
  assert.equal(startMode(['findings']), 'brief');
  assert.equal(startMode(['gate']), 'brief');
  assert.equal(startMode(['org', 'apply']), 'short');
  assert.equal(startMode(['exceptions', 'approve']), 'short');
  assert.equal(startMode(['audit', 'verify']), 'short');
  // A name in either list that no command has (a rename) would silently start that command as `short`.
  const paths = Object.keys(args);
  for (const name of [...wholeCommands, ...briefCommands]) {
    assert.ok(
      paths.some((p) => p === name || p.startsWith(`${name} `)),
      `${name} is not a command (src/cli/commands.ts)`,
    );
  }
});
