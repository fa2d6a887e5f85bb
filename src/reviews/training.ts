/** A small table from a weakness (CWE) to a training topic that teaches how to avoid it; the agenda suggests one. */
const trainingTopics: Readonly<Record<number, string>> = {
  20: 'input validation (OWASP Input Validation Cheat Sheet)',
  22: 'safe file paths (OWASP path traversal)',
  77: 'running commands without a shell (OWASP OS command injection defense)',
  78: 'running commands without a shell (OWASP OS command injection defense)',
  79: 'output encoding (OWASP XSS prevention)',
  89: 'parameterised queries (OWASP SQL injection prevention)',
  94: 'keeping code and data apart (OWASP code injection)',
  200: 'what to log and show (OWASP error handling)',
  259: 'secrets management (OWASP Secrets Management Cheat Sheet)',
  287: 'authentication (OWASP Authentication Cheat Sheet)',
  295: 'certificate validation (OWASP Transport Layer Security)',
  327: 'choosing cryptography (OWASP Cryptographic Storage)',
  352: 'CSRF tokens and same-site cookies (OWASP CSRF prevention)',
  400: 'limits and timeouts (OWASP denial of service)',
  434: 'file uploads (OWASP File Upload Cheat Sheet)',
  502: 'safe deserialisation (OWASP Deserialization Cheat Sheet)',
  611: 'XML parsers without external entities (OWASP XXE prevention)',
  639: 'authorisation checks on every object (OWASP IDOR prevention)',
  798: 'secrets management (OWASP Secrets Management Cheat Sheet)',
  862: 'authorisation checks (OWASP Authorization Cheat Sheet)',
  918: 'outbound requests (OWASP SSRF prevention)',
  937: 'keeping dependencies up to date (OWASP vulnerable components)',
  1035: 'keeping dependencies up to date (OWASP vulnerable components)',
  1104: 'keeping dependencies up to date (OWASP vulnerable components)',
};

/** The training topic for a CWE, or null when the table has none. */
export function trainingFor(cwe: number): string | null {
  return trainingTopics[cwe] ?? null;
}
