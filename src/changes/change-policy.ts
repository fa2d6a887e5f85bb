/**
 * The policy's `changes` section: what Entente knows about protocols, the risk rules (conditions → a risk level, a
 * reason in plain words, the safeguards it asks for, a safer alternative), the safeguard catalogue, lease lengths by
 * risk, standard pre-approved templates, and the review, reminder and recertification schedule.
 */
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'use lower-case letters, digits, dots and dashes');

export const changeTypes = [
  'firewall',
  'file-share',
  'remote-access',
  'cloud-exposure',
  'privileged-access',
  'third-party',
  'other',
] as const;
export type ChangeType = (typeof changeTypes)[number];

export const riskLevels = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof riskLevels)[number];

export const authMethods = ['none', 'shared-password', 'password', 'key', 'mfa', 'sso'] as const;
export const dataClasses = ['public', 'internal', 'confidential', 'restricted'] as const;
const protocolClasses = ['cleartext', 'database', 'remote-admin', 'file-transfer', 'web'] as const;

const protocolSchema = z
  .object({
    label: z.string().trim().min(1).max(60).describe('how people name it, e.g. FTP'),
    ports: z
      .array(z.number().int().min(0).max(65535))
      .default([])
      .describe('its usual ports (used when a request names none)'),
    classes: z.array(z.enum(protocolClasses)).default([]),
    alternative: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional()
      .describe('the protocol to suggest instead (a key of this table)'),
    nmap: z.array(z.string().min(1)).default([]).describe('the service names nmap gives it, beside the key itself'),
  })
  .strict();

const ruleSchema = z
  .object({
    id,
    when: z
      .object({
        types: z.array(z.enum(changeTypes)).min(1).optional(),
        classes: z.array(z.enum(protocolClasses)).min(1).optional().describe('the protocol has one of these classes'),
        internet_facing: z.boolean().optional(),
        source_any: z.boolean().optional().describe('true: the request opens it to any source address'),
        authentication: z.array(z.enum(authMethods)).min(1).optional(),
        data: z.array(z.enum(dataClasses)).min(1).optional(),
        long_lived: z.boolean().optional().describe('true: the request has no end date'),
        service_exposure: z
          .array(z.enum(['internet', 'internal', 'isolated']))
          .min(1)
          .optional()
          .describe('the exposure of the service it belongs to, as the organisation file says'),
      })
      .strict(),
    risk: z.enum(riskLevels),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .describe("why, in a partner's words; {protocol} and {alternative} are filled in"),
    safeguards: z
      .array(z.union([id, z.array(id).min(2).max(10)]))
      .default([])
      .describe(
        'ids from changes.safeguards; a list inside the list is one of several, the first that fits the request (e.g. [log-uploads, session-logging, log-access])',
      ),
    alternative: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .optional()
      .describe('a safer way to reach the same goal; {alternative} is filled in'),
    max_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('a shorter lease than lease_days allows for the risk'),
  })
  .strict();

const safeguardSchema = z
  .object({
    id,
    title: z.string().trim().min(1).max(200).describe('what to do, e.g. "use SFTP instead of FTP"'),
    verify: z.string().trim().min(1).max(500).describe('what the owner shows to verify it'),
    due: z
      .union([z.literal('start'), z.number().int().min(1).max(90)])
      .default('start')
      .describe(
        'when its commitment falls due: "start" (in place when the access starts) or days after the access starts, e.g. 3 for logging',
      ),
    replaces_request: z
      .boolean()
      .optional()
      .describe(
        'true: taking it means not doing the request as asked (SFTP instead of FTP): it is offered as the alternative before approval, never a commitment (default false)',
      ),
    fits: z
      .object({
        types: z.array(z.enum(changeTypes)).min(1).optional(),
        classes: z.array(z.enum(protocolClasses)).min(1).optional(),
        not_classes: z.array(z.enum(protocolClasses)).min(1).optional(),
      })
      .strict()
      .optional()
      .describe(
        'the requests it suits: of one of these types or protocol classes, and of none of not_classes; every request when absent',
      ),
  })
  .strict();

const byRisk = z
  .object({
    low: z.number().int().min(1).max(3650),
    medium: z.number().int().min(1).max(3650),
    high: z.number().int().min(1).max(3650),
    critical: z.number().int().min(1).max(3650),
  })
  .strict();

