// Browser end-to-end tests of Finmart's matching page (/match) and the product page's loan calculator,
// driven through Debian's Chromium with playwright-core.
//
// Like search.test.mjs, the real binary (`finmart demo`) is started on a free port with a fresh SQLite
// database in a temp dir, and stopped with SIGTERM at the end, which must exit 0.
//
// Run from the repository root:  node --test tests/browser/match.test.mjs
// The binary: $FINMART_BIN, else target/debug/finmart (build it first with `cargo build -p finmart`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoHorizontalScroll, origin, screenshot, useDemoServer, waitUntil as waitFor, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000; // for a page to show what we wait for (debounce 350 ms + a match)
const TEST_TIMEOUT_MS = 120_000; // a whole test, whatever hangs

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const STORE_KEY = 'finmart.match.form.v1';

useDemoServer({ name: 'match', pollTimeoutMs: POLL_TIMEOUT_MS });

/** Waits (bounded) until `predicate` holds; a failure shows what the matching page had. */
function waitUntil(page, what, predicate, arg, describe = matchState) {
  return waitFor(page, what, predicate, arg, describe);
}

/** What the matching page shows, for failure messages. */
function matchState() {
  return {
    url: location.href,
    focus: document.activeElement ? `${document.activeElement.tagName}#${document.activeElement.id}` : null,
    amount: document.getElementById('f-amount')?.value,
    summary: document.querySelector('#results .summary')?.textContent.replace(/\s+/g, ' ').trim() ?? null,
    errors: Array.from(document.querySelectorAll('.field-error:not([hidden])'), (p) => `${p.id}: ${p.textContent}`),
    first: document.querySelector('#eligible .match-card')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 160) ?? null,
    stored: (() => {
      try {
        return localStorage.getItem('finmart.match.form.v1');
      } catch {
        return '(no storage)';
      }
    })(),
  };
}

/** Presses Tab until the focus is on `selector`; fails with the path the focus took. */
async function tabTo(page, selector, maxTabs = 80) {
  const path = [];
  for (let i = 0; i < maxTabs; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
    path.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        return el ? `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.name ? '[' + el.name + '=' + el.value + ']' : ''}` : 'none';
      }),
    );
  }
  assert.fail(`${selector} was not reached in ${maxTabs} Tabs; the focus went: ${path.join(' → ')}`);
}

/** Replaces the focused text field's content by typing, as a person would. */
async function retype(page, text) {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}

/** The ranked eligible products: rank, name, link and effective annual cost. */
async function eligibleCards(page) {
  return page.locator('#eligible .match-card').evaluateAll((cards) =>
    cards.map((card) => ({
      rank: Number(card.querySelector('.rank')?.textContent.trim()),
      name: card.querySelector('h3 a')?.textContent.trim(),
      href: card.querySelector('h3 a')?.getAttribute('href'),
      aprLabel: card.querySelector('.terms .apr dt')?.textContent.trim(),
      apr: card.querySelector('.terms .apr dd')?.textContent.trim(),
      score: Number(card.querySelector('.score strong')?.textContent.trim()),
    })),
  );
}

/** A listed product with an interest subsidy, from the API: {id, term_min_months, term_max_months, …}. */
async function subsidisedProduct() {
  const response = await fetch(`${origin}/api/v1/search?policy=interest_subsidy&per_page=1`);
  assert.equal(response.status, 200);
  const [item] = (await response.json()).items;
  assert.ok(item, 'no product with an interest subsidy in the demo data');
  return item;
}

// ---------------------------------------------------------------------------------------------------------
// Tests

