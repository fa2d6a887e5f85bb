// The same package from Trivy and Grype is one finding with two sources, however each tool spells the distribution
// (Grype: "rhel", "amzn"; Trivy: "redhat", "amazon"), an RPM epoch, or a Go module version ("v0.7.0" or "0.7.0").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';

interface Pkg {
  cve: string;
  name: string;
  version: string;
  purl: string;
}

// RHEL 8: openssl-libs with epoch 1 and a package without one; Go: golang.org/x/net in a binary.
const rhel = {
  trivy: [
    {
      cve: 'CVE-2023-0286',
      name: 'openssl-libs',
      version: '1:1.1.1k-7.el8_6',
      purl: 'pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&distro=redhat-8.6&epoch=1',
    },
    {
      cve: 'CVE-2022-40674',
      name: 'expat',
      version: '2.2.5-8.el8_6.2',
      purl: 'pkg:rpm/redhat/expat@2.2.5-8.el8_6.2?arch=x86_64&distro=redhat-8.6',
    },
  ],
  grype: [
    {
      cve: 'CVE-2023-0286',
      name: 'openssl-libs',
      version: '1:1.1.1k-7.el8_6',
      purl: 'pkg:rpm/rhel/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&epoch=1&upstream=openssl-1.1.1k-7.el8_6.src.rpm&distro=rhel-8.6',
    },
    {
      cve: 'CVE-2022-40674',
      name: 'expat',
      version: '2.2.5-8.el8_6.2',
      purl: 'pkg:rpm/rhel/expat@2.2.5-8.el8_6.2?arch=x86_64&upstream=expat-2.2.5-8.el8_6.2.src.rpm&distro=rhel-8.6',
    },
  ],
};
const amazon = {
  trivy: {
    cve: 'CVE-2023-38545',
    name: 'curl',
    version: '8.3.0-1.amzn2023.0.1',
    purl: 'pkg:rpm/amazon/curl@8.3.0-1.amzn2023.0.1?arch=x86_64&distro=amazon-2023',
  },
  grype: {
    cve: 'CVE-2023-38545',
    name: 'curl',
    version: '8.3.0-1.amzn2023.0.1',
    purl: 'pkg:rpm/amzn/curl@8.3.0-1.amzn2023.0.1?arch=x86_64&distro=amzn-2023',
  },
};
const net = {
  trivy: {
    cve: 'CVE-2023-39325',
    name: 'golang.org/x/net',
    version: '0.7.0',
    purl: 'pkg:golang/golang.org/x/net@0.7.0',
  },
  grype: {
    cve: 'CVE-2023-39325',
    name: 'golang.org/x/net',
    version: 'v0.7.0',
    purl: 'pkg:golang/golang.org/x/net@v0.7.0',
  },
};

function trivyReport(os: Pkg[], gobinary: Pkg[] = []): string {
  const vuln = (p: Pkg, purl = true) => ({
    VulnerabilityID: p.cve,
    PkgName: p.name,
    InstalledVersion: p.version,
    Severity: 'HIGH',
    ...(purl ? { PkgIdentifier: { PURL: p.purl } } : {}),
  });
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: 'shop/api:2.0',
    ArtifactType: 'container_image',
    Trivy: { Version: '0.58.1' },
    Results: [
      {
        Target: 'shop/api:2.0 (redhat 8.6)',
        Class: 'os-pkgs',
        Type: 'redhat',
        Vulnerabilities: os.map((p) => vuln(p)),
      },
      {
        Target: 'usr/local/bin/api',
        Class: 'lang-pkgs',
        Type: 'gobinary',
        Vulnerabilities: gobinary.map((p) => vuln(p)),
      },
    ],
  });
}

