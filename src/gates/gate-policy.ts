/**
 * The policy's `controls` (the catalogue of safeguards, how each is verified, which compliance requirements it serves)
 * and `gates` (rules as data: conditions over the service, its open findings and commitments → an outcome) sections.
 */
import { z } from 'zod';
import { findingKinds } from '../imports/types.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'use lower-case letters, digits, dots and dashes');
const priorities = ['act', 'attend', 'track*', 'track'] as const;
const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** What a control can be said to fit: the finding kinds, and an open port no approved change covers (a host finding of Entente's own). */
const fitKinds = [...findingKinds, 'open-port'] as const;
export type FitKind = (typeof fitKinds)[number];

/** Checks Entente can run itself to verify a commitment (instead of asking for evidence). */
const checkKinds = ['finding-fixed'] as const;

const controlSchema = z
  .object({
    id,
    title: z.string().trim().min(1).max(200),
    kind: z
      .enum(['control', 'fix', 'removal'])
      .default('control')
      .describe('what the commitment is: a safeguard, a fix, or removing something'),
    verify: z.union([
      z.object({ evidence: z.string().trim().min(1).max(500).describe('what the owner shows to verify it') }).strict(),
      z
        .object({ check: z.enum(checkKinds).describe('a check Entente runs: finding-fixed = the finding is fixed') })
        .strict(),
    ]),
    due: z
      .union([z.literal('finding'), z.number().int().min(0).max(365)])
      .describe('days after the gate until it is due, or "finding": the finding\'s own due date'),
    overdue_days: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(7)
      .describe('with due "finding": days after the gate when the finding is already past its date'),
    requirements: z
      .array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9.()-]+$/, 'write framework:identifier, e.g. iso27001:A.8.8'))
      .default([])
      .describe('compliance requirements it serves, e.g. iso27001:A.8.8, soc2:CC7.1, pci-dss:6.3.3'),
    fits: z
      .array(z.enum(fitKinds))
      .min(1)
      .optional()
      .describe(
        'the findings it suits: finding kinds, and open-port (an open port no approved change covers); every finding when absent',
      ),
  })
  .strict();

const findingConditions = z
  .object({
    priority: z.array(z.enum(priorities)).min(1).optional(),
    kind: z.array(z.string().min(1)).min(1).optional().describe('dependency, code, secret, config, web, host'),
    severity: z.array(z.enum(severities)).min(1).optional(),
    kev: z.boolean().optional().describe('listed in CISA KEV'),
    overdue: z.boolean().optional().describe('true: past its due date; false: still within its SLA'),
    covered: z.boolean().optional().describe('covered by an approved exception'),
    min_count: z.number().int().min(1).default(1).describe('how many findings must match'),
  })
  .strict();

