// Draws bench/results/chart.svg without dependencies: wake-up latency (p50, with p99 as a tick) and async
// uncontended round trip, one horizontal bar per implementation, the floor (grey) and the kernel, on a shared
// log scale.
'use strict';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const label = (v) => (v >= 1e9 ? `${+(v / 1e9).toPrecision(3)} s` : v >= 1e6 ? `${+(v / 1e6).toPrecision(3)} ms` : v >= 1e3 ? `${+(v / 1e3).toPrecision(3)} µs` : `${+v.toPrecision(3)} ns`);

function chart(byId) {
  const panels = [
    { title: 'Wake-up latency, release to resolved promise (p50; tick: p99)', section: byId.wakeup, key: 'p50', tick: 'p99' },
    { title: 'Uncontended async lock + unlock round trip (median)', section: byId['roundtrip-async'], key: 'median' },
  ].filter((p) => p.section);
  const W = 900, left = 200, right = 110, barH = 18, gap = 6, head = 34;
  const values = panels.flatMap((p) => [p.section.kernel, ...p.section.rows].flatMap((r) => [r?.[p.key], r?.[p.tick]]))
    .filter((v) => typeof v === 'number' && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const x = (v) => left + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - left - right);
  const out = [];
  let y = 10;
  for (const p of panels) {
    const rows = [p.section.kernel, ...p.section.rows].filter((r) => r && !r.skipped && !r.error);
    out.push(`<text x="10" y="${y + 16}" font-weight="bold">${esc(p.title)}</text>`);
    const top = y + head, bottom = top + rows.length * (barH + gap);
    for (let d = lo; d <= hi; d *= 10) {
      out.push(`<line x1="${x(d)}" y1="${top - 4}" x2="${x(d)}" y2="${bottom}" stroke="#ddd"/>`);
      out.push(`<text x="${x(d)}" y="${bottom + 14}" font-size="11" text-anchor="middle" fill="#666">${label(d)}</text>`);
    }
    rows.forEach((r, i) => {
      const yy = top + i * (barH + gap), v = r[p.key];
      const color = r.impl.startsWith('kernel') ? '#555' : r.floor ? '#999' : r.impl.startsWith('fs-flock') ? '#d9480f' : '#4c6ef5';
      out.push(`<text x="${left - 8}" y="${yy + 13}" font-size="12" text-anchor="end">${esc(r.impl)}</text>`);
      out.push(`<rect x="${left}" y="${yy}" width="${Math.max(1, x(v) - left)}" height="${barH}" fill="${color}"/>`);
      if (p.tick && r[p.tick] > 0) out.push(`<line x1="${x(r[p.tick])}" y1="${yy - 2}" x2="${x(r[p.tick])}" y2="${yy + barH + 2}" stroke="#000" stroke-width="2"/>`);
      out.push(`<text x="${Math.max(x(v), p.tick ? x(r[p.tick] || v) : 0) + 6}" y="${yy + 13}" font-size="11">${label(v)}</text>`);
    });
    y = bottom + 30;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="sans-serif" font-size="13">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`;
}

module.exports = { chart };
