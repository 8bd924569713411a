// Statistics shared by the scenarios: nearest-rank percentiles over raw samples, and readable units.
'use strict';

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const median = (values) => percentile(values, 50);

/** A duration in nanoseconds as text with a unit that keeps 3 significant figures. */
function ns(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value < 0) return `-${ns(-value)}`;
  if (value < 1e3) return `${value.toPrecision(3)} ns`;
  if (value < 1e6) return `${(value / 1e3).toPrecision(3)} µs`;
  if (value < 1e9) return `${(value / 1e6).toPrecision(3)} ms`;
  return `${(value / 1e9).toPrecision(3)} s`;
}

/** The clock every process shares: CLOCK_MONOTONIC in ns, as a Number (exact for ~100 days of uptime). */
const now = () => Number(process.hrtime.bigint());

module.exports = { percentile, median, ns, now };