const ruleSchema = z
  .object({
    id,
    description: z.string().trim().min(1).max(500),
    when: z
      .object({
        service: z
          .object({
            criticality: z.array(z.number().int().min(1).max(4)).min(1).optional(),
            exposure: z
              .array(z.enum(['internet', 'internal', 'isolated']))
              .min(1)
              .optional(),
            data: z
              .array(z.enum(['public', 'internal', 'confidential', 'restricted']))
              .min(1)
              .optional(),
            environment: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict()
          .optional(),
        findings: findingConditions.optional(),
        commitments: z
          .object({
            state: z
              .array(z.enum(['open', 'missed']))
              .min(1)
              .default(['missed']),
            kind: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    outcome: z.enum(['no_go', 'go_with_controls']),
    controls: z
      .array(id)
      .default([])
      .describe('catalogue ids; each becomes a commitment per matching finding (or per service)'),
    mode: z.enum(['enforce', 'warn']).default('enforce').describe('warn: reported, never changes the outcome'),
  })
  .strict();

export const gatesSchema = z.object({ rules: z.array(ruleSchema).max(5_000) }).strict();
export const controlsSchema = z.array(controlSchema).max(1_000);

export type Control = z.infer<typeof controlSchema>;
export type GateRule = z.infer<typeof ruleSchema>;
export type Gates = z.infer<typeof gatesSchema>;

/** Cross-references zod cannot see field by field: unique ids, known controls, controls on go_with_controls rules. */
export function checkGateReferences(p: { gates: Gates; controls: Control[] }, ctx: z.RefinementCtx): void {
  const controls = new Map<string, Control>();
  p.controls.forEach((c, i) => {
    if (controls.has(c.id))
      ctx.addIssue({
        code: 'custom',
        path: ['controls', i, 'id'],
        message: `"${c.id}" is used by two controls; give each its own id`,
      });
    controls.set(c.id, c);
  });
  const ruleIds = new Set<string>();
  p.gates.rules.forEach((r, i) => {
    const at = ['gates', 'rules', i];
    if (ruleIds.has(r.id))
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'id'],
        message: `"${r.id}" is used by two rules; give each its own id`,
      });
    ruleIds.add(r.id);
    if (r.outcome === 'go_with_controls' && r.controls.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'controls'],
        message: 'a go_with_controls rule names the controls it asks for (ids from the controls catalogue)',
      });
    }
    r.controls.forEach((c, j) => {
      const control = controls.get(c);
      if (!control)
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'controls', j],
          message: `no control "${c}" in the catalogue; the controls are ${[...controls.keys()].join(', ')}`,
        });
      else if (!r.when.findings && (control.due === 'finding' || 'check' in control.verify)) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'controls', j],
          message: `control "${c}" is tied to a finding (its due date or check), so this rule needs a findings condition`,
        });
      }
    });
  });
}

const standard = {
  patch: ['iso27001:A.8.8', 'soc2:CC7.1', 'pci-dss:6.3.3'],
};
// What a fix or a safeguard in front of it suits: an open port is closed or approved, not patched, and a WAF sits in front of
// application weaknesses only.
const weaknesses: FitKind[] = ['code', 'dependency', 'web', 'host', 'secret', 'config'];
const application: FitKind[] = ['code', 'dependency', 'web'];

/** The catalogue Entente ships: each control, how it is verified and what it serves. */
export const defaultControls: Control[] = [
  {
    id: 'fix-finding',
    title: 'Fix the finding (upgrade, patch or change the code)',
    kind: 'fix',
    verify: { check: 'finding-fixed' },
    due: 'finding',
    overdue_days: 7,
    requirements: standard.patch,
    fits: weaknesses,
  },
  {
    id: 'close-port',
    title: 'Close the port, or cover it with an approved change',
    kind: 'fix',
    verify: { check: 'finding-fixed' },
    due: 'finding',
    overdue_days: 7,
    requirements: ['iso27001:A.8.20', 'soc2:CC6.6', 'pci-dss:1.2.5'],
    fits: ['open-port'],
  },
  {
    id: 'waf-virtual-patch',
    title: 'A WAF rule (virtual patch) in front of the affected path',
    kind: 'control',
    verify: { evidence: "the WAF rule's id and a test request it stops" },
    due: 2,
    overdue_days: 7,
    requirements: ['iso27001:A.8.20', 'soc2:CC6.6', 'pci-dss:6.4.2'],
    fits: application,
  },
  {
    id: 'extra-monitoring',
    title: 'Extra monitoring and an alert on the affected component',
    kind: 'control',
    verify: { evidence: "the alert's name and where it pages" },
    due: 2,
    overdue_days: 7,
    requirements: ['iso27001:A.8.16', 'soc2:CC7.2', 'pci-dss:10.4.1'],
  },
  {
    id: 'ip-allow-list',
    title: 'An IP allow-list in front of the affected host or port',
    kind: 'control',
    verify: { evidence: 'the allow-list and where it is enforced' },
    due: 2,
    overdue_days: 7,
    requirements: ['iso27001:A.8.20', 'soc2:CC6.6', 'pci-dss:1.3.1'],
    fits: ['host', 'open-port'],
  },
  {
    id: 'feature-flag-off',
    title: 'The affected feature switched off behind a flag',
    kind: 'control',
    verify: { evidence: "the flag's name and its state in production" },
    due: 1,
    overdue_days: 7,
    requirements: ['iso27001:A.8.9', 'soc2:CC8.1'],
    fits: application,
  },
  {
    id: 'mfa',
    title: 'Multi-factor authentication on the affected access path',
    kind: 'control',
    verify: { evidence: 'the identity provider setting that requires it' },
    due: 7,
    overdue_days: 7,
    requirements: ['iso27001:A.8.5', 'soc2:CC6.1', 'pci-dss:8.4.2'],
  },
  {
    id: 'rotate-secret',
    title: 'Rotate the exposed secret and take it out of the repository',
    kind: 'fix',
    verify: { check: 'finding-fixed' },
    due: 'finding',
    overdue_days: 3,
    requirements: ['iso27001:A.5.17', 'soc2:CC6.1', 'pci-dss:8.6.2'],
    fits: ['secret'],
  },
];

