/** `entente people password EMAIL`: sets a person's web sign-in password, read from standard input. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';
import { withApi } from './api/area.ts';
import { peopleApi } from './api/people-api.ts';

export const password = defineCommand({
  args: args['people password'],
  async run({ args }) {
    const email = String(args.email);
    const secret = process.stdin.isTTY ? await askTwice(email) : await firstLine();
    const set = await withApi(args, peopleApi, (api) => api.setPassword(email, secret));
    out(
      `${set.replaced ? 'Password changed' : 'Password set'} for ${set.email}${set.replaced ? '; their open sessions are ended' : ''}. They sign in to the web app that \`entente serve\` serves at /.`,
    );
  },
});

export const invite = defineCommand({
  args: args['people invite'],
  async run({ args }) {
    const email = String(args.email);
    const days = args.days === undefined ? undefined : Number(args.days);
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 30))
      throw badInput(`--days: a whole number from 1 to 30; it is ${args.days}`, { field: 'days' });
    const made = await withApi(args, peopleApi, (api) => api.invite(email, days));
    if (args.json) return out(JSON.stringify(made));
    out(
      `Send this link to ${made.email}; it works once, until ${made.expiresAt.slice(0, 16).replace('T', ' ')} UTC, and lets them set a password and sign in:\n  ${made.url}`,
    );
  },
});

// The first line of standard input, without its line end; a password on the command line would be in the shell history.
async function firstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (!text)
    throw badInput(
      'no password on standard input: pipe one line, e.g. `printf "%s\\n" "$PASSWORD" | entente people password EMAIL`',
      { field: 'password' },
    );
  return line;
}

async function askTwice(email: string): Promise<string> {
  const first = await ask(`New password for ${email}: `);
  const again = await ask('The same again: ');
  if (first !== again) throw badInput('the two passwords are not the same; nothing was changed', { field: 'password' });
  return first;
}

// Reads a line from the terminal without showing it.
function ask(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (fn: () => void): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      fn();
    };
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
        if (ch === '\u0003' || ch === '\u0004') return done(() => reject(badInput('cancelled; nothing was changed')));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
