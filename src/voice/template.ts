/**
 * Message templates: every text Entente writes for people comes from a typed template with examples.
 * A template set is a module's record of templates; src/message-catalogue.ts lists every set, and a test
 * renders each template with each of its examples and requires the tone check to pass on the result.
 */
import type { Day } from '../policy/calendar.ts';

/** One message: how it is rendered from its parameters, and examples covering each of its variants. */
export interface Template<P> {
  render(params: P): string;
  /** At least one example per variant (each branch the text can take); the test renders them all. */
  examples: readonly P[];
}

/** Declares a template; `examples` must cover every variant of the text. */
export function template<P>(render: (params: P) => string, examples: readonly P[]): Template<P> {
  if (examples.length === 0) throw new Error('a template needs at least one example');
  return { render, examples };
}

// biome-ignore lint/suspicious/noExplicitAny: each template has its own parameters; a set holds any of them
export type TemplateSet = Record<string, Template<any>>;

/** "1 finding" / "3 findings". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A day as people read it in messages: 2026-03-09. Messages take days, not instants: the caller says which day an
 * instant falls on with the organisation's calendar (src/policy/calendar.ts), so every message counts days one way.
 */
export function day(d: Day): string {
  return d;
}

/** How far off a day is, from today: "today", "tomorrow", "in 3 days". */
export function fromToday(days: number): string {
  return days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`;
}

/** "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A template whose text takes named variants, each recognised from its parameters; the voice test requires an example of each. */
export type VariantTemplate<P> = Template<P> & { variants: Readonly<Record<string, (params: P) => boolean>> };

/** Names the variants of a template's text (each branch it can take), so a test can check every one has an example. */
export function withVariants<P>(t: Template<P>, variants: Record<string, (params: P) => boolean>): VariantTemplate<P> {
  return { ...t, variants };
}
