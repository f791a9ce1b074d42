import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { type ChartBucket, stackedBarPaths, TimeSeriesChart } from "./time-series-chart.tsx";

const bucket = (label: string, values: (number | null)[], partial = false): ChartBucket => ({
  label,
  longLabel: `${label}, long`,
  partial,
  values,
});

describe("stackedBarPaths", () => {
  const x = (index: number) => 10 + index * 100;
  const y = (value: number) => 110 - value;

  it("draws each series as one path of stacked rectangles, in-progress buckets apart", () => {
    const groups = stackedBarPaths(
      [bucket("a", [30, 0, 10]), bucket("b", [20, 5, null]), bucket("c", [40, 0, 0], true)],
      3,
      x,
      y,
      100,
    );
    expect(groups).toEqual([
      {
        partial: false,
        // Bars 70 wide, starting 15 into their 100-wide slot; each series stacks on the ones before.
        paths: ["M25 80h70v30h-70zM125 90h70v20h-70z", "M125 85h70v5h-70z", "M25 70h70v10h-70z"],
      },
      { partial: true, paths: ["M225 70h70v40h-70z", "", ""] },
    ]);
  });

  it("gives a tiny value a visible sliver, and draws nothing without data", () => {
    expect(stackedBarPaths([bucket("a", [0.1])], 1, x, y, 100)[0]?.paths).toEqual(["M25 109.9h70v0.5h-70z"]);
    expect(stackedBarPaths([bucket("a", [0, null])], 2, x, y, 100)).toEqual([]);
  });
});

describe("TimeSeriesChart", () => {
  it("renders stacked bars as one path per series, a tooltip column per bucket", () => {
    const html = renderToStaticMarkup(
      createElement(TimeSeriesChart, {
        title: "Requests",
        description: "Requests per day",
        kind: "stacked-bars",
        series: [
          { id: "ok", label: "Served", tone: "emerald" },
          { id: "err", label: "Errors", tone: "rose" },
        ],
        buckets: Array.from({ length: 30 }, (_, i) => bucket(`d${i}`, [100 + i, i % 3], i === 29)),
        format: String,
      }),
    );
    expect(html.match(/<path /g)).toHaveLength(4);
    expect(html.match(/<rect [^>]*data-bucket=/g)).toHaveLength(30);
    expect(html).toContain('<g opacity="0.45">');
    expect(html).toContain("<title>d29, long (in progress)\nServed: 129\nErrors: 2</title>");
  });
});