const standardSchema = z
  .object({
    id,
    title: z.string().trim().min(1).max(200),
    types: z.array(z.enum(changeTypes)).min(1),
    protocols: z.array(z.string().min(1)).min(1).optional().describe('protocol keys it covers; any when absent'),
    internet_facing: z.boolean().optional(),
    ports: z
      .array(z.number().int().min(0).max(65535))
      .min(1)
      .optional()
      .describe('every port the request opens is one of these; any when absent'),
    own_hosts: z
      .boolean()
      .optional()
      .describe('true: every destination is a host the service lists in the organisation file'),
    // Not checked against the rules: a policy that replaces the rules keeps the default templates valid, each then
    // covering only the rules that still exist, which keeps more requests off it, never fewer.
    covers: z
      .array(id)
      .default([])
      .describe(
        'risk rules whose concern the template answers (e.g. a public web host is open to any source); any other rule that matches keeps the request off the template unless it is low risk',
      ),
  })
  .strict();

export const changesSchema = z
  .object({
    protocols: z.record(z.string().regex(/^[a-z0-9-]+$/), protocolSchema),
    rules: z.array(ruleSchema).max(1_000),
    safeguards: z.array(safeguardSchema).max(1_000),
    lease_days: byRisk.describe('the longest a temporary change may run, by its risk'),
    temporary_types: z.array(z.enum(changeTypes)).describe('types that always need an end date'),
    long_lived_up_to: z.enum(riskLevels).describe('the highest risk a change without an end date may have'),
    standard: z.array(standardSchema).describe('low-risk templates approved in advance'),
    emergency_review_hours: z.number().int().min(1).max(168),
    reminder_days: z.number().int().min(0).max(90).describe('days before a lease ends that its owner is reminded'),
    safeguard_min_days: z
      .number()
      .int()
      .min(1)
      .max(30)
      .describe('the fewest days after an approval before one of its safeguards falls due'),
    recertify_days: z.number().int().min(1).max(3650).describe('how often long-lived access is recertified'),
  })
  .strict();

export type ChangesPolicy = z.infer<typeof changesSchema>;
export type ChangeRule = z.infer<typeof ruleSchema>;
export type Protocol = z.infer<typeof protocolSchema>;
export type SafeguardFit = NonNullable<z.infer<typeof safeguardSchema>['fits']>;

/** Cross-references: rules name known safeguards and protocols name known alternatives. */
export function checkChangeReferences(p: { changes: ChangesPolicy }, ctx: z.RefinementCtx): void {
  const safeguards = new Set(p.changes.safeguards.map((s) => s.id));
  p.changes.rules.forEach((r, i) =>
    r.safeguards.forEach((entry, j) => {
      (Array.isArray(entry) ? entry : [entry]).forEach((s, k) => {
        const path = ['changes', 'rules', i, 'safeguards', j, ...(Array.isArray(entry) ? [k] : [])];
        if (!safeguards.has(s))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `no safeguard "${s}" in changes.safeguards; they are ${[...safeguards].join(', ')}`,
          });
      });
    }),
  );
  for (const [key, proto] of Object.entries(p.changes.protocols)) {
    if (proto.alternative && !p.changes.protocols[proto.alternative]) {
      ctx.addIssue({
        code: 'custom',
        path: ['changes', 'protocols', key, 'alternative'],
        message: `no protocol "${proto.alternative}" in changes.protocols`,
      });
    }
  }
}

const p = (
  label: string,
  ports: number[],
  classes: Protocol['classes'] = [],
  extra: Partial<Protocol> = {},
): Protocol => ({ label, ports, classes, nmap: [], ...extra });