test('keyboard only: fill the matching form and see ranked results with their annual cost', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    const response = await page.goto(`${origin}/`);
    assert.equal(response.status(), 200);

    // From the search page, by the site's navigation, to the matching page.
    await page.locator('body').focus();
    // Past the search results (each card has its link and its 加入对比 button) and round to the header.
    await tabTo(page, 'header nav a[href="/match"]', 120);
    await Promise.all([page.waitForURL(`${origin}/match`), page.keyboard.press('Enter')]);
    assert.equal((await page.locator('h1').textContent()).trim(), '精准匹配');
    await page.evaluate(() => {
      window.__finmartSamePage = true;
    });

    await tabTo(page, '#f-employees');
    await retype(page, '35');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-revenue');
    await retype(page, '800');
    // 是否有过银行贷款: the group's checked radio (不清楚) takes the focus; arrows move within the group.
    await tabTo(page, 'input[name=borrowed]:checked');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.querySelector('input[name=borrowed]:checked')?.value), 'yes');
    await tabTo(page, '#f-amount');
    await retype(page, '200');
    await page.keyboard.press('Tab');
    await retype(page, '24');
    await page.keyboard.press('Enter'); // submits the form

    await waitUntil(
      page,
      'ranked results for 200 万元 over 24 months',
      () => {
        const url = new URL(location.href);
        return (
          url.searchParams.get('amount') === '200' &&
          url.searchParams.get('term') === '24' &&
          document.querySelectorAll('#eligible .match-card').length > 0 &&
          !document.querySelector('#results[aria-busy]')
        );
      },
    );
    assert.equal(await page.evaluate(() => window.__finmartSamePage), true, 'the results came by a page load, not in place');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/match');
    for (const [key, value] of [['employees', '35'], ['revenue', '800'], ['borrowed', 'yes'], ['amount', '200'], ['term', '24']]) {
      assert.equal(url.searchParams.get(key), value, `${key} in ${page.url()}`);
    }

    const summary = await page.locator('#results .summary').textContent();
    assert.match(summary, /贵企业划型为.+企业（工信部联企业〔2011〕300号）/);
    assert.match(summary, /\d+\s*个可申请/);
    assert.match(summary, /\d+\s*个差一点/);
    assert.match(summary, /\d+\s*个需补充信息/);
    assert.match(summary, /\d+\s*个不符合/);

    const cards = await eligibleCards(page);
    assert.ok(cards.length > 0);
    cards.forEach((card, i) => {
      assert.equal(card.rank, i + 1, `ranks in order: ${JSON.stringify(cards)}`);
      assert.equal(card.aprLabel, '年化综合成本');
      assert.match(card.apr, /^\d+(\.\d+)?%$/, `an annual cost on ${card.name}`);
      assert.match(card.href, /^\/products\/\d+$/);
      if (i > 0) assert.ok(card.score <= cards[i - 1].score, `scores descend: ${JSON.stringify(cards)}`);
    });

    // "Why this place": six weighted components that add up to the score.
    const why = page.locator('#eligible .match-card').first().locator('details.why');
    await why.locator(':scope > summary').focus();
    await page.keyboard.press('Enter');
    const rows = await why.locator('table.bars tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.children, (c) => c.textContent.trim())),
    );
    assert.equal(rows.length, 6, JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r[0]), ['综合成本', '额度期限匹配', '审批速度', '担保负担', '政策支持', '用途相关度']);
    assert.equal(rows.reduce((sum, r) => sum + Number(r[1].replace('%', '')), 0), 100, 'the weights add up to 100 %');
    const points = rows.reduce((sum, r) => sum + Number(r[3]), 0);
    assert.ok(Math.abs(points - cards[0].score) <= 0.35, `points ${points} vs score ${cards[0].score}`);

    // The other sections are there, in order.
    const headings = (await page.locator('#results h2').allTextContents()).map((h) => h.replace(/\s*\d+$/, '').trim());
    assert.deepEqual(headings.filter((h) => h !== '匹配结果'), ['可申请的产品', '差一点就能申请', '需补充信息', '需向机构确认', '为什么不匹配']);
    await screenshot(page, 'match-desktop');
  });
});

