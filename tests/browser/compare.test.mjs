// Browser end-to-end tests of comparing, favouriting and printing, and of typing Chinese through an input
// method, driven through Debian's Chromium with playwright-core on the real `finmart demo`.
//
// - The SME adds three products to the comparison from the search results (the count and the link follow),
//   a fifth is refused, the comparison table shows them with the differing rows marked and scrolls inside
//   its marked scroller at phone width with the first column fixed; it favourites one and finds it on its
//   favourites page; printed (print media), the product page and the application page show no menu,
//   button or form, but the platform's name and the print date.
// - Pinyin composed in the search box ("zhuan li dai") sends no search and reaches nothing of the
//   operator's search log until the composition is committed; then the committed words are searched once.
//   Composition is driven the way an input method drives it, through Chromium's DevTools protocol
//   (Input.imeSetComposition, then Input.insertText).
// Each at 1366 px and 375 px, in Chinese and in English (?lang=en).
//
// Run from the repository root:  node --test tests/browser/compare.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiAs, assertNoHorizontalScroll, composePinyin, DESKTOP, origin, PAST_THE_DEBOUNCE_MS, PHONE, screenshot, searchLog,
  signIn, useDemoServer, waitUntil, withPage,
} from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;
const RUNS = [
  { name: 'desktop-zh', device: DESKTOP, en: false },
  { name: 'phone-zh', device: PHONE, en: false },
  { name: 'desktop-en', device: DESKTOP, en: true },
  { name: 'phone-en', device: PHONE, en: true },
];

useDemoServer({ name: 'compare', pollTimeoutMs: POLL_TIMEOUT_MS });

function pageState() {
  return {
    url: location.href,
    alerts: Array.from(document.querySelectorAll('[role=alert], [role=status]'), (e) => e.textContent.trim()),
    tray: document.querySelector('.compare-tray')?.textContent.trim() ?? null,
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 300),
  };
}

/** Whether `selector` is displayed (present and not display:none up its ancestors). */
async function shown(page, selector) {
  return page.evaluate((s) => {
    const e = document.querySelector(s);
    return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  }, selector);
}

