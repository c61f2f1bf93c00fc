// Writer text never runs in a reader's browser: a site whose title,
// description, metadata, headings, body text and decision tree all carry a
// payload (`<script>`, `</script>`, `"onmouseover=`, `<img onerror>`) is
// opened from file://, searched (results, snippets and the results page),
// its tree walked, and every element hovered and focused. The payload sets
// window.__pwned; it must stay unset, and the text must be shown as typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, makeSite, openPage, treeNode, answerTree } from './browser.mjs';

const P = `</script><script>window.__pwned=1</script>"onmouseover="window.__pwned=2" 'onfocus='window.__pwned=3' --><img src=x onerror=window.__pwned=4> zebraword`;

let root, outDir, browser;

before(async () => {
  const block = (indent) => `|-\n${' '.repeat(indent)}${P}`;
  const q = JSON.stringify(P);
  const article = [
    '---',
    `title: ${block(2)}`,
    `description: ${block(2)}`,
    `ms.author: ${block(2)}`,
    `ms.service: ${block(2)}`,
    'ms.date: 04/07/2023',
    '---',
    '# Heading',
    '',
    `The payload as code: \`${P}\`, and escaped: ${P.replaceAll('<', '&lt;')}`,
    '',
    `## Section \`${P}\``,
    '',
    '```decision-tree',
    'id: payload',
    `title: ${q}`,
    'start: q',
    'nodes:',
    '  q:',
    `    ask: ${q}`,
    `    help: ${q}`,
    '    answers:',
    '      - label: "Yes"',
    '        next: done',
    `      - label: ${q}`,
    '        next: done',
    '  done:',
    '    outcome: info',
    `    text: ${q}`,
    '```',
    '',
  ].join('\n');
  root = makeSite('kbsite-safety-', { 'kbsite.yml': 'title: Safety\n', 'content/payload.md': article });
  outDir = path.join(root, 'public');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const fileUrl = (rel) => pathToFileURL(path.join(outDir, rel)).href;

/** Hovers and focuses every element of the page, as a curious reader would. */
async function touchEverything(page) {
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('body *')) {
      for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin']) {
        el.dispatchEvent(new Event(type, { bubbles: true }));
      }
    }
  });
}

async function assertSafe(page, problems) {
  await touchEverything(page);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'payload ran');
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'payload image');
  assert.deepEqual(problems.filter((p) => !p.includes('/x')), []);
}

test('pages show the payload as text and never run it', async () => {
  for (const rel of ['index.html', 'payload/index.html', 'trees/index.html', 'search/index.html']) {
    const { page, context, problems } = await openPage(browser, fileUrl(rel));
    await assertSafe(page, problems);
    await context.close();
  }
  const { page, context, problems } = await openPage(browser, fileUrl('payload/index.html'));
  assert.equal(await page.title(), `${P} | Safety`);
  assert.ok((await page.locator('.kb-content').innerText()).includes(P));
  // The tree: its question, help and answer show as typed; walking it is safe.
  const node = await treeNode(page, 'payload');
  assert.ok((await node.locator.innerText()).includes(P));
  await answerTree(page, 'payload', P);
  const end = await treeNode(page, 'payload');
  assert.equal(end.node, 'done');
  assert.ok((await end.locator.innerText()).includes(P));
  await assertSafe(page, problems);
  await context.close();
});

test('search results and snippets show the payload as text', async () => {
  const { page, context, problems } = await openPage(browser, fileUrl('payload/index.html'));
  const box = page.locator('input[data-kb-search]');
  await box.pressSequentially('zebraword', { delay: 15 });
  const results = page.locator('[data-kb-results] a.kb-result');
  await results.first().waitFor();
  const shown = await page.locator('[data-kb-results]').innerText();
  assert.ok(shown.includes('window.__pwned'), shown);
  await assertSafe(page, problems);
  await box.press('Enter');
  await page.waitForURL(/payload\/index\.html/);
  await context.close();

  const full = await openPage(browser, `${fileUrl('search/index.html')}?q=zebraword`);
  const items = full.page.locator('ol[data-kb-results] li');
  await items.first().waitFor();
  assert.ok((await items.first().innerText()).includes('window.__pwned'));
  await assertSafe(full.page, full.problems);
  await full.context.close();
});
