// Browser end-to-end tests of Finmart's search pages, driven through Debian's Chromium with playwright-core.
//
// The real binary (`finmart demo`) is started on a free port with a fresh SQLite database in a temp dir,
// the tests use the pages as a person would (typing, keyboard only, filters, a phone-sized screen), and
// the server is stopped with SIGTERM at the end, which must exit 0.
//
// Run from the repository root:  node --test tests/browser/search.test.mjs
// The binary: $FINMART_BIN, else target/debug/finmart (build it first with `cargo build -p finmart`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoHorizontalScroll, origin, screenshot, useDemoServer, waitUntil, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 10_000; // for a page to show what we wait for (debounce 250 ms + fetch)
const TEST_TIMEOUT_MS = 90_000; // a whole test, whatever hangs

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const IP_PLEDGE = '知识产权质押贷款';

useDemoServer({ name: 'search', pollTimeoutMs: POLL_TIMEOUT_MS });

/** What the results show: total, each card's name, first tag and link. */
function resultsState() {
  return {
    url: location.href,
    total: document.querySelector('#results .total')?.textContent.trim() ?? null,
    error: document.querySelector('#results .error')?.textContent.trim() ?? null,
    cards: Array.from(document.querySelectorAll('#results .card'), (card) => ({
      name: card.querySelector('h3 a')?.textContent.trim(),
      href: card.querySelector('h3 a')?.getAttribute('href'),
      tag: card.querySelector('.tag')?.textContent.trim(),
    })).slice(0, 10),
  };
}

/** The number in "共找到 N 个产品". */
async function totalOf(page) {
  const text = await page.locator('#results .total').textContent();
  const match = /共找到\s*(\d+)\s*个产品/.exec(text);
  assert.ok(match, `no total in ${JSON.stringify(text)}`);
  return Number(match[1]);
}

async function firstCardNames(page, n) {
  return (await page.locator('#results .card h3 a').allTextContents()).slice(0, n).map((s) => s.trim());
}

// ---------------------------------------------------------------------------------------------------------
// Tests

test('types a query and sees results as they type', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/`);
    await waitUntil(page, '#q to have the focus (autofocus)', () => document.activeElement?.id === 'q', null, () =>
      document.activeElement?.outerHTML.slice(0, 200),
    );
    const unfiltered = await totalOf(page);

    // Marks this document: if the form were submitted (a page load), the mark would be gone.
    await page.evaluate(() => {
      window.__finmartSamePage = true;
    });
    await page.keyboard.type('专利贷');

    await waitUntil(
      page,
      `results for 专利贷 whose first card is a ${IP_PLEDGE}`,
      (family) => {
        const total = document.querySelector('#results .total');
        const first = document.querySelector('#results .card .tag');
        return !!total && total.textContent.includes('专利贷') && first?.textContent.trim() === family;
      },
      IP_PLEDGE,
      resultsState,
    );

    assert.equal(await page.evaluate(() => window.__finmartSamePage), true, 'the results came by a page load, not in place');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/');
    assert.ok(url.search.includes('q='), `the URL was not updated with the query: ${page.url()}`);
    assert.equal(url.searchParams.get('q'), '专利贷');
    assert.ok((await totalOf(page)) < unfiltered, 'the query did not narrow the results');

    const firstName = page.locator('#results .card h3 a').first();
    assert.ok((await firstName.locator('b').count()) > 0, `no <b> highlight in ${await firstName.innerHTML()}`);
    assert.equal(await page.locator('#q').inputValue(), '专利贷');

    await screenshot(page, 'desktop');
  });
});

test('keyboard only: filter, open a product, read its terms', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/?q=${encodeURIComponent('首贷 滨海')}`);
    const top3 = await firstCardNames(page, 3);
    assert.ok(
      top3.includes('港城滨海首贷通') || top3.includes('星海首贷易'),
      `neither 港城滨海首贷通 nor 星海首贷易 in the top 3: ${JSON.stringify(top3)}`,
    );
    await waitUntil(page, '#q to have the focus (autofocus)', () => document.activeElement?.id === 'q');

    // Tab through the page, as a keyboard user would, until the first result's link has the focus.
    const MAX_TABS = 60;
    const isOnFirstResult = () => document.activeElement === document.querySelector('#results .card h3 a');
    let tabs = 0;
    const focusPath = [];
    while (!(await page.evaluate(isOnFirstResult))) {
      assert.ok(tabs < MAX_TABS, `the first result was not reached in ${MAX_TABS} Tabs; the focus went: ${focusPath.join(' → ')}`);
      await page.keyboard.press('Tab');
      tabs += 1;
      focusPath.push(
        await page.evaluate(() => {
          const el = document.activeElement;
          return el ? `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}:${(el.textContent || '').trim().slice(0, 12)}` : 'none';
        }),
      );
    }
    const name = (await page.evaluate(() => document.activeElement.textContent)).trim();
    const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
    assert.match(href, /^\/products\/\d+$/);

    await Promise.all([page.waitForURL(`${origin}${href}`), page.keyboard.press('Enter')]);

    assert.equal((await page.locator('h1').textContent()).trim(), name);
    const headings = await page.locator('article.product h2').allTextContents();
    for (const section of ['产品要素', '申请条件', '政策支持']) {
      assert.ok(headings.map((h) => h.trim()).includes(section), `no section ${section} in ${JSON.stringify(headings)}`);
    }
    const banner = await page.locator('.sample').textContent();
    assert.ok(banner.includes('虚构的示例数据'), `the sample-data banner reads ${JSON.stringify(banner)}`);
  });
});