/** Printed: no menu, no button, no form shown; the platform's name and the print date are. */
async function assertPrintable(page, where, en) {
  assert.ok(await shown(page, '[data-print]'), `${where}: the print button is shown on screen`);
  await page.emulateMedia({ media: 'print' });
  try {
    for (const hidden of ['header.site', 'nav', 'footer.site', '[data-print]', 'main form', 'main button']) {
      assert.ok(!(await shown(page, hidden)), `${where}: ${hidden} is printed`);
    }
    assert.ok(await shown(page, '.print-head'), `${where}: no print line`);
    const head = await page.locator('.print-head').textContent();
    assert.match(head, /Finmart/, `${where}: the platform's name`);
    assert.match(head, /\d{4}-\d{2}-\d{2}/, `${where}: the print date`);
    assert.match(head, en ? /Printed/ : /打印日期/, `${where}: the print line's language`);
    assert.ok(await shown(page, 'main h1'), `${where}: the page's title is printed`);
    await screenshot(page, `print-${where.replace(/\W+/g, '-')}`);
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
}

for (const run of RUNS) {
  test(`the SME compares three products, favourites one and prints (${run.name})`, { timeout: TEST_TIMEOUT_MS }, async () => {
    await withPage(run.device, async (page) => {
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const lang = run.en ? '?lang=en' : '';
      await signIn(page, 'sme@finmart.demo', { lang: run.en ? 'en' : undefined });
      await page.goto(`${origin}/${lang}`);
      const cards = page.locator('#results .card');
      assert.ok((await cards.count()) >= 5, 'the demo catalogue lists products');

      // Three cards into the comparison: the count follows, without leaving the page.
      const names = [];
      for (let i = 0; i < 3; i += 1) {
        names.push((await cards.nth(i).locator('h3 a').textContent()).trim());
        await cards.nth(i).locator('[data-compare-add]').click();
        const expected = run.en ? `${i + 1} of 4 chosen` : `已选 ${i + 1} / 4 个`;
        await waitUntil(page, `the tray to count ${i + 1}`, (text) => document.querySelector('.compare-tray')?.textContent.includes(text), expected, pageState);
      }
      assert.equal(new URL(page.url()).pathname, '/', 'still on the results');
      // A fourth fits; a fifth is refused with the reason.
      await cards.nth(3).locator('[data-compare-add]').click();
      await cards.nth(4).locator('[data-compare-add]').click();
      const refusal = run.en ? 'At most 4 products' : '最多同时对比 4 个产品';
      await waitUntil(page, 'the fifth refused', (text) => document.querySelector('.compare-tray')?.textContent.includes(text), refusal, pageState);
      // Back to three: the comparison page's 移除 (a link, no script needed).
      await Promise.all([page.waitForNavigation(), page.locator('.compare-tray [data-compare-link]').click()]);
      assert.equal(new URL(page.url()).pathname, '/compare');
      await Promise.all([page.waitForNavigation(), page.locator('thead .compare-remove').nth(3).click()]);
      const headers = (await page.locator('.compare-table thead th a[href^="/products/"]').allTextContents()).map((s) => s.trim());
      assert.deepEqual(headers, names, 'the three chosen, in order');
      assert.ok((await page.locator('.compare-table tr[data-differs]').count()) > 0, 'differing rows are marked');
      assert.ok((await page.locator('.compare-table [data-row=cost] td').count()) === 3, 'a cost cell per product');
      assert.ok((await page.locator('.compare-table [data-row=standing] [data-standing]').count()) === 3, "the firm's standing per product");
      await assertNoHorizontalScroll(page, `compare page (${run.name})`, run.device.viewport.width);
      const scroller = await page.evaluate(() => {
        const s = document.querySelector('[data-scroller]');
        const first = document.querySelector('.compare-table tbody th');
        return { scrolls: s.scrollWidth > s.clientWidth, sticky: getComputedStyle(first).position };
      });
      assert.equal(scroller.sticky, 'sticky', 'the first column stays in place');
      if (run.device === PHONE) assert.ok(scroller.scrolls, 'at phone width the table scrolls inside its scroller');
      await screenshot(page, `compare-${run.name}`);

      // Favourite one (a different one each run), from its product page.
      const pick = RUNS.indexOf(run) % 3;
      await Promise.all([page.waitForNavigation(), page.locator('.compare-table thead th a[href^="/products/"]').nth(pick).click()]);
      const productUrl = page.url();
      const toggle = page.locator('.product-actions [data-favourite]');
      if ((await toggle.getAttribute('aria-pressed')) !== 'true') {
        await Promise.all([page.waitForNavigation(), toggle.click()]);
      }
      assert.equal(page.url().split('?')[0], productUrl.split('?')[0], 'back on the product page');
      assert.equal(await page.locator('.product-actions [data-favourite]').getAttribute('aria-pressed'), 'true');
      await assertNoHorizontalScroll(page, `product page (${run.name})`, run.device.viewport.width);
      await assertPrintable(page, `product page ${run.name}`, run.en);

      await page.goto(`${origin}/sme/favourites${lang}`);
      const kept = (await page.locator('.favourites .card h3').allTextContents()).map((s) => s.trim());
      assert.ok(kept.includes(names[pick]), `${names[pick]} among the favourites: ${JSON.stringify(kept)}`);
      await assertNoHorizontalScroll(page, `favourites (${run.name})`, run.device.viewport.width);

      // The application page prints the same way (the demo firm has applications).
      await page.goto(`${origin}/sme/applications${lang}`);
      const application = page.locator('main a[href^="/sme/applications/"]').first();
      if ((await application.count()) > 0) {
        await Promise.all([page.waitForNavigation(), application.click()]);
        await assertPrintable(page, `application page ${run.name}`, run.en);
      }
      assert.deepEqual(errors, [], 'errors in the page');
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Chinese typed through an input method

const COMMITTED = ['专利贷', '科技贷', '税贷', '信用贷'];

for (const [index, run] of RUNS.entries()) {
  test(`pinyin being composed is never searched nor logged (${run.name})`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const operator = await apiAs('operator@finmart.demo');
    try {
      await withPage(run.device, async (page) => {
        const committed = COMMITTED[index];
        const before = await searchLog(operator);
        await page.goto(`${origin}/${run.en ? '?lang=en' : ''}`);
        const searches = [];
        page.on('request', (request) => {
          if (request.url().includes('/fragments/results')) searches.push(decodeURIComponent(request.url()));
        });
        // The input method shows each syllable as it is typed, all of it still composing.
        const ime = await composePinyin(page, '#q', ['zhuan', ' li', ' dai']);
        assert.equal(await page.inputValue('#q'), 'zhuan li dai', 'the field shows the composition');
        // Longer than the search's debounce: a search that was going to be sent would have been.
        await page.waitForTimeout(PAST_THE_DEBOUNCE_MS);
        assert.deepEqual(searches, [], 'no search while composing');
        const during = await searchLog(operator);
        assert.equal(during.total, before.total, 'nothing reached the search log while composing');

        // The typist picks the characters: the composition is committed, and searched.
        await ime.commit(committed);
        assert.equal(await page.inputValue('#q'), committed);
        await waitUntil(page, `the results for ${committed}`, (q) => new URLSearchParams(location.search).get('q') === q, committed, pageState);
        assert.ok(searches.length >= 1 && searches.every((u) => u.includes(`q=${committed}`)), `only the committed words were searched: ${JSON.stringify(searches)}`);

        // The operator's figures: the committed words once more, and no pinyin at all.
        let after = await searchLog(operator);
        for (let tries = 0; (after.counts.get(committed) ?? 0) <= (before.counts.get(committed) ?? 0) && tries < 100; tries += 1) {
          await page.waitForTimeout(100);
          after = await searchLog(operator);
        }
        assert.equal(after.counts.get(committed) ?? 0, (before.counts.get(committed) ?? 0) + 1, `${committed} logged once`);
        const pinyin = [...after.counts.keys()].filter((q) => /zhuan|li dai|dai/.test(q));
        assert.deepEqual(pinyin, [], 'no half-composed query in the search log');
        assert.equal(after.total, before.total + 1, 'one search logged in all');
        await screenshot(page, `ime-${run.name}`);
      });
    } finally {
      await operator.dispose();
    }
  });
}
