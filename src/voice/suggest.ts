/**
 * The `entente …` commands Entente prints in its messages, built from the command tree (src/cli/commands.ts) so that
 * what we suggest is what the CLI takes: an option the command does not have throws when the message is written (and
 * in the tests that render every message), instead of reaching a person who types it and gets something else.
 */
import { args, type CommandPath } from '../cli/commands.ts';

type Value = string | number | boolean | readonly (string | number)[] | undefined | null;

/** A placeholder the person fills in, printed as it is: `<who connects>`, `…`, `URL`. */
export function placeholder(text: string): { placeholder: string } {
  return { placeholder: text };
}

/**
 * `entente PATH POSITIONALS --option value …`: each option checked against the command's own; `true` is a bare flag,
 * `false`, undefined and null are left out, a list repeats the option. Values are quoted when a shell would split them.
 */
export function command(
  path: CommandPath,
  options: Record<string, Value | { placeholder: string }> = {},
  ...positionals: (string | number | { placeholder: string })[]
): string {
  const defs = args[path] as Record<string, { type?: string }>;
  const words = ['entente', path];
  const wanted = Object.values(defs).filter((d) => d.type === 'positional').length;
  if (positionals.length > wanted)
    throw new Error(`entente ${path} takes ${wanted} positional argument(s), not ${positionals.length}`);
  for (const p of positionals) words.push(shellWord(p));
  for (const [name, value] of Object.entries(options)) {
    const def = defs[name];
    if (!def || def.type === 'positional') throw new Error(`entente ${path} has no option --${name}`);
    if (value === undefined || value === null || value === false) continue;
    if (value === true) {
      if (def.type !== 'boolean') throw new Error(`entente ${path} --${name} takes a value`);
      words.push(`--${name}`);
      continue;
    }
    if (def.type === 'boolean') throw new Error(`entente ${path} --${name} is a flag; it takes no value`);
    for (const v of Array.isArray(value) ? value : [value])
      words.push(`--${name}`, shellWord(v as string | number | { placeholder: string }));
  }
  // A suggestion that leaves out what the command requires would fail as printed: say so where it is written.
  const missing = Object.entries(defs)
    .filter(
      ([name, d]) =>
        (d as { required?: boolean }).required
        && d.type !== 'positional'
        && [undefined, null, false].includes(options[name] as never),
    )
    .map(([name]) => `--${name}`);
  if (missing.length)
    throw new Error(`entente ${path} needs ${missing.join(', ')}; give each a value or a placeholder`);
  const requiredPositionals = Object.values(defs).filter(
    (d) => d.type === 'positional' && (d as { required?: boolean }).required !== false,
  ).length;
  if (positionals.length < requiredPositionals)
    throw new Error(`entente ${path} takes ${requiredPositionals} positional argument(s), not ${positionals.length}`);
  return words.join(' ');
}

function shellWord(v: string | number | { placeholder: string }): string {
  if (typeof v === 'object') return v.placeholder;
  const s = String(v);
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}
