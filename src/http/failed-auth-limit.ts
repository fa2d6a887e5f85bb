/**
 * Failed authentications per source address, in this process's memory: past the limit within the window, requests from
 * that address without a known good token are answered 429 with Retry-After before the database is asked.
 */

export interface FailedAuthOptions {
  /** Failures allowed per address within the window (default 10). */
  limit?: number;
  /** The window, in milliseconds (default one minute). */
  windowMs?: number;
  /** Milliseconds now; real time unless a test moves it. */
  clock?: () => number;
}

/** The limiter's answer before authentication: go ahead, or wait this many seconds. */
export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

// Addresses and good tokens kept at most: a flood of new addresses drops the oldest, never grows memory without end.
const maxAddresses = 10_000;
const maxGoodTokens = 10_000;

/**
 * Counts failures per address in a sliding window. A token hash that authenticated before passes even from a blocked
 * address, so a CI job behind the same gateway as someone guessing keeps working, while guesses (unknown hashes) get
 * no answer from the database and so learn nothing. Requests answered 429 are not counted: the rate of guesses an
 * address gets is `limit` per window, however fast it sends them.
 */
export function createFailedAuthLimit(options: FailedAuthOptions = {}) {
  const limit = options.limit ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const failures = new Map<string, number[]>();
  const good = new Set<string>();

  const recent = (address: string, now: number): number[] => {
    const kept = (failures.get(address) ?? []).filter((t) => t > now - windowMs && t <= now);
    if (kept.length) failures.set(address, kept);
    else failures.delete(address);
    return kept;
  };

  return {
    /** Whether a request from `address` bearing a token with this hash (if any) may be authenticated now. */
    check(address: string, hash: string | undefined): Verdict {
      const now = clock();
      const times = recent(address, now);
      if (times.length < limit || (hash !== undefined && good.has(hash))) return { ok: true };
      const oldest = times[times.length - limit]!;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
    },
    /** Records a failed authentication from `address`. */
    failed(address: string): void {
      const now = clock();
      const times = recent(address, now);
      times.push(now);
      failures.delete(address); // re-inserted last: the map's order is oldest activity first
      failures.set(address, times.slice(-limit));
      if (failures.size > maxAddresses) failures.delete(failures.keys().next().value!);
    },
    /** Records that a token with this hash authenticated (it stops being good once it fails: revoked or expired). */
    succeeded(hash: string): void {
      good.delete(hash);
      good.add(hash);
      if (good.size > maxGoodTokens) good.delete(good.values().next().value!);
    },
    forget(hash: string): void {
      good.delete(hash);
    },
  };
}

export type FailedAuthLimit = ReturnType<typeof createFailedAuthLimit>;
