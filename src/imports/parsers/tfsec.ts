/**
 * tfsec JSON reports (`tfsec --format json`): the legacy shape (rule ids such as "AWS050", `link`, `passed`),
 * the 0.5x–1.0 shape (descriptive rule ids, `legacy_rule_id`, `links`, `status`) and the 1.x shape (AVD ids
 * with `long_id`, `rule_service`, `resource`, a numeric `status`).
 *
 * One listing per rule, Terraform block and lines. tfsec repeats a result for every instance of a module or `count`
 * that holds the failing block ("module.a:aws_x.y[0]", "module.b:aws_x.y[1]"): the same lines of code, read as
 * one listing with the instances in `detail.resources`. It also flags some blocks at two attribute lines (a network
 * ACL rule's from_port and to_port): each line is read, with its lines in `detail.occurrence`; the fingerprint
 * names the block (file and resource, which stay put when lines shift), so the import makes them one finding, one
 * fix. Results naming no resource are grouped by file and lines.
 * Passed and ignored results (`--include-passed`, `--include-ignored`) are not findings.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import {
  asArray,
  asObject,
  compact,
  cwesFrom,
  isObject,
  type Json,
  normalisePath,
  normaliseSeverity,
  num,
  obj,
  parseJson,
  str,
} from './common.ts';

const tool = 'tfsec';

/** tfsec's JSON output, from the legacy check ids to the AVD ids of tfsec 1.x. */
export const tfsecParser: ReportParser = {
  format: 'tfsec',
  label: 'tfsec JSON',
  tool,
  detect: detectTfsec,
  parse: parseTfsec,
};

/** True when the first bytes look like tfsec output: a "results" list whose items carry tfsec's rule keys. */
function detectTfsec(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!/^\{\s*"results"\s*:\s*(\[|null)/.test(h)) return false;
  if (/"results"\s*:\s*null/.test(h)) return /"summary"\s*:/.test(h) || /^\{\s*"results"\s*:\s*null\s*\}\s*$/.test(h);
  return /"rule_id"\s*:/.test(h) && /"(rule_provider|rule_description|location|long_id)"\s*:/.test(h);
}

/** One group: the results of one rule on one block (or, without a resource, at one file and line range). */
interface Group {
  first: Json;
  path: string;
  block: string | undefined;
  resources: string[];
  start?: number;
  end?: number;
}

async function* parseTfsec(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  if (!('results' in doc)) throw badInput(`${name}: not a tfsec report: expected a "results" list`, { file: name });
  context?.tool(tool);
  const groups = new Map<string, Group>();
  for (const [i, item] of asArray(doc.results, name, 'results').entries()) {
    const path = `results[${i}]`;
    const r = asObject(item, name, path);
    if (!failed(r)) continue;
    const ruleId = ruleIdOf(r, name, path);
    const loc = r.location === undefined || r.location === null ? {} : asObject(r.location, name, `${path}.location`);
    const resource = resourceOf(r);
    const block = resource ? blockOf(resource) : undefined;
    const key = [ruleId, str(loc.filename), block ?? '', num(loc.start_line), num(loc.end_line)].join('\u0000');
    const group = groups.get(key) ?? { first: r, path, block, resources: [] };
    if (resource && !group.resources.includes(resource)) group.resources.push(resource);
    widen(group, positive(loc.start_line), positive(loc.end_line));
    groups.set(key, group);
  }
  const linesPerBlock = new Map<string, number>();
  const blockKey = (g: Group): string =>
    [ruleIdOf(g.first, name, g.path), str(obj(g.first.location)?.filename), g.block].join('\u0000');
  for (const g of groups.values())
    if (g.block) linesPerBlock.set(blockKey(g), (linesPerBlock.get(blockKey(g)) ?? 0) + 1);
  for (const g of groups.values()) {
    const f = toFinding(g, name);
    const several = g.block !== undefined && (linesPerBlock.get(blockKey(g)) ?? 0) > 1;
    yield several
      ? {
          ...f,
          detail: {
            ...f.detail,
            occurrence: compact({ line: g.start, endLine: g.end !== g.start ? g.end : undefined }),
          },
        }
      : f;
  }
}

/** Legacy reports say `passed: true`; 0.5x writes status "passed"/"ignored"; 1.x writes 0 failed, 1 passed, 2 ignored. */
function failed(r: Json): boolean {
  if (r.passed === true) return false;
  const status = r.status;
  if (typeof status === 'number') return status === 0;
  if (typeof status === 'string') return !/^(pass|passed|ignored|ignore|skipped|1|2)$/i.test(status.trim());
  return true;
}

/**
 * The descriptive id ("aws-s3-enable-bucket-encryption"): tfsec 0.5x–1.0 calls it rule_id and 1.x keeps it as
 * long_id beside the AVD id, so findings keep their identity across that upgrade.
 */
function ruleIdOf(r: Json, name: string, path: string): string {
  const id = str(r.long_id) ?? str(r.rule_id);
  if (!id)
    throw badInput(`${name}: expected a non-empty string at ${path}.rule_id`, { file: name, path: `${path}.rule_id` });
  return id;
}

/** The resource the result is about: tfsec 1.x names it; older versions only quote it in the description. */
function resourceOf(r: Json): string | undefined {
  const resource =
    str(r.resource) ?? /^(?:Resource|Block|Provider) '([^']{1,300})'/.exec(str(r.description) ?? '')?.[1];
  // Terraform addresses are short; a longer value is not one and is not worth a pattern's time.
  return resource && resource.length <= 500 ? resource : undefined;
}

