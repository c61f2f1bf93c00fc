// The search client (the theme's own code, run in Node) on the real
// corpus: ranking, prefix and typo expansion, filters, suggestions, the
// bytes a query loads, and quality against MiniSearch on the committed
// queries (tests/search/queries.tsv).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { core, nodeIndex } from './search-node.mjs';
import { buildCorpus, evaluate } from './search-quality.mjs';

let out;
before(() => { out = buildCorpus(); });
after(() => { if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true }); });

const titles = (r) => r.results.map((d) => d.title);

test('the query tokenizer marks the last word for prefix and long words for typos', () => {
  const g = core.parseQuery('Get-ClusterLog clust');
  assert.deepEqual(g.map((x) => x.tokens), [['get-clusterlog', 'get', 'cluster', 'log'], ['clust']]);
  assert.deepEqual(g.map((x) => [x.last, x.fuzzy]), [[false, false], [true, true]]);
  assert.equal(core.parseQuery('clust ')[0].last, false, 'a finished word is not a prefix');
});

test('ranking: title matches first, OR across words, exact identifiers', async () => {
  const idx = nodeIndex(out);
  let r = await idx.search('storage solutions support policy', 5);
  assert.equal(r.results[0].title, 'Third-party storage solutions support policy');
  r = await idx.search('iscsi sql', 3);
  assert.equal(r.results[0].title, 'Support for SQL Server on iSCSI technology components');
  r = await idx.search('Get-ClusterLog', 20);
  assert.ok(r.total >= 5, 'every article mentioning the cmdlet');
  r = await idx.search('zzzz iscsi', 3);
  assert.ok(r.total > 0, 'an unknown word does not hide the others (OR)');
});

test('prefix on the last word, one typo forgiven in long words', async () => {
  const idx = nodeIndex(out);
  const full = titles(await idx.search('cluster validation', 5));
  assert.match(full[0], /^Cluster validation/);
  const same = async (q, why) => {
    const got = titles(await idx.search(q, 5));
    assert.equal(got[0], full[0], `${why}: ${q}`);
    assert.ok(got.filter((t) => full.includes(t)).length >= 3, `${why}: ${q} → ${got}`);
  };
  await same('cluster validat', 'a half-typed last word');
  await same('clsuter validation', 'swapped letters');
  await same('xluster validation', 'a wrong first letter');
  await same('cluser validation', 'a missing letter');
  await same('clusster validation', 'an extra letter');
  const partition = titles(await idx.search('partition', 3));
  assert.deepEqual(titles(await idx.search('partiton', 3)), partition, 'a typo that stops stemming');
});

test('filters, suggestions and metadata', async () => {
  const idx = nodeIndex(out);
  const all = await idx.search('backup', 200);
  const sql = await idx.search('backup', 200, { product: 'SQL Server' });
  assert.ok(sql.total > 0 && sql.total < all.total, `${sql.total} of ${all.total}`);
  const facets = await idx.facets();
  const allowed = new Set(facets.product['SQL Server']);
  assert.ok(sql.results.every((d) => allowed.has(d.doc)));
  const none = await idx.search('qzxqzxqzx', 5);
  assert.equal(none.total, 0);
  const near = await idx.search('partiton', 5);
  assert.ok(near.total > 0, 'a typo still finds partition articles');
  const d = all.results[0];
  assert.match(d.url, /^support\/.*\/index\.html$/);
  assert.ok(d.title && d.text && d.section);
});

test('highlight marks the words that matched', () => {
  const parts = core.highlight('Drivers must be signed.', core.tokens('driver signing'));
  assert.deepEqual(parts.filter((p) => p.mark).map((p) => p.text), ['Drivers', 'signed']);
});

test('a query loads a small part of the index', async () => {
  const idx = nodeIndex(out);
  await idx.search('cluster shared volume event 5120', 10);
  assert.ok(idx.bytes < 100 * 1024, `${idx.bytes} bytes`);
  assert.ok(idx.files <= 20, `${idx.files} files`);
});

test('quality: kbsite scores at or above MiniSearch on MRR@10 and recall@5', async () => {
  const res = await evaluate(out);
  console.log(`kbsite MRR@10 ${res.kbsite.mrr.toFixed(3)} recall@5 ${res.kbsite.recall5.toFixed(3)}; ` +
    `MiniSearch MRR@10 ${res.minisearch.mrr.toFixed(3)} recall@5 ${res.minisearch.recall5.toFixed(3)}`);
  assert.ok(res.rows.length >= 100);
  assert.ok(res.kbsite.mrr >= res.minisearch.mrr, 'MRR@10');
  assert.ok(res.kbsite.recall5 >= res.minisearch.recall5, 'recall@5');
});