/** The gate rules Entente ships (order matters only for how reasons are listed). */
export const defaultGates: Gates = {
  rules: [
    {
      id: 'committed-secret',
      description:
        'A secret committed to a repository can be used by anyone who reads it; we rotate it before releasing.',
      when: { findings: { kind: ['secret'], covered: false, min_count: 1 } },
      outcome: 'no_go',
      controls: [],
      mode: 'enforce',
    },
    {
      id: 'overdue-act-internet',
      description:
        'A finding to act on that is past its due date, on an internet-facing service, needs a fix or an agreed exception first.',
      when: {
        service: { exposure: ['internet'] },
        findings: { priority: ['act'], overdue: true, covered: false, min_count: 1 },
      },
      outcome: 'no_go',
      controls: [],
      mode: 'enforce',
    },
    {
      id: 'missed-commitment',
      description: 'A safeguard we agreed on for this service is past its date without being verified.',
      when: { commitments: { state: ['missed'] } },
      outcome: 'no_go',
      controls: [],
      mode: 'enforce',
    },
    {
      id: 'urgent-within-sla-internet',
      description:
        'Urgent findings still within their SLA on an internet-facing service: we go with a fix by the due date (for an open port: closing it, or a change that approves it) and meanwhile a virtual patch in front of an application weakness, or an IP allow-list in front of a host or port.',
      when: {
        service: { exposure: ['internet'] },
        findings: { priority: ['act', 'attend'], overdue: false, covered: false, min_count: 1 },
      },
      outcome: 'go_with_controls',
      controls: ['fix-finding', 'close-port', 'waf-virtual-patch', 'ip-allow-list'],
      mode: 'enforce',
    },
    {
      id: 'urgent-within-sla',
      description:
        'Urgent findings still within their SLA: we go with a fix by the due date (for an open port: closing it, or a change that approves it) and extra monitoring meanwhile.',
      when: {
        service: { exposure: ['internal', 'isolated'] },
        findings: { priority: ['act', 'attend'], overdue: false, covered: false, min_count: 1 },
      },
      outcome: 'go_with_controls',
      controls: ['fix-finding', 'close-port', 'extra-monitoring'],
      mode: 'enforce',
    },
    {
      id: 'urgent-overdue',
      description:
        'Urgent findings past their due date: we go with a fix commitment (for an open port: closing it, or a change that approves it) and extra monitoring until it lands.',
      when: { findings: { priority: ['act', 'attend'], overdue: true, covered: false, min_count: 1 } },
      outcome: 'go_with_controls',
      controls: ['fix-finding', 'close-port', 'extra-monitoring'],
      mode: 'enforce',
    },
  ],
};
