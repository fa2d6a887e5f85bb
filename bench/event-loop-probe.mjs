/**
 * Loaded into the server the load benchmark starts (`node --import`): measures the server's own event-loop delay
 * (node:perf_hooks), which a client can only guess from latencies. The benchmark sends 'reset' and 'read' over the
 * IPC channel; nothing of this is in the server's code.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const ms = (ns) => ns / 1e6;
  process.on('message', (m) => {
    if (m === 'reset') {
      delay.reset();
      process.send({ reset: true });
    } else if (m === 'read') {
      process.send({
        max: ms(delay.max),
        p99: ms(delay.percentile(99)),
        mean: ms(delay.mean),
        cpu: process.cpuUsage(),
      });
    }
  });
  // The channel must not keep the server alive once it stops.
  process.channel?.unref();
}
