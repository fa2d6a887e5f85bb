/** The audit log as the CLI checks and exports it, locally (as the data folder's administrator) or from a server. */
import type { AuditVerification } from '../../audit/chain-check.ts';
import type { AuditExportFormat } from '../../audit/audit-export.ts';
import { EntenteError } from '../../errors.ts';
import type { auditRoutes } from '../../http/audit-routes.ts';
import type { Area } from './area.ts';
import { clientOf, okBody } from './remote.ts';

/** Which entries an export holds: `from` and `to` as typed (a date, or a date and time with its zone). */
export interface AuditRange {
  format: AuditExportFormat;
  from?: string | undefined;
  to?: string | undefined;
}

export interface AuditApi {
  /** Recomputes the chain and seals and compares it with the checkpoints. Locally an intact log also gets a new
   * checkpoint (the command says so in its help); a server's check only reads. */
  verify(): Promise<AuditVerification>;
  /** The export's bytes as they are made (local) or arrive (remote), to be read before the call to `withApi` ends. */
  export(range: AuditRange): Promise<AsyncIterable<string | Uint8Array>>;
}

// Loaded on use, as the command did: the remote path never loads the audit code or the database engines.
const verifyModule = () => import('../../audit/verify.ts');
const exportModule = () => import('../../audit/audit-export.ts');
const queryModule = () => import('../../audit/audit-query.ts');

export const auditApi: Area<AuditApi> = {
  local: (ctx) => ({
    async verify() {
      const { checkpointed: _, ...checked } = await (await verifyModule()).verifyAndCheckpoint(
        ctx.database.db,
        ctx.now(),
      );
      return checked;
    },
    async export({ format, from, to }) {
      const { timeBound } = await queryModule();
      const range = { format, from: timeBound(from, '--from'), to: timeBound(to, '--to') };
      return (await (await exportModule()).prepareAuditExport(ctx.database.db, range)).chunks;
    },
  }),
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof auditRoutes>>(remote).api.audit;
    return {
      verify: () => okBody(api.verify.$get()),
      async export({ format, from, to }) {
        const query = { format, ...(from ? { from } : {}), ...(to ? { to } : {}) };
        const res = await api.export.$get({ query });
        if (!res.body)
          throw new EntenteError(
            'internal',
            `${remote.server}: an empty answer to api/audit/export?${new URLSearchParams(query)}`,
          );
        return res.body as unknown as AsyncIterable<Uint8Array>;
      },
    };
  },
};
