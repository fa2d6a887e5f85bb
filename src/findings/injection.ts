/** The weaknesses the priority model treats as injection: input from outside that the service runs or interprets. */

/**
 * By what the input becomes. Chosen because a flaw of these kinds in a service's own code hands whoever can send it
 * input the service's own powers — its commands, its data, its files, its users' sessions — in one request, with
 * tools (sqlmap, commix, tplmap, ysoserial, Burp's scanner) that find and use it without skill:
 * - commands or code: OS command and argument injection (78, 77, 88), code and eval injection (94, 95, 96), template
 *   and expression-language injection (1336, 917), unsafe reflection (470), deserialisation of untrusted data (502,
 *   which runs the gadgets the input names);
 * - queries: SQL (89, 564 through Hibernate), NoSQL and other data queries (943), LDAP (90), XPath and XQuery (643,
 *   652), XML (91);
 * - files and requests: path traversal (22, 23, 36), external control of a file name (73), remote file inclusion (98),
 *   XML external entities (611: reads files and reaches internal hosts), server-side request forgery (918: the
 *   service's own network position, cloud metadata included);
 * - pages other users load: cross-site scripting (79, 80), which acts with their sessions;
 * - and injection itself (74), which some tools report instead of the kind.
 * Left out: CRLF and header injection (93, 113), log injection (117) and the like, whose outcome depends on what
 * reads the result, and weaknesses that need more than input (weak crypto, missing authorisation).
 */
const injections: Record<number, { name: string; becomes: string }> = {};

function kind(becomes: string, names: Record<number, string>): void {
  for (const [cwe, name] of Object.entries(names)) injections[Number(cwe)] = { name, becomes };
}

kind('commands or code the service runs', {
  77: 'command injection',
  78: 'OS command injection',
  88: 'argument injection',
  94: 'code injection',
  95: 'eval injection',
  96: 'static code injection',
  470: 'unsafe reflection',
  502: 'deserialisation of untrusted data',
  917: 'expression language injection',
  1336: 'template injection',
});
kind('queries the service runs', {
  89: 'SQL injection',
  564: 'SQL injection through Hibernate',
  943: 'data query injection',
  90: 'LDAP injection',
  643: 'XPath injection',
  652: 'XQuery injection',
  91: 'XML injection',
});
kind('files the service opens or requests it sends', {
  22: 'path traversal',
  23: 'relative path traversal',
  36: 'absolute path traversal',
  73: 'external control of a file name',
  98: 'remote file inclusion',
  611: 'XML external entities',
  918: 'server-side request forgery',
});
kind('pages the service shows other users', { 79: 'cross-site scripting', 80: 'cross-site scripting' });
kind('part of something the service runs', { 74: 'injection' });

/** An injection weakness among a finding's CWEs (the lowest-numbered), in words for its reasons. */
export interface Injection {
  cwe: number;
  name: string;
  becomes: string;
}

/** The first of the CWEs that is an injection weakness, if any. */
export function injectionOf(cwes: readonly number[]): Injection | undefined {
  let found: number | undefined;
  for (const c of cwes) if (Object.hasOwn(injections, c) && (found === undefined || c < found)) found = c;
  return found === undefined ? undefined : { cwe: found, ...injections[found]! };
}
