/** The API's messages point at routes that exist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachEngine } from './support/engines.ts';

describeEachEngine('routes named in messages', (env) => {
  test('every "METHOD /api/…" written in the source is a route the server has', () => {
    const routes = env().app.routes.map((r) => ({
      method: r.method,
      path: new RegExp(`^${r.path.replace(/:[^/]+/g, '[^/]+')}$`),
    }));
    const files = (d: string): string[] =>
      readdirSync(d).flatMap((n) =>
        statSync(join(d, n)).isDirectory()
          ? files(join(d, n))
          : n.endsWith('.ts') && !n.endsWith('.test.ts')
            ? [join(d, n)]
            : [],
      );
    let seen = 0;
    for (const file of files('src')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(GET|POST|PATCH|PUT|DELETE) (\/api\/[\w/{}$.-]*)/g)) {
        const path = m[2]!
          .replace(/\$\{[^}]*\}/g, '1')
          .replace(/\{[^}]*\}/g, '1')
          .replace(/[.]$/, '');
        assert.ok(
          routes.some((r) => r.method === m[1] && r.path.test(path)),
          `${file}: ${m[1]} ${m[2]} is not a route`,
        );
        seen++;
      }
    }
    assert.ok(seen >= 3, `found ${seen}`);
  });
});
