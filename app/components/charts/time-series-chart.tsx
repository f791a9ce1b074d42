// Server-rendered SVG time-series chart (spec §4: charts show without JavaScript). Stacked bars
// for counts and bandwidth, lines for latency. Without JavaScript each bucket carries a native
// <title> tooltip and the numbers are in a table under the chart; with JavaScript, hovering a
// bucket highlights it and shows its values in a readout. Colours are Tailwind classes, so dark
// mode follows the page's theme.
import { useId, useState } from "react";
import { cn } from "#app/lib/utils.ts";

export interface ChartSeries {
  id: string;
  label: string;
  /** Tailwind fill + stroke + background classes (written out in full so Tailwind sees them). */
  tone: keyof typeof TONES;
}

export interface ChartBucket {
  /** Axis label, e.g. "14:00" or "Nov 28". */
  label: string;
  /** Full label for tooltips and the table, e.g. "Nov 28, 14:00 UTC". */
  longLabel: string;
  partial: boolean;
  /** One value per series, same order; null = no data (lines break there). */
  values: (number | null)[];
}

export const TONES = {
  emerald: {
    fill: "fill-emerald-500 dark:fill-emerald-400",
    stroke: "stroke-emerald-500 dark:stroke-emerald-400",
    swatch: "bg-emerald-500 dark:bg-emerald-400",
  },
  amber: {
    fill: "fill-amber-400 dark:fill-amber-300",
    stroke: "stroke-amber-400 dark:stroke-amber-300",
    swatch: "bg-amber-400 dark:bg-amber-300",
  },
  rose: {
    fill: "fill-rose-500 dark:fill-rose-400",
    stroke: "stroke-rose-500 dark:stroke-rose-400",
    swatch: "bg-rose-500 dark:bg-rose-400",
  },
  zinc: {
    fill: "fill-zinc-400 dark:fill-zinc-500",
    stroke: "stroke-zinc-400 dark:stroke-zinc-500",
    swatch: "bg-zinc-400 dark:bg-zinc-500",
  },
  brand: { fill: "fill-brand-500", stroke: "stroke-brand-500", swatch: "bg-brand-500" },
  sky: {
    fill: "fill-sky-300 dark:fill-sky-700",
    stroke: "stroke-sky-300 dark:stroke-sky-700",
    swatch: "bg-sky-300 dark:bg-sky-700",
  },
  violet: {
    fill: "fill-violet-500 dark:fill-violet-400",
    stroke: "stroke-violet-500 dark:stroke-violet-400",
    swatch: "bg-violet-500 dark:bg-violet-400",
  },
} as const;

