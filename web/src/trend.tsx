/** Open findings per day as a small line chart, shared by Home and the scorecard. */
import type { Scorecard } from './api-types.ts';
import { priorities } from './format.tsx';

/** One day of GET /api/scorecard's trend. */
export type TrendPoint = Scorecard['trend'][number];

/** Open findings per day as a small line chart (inline SVG); the numbers are in its text alternative too. */
export function Trend({ trend }: { trend: TrendPoint[] }) {
  if (trend.length < 2) return <p className="hint">The trend shows once there are two days to compare.</p>;
  const w = 480,
    h = 120,
    pad = 24;
  const totals = trend.map((t) => priorities.reduce((n, p) => n + t.open[p], 0));
  const urgent = trend.map((t) => t.open.act + t.open.attend);
  const top = Math.max(1, ...totals);
  const x = (i: number): number => pad + (i * (w - 2 * pad)) / (trend.length - 1);
  const y = (v: number): number => h - pad - (v * (h - 2 * pad)) / top;
  const line = (vs: number[]): string =>
    vs.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const first = trend[0]!,
    last = trend[trend.length - 1]!;
  const alt = `Open findings from ${first.day} to ${last.day}: ${totals[0]} to ${totals[totals.length - 1]} in all, ${urgent[0]} to ${urgent[urgent.length - 1]} act and attend; at most ${top}.`;
  return (
    <figure className="trend">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={alt}>
        <line className="axis" x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} />
        <text className="tick" x={pad} y={h - 6}>
          {first.day}
        </text>
        <text className="tick" x={w - pad} y={h - 6} textAnchor="end">
          {last.day}
        </text>
        <text className="tick" x={2} y={y(top) + 4}>
          {top}
        </text>
        <path className="total" d={line(totals)} />
        <path className="urgent" d={line(urgent)} />
      </svg>
      <figcaption>
        <span className="key total">—</span> all open <span className="key urgent">—</span> act and attend
      </figcaption>
    </figure>
  );
}
