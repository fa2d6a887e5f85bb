/**
 * What a change request says, per type (zod), and its normal form: ports as ranges, protocol and hosts in lower case,
 * dates parsed, "any" sources recognised. The API, the CLI and the service all validate with these schemas.
 */
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { authMethods, changeTypes, dataClasses, type ChangeType, type ChangesPolicy } from './change-policy.ts';

const portSpec = z.union([
  z.number().int().min(0).max(65535),
  z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'write a port as 21 or a range as 30000-30010'),
]);
const when = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'write a date as 2026-03-09 or 2026-03-09T17:00:00Z');
const hostList = z.array(z.string().trim().min(1).max(255)).max(100);

const base = {
  service: z.string().trim().min(1).describe('the service the change belongs to; its owner team approves it'),
  title: z.string().trim().min(1).max(200).describe('what it is for, in a sentence'),
  description: z.string().trim().max(5_000).optional(),
  emergency: z.boolean().optional().describe("goes ahead at once; reviewed within the policy's emergency_review_hours"),
  draft: z.boolean().optional().describe('keep it as a draft (submit it later)'),
  start: when.optional().describe('when it starts (default: now)'),
  end: when.optional().describe('when the access ends; temporary access always has one'),
  dataClass: z.enum(dataClasses).optional().describe("the data it carries (default: the service's)"),
  internetFacing: z.boolean().optional(),
  source: hostList.optional().describe('who may connect: IPs or CIDR ranges, or "any"'),
  destination: hostList.optional().describe('the hosts it opens (IPs or names)'),
  ports: z.array(portSpec).max(100).optional(),
  protocol: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]+$/, 'a protocol name such as ftp, sftp, https, rdp')
    .optional(),
  transport: z.enum(['tcp', 'udp']).optional(),
  authentication: z.enum(authMethods).optional(),
  keepProtocol: z
    .string()
    .trim()
    .min(1)
    .max(1_000)
    .optional()
    .describe(
      'why the request stays as asked rather than taking the safer alternative its risk check offers, e.g. "the client\'s system only speaks FTP"',
    ),
};

const need =
  <K extends string>(fields: readonly K[]) =>
  (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const f of fields) {
      const x = v[f];
      if (x === undefined || (Array.isArray(x) && x.length === 0))
        ctx.addIssue({ code: 'custom', path: [f], message: `a ${String(v.type)} change names its ${f}` });
    }
  };

