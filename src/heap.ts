/**
 * How far V8 lets an Entente process's heap grow past what is live. By default V8 sets the next full collection at
 * up to four times the live heap, and with incremental marking it overshoots that: importing a 500 MB Trivy report,
 * 20–95 MB was live after each full collection while the heap reached 270–560 MB before it. With PGlite's ~300 MB
 * in the same process, that garbage decided whether the import stayed under 1 GB (peaks of 830–1,060 MiB). Growing
 * by half of what is live instead: peaks of ~685 MiB, at ~3–8 % of the import's speed on PGlite and none measurable on
 * PostgreSQL (see docs/DESIGN-NOTES.md, "Big reports").
 */
import { setFlagsFromString } from 'node:v8';

/** Keeps the heap within 1.5 times what is live after each full collection (V8 reads the flag at every collection;
 * setting it again changes nothing). */
export function keepHeapNearLive(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