test('the form is remembered in this browser and can be forgotten', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    await page.goto(`${origin}/match`);
    assert.equal(await page.locator('#match-forget').isVisible(), false, 'nothing saved yet, yet the forget button shows');
    assert.equal(await page.locator('#eligible').count(), 0, 'a bare /match shows no result before one asks');

    await page.locator('#f-amount').fill('300');
    await page.locator('#f-term').fill('36');
    await page.locator('#more-profile summary').click();
    await page.locator('input[name=qual][value=high_tech]').check();
    await waitUntil(page, 'the edited form to be saved and matched', () => {
      const stored = new URLSearchParams(localStorage.getItem('finmart.match.form.v1') || '');
      return (
        stored.get('amount') === '300' &&
        stored.get('term') === '36' &&
        stored.getAll('qual').includes('high_tech') &&
        new URL(location.href).searchParams.get('amount') === '300' &&
        !!document.querySelector('#results .summary')
      );
    });
    assert.ok(await page.locator('#match-forget').isVisible(), 'the forget button is not shown once something is saved');

    // Reloading keeps what was entered.
    await page.reload();
    assert.equal(await page.locator('#f-amount').inputValue(), '300');
    assert.equal(await page.locator('input[name=qual][value=high_tech]').isChecked(), true);

    // Opening /match afresh fills the form from this browser and shows its result.
    await page.goto(`${origin}/match`);
    await waitUntil(page, 'the form restored from localStorage and matched', () => {
      return (
        document.getElementById('f-amount').value === '300' &&
        document.getElementById('f-term').value === '36' &&
        document.querySelector('input[name=qual][value=high_tech]').checked &&
        new URL(location.href).searchParams.get('amount') === '300' &&
        !!document.querySelector('#results .summary')
      );
    });
    assert.equal(await page.locator('#more-profile').evaluate((d) => d.open), true, 'the part holding a ticked qualification is folded');
    const saved = await page.locator('#match-saved').textContent();
    assert.ok(saved.includes('已从本浏览器恢复'), `the saved notice reads ${JSON.stringify(saved)}`);

    // Forgetting clears the browser's copy and the form.
    const forget = page.locator('#match-forget');
    assert.equal((await forget.textContent()).trim(), '清除已保存的信息');
    await Promise.all([page.waitForURL(`${origin}/match`), forget.click()]);
    await page.locator('#f-amount').waitFor();
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), STORE_KEY), null);
    assert.equal(await page.locator('#f-amount').inputValue(), '100', 'the default amount is back');
    assert.equal(await page.locator('input[name=qual][value=high_tech]').isChecked(), false);
    assert.equal(await page.locator('#match-forget').isVisible(), false);
  });
});

test('a signed-in firm matches from its own profile, not this browser\'s copy, and saves back to it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    // This browser remembers an anonymous form for another district.
    await page.goto(`${origin}/match`);
    await page.evaluate((key) => localStorage.setItem(key, 'district=120101&employees=999&amount=300'), STORE_KEY);

    await page.goto(`${origin}/login`);
    await page.fill('#f-login', 'sme@finmart.demo');
    await page.fill('#f-password', 'Finmart2026');
    await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
    const profile = await page.evaluate(async () => (await fetch('/api/v1/me/profile')).json());
    const employees = String(profile.profile.employees);

    await page.goto(`${origin}/match`);
    await waitUntil(page, 'the firm\'s own profile and its result', () => !!document.querySelector('#results .summary'));
    assert.equal(await page.locator('#f-district').inputValue(), profile.profile.district, 'the firm\'s district, not this browser\'s copy');
    assert.equal(await page.locator('#f-employees').inputValue(), employees);
    assert.equal(await page.locator('#match-forget').count(), 0, 'no browser copy to forget for a firm');

    // Edit, then 保存到企业档案: the profile is updated and the match shown again.
    const more = String(Number(employees) + 7);
    await page.locator('#f-employees').fill(more);
    await Promise.all([page.waitForURL(/\/match\?.*saved=1/), page.getByRole('button', { name: '保存到企业档案' }).click()]);
    assert.ok((await page.locator('.notice[role=status]').textContent()).includes('已保存到企业档案'));
    assert.equal(await page.locator('#f-employees').inputValue(), more);
    assert.ok(!page.url().includes('csrf'), `the token stays out of the address: ${page.url()}`);
    await page.goto(`${origin}/sme/profile`);
    assert.equal(await page.locator('#f-employees').inputValue(), more, 'the profile page shows the saved value');
  });
});