const typed = {
  firewall: z.object({ type: z.literal('firewall'), ...base }).strict(),
  'file-share': z
    .object({
      type: z.literal('file-share'),
      ...base,
      account: z.string().trim().min(1).max(200).optional(),
      client: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  'remote-access': z
    .object({
      type: z.literal('remote-access'),
      ...base,
      account: z.string().trim().min(1).max(200).optional(),
      vendor: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  'cloud-exposure': z
    .object({
      type: z.literal('cloud-exposure'),
      ...base,
      resource: z.string().trim().min(1).max(500).optional(),
      provider: z.string().trim().min(1).max(100).optional(),
    })
    .strict(),
  'privileged-access': z
    .object({
      type: z.literal('privileged-access'),
      ...base,
      account: z.string().trim().min(1).max(200).optional(),
      system: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  'third-party': z
    .object({
      type: z.literal('third-party'),
      ...base,
      vendor: z.string().trim().min(1).max(200).optional(),
      dataShared: z.string().trim().min(1).max(1_000).optional(),
    })
    .strict(),
  other: z.object({ type: z.literal('other'), ...base }).strict(),
} as const;

const required: Record<ChangeType, readonly string[]> = {
  firewall: ['destination', 'source'],
  'file-share': ['destination', 'protocol', 'authentication'],
  'remote-access': ['destination', 'protocol', 'authentication'],
  'cloud-exposure': ['resource'],
  'privileged-access': ['account', 'system'],
  'third-party': ['vendor'],
  other: ['description'],
};

/** A change request as written (API body, CLI options): one shape per type. */
const changeRequestSchema = z
  .discriminatedUnion('type', [
    typed.firewall,
    typed['file-share'],
    typed['remote-access'],
    typed['cloud-exposure'],
    typed['privileged-access'],
    typed['third-party'],
    typed.other,
  ])
  .superRefine((v, ctx) => need(required[v.type])(v as Record<string, unknown>, ctx))
  .superRefine((v, ctx) => {
    if (v.type === 'firewall' && !v.ports?.length && !v.protocol)
      ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a firewall change names its ports or its protocol' });
    for (const [i, p] of (v.ports ?? []).entries()) {
      const [a, b] = String(p).split('-').map(Number);
      if (a! > 65535 || (b !== undefined && (b > 65535 || b < a!)))
        ctx.addIssue({ code: 'custom', path: ['ports', i], message: `"${p}" is not a port range from 0 to 65535` });
    }
  });

export type ChangeRequest = z.output<typeof changeRequestSchema>;

export interface PortRange {
  from: number;
  to: number;
}

/** The stored, normal form of a request's fields (what the risk check and exposure matching read). A type, not an interface,
 * so that it is a JSON record as the API's schema says (`fields: Record<string, unknown>`). */
export type ChangeFields = {
  type: ChangeType;
  title: string;
  description: string | null;
  protocol: string | null;
  transport: 'tcp' | 'udp';
  ports: PortRange[];
  source: string[];
  destination: string[];
  internetFacing: boolean;
  sourceAny: boolean;
  authentication: (typeof authMethods)[number] | null;
  dataClass: (typeof dataClasses)[number];
  extra: Record<string, string>;
  /** Why the requester keeps the request as asked instead of the alternative (absent in requests stored before it existed). */
  keepProtocol?: string | null;
};

const anySource = new Set(['any', '0.0.0.0/0', '::/0', '*', 'internet']);
const extraKeys = ['account', 'client', 'vendor', 'resource', 'provider', 'system', 'dataShared'] as const;

/** Validates a request body; a mistake is bad_input naming the field, e.g. "ports.0: …". */
export function parseChangeRequest(body: unknown): ChangeRequest {
  const r = changeRequestSchema.safeParse(body);
  if (r.success) return r.data;
  // Every mistake at once, each naming its field.
  const mistakes = r.error.issues.map((issue) => {
    const path = issue.path.join('.');
    const known = issue.code === 'invalid_union' && path === 'type' ? `; the types are ${changeTypes.join(', ')}` : '';
    return { path, text: `${path ? `${path}: ` : ''}${issue.message}${known}` };
  });
  throw badInput(mistakes.map((m) => m.text).join('; '), {
    field: mistakes[0]!.path || 'body',
    mistakes: mistakes.map((m) => m.path || 'body'),
  });
}

/** The normal form: ports from the protocol when none are named, hosts in lower case, "any" sources recognised. */
export function normaliseFields(
  req: ChangeRequest,
  serviceData: ChangeFields['dataClass'],
  policy: ChangesPolicy,
): ChangeFields {
  const protocol = req.protocol ?? null;
  const known = protocol ? policy.protocols[protocol] : undefined;
  const ports = (req.ports ?? []).map((p) => {
    const [a, b] = String(p).split('-').map(Number);
    return { from: a!, to: b ?? a! };
  });
  const source = (req.source ?? []).map((s) => s.toLowerCase());
  const sourceAny = source.some((s) => anySource.has(s));
  const extra: Record<string, string> = {};
  for (const k of extraKeys) {
    const v = (req as Record<string, unknown>)[k];
    if (typeof v === 'string') extra[k] = v;
  }
  return {
    type: req.type,
    title: req.title,
    description: req.description ?? null,
    protocol,
    transport: req.transport ?? 'tcp',
    ports: ports.length > 0 ? ports : (known?.ports ?? []).map((n) => ({ from: n, to: n })),
    source,
    destination: (req.destination ?? []).map((h) => h.toLowerCase()),
    internetFacing: req.internetFacing ?? sourceAny,
    sourceAny,
    authentication: req.authentication ?? null,
    dataClass: req.dataClass ?? serviceData,
    extra,
    keepProtocol: req.keepProtocol ?? null,
  };
}
