// The KB 841696 decision tree in a real browser, from file://: every test
// path of the tree (read from the article's own block) walked with
// JavaScript on and off, every path of the rendered tree reaching an
// outcome, a reload mid-walk restoring the walk, back/forward, and axe on a
// walk in progress.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { answerTree, buildSite, launch, openPage, repoRoot, treeNode } from './browser.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PAGE = 'support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html';
const SOURCE = path.join(repoRoot, 'content', PAGE.replace('/index.html', '.md'));
const TREE = 'storage-support';

/** The `tests:` of the article's decision-tree block: [{path, expect}]. */
function treeTests() {
  const md = fs.readFileSync(SOURCE, 'utf8');
  const block = md.slice(md.indexOf('```decision-tree'), md.indexOf('```', md.indexOf('```decision-tree') + 3));
  const tests = [];
  const re = /- path: (\[.*\])\s*\n\s*expect: (\S+)/g;
  for (let m; (m = re.exec(block));) tests.push({ path: JSON.parse(m[1]), expect: m[2] });
  return tests;
}

let outDir, browser;
before(async () => {
  outDir = buildSite();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const url = (hash = '') => pathToFileURL(path.join(outDir, PAGE)).href + hash;

/** With JavaScript on, waits until the tree's script has taken over:
 * answers clicked before that would follow the no-script links and race
 * the script reading the address (seen on a busy machine). */
async function ready(page, js) {
  if (js) await page.locator(`[data-kb-tree="${TREE}"].kb-js`).waitFor({ state: 'attached' });
}

async function open(javaScriptEnabled, hash = '') {
  const opened = await openPage(browser, url(hash), { javaScriptEnabled });
  await ready(opened.page, javaScriptEnabled);
  return opened;
}

/** Loads `target` (and reloads it, when `reload`), then waits for the script. */
async function visit(page, js, target, reload = false) {
  await page.goto(target);
  if (reload) await page.reload();
  await ready(page, js);
}

const shown = (page) => treeNode(page, TREE);
const answer = (page, label) => answerTree(page, TREE, label);

/** Waits (briefly) for `node` to be the node showing, then checks it:
 * the script shows a node on `hashchange`, after a key press returns. */
async function expectNode(page, node, message) {
  await page.waitForFunction(
    ([tree, want]) => [...document.querySelectorAll(`[data-kb-tree="${tree}"] .kb-tree-node`)]
      .some((n) => n.checkVisibility() && n.getAttribute('data-kb-node') === want),
    [TREE, node],
    { timeout: 3000 },
  ).catch(() => {});
  assert.equal((await shown(page)).node, node, message);
}

const tests = treeTests();

test('the article carries tests that reach every outcome', async () => {
  assert.ok(tests.length >= 5, 'tree tests were found in the article');
  const { page, context } = await open(true);
  const outcomes = await page.locator(`[data-kb-tree="${TREE}"] [data-kb-outcome]`).evaluateAll(
    (els) => els.map((e) => e.getAttribute('data-kb-node')));
  assert.deepEqual([...new Set(tests.map((t) => t.expect))].sort(), outcomes.sort());
  await context.close();
});

for (const js of [false, true]) {
  test(`JavaScript ${js ? 'on' : 'off'}: every test path reaches its outcome`, async () => {
    const { page, context, problems } = await open(js);
    for (const t of tests) {
      await visit(page, js, url());
      // Starting over: with JS the hash is empty, without it no node is targeted.
      assert.equal((await shown(page)).node, 'logo', 'the walk starts at the start node');
      for (const label of t.path) await answer(page, label);
      const end = await shown(page);
      assert.equal(end.node, t.expect, `path ${JSON.stringify(t.path)}`);
      assert.ok(end.outcome, 'it is an outcome');
      if (js) {
        assert.match(decodeURIComponent(new URL(page.url()).hash), new RegExp(`^#${TREE}=`));
        const steps = await page.locator(`[data-kb-tree="${TREE}"] [data-kb-path] [data-kb-back]`).count();
        assert.equal(steps, t.path.length, 'each answer given is listed');
      }
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`JavaScript ${js ? 'on' : 'off'}: every path of the tree ends at an outcome`, async () => {
    const { page, context, problems } = await open(js);
    // Depth-first over the rendered answers, replaying each prefix.
    const stack = [[]];
    let outcomesReached = 0;
    while (stack.length) {
      const prefix = stack.pop();
      await visit(page, js, url(js ? `#${TREE}=` : ''), true);
      for (const label of prefix) await answer(page, label);
      const here = await shown(page);
      if (here.outcome) { outcomesReached++; continue; }
      const labels = await here.locator.locator('[data-kb-answer]').allInnerTexts();
      assert.ok(labels.length >= 2, `question ${here.node} offers answers`);
      for (const l of labels) stack.push([...prefix, l.trim()]);
      assert.ok(prefix.length < 20, 'no endless walk');
    }
    assert.ok(outcomesReached >= tests.length, `reached ${outcomesReached} outcomes`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('JavaScript on: reload, back and forward keep the walk', async () => {
  const { page, context, problems } = await open(true);
  await answer(page, 'Yes');
  await answer(page, 'Yes');
  assert.equal((await shown(page)).node, 'drivers');
  // Focus moved to the new question, and it was announced.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-kb-node')), 'drivers');
  assert.match(await page.locator('[data-kb-status]').innerText(), /Question 3: Does the third-party software install drivers\?/);
  await page.reload();
  await ready(page, true);
  assert.equal((await shown(page)).node, 'drivers', 'a reload restores the walk');
  assert.equal(await page.locator('[data-kb-back]').count(), 2, 'and the answers so far');
  await page.goBack();
  await expectNode(page, 'software', 'back goes one answer back');
  await page.goForward();
  await expectNode(page, 'drivers', 'forward returns');
  // An earlier answer, clicked, goes back to that question.
  await page.locator('[data-kb-back="0"]').click();
  await expectNode(page, 'logo');
  // A shared link opens the walk where it was.
  const shared = await browser.newPage();
  await shared.goto(url(`#${TREE}=yes/yes/yes/no`));
  assert.equal(await shared.locator('.kb-tree-node:visible').getAttribute('data-kb-node'), 'unsigned');
  await shared.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('JavaScript on: the walk works from the keyboard', async () => {
  const { page, context } = await open(true);
  await page.locator('[data-kb-tree] .kb-tree-node:visible [data-kb-answer]').first().focus();
  await page.keyboard.press('Enter');
  await expectNode(page, 'software');
  // Focus is on the new question; Tab reaches its first answer.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), 'Yes');
  await page.keyboard.press('Enter');
  await expectNode(page, 'drivers');
  await context.close();
});

test('axe: no serious or critical violations with a walk in progress', async () => {
  const { page, context, problems } = await open(true);
  await answer(page, 'Yes');
  await answer(page, 'Yes');
  assert.deepEqual(problems, []);
  await page.addScriptTag({ content: axeSource });
  const { violations } = await page.evaluate(() => globalThis.axe.run(document, { preload: false }));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad
    .map((v) => `${v.id} (${v.impact}): ${v.help}; first: ${v.nodes[0]?.target.join(' ')}`)
    .join('\n  ');
  assert.equal(bad.length, 0, `axe violations:\n  ${report}`);
  await context.close();
});