/**
 * The block as the file declares it: the module path and instance index go ("module.EKS:module.lc[\"w\"]:aws_x.y[0]"
 * → "aws_x.y"), as every instance is the same code.
 */
function blockOf(resource: string): string | undefined {
  const block = resource.replace(/^(?:module\.[^.:[\s]+(?:\[[^\]]*\])?[.:])+/, '').replace(/(?:\[[^\]]*\])+$/, '');
  return block || undefined;
}

/** The group's lines: from the first start to the last end of its results. */
function widen(g: Group, start: number | undefined, end: number | undefined): void {
  if (start !== undefined) g.start = Math.min(g.start ?? start, start);
  const last = end !== undefined && end >= (start ?? 0) ? end : start;
  if (last !== undefined) g.end = Math.max(g.end ?? last, last);
}

function toFinding(g: Group, name: string): ParsedFinding {
  const r = g.first;
  const loc = isObject(r.location) ? r.location : {};
  const ruleId = ruleIdOf(r, name, g.path);
  return compact<ParsedFinding>({
    tool,
    ruleId,
    kind: 'config',
    title: str(r.rule_description)?.trim() ?? ruleId,
    description: str(r.description)?.trim(),
    severity: normaliseSeverity(r.severity, 'medium'),
    aliases: [],
    cwes: cwesFrom(r.cwe),
    location: compact<Location>({
      file: normalisePath(str(loc.filename)),
      line: g.start,
      endLine: g.end,
      resource: g.block,
    }),
    references: referencesOf(r),
    detail: compact({
      avdId: str(r.long_id) && str(r.rule_id) !== ruleId ? str(r.rule_id) : undefined,
      legacyRuleId: str(r.legacy_rule_id),
      provider: str(r.rule_provider),
      service: str(r.rule_service),
      impact: str(r.impact),
      resolution: str(r.resolution),
      warning: r.warning === true ? true : undefined,
      resources: g.resources.length > 1 || (g.resources[0] && g.resources[0] !== g.block) ? g.resources : undefined,
    }),
  });
}

/** `links` (0.5x and later), or the URL inside the legacy `link` sentence ("See https://… for more information."). */
function referencesOf(r: Json): string[] | undefined {
  const texts = [...(Array.isArray(r.links) ? r.links : []), r.link]
    .map(str)
    .filter((s): s is string => s !== undefined);
  const found = texts.flatMap((t) => [...t.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0].replace(/[.,;]+$/, '')));
  return found.length ? [...new Set(found)] : undefined;
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
