/**
 * Every `entente` command and subcommand: its name, description and options, as citty defines them. Nothing here loads
 * a command's implementation (or a database engine): `entente --help`, `--version` and `entente X --help` read only this
 * file, and a command's module is imported when it runs. The options are checked against this tree before anything
 * runs (src/cli/strict-args.ts), and the commands Entente prints in its messages are built from it (src/voice/suggest.ts).
 *
 * Descriptions that list a module's values (change types, roles, formats) spell them out here so that module is not
 * loaded for help; test/cli-args.test.ts checks they match.
 */
import type { ArgsDef, CommandContext, CommandDef } from 'citty';

export const version = '0.1.0';

const remote = {
  server: { type: 'string', description: 'URL of a running Entente server (otherwise the local data folder is used)' },
  token: { type: 'string', description: 'API token for --server (or ENTENTE_TOKEN)' },
} as const;
const json = { type: 'boolean', description: 'print JSON' } as const;
const jsonLines = { type: 'boolean', description: 'one JSON object per line' } as const;

const findingFilters = {
  service: { type: 'string', description: "only this service's findings" },
  team: { type: 'string', description: "only this team's findings" },
  priority: { type: 'string', description: 'comma list of act, attend, track*, track' },
  severity: { type: 'string', description: 'comma list of critical, high, medium, low, info' },
  tool: { type: 'string', description: 'only findings this tool reported' },
  kind: { type: 'string', description: 'code | dependency | web | host | secret | config' },
  cve: { type: 'string' },
  cwe: { type: 'string', description: 'a CWE number such as 79' },
  q: { type: 'string', description: 'text in title, file, package, URL or rule' },
  overdue: { type: 'boolean', description: 'only findings past their due date' },
  sort: { type: 'string', default: 'priority', description: 'priority | due | severity | newest' },
} as const;

const changeId = { type: 'positional', required: true, description: "the change's id" } as const;
const exceptionId = { type: 'positional', required: true, description: "the exception's id" } as const;
const exceptionReason = {
  type: 'string',
  required: true,
  description: 'why, in a sentence the others can act on',
} as const;
const gateId = {
  type: 'positional',
  required: true,
  description: "the gate decision's id (each run prints it)",
} as const;