test('a bad amount is explained in Chinese beside the field', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    // Without the script's help: the server answers 400 with the message beside the input.
    const response = await page.goto(`${origin}/match?amount=abc&employees=-3`);
    assert.equal(response.status(), 400);
    for (const [field, text] of [['amount', '“abc”不是有效的数字'], ['employees', '不能为负数']]) {
      const error = page.locator(`#e-${field}`);
      assert.ok(await error.isVisible(), `no visible error for ${field}`);
      assert.ok((await error.textContent()).includes(text), `the ${field} error reads ${JSON.stringify(await error.textContent())}`);
      assert.equal(await page.locator(`#f-${field}`).getAttribute('aria-invalid'), 'true');
      const describedBy = (await page.locator(`#f-${field}`).getAttribute('aria-describedby')).split(/\s+/);
      assert.ok(describedBy.includes(`e-${field}`), `the input is not described by its error: ${describedBy}`);
    }
    assert.equal(await page.locator('#eligible').count(), 0, 'results shown despite the bad input');
    const summary = await page.locator('#results .form-errors[role=alert]').textContent();
    assert.ok(summary.includes('有 2 项填写有误'), `the summary reads ${JSON.stringify(summary)}`);

    // As one types: the message appears beside the field, and goes when the value is fixed.
    await page.goto(`${origin}/match?amount=100`);
    await page.locator('#eligible').waitFor();
    await page.locator('#f-amount').fill('一百万');
    await waitUntil(page, 'the amount error beside the field', () => {
      const error = document.getElementById('e-amount');
      return !error.hidden && error.textContent.includes('不是有效的数字');
    });
    const input = await page.locator('#f-amount').boundingBox();
    const error = await page.locator('#e-amount').boundingBox();
    assert.ok(error.y >= input.y + input.height - 1 && error.y - (input.y + input.height) < 60, `the error is not beside the field: input ${JSON.stringify(input)}, error ${JSON.stringify(error)}`);
    assert.ok(Math.abs(error.x - input.x) < 4, `the error is not aligned with the field: ${error.x} vs ${input.x}`);
    assert.equal(await page.locator('#f-amount').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#eligible').count(), 0);

    await page.locator('#f-amount').fill('100万');
    await waitUntil(page, 'the error to go once fixed', () => document.getElementById('e-amount').hidden && !!document.getElementById('eligible'));
    assert.equal(await page.locator('#f-amount').getAttribute('aria-invalid'), null);
  });
});

