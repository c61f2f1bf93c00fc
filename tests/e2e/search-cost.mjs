// What a query costs on a built site: total index bytes and files, and the
// bytes and files each query loads from a cold start (a fresh page), for
// queries written the way the quality queries are: words of a target
// article's title and headings, sometimes with a typo or an identifier.
//
//   node tests/e2e/search-cost.mjs SITE_OUTPUT CONTENT_DIR [--queries N] [--json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeIndex } from './search-node.mjs';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function articles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name.toLowerCase() !== 'includes') walk(p); } else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const STOP = new Set('a an and are as at be by can do does for from has have how i if in is it its my of on or that the this to was were what when where which why will with you your'.split(' '));

/** Known-item style queries from random articles. */
export function makeQueries(contentDir, n, seed = 7) {
  const rnd = random(seed);
  const files = articles(contentDir);
  const queries = [];
  while (queries.length < n && files.length) {
    const text = fs.readFileSync(files[Math.floor(rnd() * files.length)], 'utf8');
    const title = (text.match(/^title:\s*"?(.+?)"?\s*$/m) || [, ''])[1];
    const heads = [...text.matchAll(/^##+ (.+)$/gm)].map((m) => m[1]);
    const words = (title + ' ' + (heads[Math.floor(rnd() * heads.length)] || ''))
      .split(/[^A-Za-z0-9_.-]+/).filter((w) => w.length > 2 && !STOP.has(w.toLowerCase()));
    if (words.length < 2) continue;
    const k = 2 + Math.floor(rnd() * 3);
    let q = [];
    for (let i = 0; i < k; i++) q.push(words[Math.floor(rnd() * words.length)].toLowerCase());
    const r = rnd();
    if (r < 0.1) {
      // A typo: two letters swapped in a long word.
      const i = q.findIndex((w) => w.length >= 6);
      if (i >= 0) { const w = q[i]; q[i] = w.slice(0, 2) + w[3] + w[2] + w.slice(4); }
    } else if (r < 0.35) {
      // An identifier or error code from the article body.
      const ids = text.match(/\b(0x[0-9A-Fa-f]{6,8}|[A-Z][a-z]+-[A-Z][A-Za-z]+|[A-Za-z]+_[A-Za-z_]+|\d{4,5})\b/g);
      if (ids) q = [ids[Math.floor(rnd() * ids.length)], ...q.slice(0, 1)];
    }
    queries.push([...new Set(q)].join(' '));
  }
  return queries;
}

function sizes(dir) {
  let bytes = 0, files = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else { bytes += fs.statSync(p).size; files += 1; }
    }
  };
  walk(dir);
  return { bytes, files };
}

export async function cost(siteDir, contentDir, n = 200) {
  const total = sizes(path.join(siteDir, 'search'));
  const loads = [];
  for (const q of makeQueries(contentDir, n)) {
    const idx = nodeIndex(siteDir); // a cold start, as a fresh page
    await idx.search(q, 10);
    loads.push({ q, bytes: idx.bytes, files: idx.files });
  }
  const sorted = loads.map((l) => l.bytes).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const max = sorted[sorted.length - 1];
  const files = loads.map((l) => l.files).sort((a, b) => a - b);
  return {
    indexBytes: total.bytes,
    indexFiles: total.files,
    queries: loads.length,
    medianBytes: median,
    maxBytes: max,
    medianFiles: files[Math.floor(files.length / 2)],
    medianShare: median / total.bytes,
    maxShare: max / total.bytes,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [site, content] = process.argv.slice(2);
  const nq = process.argv.includes('--queries') ? +process.argv[process.argv.indexOf('--queries') + 1] : 200;
  const r = await cost(site, content, nq);
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else console.log(r);
}
