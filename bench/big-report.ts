/**
 * Big reports: a generated 500 MB SARIF log and a 500 MB Trivy report, each imported in a process of its own, with
 * its findings/s, MB/s and peak memory (the target: <= 1 GB). The reports are written to disk piece by piece, never
 * held whole, as a scanner would write them. BENCH_BIG_MB changes the size.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childImport, engineArg, figure, importInChild, importTarget } from './support.ts';
import { bulkLoadLimit } from './limits.ts';

if (process.argv[2] === '--child') await childImport(process.argv[3]!, process.argv[4]!);
else await main();

async function main(): Promise<void> {
  const megabytes = Number(process.env.BENCH_BIG_MB ?? 500);
  const engine = engineArg();
  const limit = await bulkLoadLimit(engine);
  const dir = mkdtempSync(join(tmpdir(), 'entente-big-'));
  try {
    for (const [family, write] of [
      ['SARIF', writeSarif],
      ['Trivy', writeTrivy],
    ] as const) {
      const file = join(dir, `big.${family.toLowerCase()}.json`);
      const written = write(file, megabytes * 1e6);
      const mb = statSync(file).size / 1e6;
      const target = await importTarget(engine, join(dir, `db-${family}`), 'entente_bench_big');
      try {
        const run = importInChild(target.where, file);
        if (run.summary.created !== written) throw new Error(`expected ${written} created, got ${run.summary.created}`);
        figure(
          `import a ${mb.toFixed(0)} MB ${family} report, ${written} findings [${engine}]`,
          written / run.seconds,
          'findings/s',
          'streams',
          limit,
        );
        figure(`  read speed, ${family} [${engine}]`, mb / run.seconds, 'MB/s', '');
        figure(`  peak memory, ${family} [${engine}]`, run.peakMiB, 'MiB', '<= 1,024');
      } finally {
        await target.drop();
        rmSync(file, { force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `head`, then elements from `next` joined by commas until the file reaches `bytes`, then `tail`; returns the count. */
function writeReport(file: string, bytes: number, head: string, tail: string, next: (i: number) => unknown): number {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    let size = head.length + tail.length;
    let n = 0;
    while (size < bytes) {
      const batch: string[] = [];
      for (let k = 0; k < 1000 && size < bytes; k++, n++) {
        const s = JSON.stringify(next(n));
        batch.push(s);
        size += s.length + 1;
      }
      writeSync(fd, (n > batch.length ? ',' : '') + batch.join(','));
    }
    writeSync(fd, tail);
    return n;
  } finally {
    closeSync(fd);
  }
}

// CodeQL-like results: a message, a location with a snippet, fingerprints and properties, about 1.2 kB each.
function writeSarif(file: string, bytes: number): number {
  const rules = Array.from({ length: 300 }, (_, i) => ({
    id: `js/rule-${i}`,
    name: `Rule${i}`,
    shortDescription: { text: `Problem of kind ${i}` },
    fullDescription: {
      text: `A longer description of the problem of kind ${i}, as query packs write them. `.repeat(4),
    },
    defaultConfiguration: { level: i % 3 === 0 ? 'error' : 'warning' },
    properties: {
      tags: ['security', `external/cwe/cwe-${20 + (i % 200)}`],
      precision: 'high',
      'security-severity': String((i % 10) + 0.5),
    },
  }));
  const head = `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL","semanticVersion":"2.19.0","rules":${JSON.stringify(rules)}}},"results":[`;
  return writeReport(file, bytes, head, ']}]}', (i) => ({
    ruleId: `js/rule-${i % 300}`,
    ruleIndex: i % 300,
    message: {
      text: `This value depends on a user-provided value at line ${i % 900} and reaches a sensitive sink without sanitising; see the flow from the request handler to the query builder.`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `src/module${Math.floor(i / 100)}/file${i % 100}.ts`, uriBaseId: '%SRCROOT%' },
          region: {
            startLine: (i % 700) + 1,
            startColumn: 5,
            endColumn: 42,
            snippet: { text: `const query = build(request.params.id, ${i}); // and some more code around it` },
          },
        },
      },
    ],
    partialFingerprints: {
      primaryLocationLineHash: `${((i * 2654435761) >>> 0).toString(16)}:1`,
      primaryLocationStartColumnFingerprint: '4',
    },
    properties: {
      'github/alertNumber': i + 1,
      'github/alertUrl': `https://api.github.com/repos/acme/shop/code-scanning/alerts/${i + 1}`,
    },
  }));
}

// Trivy vulnerabilities of an image: descriptions, references and CVSS, about 2.5 kB each.
function writeTrivy(file: string, bytes: number): number {
  const head =
    '{"SchemaVersion":2,"ArtifactName":"registry.example.com/shop:1.2.3","ArtifactType":"container_image","Metadata":{"OS":{"Family":"debian","Name":"12.5"}},"Results":[{"Target":"registry.example.com/shop:1.2.3 (debian 12.5)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[';
  return writeReport(file, bytes, head, ']}]}', (i) => {
    const cve = `CVE-${2015 + (i % 10)}-${10000 + i}`;
    const pkg = `lib-package-${i % 5000}`;
    return {
      VulnerabilityID: cve,
      PkgID: `${pkg}@1.${i % 7}.${i % 13}`,
      PkgName: pkg,
      InstalledVersion: `1.${i % 7}.${i % 13}-2+deb12u1`,
      FixedVersion: `1.${i % 7}.${(i % 13) + 1}-1`,
      Status: 'fixed',
      Layer: { DiffID: `sha256:${(i % 40).toString(16).padStart(64, '0')}` },
      SeveritySource: 'nvd',
      PrimaryURL: `https://avd.aquasec.com/nvd/${cve.toLowerCase()}`,
      DataSource: {
        ID: 'debian',
        Name: 'Debian Security Tracker',
        URL: 'https://salsa.debian.org/security-tracker-team/security-tracker',
      },
      Title: `${pkg}: a flaw in the parser allows a crafted input to corrupt memory`,
      Description:
        `A flaw was found in ${pkg}. A remote attacker could send crafted input that triggers an out-of-bounds write in the parsing routine, leading to a crash or possibly code execution. `.repeat(
          4,
        ),
      Severity: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][i % 4],
      CweIDs: [`CWE-${[787, 125, 416, 20][i % 4]}`],
      CVSS: {
        nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 9.8 },
        redhat: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 8.1 },
      },
      References: Array.from({ length: 6 }, (_, k) => `https://security-tracker.example.org/${cve}/reference-${k}`),
      PublishedDate: '2024-03-01T15:15:00Z',
      LastModifiedDate: '2024-06-01T10:00:00Z',
    };
  });
}