/** The options of each command that runs, by its path (`entente change request` is `change request`). */
export const args = {
  serve: {
    port: { type: 'string', description: 'port to listen on (default PORT or 4100)' },
    host: { type: 'string', description: 'address to listen on (default HOST or 127.0.0.1)' },
  },
  import: {
    report: { type: 'positional', required: true, description: 'the report file' },
    service: { type: 'string', required: true, description: 'the service the report is about' },
    format: { type: 'string', description: 'force a format (see `entente parse --list-formats`)' },
    commit: { type: 'string', description: 'the commit the report was made from' },
    branch: { type: 'string', description: 'the branch the report was made from' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    ...remote,
  },
  parse: {
    report: { type: 'positional', required: false, description: 'the report file' },
    format: { type: 'string', description: 'force a format' },
    'list-formats': { type: 'boolean', description: 'list the formats Entente reads' },
  },
  'org apply': {
    file: { type: 'positional', required: true, description: 'the org.yaml file' },
    prune: { type: 'boolean', description: 'archive services that are no longer in the file' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    ...remote,
  },
  findings: {
    ...findingFilters,
    status: {
      type: 'string',
      description:
        'comma list of open, in_progress, fixed, false_positive, accepted, or "all" (default: open,in_progress)',
    },
    limit: { type: 'string', default: '50' },
    json: jsonLines,
    ...remote,
  },
  export: {
    format: { type: 'string', required: true, description: 'sarif | csv | cyclonedx-vex' },
    output: { type: 'string', alias: 'o', description: 'write to this file instead of standard output' },
    ...findingFilters,
    status: {
      type: 'string',
      description:
        'comma list, or "all" (default: csv open,in_progress; sarif all; cyclonedx-vex false_positive,accepted)',
    },
    ...remote,
  },
  'exceptions request': {
    finding: { type: 'string', required: true, description: 'a finding id (repeat for several, or a comma list)' },
    reason: exceptionReason,
    control: { type: 'string', required: true, description: 'a compensating control (repeat for several)' },
    days: { type: 'string', description: 'how long; default and maximum come from the policy' },
    json,
    ...remote,
  },
  'exceptions list': {
    status: {
      type: 'string',
      description: 'comma list of requested, approved, declined, expired, lapsed, revoked, or "all" (default)',
    },
    team: { type: 'string' },
    limit: { type: 'string', default: '100' },
    json,
    ...remote,
  },
  'exceptions show': { id: exceptionId, json, ...remote },
  'exceptions approve': { id: exceptionId, json, ...remote },
  'exceptions decline': { id: exceptionId, reason: exceptionReason, json, ...remote },
  'exceptions revoke': { id: exceptionId, reason: exceptionReason, json, ...remote },
  'exceptions expire': { json },
  'change request': {
    type: {
      type: 'string',
      required: true,
      description: 'firewall | file-share | remote-access | cloud-exposure | privileged-access | third-party | other',
    },
    service: { type: 'string', required: true, description: 'the service it belongs to (its owner team approves)' },
    title: { type: 'string', required: true, description: 'what it is for, in a sentence' },
    description: { type: 'string' },
    protocol: {
      type: 'string',
      description: 'ftp, sftp, ssh, rdp, https, mysql, … (`entente policy show` lists them)',
    },
    port: { type: 'string', description: 'a port or range (repeat, or a comma list): 21, 30000-30010' },
    transport: { type: 'string', description: 'tcp (default) or udp' },
    source: { type: 'string', description: 'who connects: an IP or CIDR range (repeat), or "any"' },
    destination: { type: 'string', description: 'a host it opens (repeat)' },
    'internet-facing': { type: 'boolean', description: 'reachable from the internet' },
    authentication: { type: 'string', description: 'none | shared-password | password | key | mfa | sso' },
    data: { type: 'string', description: "public | internal | confidential | restricted (default: the service's)" },
    start: { type: 'string', description: 'when it starts (default now), e.g. 2026-03-09' },
    end: { type: 'string', description: 'when the access ends, e.g. 2026-03-16' },
    emergency: { type: 'boolean', description: 'goes ahead now; reviewed within 24 hours' },
    'keep-protocol': {
      type: 'string',
      description:
        'why it stays as asked rather than the safer alternative the risk check offers, e.g. "the client\'s system only speaks FTP"',
    },
    draft: { type: 'boolean', description: 'keep it as a draft; submit it later' },
    account: { type: 'string' },
    client: { type: 'string' },
    vendor: { type: 'string' },
    resource: { type: 'string' },
    provider: { type: 'string' },
    system: { type: 'string' },
    'data-shared': { type: 'string' },
    json,
    ...remote,
  },
  'change submit': { id: changeId, json, ...remote },
  'change approve': { id: changeId, json, ...remote },
  'change implement': { id: changeId, json, ...remote },
  'change recertify': { id: changeId, json, ...remote },
  'change keep-protocol': { id: changeId, reason: { type: 'string', required: true }, json, ...remote },
  'change decline': { id: changeId, reason: { type: 'string', required: true }, json, ...remote },
  'change extend': {
    id: changeId,
    end: { type: 'string', required: true },
    reason: { type: 'string', required: true },
    json,
    ...remote,
  },
  'change remove': { id: changeId, note: { type: 'string' }, json, ...remote },
  'change list': {
    service: { type: 'string' },
    team: { type: 'string' },
    status: { type: 'string', description: 'comma list of states, or "all" (default)' },
    limit: { type: 'string', default: '100' },
    json,
    ...remote,
  },
  'change show': { id: changeId, json, ...remote },
  'exposure import': {
    scan: { type: 'positional', required: true, description: 'the scan report file' },
    format: { type: 'string', description: 'force a format: nmap, nessus, nessus-csv, openvas, openvas-csv' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    ...remote,
  },
  'exposure list': {
    host: { type: 'string' },
    state: { type: 'string', default: 'open', description: 'open | closed | all' },
    limit: { type: 'string', default: '200' },
    json: jsonLines,
    ...remote,
  },
  gate: {
    service: { type: 'string', description: 'the service to release (required)' },
    env: { type: 'string', description: 'the environment, e.g. prod (required)' },
    version: { type: 'string', description: 'the version being released' },
    commit: { type: 'string', description: 'the commit being released' },
    format: { type: 'string', default: 'text', description: 'text | json | sarif | junit | markdown' },
    ...remote,
  },
  'gate replay': { id: gateId, json, ...remote },
  'gate changes': { id: gateId, json, ...remote },
  'commitments list': {
    service: { type: 'string' },
    team: { type: 'string' },
    state: { type: 'string', description: 'comma list of open, verified, missed, released (default: all)' },
    gate: { type: 'string', description: 'only the commitments this gate decision created and relied on' },
    limit: { type: 'string', default: '100' },
    offset: { type: 'string', default: '0', description: 'skip this many (the next page)' },
    json,
    ...remote,
  },
  'commitments verify': {
    id: { type: 'positional', required: true, description: "the commitment's id" },
    evidence: {
      type: 'string',
      required: true,
      description: 'what shows it is in place (a link, a rule id, a ticket)',
    },
    json,
    ...remote,
  },
  'commitments sweep': { json },
  'review new': {
    cadence: {
      type: 'string',
      required: true,
      description: 'weekly | monthly (the next meeting is that far from now)',
    },
    team: { type: 'string', description: 'the team whose review it is (default: the whole organisation)' },
    format: {
      type: 'string',
      default: 'markdown',
      description: 'markdown | html | json | ics (an invitation for the series)',
    },
    output: { type: 'string', alias: 'o', description: 'write to this file instead of standard output' },
    ...remote,
  },
  'review show': {
    id: { type: 'positional', required: true, description: "the review's id (`entente review list`)" },
    format: { type: 'string', default: 'markdown', description: 'markdown | html | json | ics' },
    output: { type: 'string', alias: 'o', description: 'write to this file instead of standard output' },
    ...remote,
  },
  'review list': { team: { type: 'string' }, limit: { type: 'string', default: '20' }, json: jsonLines, ...remote },
  'review close': {
    id: { type: 'positional', required: true, description: "the review's id" },
    attendee: { type: 'string', description: 'who came: a name or e-mail (repeat for several)' },
    decision: { type: 'string', description: 'a decision, in a sentence (repeat for several)' },
    action: {
      type: 'string',
      description: 'an action item: "TITLE @TEAM by YYYY-MM-DD" (repeat); each becomes a commitment',
    },
    json,
    ...remote,
  },
  'jira link': {
    finding: { type: 'positional', required: true, description: "the finding's id (as `entente findings` shows it)" },
    json,
    ...remote,
  },
  'jira link-commitment': {
    commitment: {
      type: 'positional',
      required: true,
      description: "the commitment's id (as `entente commitments` shows it)",
    },
    json,
    ...remote,
  },
  'jira sync': { json },
  scorecard: {
    org: { type: 'boolean', description: 'the whole organisation (the default)' },
    team: { type: 'string', description: "one team's card" },
    service: { type: 'string', description: "one service's card" },
    from: {
      type: 'string',
      description: "first day, e.g. 2026-09-01 (default: the policy's period, 90 days, before --to)",
    },
    to: { type: 'string', description: 'last day (default: today)' },
    json,
    ...remote,
  },
  'goal set': {
    metric: {
      type: 'string',
      required: true,
      description:
        'open-act-attend | closed-per-period | mttr | sla-compliance | exposure-unapproved | security-response',
    },
    team: { type: 'string', description: 'the team the goal is about' },
    org: { type: 'boolean', description: 'the goal is about the whole organisation' },
    owners: {
      type: 'string',
      required: true,
      description: 'the teams that own it together, a comma list with Security among them: payments,security',
    },
    target: {
      type: 'string',
      required: true,
      description: 'a change from the baseline, --target=-30% or --target=+20%, or a number',
    },
    deadline: { type: 'string', required: true, description: 'the day to reach it by, e.g. 2027-06-30' },
    json,
    ...remote,
  },
  'goal list': {
    team: { type: 'string', description: 'the goals about this team or that it owns' },
    json: jsonLines,
    ...remote,
  },
  'goal show': { id: { type: 'positional', required: true, description: "the goal's id" }, json, ...remote },
  'token create': {
    role: { type: 'string', required: true, description: 'admin | security | engineer | manager | auditor' },
    name: { type: 'string', required: true, description: 'who or what uses it, e.g. "ci-checkout"' },
    person: { type: 'string', description: "the person's e-mail (engineers need one who is in a team)" },
    expires: { type: 'string', description: '90d (the default: 90 days), a date such as 2027-03-31, or never' },
    json: { type: 'boolean', description: 'print the token with its details as JSON' },
    ...remote,
  },
  'token list': { json: jsonLines, ...remote },
  'token revoke': {
    id: { type: 'positional', required: true, description: "the token's id (entente token list)" },
    ...remote,
  },
  'feeds import': {
    file: { type: 'positional', required: true, description: 'a KEV JSON catalogue or an EPSS CSV(.gz)' },
    json,
    ...remote,
  },
  'policy check': {
    file: { type: 'positional', required: false, description: 'the policy file (default: the one in force)' },
    json,
  },
  'policy test': {
    file: { type: 'positional', required: true, description: 'the examples file (YAML)' },
    policy: { type: 'string', description: 'a policy file to test instead of the one in force' },
    json,
  },
  'policy backtest': {
    days: { type: 'string', default: '90', description: 'how far back' },
    policy: { type: 'string', description: 'the candidate policy file (default: the one in force)' },
    json,
  },
  'policy show': {},
  'audit verify': {
    file: {
      type: 'string',
      description:
        'check an export (.jsonl or .csv) offline instead: its links and hashes, and with --key-file its seals',
    },
    'key-file': {
      type: 'string',
      description: 'with --file: the audit key file (one key per line) to check the seals with',
    },
    json: { type: 'boolean', description: 'print the result as JSON' },
    ...remote,
  },
  'audit export': {
    format: { type: 'string', default: 'jsonl', description: 'jsonl | csv' },
    from: {
      type: 'string',
      description: 'from the first entry at or after this date or time (2026-03-01 or 2026-03-01T09:00:00Z)',
    },
    to: { type: 'string', description: 'to the last entry before this date or time' },
    output: { type: 'string', alias: 'o', description: 'write to this file instead of standard output' },
    ...remote,
  },
  'tone check': {
    text: { type: 'positional', required: false, description: 'the text to check, in quotes' },
    file: { type: 'string', description: 'read the text from this file instead' },
    json: { type: 'boolean', description: 'print the result as one JSON object' },
  },
  'tone rules': { json: { type: 'boolean', description: 'one JSON object per rule' } },
  'people password': {
    email: { type: 'positional', required: true, description: 'the person, as the organisation file names them' },
    ...remote,
  },
  'people invite': {
    email: { type: 'positional', required: true, description: 'the person, as the organisation file names them' },
    days: { type: 'string', description: 'how many days the link works (default 7, at most 30)' },
    json: { type: 'boolean', description: 'print the link as JSON' },
    ...remote,
  },
  'notifications list': {
    failed: { type: 'boolean', description: 'only those that failed (after every retry)' },
    limit: { type: 'string', default: '100' },
    json: jsonLines,
    ...remote,
  },
  'notifications prefs': {
    email: {
      type: 'string',
      description: "whose preferences (an admin may name anyone; default: the token's own person)",
    },
    event: {
      type: 'string',
      description: 'an event, e.g. finding.new_act or exception.waiting (`entente notifications prefs` lists them)',
    },
    channel: { type: 'string', description: 'email (at once) | digest (in the daily digest) | none (with --event)' },
    'digest-time': {
      type: 'string',
      description: 'when your daily digest goes out, HH:MM in your time zone (default 08:00)',
    },
    'time-zone': {
      type: 'string',
      description:
        "the time zone your digest time and quiet hours are read in, e.g. Asia/Singapore; '' or default: the organisation's",
    },
    quiet: {
      type: 'string',
      description: 'quiet hours, HH:MM-HH:MM (e.g. 20:00-07:00): e-mails wait until they end; "off" removes them',
    },
    json,
    ...remote,
  },
  'notifications retry': {
    id: { type: 'positional', required: true, description: "the notification's id (entente notifications list)" },
    json,
    ...remote,
  },
  backup: {
    file: {
      type: 'positional',
      required: true,
      description: 'the file to write, e.g. entente-2026-12-07.backup.gz (mode 0600)',
    },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  restore: {
    file: { type: 'positional', required: true, description: 'a file `entente backup` wrote' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
} as const satisfies Record<string, ArgsDef>;

export type CommandPath = keyof typeof args;
type Module = Record<string, unknown>;

/** A command that runs: its options from `args`, its implementation loaded from `load()` when it runs. */
function leaf<P extends CommandPath>(
  path: P,
  description: string,
  load: () => Promise<Module>,
  exportName: string,
  extra: { variadic?: boolean } = {},
): EntenteCommand {
  const name = path.split(' ').at(-1)!;
  return {
    meta: { name, description },
    args: args[path] as ArgsDef,
    path,
    ...extra,
    async run(ctx: CommandContext<ArgsDef>) {
      // Beside a running server on the same embedded data folder, a command that can use --server goes through it.
      if ('server' in (args[path] as ArgsDef))
        await (await import('./shared.ts')).routeToRunningServer(ctx.args as { server?: string; token?: string });
      const command = (await load())[exportName] as CommandDef<ArgsDef> | undefined;
      if (typeof command?.run !== 'function') throw new Error(`${path}: its module does not export ${exportName}`);
      return command.run(ctx);
    },
  };
}

/** A citty command, with what Entente adds: its path in the tree, and whether it takes any number of positional words. */
export type EntenteCommand = CommandDef<ArgsDef> & {
  path?: CommandPath;
  variadic?: boolean;
  subCommands?: Record<string, EntenteCommand>;
};

function group(
  name: string,
  description: string,
  subCommands: Record<string, EntenteCommand>,
  runs?: EntenteCommand,
): EntenteCommand {
  return { ...(runs ?? {}), meta: { name, description }, subCommands };
}

const changes = () => import('./change-command.ts');
const exceptions = () => import('./exceptions-command.ts');
const exposure = () => import('./exposure-command.ts');
const gate = () => import('./gate-command.ts');
const commitments = () => import('./commitments-command.ts');
const admin = () => import('./admin-commands.ts');
const review = () => import('./review-command.ts');
const policy = () => import('./policy-commands.ts');
const audit = () => import('./audit-commands.ts');
const tone = () => import('./tone-command.ts');
const notifications = () => import('./notifications-command.ts');
const jira = () => import('./jira-command.ts');
const goals = () => import('./goals-command.ts');

/** The whole tree: `entente` and everything under it. */
export const main: EntenteCommand = {
  meta: { name: 'entente', version, description: 'IT and Security as allies: shared findings, gates and changes' },
  subCommands: {
    serve: leaf(
      'serve',
      'Serve the API (embedded database unless DATABASE_URL is set)',
      () => import('./serve-command.ts'),
      'serve',
    ),
    import: leaf(
      'import',
      'Import a scanner report for a service (format detected; --format to force)',
      () => import('./import-command.ts'),
      'importCommand',
    ),
    parse: leaf(
      'parse',
      "Print a report's normalised findings as JSON lines (no database)",
      () => import('./parse-command.ts'),
      'parse',
    ),
    org: group('org', 'The organisation: teams and services', {
      apply: leaf(
        'org apply',
        'Apply an organisation file (teams and services)',
        () => import('./org-command.ts'),
        'apply',
      ),
    }),
    findings: leaf(
      'findings',
      'List findings (open and in progress unless --status says otherwise)',
      () => import('./findings-command.ts'),
      'findings',
    ),
    export: leaf(
      'export',
      'Export findings as SARIF, CSV or CycloneDX VEX (same filters as `entente findings`)',
      () => import('./export-command.ts'),
      'exportCommand',
    ),
    exceptions: group('exceptions', 'Risk acceptance: ask, approve, decline, revoke, list, expire', {
      request: leaf(
        'exceptions request',
        'Ask to accept the risk of findings of one team: --finding 12 --finding 13 --reason … --control … [--days N]',
        exceptions,
        'request',
      ),
      list: leaf('exceptions list', 'List exceptions, newest first', exceptions, 'list'),
      show: leaf('exceptions show', 'One exception with its findings and approvals', exceptions, 'showCommand'),
      approve: leaf(
        'exceptions approve',
        "Approve as the team's lead or as Security (never your own request)",
        exceptions,
        'approve',
      ),
      decline: leaf('exceptions decline', 'Decline a request, saying why (--reason)', exceptions, 'decline'),
      revoke: leaf(
        'exceptions revoke',
        'End an exception early, saying why (--reason); its findings come back as they were',
        exceptions,
        'revoke',
      ),
      expire: leaf(
        'exceptions expire',
        'End exceptions whose date has passed (local data folder or DATABASE_URL; run it daily until the job runner does)',
        exceptions,
        'expire',
      ),
    }),
    change: group(
      'change',
      'Change requests: request, keep-protocol, approve, decline, implement, extend, remove, recertify, list, show',
      {
        request: leaf(
          'change request',
          'Request a change: --type firewall|file-share|remote-access|cloud-exposure|privileged-access|third-party|other --service S --title "what for" [fields]',
          changes,
          'request',
        ),
        submit: leaf('change submit', 'Submit a draft for approval', changes, 'submit'),
        approve: leaf(
          'change approve',
          'Approve as the owner team or Security (never your own); reviews an emergency change',
          changes,
          'approve',
        ),
        'keep-protocol': leaf(
          'change keep-protocol',
          'Keep your request as asked instead of the safer alternative, saying why (--reason); the approvals can then start',
          changes,
          'keepProtocolCommand',
        ),
        decline: leaf(
          'change decline',
          'Decline a request, saying why (--reason); the requester sees the safer alternative',
          changes,
          'decline',
        ),
        implement: leaf('change implement', 'Record that the approved change is in place', changes, 'implement'),
        extend: leaf('change extend', 'Extend a lease once, before it ends: --end DATE --reason …', changes, 'extend'),
        remove: leaf('change remove', 'Confirm the access is taken down [--note …]', changes, 'remove'),
        recertify: leaf('change recertify', 'Recertify long-lived access', changes, 'recertify'),
        list: leaf('change list', 'List changes, newest first', changes, 'list'),
        show: leaf('change show', 'One change with its risk check, approvals and lease', changes, 'showCommand'),
      },
    ),
    exposure: group('exposure', 'Network exposure: import host scans, list what is open', {
      import: leaf(
        'exposure import',
        'Record a host scan (nmap -oX, masscan, Nessus, OpenVAS); open ports no change covers become findings',
        exposure,
        'importCommand',
      ),
      list: leaf(
        'exposure list',
        'What is open on which host, who owns it and which change covers it',
        exposure,
        'list',
      ),
    }),
    gate: group(
      'gate',
      'Decide a release: exit 0 go, 10 go with controls, 1 no-go, 2 usage or input error, 3 internal error',
      {
        replay: leaf(
          'gate replay',
          'Re-decide a stored decision from its facts and policy revision; exit 0 when it matches, 1 when it does not',
          gate,
          'replay',
        ),
        changes: leaf(
          'gate changes',
          "What changed since the service's last go in the same environment",
          gate,
          'changes',
        ),
      },
      leaf('gate', '', gate, 'gate'),
    ),
    commitments: group(
      'commitments',
      'Commitments: controls, fixes and removals each team owes by a date (lists them unless a subcommand is named)',
      {
        list: leaf('commitments list', 'List commitments, soonest due first', commitments, 'list'),
        verify: leaf(
          'commitments verify',
          'Record that a commitment is in place: verify ID --evidence TEXT',
          commitments,
          'verify',
        ),
        sweep: leaf(
          'commitments sweep',
          'Run the checks and mark open commitments past their date as missed (until the job runner does)',
          commitments,
          'sweep',
        ),
      },
      leaf('commitments list', '', commitments, 'list'),
    ),
    review: group(
      'review',
      'Review meetings whose agenda writes itself: wins first, then what is new, due and waiting',
      {
        new: leaf(
          'review new',
          'A new review of a team (--team) or the organisation since the last one: --cadence weekly|monthly [--format markdown|html|json|ics]',
          review,
          'newCommand',
        ),
        show: leaf('review show', "One review's agenda and record, in a format", review, 'show'),
        list: leaf('review list', 'Reviews, newest first', review, 'list'),
        close: leaf(
          'review close',
          'Close a review: --attendee, --decision and --action "TITLE @TEAM by DATE" (each action item becomes a commitment)',
          review,
          'close',
        ),
      },
    ),
    jira: group('jira', "Jira: file an issue for a finding in its team's project, and sync statuses both ways", {
      link: leaf(
        'jira link',
        "File a Jira issue for a finding in the owning team's project (notify.jira.project); again prints the same issue",
        jira,
        'link',
      ),
      'link-commitment': leaf(
        'jira link-commitment',
        'File a Jira issue for a commitment; moving it to Done keeps a commitment verified by evidence',
        jira,
        'linkCommitmentCommand',
      ),
      sync: leaf(
        'jira sync',
        "Move issues of findings a scan confirmed fixed to Done, and read the others' statuses (what the server's job does every 5 minutes)",
        jira,
        'sync',
      ),
    }),
    scorecard: leaf(
      'scorecard',
      "The shared scorecard of the organisation, a team (--team) or a service (--service): open findings, flow, time to fix, SLA, Security's service levels, goals at risk",
      goals,
      'scorecard',
    ),
    goal: group('goal', 'Joint goals owned by IT and Security together: set, list, show', {
      set: leaf(
        'goal set',
        'Set a goal: --metric M (--team T | --org) --owners T1,security --target=-30% --deadline 2027-06-30; its baseline is measured now',
        goals,
        'set',
      ),
      list: leaf('goal list', 'Every goal with its progress and forecast, soonest deadline first', goals, 'list'),
      show: leaf('goal show', 'One goal: baseline, target, now, progress, forecast and guardrail', goals, 'show'),
    }),
    token: group('token', 'API tokens: create (shown once), list, revoke', {
      create: leaf('token create', 'Create an API token (shown once)', admin, 'tokenCreate'),
      list: leaf(
        'token list',
        'Every token: name, role, person, created, expires, last used (never the secret)',
        admin,
        'tokenList',
      ),
      revoke: leaf('token revoke', 'End a token now: its next request is refused', admin, 'tokenRevoke'),
    }),
    feeds: group('feeds', 'Exploitation feeds (CISA KEV, EPSS), loaded from files', {
      import: leaf(
        'feeds import',
        'Load a KEV JSON catalogue or an EPSS CSV(.gz) and re-prioritise open findings',
        admin,
        'feedsImport',
      ),
    }),
    policy: group('policy', 'The policy (SLA days, exploitation bands, exception limits, gate rules, controls)', {
      check: leaf(
        'policy check',
        'Validate a policy file (or the one in force) and read its rule descriptions and control titles for tone',
        policy,
        'check',
      ),
      test: leaf(
        'policy test',
        'Check examples (facts with an expected outcome) against the policy; exit 0 all as expected, 1 some differ',
        policy,
        'test',
      ),
      backtest: leaf(
        'policy backtest',
        'Re-decide the stored gates of the last N days under a candidate policy and list the outcomes that would change',
        policy,
        'backtest',
      ),
      show: leaf(
        'policy show',
        'Print the policy in force (defaults merged with ENTENTE_POLICY or data/policy.yaml)',
        admin,
        'policyShow',
      ),
    }),
    audit: group('audit', 'The audit log: verify it, export it for auditors', {
      verify: leaf(
        'audit verify',
        "Recompute the audit log's chain and seals and compare it with its checkpoints (an intact log gets a new checkpoint); exit 0 intact, 1 when entries were altered or are missing or sealed with a key not in force",
        audit,
        'verify',
      ),
      export: leaf(
        'audit export',
        'Export the audit log with its chain fields, oldest first, for auditors to keep and re-verify offline',
        audit,
        'exportLog',
      ),
    }),
    tone: group(
      'tone',
      "Does a text read as a partner's? Flags blame, gatekeeping, urgency, condescension and compliance used as a hammer",
      {
        check: leaf(
          'tone check',
          "Check TEXT (or --file F, or standard input): exit 0 when it reads as a partner's, 1 when something is flagged, 2 for a usage error",
          tone,
          'check',
          { variadic: true },
        ),
        rules: leaf(
          'tone rules',
          'List the tone rules in force: id, category, why it reads badly, what to write instead',
          tone,
          'rules',
        ),
      },
    ),
    people: group('people', 'People: their web sign-in passwords and invitation links', {
      password: leaf(
        'people password',
        'Set the password EMAIL signs in to the web app with (one line on standard input; asked for without echo on a terminal)',
        () => import('./people-command.ts'),
        'password',
      ),
      invite: leaf(
        'people invite',
        'Make a one-time link (7 days unless --days) for EMAIL to set a password and sign in to the web app; send it to them',
        () => import('./people-command.ts'),
        'invite',
      ),
    }),
    notifications: group('notifications', 'Notifications: the outbox (list, retry) and who gets what (prefs)', {
      list: leaf(
        'notifications list',
        'Notifications, newest first: to whom, about what, and whether they were sent',
        notifications,
        'list',
      ),
      prefs: leaf(
        'notifications prefs',
        'Show or set how events reach a person: [--email EMAIL] [--event E --channel email|digest|none] [--digest-time HH:MM] [--quiet HH:MM-HH:MM|off] [--time-zone ZONE|default]',
        notifications,
        'prefs',
      ),
      retry: leaf('notifications retry', 'Send a failed (or waiting) notification again now', notifications, 'retry'),
    }),
    backup: leaf(
      'backup',
      'Write every table of the database (and the audit checkpoints) to one gzip file, from one consistent snapshot',
      () => import('./backup-commands.ts'),
      'backup',
    ),
    restore: leaf(
      'restore',
      'Load a backup into an empty database (a new data folder, or an empty PostgreSQL database with DATABASE_URL)',
      () => import('./backup-commands.ts'),
      'restore',
    ),
  },
};
