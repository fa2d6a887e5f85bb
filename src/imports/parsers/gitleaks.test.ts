import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { gitleaksParser } from './gitleaks.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// Fake credentials in the shapes the rules look for; none of them may come out of the parser.
const awsKeyId = 'AKIAQYLPMN5HHHFPZAM2';
const githubToken = 'ghp_4fGq8Rk2LmN7pXz1VbT9cWyH3sJdE6aK0uQi';
const slackToken = 'xoxb-2718281828-3141592653-Zm9vYmFyYmF6cXV4';

// ---- fixtures: Gitleaks 8 ----

const v8Aws = {
  RuleID: 'aws-access-token',
  Description:
    'Identified a pattern that may indicate AWS credentials, risking unauthorized cloud resource access and data breaches on AWS platforms.',
  StartLine: 12,
  EndLine: 12,
  StartColumn: 18,
  EndColumn: 37,
  Match: `aws_access_key_id = ${awsKeyId}`,
  Secret: awsKeyId,
  File: 'config/deploy.ini',
  SymlinkFile: '',
  Commit: '8bbcdfd743c5695bdd7d3bc21aa9417131a7ab12',
  Link: 'https://github.com/acme/shop/blob/8bbcdfd743c5695bdd7d3bc21aa9417131a7ab12/config/deploy.ini#L12',
  Entropy: 3.684184,
  Author: 'Cody Maffucci',
  Email: 'cody@example.com',
  Date: '2021-07-27T16:19:31Z',
  Message: 'Release 2.1.0\n\nMerge pull request #4877',
  Tags: [],
  Fingerprint: '8bbcdfd743c5695bdd7d3bc21aa9417131a7ab12:config/deploy.ini:aws-access-token:12',
};

const v8Slack = {
  RuleID: 'slack-bot-token',
  Description:
    'Identified a Slack Bot token, which may compromise bot integrations and communication channel security.',
  StartLine: 4,
  EndLine: 4,
  StartColumn: 14,
  EndColumn: 57,
  Line: `SLACK_TOKEN: "${slackToken}"  # bot`,
  Match: slackToken,
  Secret: slackToken,
  File: 'ops/alerts.yaml',
  SymlinkFile: '',
  Commit: '',
  Entropy: 4.4,
  Author: '',
  Email: '',
  Date: '',
  Message: '',
  Tags: ['slack'],
  Fingerprint: 'ops/alerts.yaml:slack-bot-token:4',
};

// ---- fixtures: Gitleaks 7 ----

const v7Github = {
  line: `export JEKYLL_GITHUB_TOKEN="${githubToken}"`,
  lineNumber: 3,
  offender: `GITHUB_TOKEN="${githubToken}"`,
  offenderEntropy: -1,
  commit: 'd54ce70d0cf883054ed256db46406a5df551f000',
  repo: '.',
  repoURL: '',
  leakURL: '',
  rule: 'Github',
  commitMessage: 'saving bashrc to git\n',
  author: 'John Doe',
  email: 'john.doe@example.com',
  file: '.bashrc',
  date: '2020-04-04T15:52:59-07:00',
  tags: 'key, Github',
  operation: 'addition',
};

const v7Key = {
  line: '-----BEGIN PRIVATE KEY-----',
  offender: '-----BEGIN PRIVATE KEY-----',
  commit: '9afb561b348d59eceb6dc82c0061fb07bee09f7b',
  repo: '.',
  rule: 'Asymmetric Private Key',
  commitMessage: 'saving my cert\n',
  author: 'John Doe',
  email: 'john.doe@example.com',
  file: 'cert-key.pem',
  date: '2020-04-04T15:58:14-07:00',
  tags: 'key, AsymmetricPrivateKey',
};

const input = (text: string, name = 'gitleaks.json'): ReportInput => reportInput(text, name);

async function parseWithTools(doc: unknown): Promise<{ found: ParsedFinding[]; tools: string[] }> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 1);
  const found: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of gitleaksParser.parse(input(text), { tool: (n) => tools.push(n) })) found.push(f);
  return { found, tools };
}

const parse = async (doc: unknown): Promise<ParsedFinding[]> => (await parseWithTools(doc)).found;

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

const secrets = new RegExp([awsKeyId, githubToken, slackToken, 'BEGIN PRIVATE KEY'].join('|'));