const WIDTH = 720;
const HEIGHT = 200;
const MARGIN = { top: 10, right: 8, bottom: 22, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const Y_TICKS = 4;

/** The smallest "round" number ≥ value (1, 2, 2.5, 5 × 10^n), so axis ticks read well. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Two decimals are far below a pixel of the 720-wide chart; fewer digits, smaller pages. */
const coordinate = (value: number) => Math.round(value * 100) / 100;

/**
 * The stacked bars as SVG path data: for complete and for in-progress buckets, one string per
 * series with a rectangle sub-path per bucket (empty when the series has nothing to draw).
 */
export function stackedBarPaths(
  buckets: readonly ChartBucket[],
  seriesCount: number,
  x: (index: number) => number,
  y: (value: number) => number,
  slot: number,
): { partial: boolean; paths: string[] }[] {
  const groups = [
    { partial: false, paths: Array.from({ length: seriesCount }, () => "") },
    { partial: true, paths: Array.from({ length: seriesCount }, () => "") },
  ];
  const width = coordinate(slot * 0.7);
  buckets.forEach((bucket, index) => {
    const paths = groups[bucket.partial ? 1 : 0]?.paths ?? [];
    const left = coordinate(x(index) + slot * 0.15);
    let base = 0;
    for (let i = 0; i < seriesCount; i++) {
      const value = bucket.values[i] ?? 0;
      if (value <= 0) continue;
      const y0 = y(base);
      base += value;
      const y1 = y(base);
      paths[i] += `M${left} ${coordinate(y1)}h${width}v${coordinate(Math.max(0.5, y0 - y1))}h-${width}z`;
    }
  });
  return groups.filter((group) => group.paths.some(Boolean));
}

export function TimeSeriesChart({
  title,
  description,
  kind,
  series,
  buckets,
  format,
  labelEvery = 1,
}: {
  title: string;
  description: string;
  kind: "stacked-bars" | "lines";
  series: readonly ChartSeries[];
  buckets: readonly ChartBucket[];
  /** Formats a value for the axis, tooltips and table. */
  format: (value: number) => string;
  /** Label every n-th bucket on the time axis. */
  labelEvery?: number;
}) {
  const id = useId();
  const [active, setActive] = useState<number | null>(null);
  const peak =
    kind === "stacked-bars"
      ? Math.max(0, ...buckets.map((bucket) => bucket.values.reduce<number>((sum, v) => sum + (v ?? 0), 0)))
      : Math.max(0, ...buckets.flatMap((bucket) => bucket.values.map((v) => v ?? 0)));
  const top = niceCeiling(peak);
  const slot = PLOT_W / Math.max(1, buckets.length);
  const y = (value: number) => MARGIN.top + PLOT_H - (value / top) * PLOT_H;
  const x = (index: number) => MARGIN.left + index * slot;

  const tooltipFor = (bucket: ChartBucket) =>
    [
      `${bucket.longLabel}${bucket.partial ? " (in progress)" : ""}`,
      ...series.map(
        (s, i) => `${s.label}: ${bucket.values[i] === null ? "—" : format(bucket.values[i] ?? 0)}`,
      ),
    ].join("\n");

  const activeBucket = active === null ? null : buckets[active];

  return (
    <figure className="flex flex-col gap-2" aria-labelledby={`${id}-title`}>
      <figcaption className="flex flex-wrap items-baseline justify-between gap-2">
        <span id={`${id}-title`} className="text-sm font-semibold">
          {title}
        </span>
        <span className="flex flex-wrap gap-3 text-xs text-zinc-600 dark:text-zinc-400">
          {series.map((s) => (
            <span key={s.id} className="inline-flex items-center gap-1">
              <span className={cn("inline-block h-2.5 w-2.5 rounded-sm", TONES[s.tone].swatch)} aria-hidden />
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="relative">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          className="h-auto w-full select-none"
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          onMouseMove={(event) => {
            // Which bucket the pointer is over, from its position on the rendered chart.
            const box = event.currentTarget.getBoundingClientRect();
            const plotX = ((event.clientX - box.left) / box.width) * WIDTH - MARGIN.left;
            const index = Math.floor(plotX / slot);
            setActive(plotX >= 0 && index < buckets.length ? index : null);
          }}
          onMouseLeave={() => setActive(null)}
        >
          <title>{title}</title>
          <desc id={`${id}-desc`}>{description}</desc>
          {Array.from({ length: Y_TICKS + 1 }, (_, tick) => {
            const value = (top / Y_TICKS) * tick;
            return (
              <g key={value}>
                <line
                  x1={MARGIN.left}
                  x2={WIDTH - MARGIN.right}
                  y1={y(value)}
                  y2={y(value)}
                  className="stroke-zinc-200 dark:stroke-zinc-800"
                  strokeWidth={1}
                />
                <text
                  x={MARGIN.left - 6}
                  y={y(value)}
                  textAnchor="end"
                  dominantBaseline="middle"
                  className="fill-zinc-500 text-[11px] dark:fill-zinc-400"
                >
                  {format(value)}
                </text>
              </g>
            );
          })}
          {buckets.map((bucket, index) =>
            index % labelEvery === 0 ? (
              <text
                key={`label-${bucket.longLabel}`}
                x={x(index) + slot / 2}
                y={HEIGHT - 6}
                textAnchor="middle"
                className="fill-zinc-500 text-[11px] dark:fill-zinc-400"
              >
                {bucket.label}
              </text>
            ) : null,
          )}
          {activeBucket && active !== null ? (
            <rect
              x={x(active)}
              y={MARGIN.top}
              width={slot}
              height={PLOT_H}
              className="fill-zinc-100 dark:fill-zinc-800"
            />
          ) : null}
          {kind === "stacked-bars"
            ? stackedBarPaths(buckets, series.length, x, y, slot).map(({ partial, paths }) => (
                // One path per series (each bar a sub-path), not a rect per bar and bucket: the same
                // picture in a tenth of the elements. Buckets still in progress are drawn faded.
                <g key={partial ? "partial" : "complete"} opacity={partial ? 0.45 : 1}>
                  {paths.map((d, i) => {
                    const tone = series[i]?.tone;
                    return d && tone ? <path key={series[i]?.id} d={d} className={TONES[tone].fill} /> : null;
                  })}
                </g>
              ))
            : series.map((s, i) => {
                // A polyline per run of consecutive known values; gaps stay gaps.
                const runs: string[][] = [[]];
                buckets.forEach((bucket, index) => {
                  const value = bucket.values[i];
                  if (value === null || value === undefined) {
                    if ((runs.at(-1) ?? []).length > 0) runs.push([]);
                    return;
                  }
                  runs.at(-1)?.push(`${x(index) + slot / 2},${y(value)}`);
                });
                return (
                  <g key={s.id}>
                    {runs
                      .filter((run) => run.length > 0)
                      .map((run) =>
                        run.length === 1 ? (
                          <circle
                            key={run[0]}
                            cx={Number(run[0]?.split(",")[0])}
                            cy={Number(run[0]?.split(",")[1])}
                            r={2.5}
                            className={TONES[s.tone].fill}
                          />
                        ) : (
                          <polyline
                            key={run[0]}
                            points={run.join(" ")}
                            fill="none"
                            strokeWidth={2}
                            strokeLinejoin="round"
                            className={TONES[s.tone].stroke}
                          />
                        ),
                      )}
                  </g>
                );
              })}
          {buckets.map((bucket, index) => (
            // The whole column of each bucket carries its values as a native tooltip (no JS needed).
            <rect
              key={`hit-${bucket.longLabel}`}
              x={x(index)}
              y={MARGIN.top}
              width={slot}
              height={PLOT_H}
              fill="transparent"
              data-bucket={index}
            >
              <title>{tooltipFor(bucket)}</title>
            </rect>
          ))}
        </svg>
        {activeBucket ? (
          <div
            className="pointer-events-none absolute top-0 z-10 min-w-40 rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs shadow-md dark:border-zinc-700 dark:bg-zinc-900"
            style={{
              left: `${((x(active ?? 0) + slot / 2) / WIDTH) * 100}%`,
              transform: (active ?? 0) > buckets.length / 2 ? "translateX(-105%)" : "translateX(5%)",
            }}
            role="status"
            data-testid="chart-readout"
          >
            <div className="mb-1 font-medium">
              {activeBucket.longLabel}
              {activeBucket.partial ? " (in progress)" : ""}
            </div>
            {series.map((s, i) => (
              <div key={s.id} className="flex items-center justify-between gap-3">
                <span className="inline-flex items-center gap-1">
                  <span className={cn("inline-block h-2 w-2 rounded-sm", TONES[s.tone].swatch)} aria-hidden />
                  {s.label}
                </span>
                <span className="tabular-nums">
                  {activeBucket.values[i] === null ? "—" : format(activeBucket.values[i] ?? 0)}
                </span>
              </div>
            ))}
          </div>
        ) : null}
      </div>
      <details className="text-xs text-zinc-600 dark:text-zinc-400">
        <summary className="cursor-pointer select-none">Show the numbers</summary>
        <div className="mt-2 max-h-64 overflow-auto">
          <table className="w-full text-left tabular-nums">
            <thead>
              <tr>
                <th className="py-1 pr-3 font-medium">Time (UTC)</th>
                {series.map((s) => (
                  <th key={s.id} className="py-1 pr-3 text-right font-medium">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets.map((bucket) => (
                <tr key={bucket.longLabel} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1 pr-3">
                    {bucket.longLabel}
                    {bucket.partial ? " (in progress)" : ""}
                  </td>
                  {series.map((s, i) => (
                    <td key={s.id} className="py-1 pr-3 text-right">
                      {bucket.values[i] === null ? "—" : format(bucket.values[i] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