test('the product page calculator shows one schedule row a month', { timeout: TEST_TIMEOUT_MS }, async () => {
  const product = await subsidisedProduct();
  const term = product.term_max_months;
  const otherTerm = product.term_min_months;
  const amount = product.amount_min_fen / 1_000_000; // in 万元

  await withPage(DESKTOP, async (page) => {
    // Server-rendered from the URL, no script needed.
    const response = await page.goto(`${origin}/products/${product.id}?amount=${amount}&term=${term}#calc`);
    assert.equal(response.status(), 200);
    const methods = page.locator('#calc-results .method');
    assert.ok((await methods.count()) >= 1);
    const first = methods.first();
    for (const label of ['月供', '年化综合成本', '总利息', '担保费', '贴息 / 补贴', '总成本']) {
      assert.ok((await first.locator('dt').allTextContents()).includes(label), `no ${label} in the calculator`);
    }
    assert.equal(await first.locator('.schedule-table tbody tr').count(), term);
    assert.equal(await page.locator('#c-subsidised').isChecked(), true, 'the subsidy box is not ticked by default');

    // Keyboard: change the term and see the schedule follow.
    await page.locator('#c-term').focus();
    await retype(page, String(otherTerm));
    await waitUntil(
      page,
      `a schedule of ${otherTerm} months`,
      (n) => {
        const table = document.querySelector('#calc-results .method .schedule-table');
        return !!table && table.querySelectorAll('tbody tr').length === n && new URL(location.href).searchParams.get('term') === String(n);
      },
      otherTerm,
      () => ({ url: location.href, results: document.getElementById('calc-results')?.textContent.replace(/\s+/g, ' ').slice(0, 300) }),
    );
    const summary = first.locator('details.schedule summary');
    assert.ok((await summary.textContent()).includes(`（${otherTerm} 期）`));
    await summary.focus();
    await page.keyboard.press('Enter');
    assert.ok(await first.locator('.schedule-table tbody tr').last().isVisible(), 'the schedule does not open');
    const lastBalance = await first.locator('.schedule-table tbody tr').last().locator('td').last().textContent();
    assert.equal(lastBalance.trim(), '0.00', 'the loan is not repaid by the last month');

    // A term the product does not offer: a Chinese message beside the field.
    await page.locator('#c-term').fill(String(product.term_max_months + 12));
    await waitUntil(page, 'the term error', () => {
      const e = document.getElementById('ce-term');
      return !e.hidden && e.textContent.includes('本产品期限为');
    }, null, () => document.getElementById('ce-term')?.outerHTML);
    const bad = await page.goto(`${origin}/products/${product.id}?term=abc&amount=-1`);
    assert.equal(bad.status(), 400);
    assert.ok((await page.locator('#ce-term').textContent()).includes('不是有效的数字'));
    assert.ok((await page.locator('#ce-amount').textContent()).includes('不能为负数'));
  });
});

test('phone width: no sideways scrolling', { timeout: TEST_TIMEOUT_MS }, async () => {
  const product = await subsidisedProduct();
  await withPage(PHONE, async (page) => {
    await page.goto(`${origin}/match`);
    await assertNoHorizontalScroll(page, '/match', PHONE.viewport.width);
    await page.locator('#more-profile summary').click();
    await page.locator('#more-need summary').click();
    await assertNoHorizontalScroll(page, '/match with every part open', PHONE.viewport.width);

    await page.locator('button[type=submit]').click();
    await page.locator('#eligible .match-card').first().waitFor();
    await page.locator('#eligible details.why summary').first().click();
    await assertNoHorizontalScroll(page, '/match with results', PHONE.viewport.width);
    const card = await page.locator('#eligible .match-card').first().boundingBox();
    assert.ok(card.x >= 0 && card.x + card.width <= PHONE.viewport.width + 1, `the first card sticks out: ${JSON.stringify(card)}`);
    await screenshot(page, 'match-phone');

    await page.goto(`${origin}/products/${product.id}#calc`);
    await page.locator('#calc-results details.schedule summary').first().click();
    await assertNoHorizontalScroll(page, `product ${product.id} with its schedule open`, PHONE.viewport.width);
  });
});

test('English, and nothing fetched from elsewhere', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(DESKTOP, async (page) => {
    const requests = [];
    const errors = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    await page.goto(`${origin}/match?lang=en&amount=100`);
    assert.equal((await page.locator('h1').textContent()).trim(), 'Precise matching');
    assert.ok((await page.locator('#eligible .terms .apr dt').first().textContent()).includes('Effective annual cost'));
    await page.locator('#f-term').fill('6');
    await waitUntil(page, 'the English result for 6 months', () => new URL(location.href).searchParams.get('term') === '6' && !!document.querySelector('#results .summary'));
    assert.ok((await page.locator('#results .summary').textContent()).includes('enterprise'));
    const outside = requests.filter((u) => !u.startsWith(`${origin}/`));
    assert.deepEqual(outside, [], 'requests to somewhere other than the server');
    assert.ok(requests.some((u) => u.includes('/fragments/match?')), 'the result was not refreshed through the fragment');
    assert.deepEqual(errors, [], 'errors in the page');
  });
});