describe('Gitleaks 8 reports', () => {
  test('give a secret finding with rule, location, CWE 798, commit and a redacted match', async () => {
    const { found, tools } = await parseWithTools([v8Aws]);
    assert.deepEqual(tools, ['Gitleaks']);
    const [f] = found;
    assert.ok(f);
    assert.equal(f.tool, 'Gitleaks');
    assert.equal(f.kind, 'secret');
    assert.equal(f.ruleId, 'aws-access-token');
    assert.equal(f.title, v8Aws.Description);
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.cwes, [798]);
    assert.deepEqual(f.aliases, []);
    assert.deepEqual(f.location, { file: 'config/deploy.ini', line: 12, column: 18 });
    assert.deepEqual(f.references, [v8Aws.Link]);
    assert.deepEqual(f.detail, {
      commit: v8Aws.Commit,
      author: 'Cody Maffucci',
      email: 'cody@example.com',
      date: '2021-07-27T16:19:31Z',
      commitMessage: 'Release 2.1.0',
      entropy: 3.684184,
      fingerprint: v8Aws.Fingerprint,
      match: 'aws_access_key_id = [redacted]',
    });
    assert.doesNotMatch(JSON.stringify(found), secrets);
  });

  test('redact the line too, and rate secrets that do not open a cloud account or code host high', async () => {
    const [f] = await parse([v8Slack]);
    assert.equal(f?.severity, 'high');
    assert.equal(f?.detail?.line, 'SLACK_TOKEN: "[redacted]"  # bot');
    assert.equal(f?.detail?.match, '[redacted]');
    assert.deepEqual(f?.detail?.tags, ['slack']);
    assert.doesNotMatch(JSON.stringify(f), secrets);
  });

  test('drop a match that does not contain the secret, rather than risk keeping it', async () => {
    const [f] = await parse([{ ...v8Aws, Secret: 'something-else', Match: `key=${awsKeyId}` }]);
    assert.equal(f?.detail?.match, undefined);
    assert.doesNotMatch(JSON.stringify(f), secrets);
  });

  // The peer keeps one finding per secret, file and line too.
  test('merge the same secret at the same place in several commits into one finding listing the commits', async () => {
    const found = await parse([
      v8Aws,
      { ...v8Aws, Commit: '6d127980966808f7413935678e079dcd7fedf9c2' },
      { ...v8Aws, StartLine: 44, EndLine: 44 },
    ]);
    assert.equal(found.length, 2);
    assert.equal(found[0]?.detail?.occurrences, 2);
    assert.deepEqual(found[0]?.detail?.otherCommits, ['6d127980966808f7413935678e079dcd7fedf9c2']);
  });

  test('find nothing in an empty list', async () => {
    assert.deepEqual(await parse([]), []);
  });
});

describe('Gitleaks 7 reports', () => {
  test('read v7 field names, with the whole offender redacted from the line', async () => {
    const [f] = await parse([v7Github]);
    assert.ok(f);
    assert.equal(f.ruleId, 'Github');
    assert.equal(f.title, 'Github');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.location, { file: '.bashrc', line: 3 });
    assert.equal(f.detail?.line, 'export JEKYLL_[redacted]');
    assert.deepEqual(f.detail?.tags, ['key', 'Github']);
    assert.equal(f.detail?.commitMessage, 'saving bashrc to git');
    assert.equal(f.detail?.operation, 'addition');
    assert.equal(f.references, undefined);
    assert.doesNotMatch(JSON.stringify(f), secrets);
  });

  test('read leaks without a line number, and redact private key headers', async () => {
    const [f] = await parse([v7Key]);
    assert.deepEqual(f?.location, { file: 'cert-key.pem' });
    assert.equal(f?.severity, 'high');
    assert.equal(f?.detail?.line, '[redacted]');
  });

  test('drop the zero date Gitleaks writes outside git', async () => {
    const [f] = await parse([{ ...v7Github, commit: '', date: '0001-01-01T00:00:00Z', author: '', email: '' }]);
    assert.equal(f?.detail?.date, undefined);
    assert.equal(f?.detail?.commit, undefined);
  });

  test('read the null Gitleaks 7 writes when it finds nothing, and still say Gitleaks ran', async () => {
    const { found, tools } = await parseWithTools('null\n');
    assert.deepEqual(found, []);
    assert.deepEqual(tools, ['Gitleaks']);
  });
});

describe('Gitleaks detection', () => {
  test('recognises v8 and v7 heads, the bare null, and a v7 head filled by one long line', () => {
    const heads = [
      JSON.stringify([v8Aws], null, 1),
      JSON.stringify([v7Github], null, 1),
      'null\n',
      `[\n {\n  "line": "${'a'.repeat(5000)}`,
    ];
    for (const h of heads) assert.ok(gitleaksParser.detect(h.slice(0, 4096), 'report.json'), h.slice(0, 60));
    assert.ok(gitleaksParser.detect('[]', 'gitleaks-report.json'));
  });

  test('refuses an empty list not named after Gitleaks, and other formats', () => {
    const heads = [
      '[]',
      '[\n  {\n    "Target": "package-lock.json",\n    "Type": "npm",\n    "Vulnerabilities": [',
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[]}]}',
      '{"results": [], "errors": []}',
      '{\n  "vulnerabilities": [],\n  "ok": true,',
      '[{"template-id": "tech-detect", "info": {"name": "Wappalyzer"}, "matched-at": "https://x"}]',
      '',
    ];
    for (const h of heads) assert.equal(gitleaksParser.detect(h, 'report.json'), false, h.slice(0, 60));
  });
});

describe('Gitleaks errors', () => {
  test('a truncated report is refused with the file, line and column', async () => {
    const text = JSON.stringify([v8Aws, v8Slack, v7Github], null, 1);
    const cut = text.slice(0, 900);
    const err = await badInputOf(cut);
    assert.match(
      err.message,
      new RegExp(`gitleaks\\.json: not valid JSON at line ${cut.split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match((await badInputOf({ leaks: [] })).message, /expected a list of leaks/);
    assert.match((await badInputOf([v8Aws, 'oops'])).message, /at \[1\]/);
    assert.match((await badInputOf([{ ...v8Aws, RuleID: {} }])).message, /\[0\]\.RuleID/);
    assert.match((await badInputOf([v7Github, { ...v7Github, rule: null }])).message, /\[1\]\.rule/);
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse([value]).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error, and never lets a secret out, on mutated or cut reports', async () => {
    const seed = [v8Aws, v8Slack, v7Github, v7Key];
    await mutatedOrCutNeverThrow(parse, [seed], {
      // A mutation can remove the Secret field; what is left must still not show the secrets the seed carries.
      inspect: (found) => {
        for (const f of found)
          assert.doesNotMatch(
            JSON.stringify({ ...f, detail: { ...f.detail, line: undefined, match: undefined } }),
            secrets,
          );
      },
    });
  });
});