function grypeReport(pkgs: Pkg[]): string {
  const type = (purl: string): string => (purl.startsWith('pkg:golang/') ? 'go-module' : 'rpm');
  return JSON.stringify({
    matches: pkgs.map((p) => ({
      vulnerability: { id: p.cve, severity: 'High', cvss: [], fix: { versions: [], state: 'unknown' } },
      relatedVulnerabilities: [],
      matchDetails: [{ type: 'exact-direct-match', matcher: 'rpm-matcher' }],
      artifact: {
        name: p.name,
        version: p.version,
        type: type(p.purl),
        locations: [{ path: '/var/lib/rpm/rpmdb.sqlite' }],
        purl: p.purl,
      },
    })),
    source: { type: 'image', target: { userInput: 'shop/api:2.0' } },
    distro: { name: 'redhat', version: '8.6' },
    descriptor: { name: 'grype', version: '0.86.1' },
  });
}

describeEachEngine('Trivy and Grype findings for the same packages', (env) => {
  async function sources(service: string): Promise<string[]> {
    const { rows } = await sql<{
      at: string;
    }>`select f.rule_id || ' ' || string_agg(fs.tool, '+' order by fs.tool) as at
      from findings f join services s on s.id = f.service_id join finding_sources fs on fs.finding_id = f.id
      where s.name = ${service} group by f.id, f.rule_id order by f.rule_id`.execute(env().ctx.database.db);
    return rows.map((r) => r.at);
  }

  test('an RHEL package Grype names under "rhel" and Trivy under "redhat" is one finding with two sources', async () => {
    const { service } = await env().makeService();
    const t = await env().importText(service, 'trivy.json', trivyReport(rhel.trivy));
    const g = await env().importText(service, 'grype.json', grypeReport(rhel.grype));
    assert.deepEqual([t.created, g.created], [2, 0]);
    assert.deepEqual(await sources(service), ['CVE-2022-40674 Grype+Trivy', 'CVE-2023-0286 Grype+Trivy']);
  });

  test('an Amazon Linux package ("amzn" and "amazon") and a Go module ("v0.7.0" and "0.7.0") merge the same way', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'trivy.json', trivyReport([amazon.trivy], [net.trivy]));
    const g = await env().importText(service, 'grype.json', grypeReport([amazon.grype, net.grype]));
    assert.equal(g.created, 0);
    assert.deepEqual(await sources(service), ['CVE-2023-38545 Grype+Trivy', 'CVE-2023-39325 Grype+Trivy']);
  });

  test('a Trivy report without purls names the distribution from its result type, and merges too', async () => {
    const { service } = await env().makeService();
    const legacy = JSON.parse(trivyReport(rhel.trivy)) as { Results: { Vulnerabilities: Record<string, unknown>[] }[] };
    for (const r of legacy.Results) for (const v of r.Vulnerabilities) delete v.PkgIdentifier;
    await env().importText(service, 'trivy.json', JSON.stringify(legacy));
    const g = await env().importText(service, 'grype.json', grypeReport(rhel.grype));
    assert.equal(g.created, 0);
    assert.deepEqual(await sources(service), ['CVE-2022-40674 Grype+Trivy', 'CVE-2023-0286 Grype+Trivy']);
  });

  test('the same package name in two versions stays two findings', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'trivy.json', trivyReport([rhel.trivy[0]!]));
    const older = {
      ...rhel.grype[0]!,
      version: '1:1.1.1k-6.el8_5',
      purl: rhel.grype[0]!.purl.replace('1.1.1k-7.el8_6?', '1.1.1k-6.el8_5?'),
    };
    const g = await env().importText(service, 'grype.json', grypeReport([older]));
    assert.equal(g.created, 1);
  });
});

test('the fixtures are the shapes each parser reads (a guard for the tests above)', async () => {
  const { detectParser } = await import('../src/imports/parsers/index.ts');
  assert.equal(detectParser({ head: trivyReport(rhel.trivy).slice(0, 4096), name: 'trivy.json' }).format, 'trivy');
  assert.equal(detectParser({ head: grypeReport(rhel.grype).slice(0, 4096), name: 'grype.json' }).format, 'grype');
});
