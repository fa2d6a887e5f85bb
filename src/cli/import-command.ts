/** `entente import REPORT --service NAME`: import a report locally or into a running server, and summarise it. */
import { defineCommand } from 'citty';
import { importMessages } from '../voice/messages/imports.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';
import { withApi } from './api/area.ts';
import { uploadsApi } from './api/uploads-api.ts';

export const importCommand = defineCommand({
  args: args.import,
  async run({ args }) {
    const summary = await withApi(args, uploadsApi, (api) => api.importReport(args));
    out(args.json ? JSON.stringify(summary) : importMessages.summary.render(summary));
  },
});