test('filters narrow the results', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/`);
    const unfiltered = await totalOf(page);
    assert.ok(unfiltered > 0);

    const details = page.locator('details.filters');
    assert.equal(await details.evaluate((d) => d.open), false, 'the filters start folded on a plain search page');
    await details.locator('summary').click();
    await waitUntil(page, 'the filters to open', () => document.querySelector('details.filters').open);

    const family = page.locator('select[name=family]');
    const [value] = await family.selectOption({ label: IP_PLEDGE });
    assert.ok(value, 'no option value for the family');

    await waitUntil(
      page,
      `results filtered to ${IP_PLEDGE}`,
      ({ value, label }) => {
        if (new URLSearchParams(location.search).get('family') !== value) return false;
        const cards = Array.from(document.querySelectorAll('#results .card'));
        return cards.length > 0 && cards.every((card) => card.querySelector('.tag')?.textContent.trim() === label);
      },
      { value, label: IP_PLEDGE },
      resultsState,
    );

    const tags = await page
      .locator('#results .card')
      .evaluateAll((cards) => cards.map((card) => card.querySelector('.tag')?.textContent.trim()));
    assert.ok(tags.length > 0);
    for (const tag of tags) assert.equal(tag, IP_PLEDGE);
    const filtered = await totalOf(page);
    assert.ok(filtered > 0 && filtered < unfiltered, `filtered total ${filtered}, unfiltered ${unfiltered}`);

    // The facet for the chosen family is marked as the current one.
    const active = page.locator('aside.facets a[aria-current="true"]');
    assert.ok((await active.allTextContents()).some((t) => t.includes(IP_PLEDGE)), 'the family facet is not marked current');
  });
});

test('a family filter finds the products of it as a further family, and their cards name both', { timeout: TEST_TIMEOUT_MS }, async () => {
  const TECH = '科技型企业贷款';
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/?family=tech&per_page=50`);
    const cards = await page
      .locator('#results .card')
      .evaluateAll((cards) => cards.map((card) => Array.from(card.querySelectorAll('.meta .tag:not(.online)'), (t) => t.textContent.trim())));
    assert.ok(cards.length > 0, 'no results for the tech family');
    for (const tags of cards) {
      assert.ok(tags.some((t) => t.endsWith(TECH)), `a card without ${TECH}: ${JSON.stringify(tags)}`);
    }
    // A credit loan filed under 科技贷 too: its main family first, then the further one, marked for screen readers.
    const both = cards.find((tags) => tags[0] === '信用贷款');
    assert.ok(both, `no credit loan that is also a tech loan: ${JSON.stringify(cards)}`);
    assert.equal(both[1], `也属于 ${TECH}`);
  });
});

test('phone width', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(PHONE, async (page) => {
    await page.goto(`${origin}/?q=${encodeURIComponent('信用贷')}`);
    await assertNoHorizontalScroll(page, 'search page');

    const input = page.locator('#q');
    assert.ok(await input.isVisible(), 'the search input is not visible');
    const box = await input.boundingBox();
    assert.ok(box && box.width >= 200, `the search input is ${box?.width} px wide`);

    const firstCard = page.locator('#results .card').first();
    assert.ok(await firstCard.isVisible(), 'the first card is not visible');
    const cardBox = await firstCard.boundingBox();
    assert.ok(cardBox.x >= 0 && cardBox.x + cardBox.width <= PHONE.viewport.width + 1, `the first card sticks out: ${JSON.stringify(cardBox)}`);
    await screenshot(page, 'phone');

    const href = await firstCard.locator('h3 a').getAttribute('href');
    assert.match(href, /^\/products\/\d+$/);
    await page.goto(`${origin}${href}`);
    assert.ok(await page.locator('h1').isVisible(), 'the product name is not visible');
    await assertNoHorizontalScroll(page, `product page ${href}`);
  });
});

test('no outside network', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    const requests = [];
    const errors = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()} (${message.location().url})`);
    });

    await page.goto(`${origin}/?q=${encodeURIComponent('税贷')}`, { waitUntil: 'load' });
    const link = page.locator('#results .card h3 a').first();
    const href = await link.getAttribute('href');
    assert.match(href, /^\/products\/\d+$/);
    await Promise.all([page.waitForURL(`${origin}${href}`, { waitUntil: 'load' }), link.click()]);
    await page.locator('h1').waitFor();

    assert.ok(requests.length >= 4, `too few requests recorded: ${JSON.stringify(requests)}`);
    assert.ok(requests.some((u) => u.includes('/static/') && u.endsWith('.css')), 'the stylesheet was not requested');
    assert.ok(requests.some((u) => u.includes('/static/') && u.endsWith('.js')), 'the script was not requested');
    const outside = requests.filter((u) => !u.startsWith(`${origin}/`));
    assert.deepEqual(outside, [], 'requests to somewhere other than the server');
    assert.deepEqual(errors, [], 'errors in the page');
  });
});

test('bad input explained in Chinese', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/?amount=-5`);
    const alert = page.locator('.error[role=alert]');
    assert.ok(await alert.isVisible(), 'no visible .error[role=alert]');
    const text = await alert.textContent();
    assert.ok(text.includes('不能为负数'), `the error reads ${JSON.stringify(text)}`);
    assert.equal(await page.locator('#results .card').count(), 0, 'results shown despite the bad input');
  });
});