/** The changes section Entente ships. */
export const defaultChanges: ChangesPolicy = {
  protocols: {
    ftp: p('FTP', [21], ['cleartext', 'file-transfer'], { alternative: 'sftp' }),
    tftp: p('TFTP', [69], ['cleartext', 'file-transfer'], { alternative: 'sftp' }),
    sftp: p('SFTP', [22], ['file-transfer']),
    ftps: p('FTPS', [990], ['file-transfer'], { nmap: ['ftps'] }),
    telnet: p('Telnet', [23], ['cleartext', 'remote-admin'], { alternative: 'ssh' }),
    rlogin: p('rlogin', [513], ['cleartext', 'remote-admin'], { alternative: 'ssh', nmap: ['login', 'shell', 'exec'] }),
    ssh: p('SSH', [22], ['remote-admin']),
    rdp: p('RDP', [3389], ['remote-admin'], { nmap: ['ms-wbt-server'] }),
    vnc: p('VNC', [5900], ['remote-admin']),
    smb: p('SMB', [445], ['file-transfer'], { nmap: ['microsoft-ds', 'netbios-ssn'], alternative: 'sftp' }),
    http: p('HTTP', [80], ['cleartext', 'web'], { alternative: 'https', nmap: ['http-proxy', 'http-alt'] }),
    https: p('HTTPS', [443], ['web'], { nmap: ['ssl/http', 'ssl/https', 'https-alt'] }),
    mysql: p('MySQL', [3306], ['database']),
    postgresql: p('PostgreSQL', [5432], ['database']),
    mssql: p('MS SQL', [1433], ['database'], { nmap: ['ms-sql-s'] }),
    oracle: p('Oracle', [1521], ['database'], { nmap: ['oracle-tns'] }),
    mongodb: p('MongoDB', [27017], ['database'], { nmap: ['mongod'] }),
    redis: p('Redis', [6379], ['database']),
    elasticsearch: p('Elasticsearch', [9200], ['database']),
    memcached: p('Memcached', [11211], ['database']),
    smtp: p('SMTP', [25], []),
    dns: p('DNS', [53], [], { nmap: ['domain'] }),
    snmp: p('SNMP', [161], ['cleartext'], { nmap: ['snmp'] }),
    ldap: p('LDAP', [389], ['cleartext'], { alternative: 'ldaps' }),
    ldaps: p('LDAPS', [636], []),
  },
  rules: [
    {
      id: 'cleartext',
      when: { classes: ['cleartext'] },
      risk: 'high',
      safeguards: ['use-encrypted-protocol'],
      reason: '{protocol} sends passwords and data in clear text, so anyone on the network path can read them',
      alternative: '{alternative} gives the same access with the traffic encrypted',
    },
    {
      id: 'open-to-any-source',
      when: { internet_facing: true, source_any: true },
      risk: 'high',
      safeguards: ['limit-source'],
      reason: 'it is open to the whole internet, where scanners find a new service within hours',
    },
    // Not also when it is open to any source: open-to-any-source says so already, more precisely.
    {
      id: 'internet-facing',
      when: { internet_facing: true, source_any: false },
      risk: 'medium',
      safeguards: [],
      reason: 'it is reachable from the internet',
    },
    {
      id: 'database-on-internet',
      when: { classes: ['database'], internet_facing: true },
      risk: 'critical',
      safeguards: ['limit-source', 'use-vpn'],
      reason: 'a database reachable from the internet is one of the first things attackers look for',
      alternative: 'a VPN or an SSH tunnel gives the client the same data without a public database port',
    },
    {
      id: 'remote-admin-on-internet',
      when: { classes: ['remote-admin'], internet_facing: true },
      risk: 'high',
      safeguards: ['mfa', 'limit-source'],
      reason: 'remote administration from the internet is a common way in for ransomware',
      alternative: 'a VPN or a bastion host with MFA keeps the admin port off the internet',
    },
    {
      id: 'file-share',
      when: { types: ['file-share'] },
      risk: 'medium',
      safeguards: ['limit-source', 'unique-account', 'log-uploads', 'short-lease'],
      reason: 'shared upload folders get found and reused for things nobody meant to host',
      max_days: 7,
    },
    {
      id: 'no-authentication',
      when: { authentication: ['none'] },
      risk: 'high',
      safeguards: ['unique-account'],
      reason: 'anyone who finds it can use it, with no login',
    },
    {
      id: 'shared-password',
      when: { authentication: ['shared-password'] },
      risk: 'medium',
      safeguards: ['unique-account'],
      reason: 'with a shared password we lose track of who did what, and it outlives the people who know it',
    },
    {
      id: 'sensitive-data-outside',
      when: { internet_facing: true, data: ['confidential', 'restricted'] },
      risk: 'high',
      safeguards: ['encrypt-in-transit', ['log-uploads', 'session-logging', 'log-access']],
      reason: 'it carries confidential data across the internet',
    },
    {
      id: 'remote-access',
      when: { types: ['remote-access'] },
      risk: 'medium',
      safeguards: ['mfa', 'session-logging'],
      reason: 'remote access is a path into the network that we keep strong and short-lived',
    },
    {
      id: 'internal-service-on-internet',
      when: { internet_facing: true, service_exposure: ['internal', 'isolated'] },
      risk: 'high',
      safeguards: ['limit-source'],
      reason: 'it puts a service we run internally on the internet',
    },
    {
      id: 'public-cloud-resource',
      when: { types: ['cloud-exposure'], internet_facing: true },
      risk: 'high',
      safeguards: ['limit-source', 'log-access'],
      reason: 'public buckets and open security groups are the most common cloud leak',
    },
    {
      id: 'privileged-access',
      when: { types: ['privileged-access'] },
      risk: 'high',
      safeguards: ['mfa', 'session-logging'],
      reason: 'privileged accounts can change anything, so a mistake or a stolen password goes far',
    },
    {
      id: 'third-party',
      when: { types: ['third-party'] },
      risk: 'medium',
      safeguards: ['least-privilege-scope', 'data-agreement'],
      reason: 'a third party gets a standing path to our data',
    },
    {
      id: 'restricted-data',
      when: { data: ['restricted'] },
      risk: 'high',
      safeguards: ['encrypt-in-transit'],
      reason: 'it touches restricted data',
    },
  ],
  safeguards: [
    {
      id: 'use-encrypted-protocol',
      title: 'use {alternative} instead of {protocol}',
      verify: 'the new endpoint and a login over it',
      due: 'start',
      replaces_request: true,
    },
    {
      id: 'limit-source',
      title: "limit access to the client's IP range",
      verify: 'the firewall or security group rule with the allowed range',
      due: 'start',
    },
    {
      id: 'unique-account',
      title: 'a unique account with a strong password for this client',
      verify: 'the account name and its password policy',
      due: 'start',
    },
    { id: 'short-lease', title: 'an end date within 7 days', verify: "the change's end date", due: 'start' },
    {
      id: 'log-uploads',
      title: 'log uploads and logins',
      verify: 'where the log is kept and one entry from it',
      due: 3,
      fits: { types: ['file-share'], classes: ['file-transfer'] },
    },
    { id: 'log-access', title: 'log every access', verify: 'where the access log is kept', due: 3 },
    {
      id: 'mfa',
      title: 'multi-factor authentication on the login',
      verify: 'the identity provider setting that requires it',
      due: 'start',
    },
    {
      id: 'use-vpn',
      title: 'reach it through the VPN instead of a public port',
      verify: 'the VPN profile the client uses',
      due: 'start',
      replaces_request: true,
    },
    // A cleartext protocol is encrypted by taking the alternative the cleartext rule offers, not by a safeguard beside it.
    {
      id: 'encrypt-in-transit',
      title: 'encrypt the data in transit (TLS or SSH)',
      verify: 'the certificate or key in use',
      due: 'start',
      fits: { not_classes: ['cleartext'] },
    },
    {
      id: 'session-logging',
      title: 'record each session (who connected, when, and what they did)',
      verify: 'where the session records are kept and one of them',
      due: 'start',
      fits: { types: ['remote-access', 'privileged-access'], classes: ['remote-admin'] },
    },
    {
      id: 'least-privilege-scope',
      title: 'give the integration the narrowest scope that works',
      verify: 'the granted scopes or roles',
      due: 'start',
    },
    {
      id: 'data-agreement',
      title: 'a data processing agreement with the third party',
      verify: "the signed agreement's reference",
      due: 'start',
    },
  ],
  lease_days: { low: 365, medium: 90, high: 30, critical: 7 },
  temporary_types: ['file-share', 'remote-access', 'privileged-access'],
  long_lived_up_to: 'medium',
  standard: [
    // A web host of the service is meant to be reached by anyone, with confidential data over TLS; what stays a concern
    // (restricted data, a service kept internal, other ports, hosts the service does not list) keeps it off the template.
    {
      id: 'https-to-web-host',
      title: "HTTPS to a service's own web host",
      types: ['firewall'],
      protocols: ['https'],
      ports: [443],
      own_hosts: true,
      covers: ['open-to-any-source', 'internet-facing', 'sensitive-data-outside'],
    },
    {
      id: 'internal-ssh',
      title: 'SSH between internal hosts',
      types: ['firewall', 'remote-access'],
      protocols: ['ssh'],
      internet_facing: false,
      covers: [],
    },
  ],
  emergency_review_hours: 24,
  reminder_days: 2,
  safeguard_min_days: 2,
  recertify_days: 180,
};
