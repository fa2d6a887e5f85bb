/** Reads the exploitation feeds from files on disk: the CISA KEV JSON catalogue and FIRST's EPSS CSV (optionally gzip). */
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { badInput } from '../errors.ts';
import { asArray, asObject, parseJson, str } from '../imports/parsers/common.ts';

export interface KevEntry {
  cve: string;
  name: string | null;
  dateAdded: string | null;
  ransomware: boolean;
}
export interface EpssEntry {
  cve: string;
  score: number;
  percentile: number | null;
}

export type FeedFile =
  | { kind: 'kev'; version: string | null; entries: KevEntry[] }
  | { kind: 'epss'; scoredOn: string | null; entries: EpssEntry[] };

/** Recognises and reads a feed file's bytes; says what it expected when the file is neither feed. */
export function readFeedFile(name: string, bytes: Buffer): FeedFile {
  const body = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(name, bytes) : bytes;
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start.startsWith('{')) return readKev(name, text);
  if (/^(#|cve,)/i.test(start)) return readEpss(name, text);
  throw badInput(
    `${name}: not a KEV catalogue (JSON with "vulnerabilities") nor an EPSS file (CSV with cve,epss,percentile)`,
    { file: name },
  );
}

function gunzip(name: string, bytes: Buffer): Buffer {
  try {
    // A local file (`entente feeds import`): uploads are expanded, capped, before they get here (src/http/upload.ts).
    return gunzipSync(bytes, { maxOutputLength: Math.min(1 << 30, Math.max(10 << 20, bytes.length * 100)) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw badInput(
        `${name}: expands to more than 100 times its compressed size (or past 1 GB): that is what a decompression bomb does, so it is refused; decompress it yourself if it is what you meant`,
        { file: name },
      );
    }
    throw badInput(`${name}: looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`, {
      file: name,
    });
  }
}

function readKev(name: string, text: string): FeedFile {
  const root = asObject(parseJson(text, name), name, 'the top level');
  if (!Array.isArray(root.vulnerabilities))
    throw badInput(`${name}: a KEV catalogue needs a "vulnerabilities" array`, { file: name, path: 'vulnerabilities' });
  const entries = asArray(root.vulnerabilities, name, 'vulnerabilities').map((v, i) => {
    const o = asObject(v, name, `vulnerabilities[${i}]`);
    const cve = str(o.cveID)?.toUpperCase();
    if (!cve || !/^CVE-\d{4}-\d{4,}$/.test(cve))
      throw badInput(`${name}: vulnerabilities[${i}].cveID is not a CVE id`, {
        file: name,
        path: `vulnerabilities[${i}].cveID`,
      });
    return {
      cve,
      name: str(o.vulnerabilityName) ?? null,
      dateAdded: validDate(str(o.dateAdded)),
      ransomware: /^known$/i.test(str(o.knownRansomwareCampaignUse) ?? ''),
    };
  });
  return { kind: 'kev', version: str(root.catalogVersion) ?? null, entries };
}

function readEpss(name: string, text: string): FeedFile {
  const first = text.split('\n', 1)[0] ?? '';
  const scoredOn = /score_date:(\d{4}-\d{2}-\d{2})/.exec(first)?.[1] ?? null;
  // The comment line is blanked, not cut, so csv-parse's line numbers are the file's.
  const body = first.startsWith('#') ? text.slice(first.length) : text;
  let records: Record<string, string>[];
  try {
    records = parseCsv(body, { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw badInput(`${name}: not a valid EPSS CSV: ${(e as Error).message}`, { file: name });
  }
  const entries = records.map((r, i) => {
    const cve = r.cve?.toUpperCase();
    const score = Number(r.epss);
    const line = i + (first.startsWith('#') ? 3 : 2);
    if (!cve || !/^CVE-\d{4}-\d{4,}$/.test(cve) || !Number.isFinite(score) || score < 0 || score > 1) {
      throw badInput(`${name}: line ${line}: expected "CVE-…,<epss 0..1>,<percentile>"`, { file: name, line });
    }
    const percentile = r.percentile === undefined ? null : Number(r.percentile);
    return { cve, score, percentile: percentile !== null && Number.isFinite(percentile) ? percentile : null };
  });
  return { kind: 'epss', scoredOn, entries };
}

function validDate(s: string | undefined): string | null {
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : null;
}
