/**
 * The command line checked against the command tree (src/cli/commands.ts) before anything runs: which command it names,
 * and every option or word that command does not take. citty on its own ignores an unknown option (`findings --servce x`
 * listed everything), so a misspelling is an error that names each unknown option at once, with the nearest known one.
 */
import type { ArgDef, ArgsDef } from 'citty';
import type { EntenteCommand } from './commands.ts';

/** The command a command line names: the command, its parent, the words naming it, and the arguments left for it. */
export interface Resolved {
  command: EntenteCommand;
  parent: EntenteCommand | undefined;
  path: string[];
  rest: string[];
}

/** Walks the tree down the words that name subcommands; stops at the first option or at a command with no subcommands. */
export function resolveCommand(root: EntenteCommand, rawArgs: string[]): Resolved & { unknownCommand?: string } {
  let command = root;
  let parent: EntenteCommand | undefined;
  const path: string[] = [];
  let rest = rawArgs;
  for (;;) {
    const subs = command.subCommands;
    if (!subs) return { command, parent, path, rest };
    const word = rest[0];
    if (word === undefined || word.startsWith('-')) return { command, parent, path, rest };
    const next = subs[word];
    if (!next) return { command, parent, path, rest, unknownCommand: word };
    parent = command;
    command = next;
    path.push(word);
    rest = rest.slice(1);
  }
}

/** What is wrong with the arguments given to a command: one message per mistake, all of them. */
export function argumentMistakes(resolved: Resolved & { unknownCommand?: string }): string[] {
  const { command, path } = resolved;
  const name = ['entente', ...path].join(' ');
  if (resolved.unknownCommand !== undefined) {
    return [unknownCommand(name, resolved.unknownCommand, Object.keys(command.subCommands ?? {}))];
  }
  const defs = (command.args ?? {}) as ArgsDef;
  const mistakes: string[] = [];
  const positionals = Object.values(defs).filter((d) => d.type === 'positional').length;
  let words = 0;
  const tokens = resolved.rest;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      words += tokens.length - i - 1;
      break;
    }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const flag = eq === -1 ? t.slice(2) : t.slice(2, eq);
      const def = optionNamed(defs, flag);
      if (def) {
        if (def.type !== 'boolean' && eq === -1) {
          if (i + 1 >= tokens.length) mistakes.push(`option --${flag} needs a value`);
          i++;
        }
        continue;
      }
      if (flag.startsWith('no-') && optionNamed(defs, flag.slice(3))?.type === 'boolean') continue;
      mistakes.push(`unknown option --${flag}${hint(flag, optionNames(defs), '--')}`);
      // `--formt json`: json was meant as the option's value, not as a word of its own.
      if (eq === -1 && tokens[i + 1] !== undefined && !tokens[i + 1]!.startsWith('-')) i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1 && !/^-\d/.test(t)) {
      const letter = t.slice(1, 2);
      const def = Object.values(defs).find((d) => aliases(d).includes(letter));
      if (def) {
        if (def.type !== 'boolean' && t.length === 2) i++;
        continue;
      }
      mistakes.push(`unknown option ${t}${hint(t.slice(1), optionNames(defs), '--')}`);
      continue;
    }
    words++;
    if (words > positionals && !command.variadic) {
      const subs = Object.keys(command.subCommands ?? {});
      mistakes.push(
        subs.length
          ? unknownCommand(name, t, subs)
          : `${name} takes ${positionals === 0 ? 'no words besides its options' : `${positionals} ${positionals === 1 ? 'word' : 'words'} besides its options`}; "${t}" is one too many`,
      );
    }
  }
  return mistakes;
}

function unknownCommand(name: string, typed: string, known: string[]): string {
  const best = closest(typed, known);
  return best === undefined
    ? `unknown command ${typed}; ${name} has ${known.join(', ')}`
    : `unknown command ${typed}; did you mean ${name} ${best}?`;
}

function aliases(def: ArgDef): string[] {
  const a = (def as { alias?: string | string[] }).alias;
  return a === undefined ? [] : Array.isArray(a) ? a : [a];
}

function optionNames(defs: ArgsDef): string[] {
  return Object.entries(defs)
    .filter(([, d]) => d.type !== 'positional')
    .map(([n]) => n);
}

// An option's own name, its camelCase or kebab-case spelling (citty accepts both) or one of its aliases.
function optionNamed(defs: ArgsDef, flag: string): ArgDef | undefined {
  const kebab = flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const [n, d] of Object.entries(defs)) {
    if (d.type === 'positional') continue;
    if (n === flag || n === kebab || aliases(d).includes(flag)) return d;
  }
  return undefined;
}

/** "; did you mean --version?" when a known name is close to what was typed, else nothing. */
function hint(typed: string, known: string[], prefix: string): string {
  const best = closest(typed, known);
  return best === undefined ? '' : `; did you mean ${prefix}${best}?`;
}

/** The known name nearest to `typed` (typos, swapped letters, a missing or extra letter), if one is near enough. */
function closest(typed: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(typed.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  if (best !== undefined && (bestDistance <= allowed || (typed.length >= 3 && best.startsWith(typed)))) return best;
  return undefined;
}

// Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment).
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
