// Code blocks in a real browser, from file://: each has a copy button that
// puts the block's exact text on the clipboard (tabs, blank lines, `<`,
// a highlighted line and trailing spaces kept) and says so to screen
// readers; output blocks are labelled; code samples show their lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, makeSite, openPage } from './browser.mjs';

const SCRIPT = [
  '# Restart the service <safely>',
  'Get-Service -Name "wuauserv" |',
  '\tRestart-Service -Force   ',
  '',
  'Write-Output "done" > C:\\temp\\log.txt',
].join('\n');

let root, browser;

before(async () => {
  root = makeSite('kbsite-code-', {
    'kbsite.yml': 'title: Code\n',
    'content/samples/restart.ps1': `${SCRIPT}\n`,
    'content/code.md': [
      '# Code',
      '',
      '```powershell',
      SCRIPT,
      '```',
      '',
      '```output',
      'Status   Name',
      '------   ----',
      'Running  wuauserv',
      '```',
      '',
      '[!code-powershell[Restart](samples/restart.ps1?range=2-3&highlight=2)]',
      '',
    ].join('\n'),
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const url = () => pathToFileURL(path.join(root, 'public', 'code', 'index.html')).href;

test('the copy button copies the exact text from file:// and says so', async () => {
  const { page, context, problems } = await openPage(browser, url());
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const buttons = page.getByRole('button', { name: 'Copy code' });
  assert.equal(await buttons.count(), 3, 'one per code block');
  await buttons.first().click();
  await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent === 'Code copied to the clipboard');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), SCRIPT);
  assert.equal(await buttons.first().innerText(), 'Copied');
  // The code sample's lines 2-3, the highlighted one included, as text.
  await buttons.nth(2).click();
  await page.waitForFunction(() => document.querySelectorAll('.kb-copy')[2].textContent === 'Copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), SCRIPT.split('\n').slice(1, 3).join('\n'));
  assert.equal(await page.locator('mark.kb-hl').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('without clipboard permission the copy command still copies', async () => {
  // No permission granted: writeText is refused and the fallback runs.
  const { page, context, problems } = await openPage(browser, url());
  const button = page.getByRole('button', { name: 'Copy code' }).first();
  await button.click();
  await page.waitForFunction(() => /Copied|Copy failed/.test(document.querySelector('.kb-copy').textContent));
  assert.equal(await button.innerText(), 'Copied');
  await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent === 'Code copied to the clipboard');
  await context.grantPermissions(['clipboard-read']);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), SCRIPT);
  assert.deepEqual(problems, []);
  await context.close();
});

test('output blocks are labelled and keyboard reaches every copy button', async () => {
  const { page, context } = await openPage(browser, url());
  const label = await page.evaluate(() => {
    const pre = document.querySelector('code.language-output').parentElement;
    return getComputedStyle(pre, '::before').content;
  });
  assert.equal(label, '"Output"');
  // Tab order: the copy buttons are focusable buttons with a visible name.
  const first = page.locator('.kb-copy').first();
  await first.focus();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Copy code');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.kb-copy').textContent !== 'Copy');
  await context.close();
});
