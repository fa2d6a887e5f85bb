// Loaded into each test file's process when ENTENTE_TEST_CPU names a file (scripts/test.mjs): at exit it appends one
// tab-separated line, the test file, its own CPU seconds, its waited-for children's (the CLI commands it spawned,
// Chromium) and its wall seconds, from /proc (Linux). The suite is CPU-bound on two cores; this says where the CPU goes:
//   sort -t$'\t' -k2 -gr FILE | head     (own),   awk -F'\t' '{print $2+$3, $1}' FILE | sort -gr | head   (in all)
import { appendFileSync, readFileSync } from 'node:fs';

const log = process.env.ENTENTE_TEST_CPU;
if (log) {
  process.on('exit', () => {
    try {
      // /proc/self/stat after the command's name: utime, stime, cutime and cstime are fields 11–14, in clock ticks.
      const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
      const own = (f[11] + f[12]) / 100;
      const children = (f[13] + f[14]) / 100;
      appendFileSync(log, `${process.argv[1]}\t${own}\t${children}\t${(performance.now() / 1000).toFixed(1)}\n`);
    } catch {
      // not Linux: nothing to note
    }
  });
}
