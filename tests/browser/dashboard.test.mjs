// The guarantee agency's dashboard in a real browser: a bank lists a product the demo agency guarantees, the
// operator approves it, an SME applies three times and the bank decides (all through the API, in their own
// browser contexts); then the agency signs in and opens its dashboard. The charts are drawn (ECharts canvases),
// the tables beside them carry the same totals as the key figures and as /api/v1/stats/uptake, nothing is
// requested from anywhere but the server, the page fits a 375 px phone (with reduced motion) without
// sideways scrolling (nor do the operator's dashboard and the application lists), and the export links
// download XLSX and CSV files with the same numbers.
//
// Run from the repository root:  node --test tests/browser/dashboard.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { assertNoHorizontalScroll, origin, screenshot, useDemoServer, waitUntil, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 240_000;
const PASSWORD = 'Finmart2026';
const DESKTOP = { viewport: { width: 1280, height: 900 }, acceptDownloads: true };
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, reducedMotion: 'reduce' };
const PRODUCT = '看板浏览器担保贷';

useDemoServer({ name: 'dashboard', pollTimeoutMs: POLL_TIMEOUT_MS });

/** What a page shows, for failure messages. */
function pageState() {
  return {
    url: location.href,
    canvases: document.querySelectorAll('[data-chart] canvas').length,
    charts: document.querySelectorAll('[data-chart]').length,
    errors: Array.from(document.querySelectorAll('.error'), (p) => p.textContent.trim()),
    main: document.querySelector('main')?.textContent.replace(/\s+/g, ' ').trim().slice(0, 300),
  };
}

/** Signs in through the API in `context`; returns a function that calls the API with the session's CSRF token. */
async function apiAs(context, login) {
  const signIn = await context.request.post(`${origin}/api/v1/session`, { data: { login, password: PASSWORD } });
  assert.equal(signIn.status(), 200, `${login} signs in: ${await signIn.text()}`);
  const { csrf } = await signIn.json();
  return async (method, path, data) => {
    const response = await context.request.fetch(`${origin}${path}`, { method, data, headers: { 'x-csrf-token': csrf } });
    const body = await response.text();
    assert.ok(response.ok(), `${login} ${method} ${path}: ${response.status()} ${body}`);
    return body ? JSON.parse(body) : null;
  };
}

async function signIn(page, login) {
  await page.goto(`${origin}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
  await waitUntil(page, `${login} signed in`, () => !!document.querySelector('nav.account .who'), undefined, pageState);
}

/** The applications: one disbursed (80 万 of 100 万), one rejected, one waiting, on a guaranteed product. */
async function makeApplications() {
  await withPage(DESKTOP, async (_b, bankContext) =>
    withPage(DESKTOP, async (_o, operatorContext) =>
      withPage(DESKTOP, async (_s, smeContext) => {
        const bank = await apiAs(bankContext, 'bank@finmart.demo');
        const operator = await apiAs(operatorContext, 'operator@finmart.demo');
        const sme = await apiAs(smeContext, 'sme@finmart.demo');
        const product = await bank('POST', '/api/v1/bank/products', {
          code: 'DASH-BROWSER-01', name: PRODUCT, family: 'credit', description: '看板浏览器测试用的担保贷款。',
          amount_min_yuan: 100_000, amount_max_yuan: 3_000_000, term_min_months: 6, term_max_months: 36,
          rate_min_pct: 3.6, rate_max_pct: 4.8, rate_basis: 'fixed', repayment_methods: ['equal_instalment'],
          collateral: [], eligibility: {}, policy_support: [], decision_days: 3, online: true, districts: ['all'],
          valid_from: '2026-01-01', guarantee_agency_code: 'jinmen-guarantee', guarantee_fee_pct: 1.5,
        });
        const submitted = await bank('POST', `/api/v1/bank/products/${product.id}/submit`, {});
        await operator('POST', `/api/v1/reviews/${submitted.review_id}/approve`, {});
        const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
        const step = (id, body) => bank('POST', `/api/v1/applications/${id}/transitions`, body);
        // Each is decided before the next is made: a firm has one open application per product.
        const applications = [
          ['b-1', '100万', [
            { action: 'accept' },
            { action: 'approve', amount: '1000000', rate: '3.85', term: '12', method: 'equal_instalment' },
            { action: 'disburse', amount: '800000', rate: '3.85', term: '12', date: today },
          ]],
          ['b-2', '50万', [{ action: 'accept' }, { action: 'reject', reason: '经营流水不足' }]],
          ['b-3', '30万', []],
        ];
        for (const [key, amount, steps] of applications) {
          let made = null;
          // The approval reaches the listing within a second or so.
          for (let i = 0; i < 30 && !made; i++) {
            made = await sme('POST', '/api/v1/applications', {
              product_id: product.id, amount, term: '12', purpose: 'working_capital', idempotency_key: key,
            }).catch((e) => (i === 29 ? Promise.reject(e) : null));
            if (!made) await new Promise((r) => setTimeout(r, 200));
          }
          for (const body of steps) await step(made.id, body);
        }
      }),
    ),
  );
}

/** The key figures, the totals table and the funnel table, as numbers by name. */
function readFigures() {
  const figures = {};
  document.querySelectorAll('#key-figures li').forEach((li) => {
    figures[li.querySelector('.fig-name').textContent.trim()] = li.querySelector('.fig-value').textContent.trim();
  });
  const table = (id) => {
    const rows = {};
    document.querySelectorAll(`#${id} tbody tr`).forEach((tr) => {
      const cells = Array.from(tr.children, (c) => c.textContent.trim());
      rows[cells[0]] = cells[1];
    });
    return rows;
  };
  return { figures, totals: table('t-totals'), funnel: table('t-funnel') };
}

test('the agency sees its dashboard: charts, the same totals in every table, downloads, a phone', { timeout: TEST_TIMEOUT_MS }, async () => {
  await makeApplications();

  await withPage(DESKTOP, async (page) => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });

    await signIn(page, 'agency@finmart.demo');
    await page.getByRole('link', { name: '业务看板' }).click();
    await waitUntil(page, 'the dashboard', () => location.pathname === '/agency/dashboard', undefined, pageState);
    assert.equal(await page.locator('h1').textContent(), '担保业务看板');

    // The charts are drawn: one canvas per chart container, each shown with a size.
    const charts = await page.locator('[data-chart]').count();
    assert.ok(charts >= 4, `trend, funnel, rejections and breakdowns have charts (${charts})`);
    await waitUntil(page, 'every chart drawn', () => {
      const boxes = Array.from(document.querySelectorAll('[data-chart]'));
      return boxes.every((b) => !b.hidden && b.querySelector('canvas') && b.querySelector('canvas').width > 0);
    }, undefined, pageState);
    assert.ok(await page.locator('#s-by_product [data-chart] canvas').count() >= 1, 'the by-product chart');
    // A chart's table folds away behind its <details>, and opens.
    const details = page.locator('#s-by_product details.chart-table');
    assert.equal(await details.evaluate((d) => d.open), false);
    await details.locator('summary').click();
    assert.ok((await page.locator('#t-by_product').textContent()).includes(PRODUCT), 'the product in its table');

    // The same totals: key figures, the totals table, the funnel table and the API.
    const { figures, totals, funnel } = await page.evaluate(readFigures);
    const api = await page.evaluate(async () => (await fetch('/api/v1/stats/uptake', { credentials: 'same-origin' })).json());
    assert.equal(api.scope.kind, 'agency');
    const t = api.totals;
    assert.ok(t.applications >= 3 && t.disbursed >= 1 && t.rejected >= 1, JSON.stringify(t));
    for (const [name, value] of [['申请', t.applications], ['受理', t.accepted], ['审批通过', t.approved], ['放款', t.disbursed]]) {
      assert.equal(figures[name], String(value), `key figure ${name}`);
      assert.equal(totals[name], String(value), `totals table ${name}`);
      assert.equal(funnel[name], String(value), `funnel table ${name}`);
    }
    // Pages read amounts in 万元 with separators and at most two decimals; the files hold exact 元.
    const wanText = (fen) => {
      const hundredths = Math.floor((fen + 5000) / 10000);
      const frac = hundredths % 100;
      const whole = Math.floor(hundredths / 100).toLocaleString('en-US');
      return frac === 0 ? whole : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
    };
    const yuan = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
    assert.equal(totals['放款金额'], wanText(t.disbursed_amount.fen));
    assert.equal(totals['担保费收入'], wanText(t.guarantee_fees.fen));
    assert.equal(figures['担保费收入'], wanText(t.guarantee_fees.fen));

    await screenshot(page, 'dashboard-desktop');

    // The export links download, with the same numbers.
    await page.locator('#s-figures, .dash-figures').first().locator('details summary').click();
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('.dash-figures a[data-export="xlsx"]').click()]);
    assert.match(xlsx.suggestedFilename(), /^关键指标_\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}\.xlsx$/);
    const xlsxBytes = await readFile(await xlsx.path());
    assert.equal(xlsxBytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX (zip) file');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('.dash-figures a[data-export="csv"]').click()]);
    const csvBytes = await readFile(await csv.path());
    assert.deepEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
    const lines = csvBytes.toString('utf8').slice(1).trim().split('\n');
    assert.equal(lines[0], '指标,数值,单位');
    assert.ok(lines.includes(`申请,${t.applications},笔`), lines.join(' | '));
    assert.ok(lines.includes(`担保费收入,${yuan(t.guarantee_fees.fen)},元`), lines.join(' | '));

    // The applications behind the figures, with the firm's name and an export.
    await Promise.all([page.waitForNavigation(), page.locator('.dash-links a').first().click()]);
    assert.ok((await page.locator('#t-applications').textContent()).includes(PRODUCT));
    const [list] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-export="csv"]').click()]);
    const listText = (await readFile(await list.path())).toString('utf8');
    assert.ok(listText.includes(PRODUCT) && listText.includes('已放款'), listText.slice(0, 300));

    const outside = requests.filter((u) => !u.startsWith(`${origin}/`));
    assert.deepEqual(outside, [], 'no request leaves the server');
    assert.deepEqual(problems, [], 'no script errors');
  });

  await withPage(PHONE, async (page) => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await signIn(page, 'agency@finmart.demo');
    await page.goto(`${origin}/agency/dashboard`);
    await waitUntil(page, 'the charts on a phone', () => document.querySelectorAll('[data-chart] canvas').length >= 4, undefined, pageState);
    await assertNoHorizontalScroll(page, 'the agency dashboard on a phone', 375);
    const widest = await page.evaluate(() => Math.max(...Array.from(document.querySelectorAll('[data-chart]'), (c) => c.getBoundingClientRect().right)));
    assert.ok(widest <= 375, `the charts fit the phone (${widest} px)`);
    await page.setViewportSize({ width: 340, height: 812 });
    await page.waitForTimeout(300);
    const narrowed = await page.evaluate(() => Math.max(...Array.from(document.querySelectorAll('[data-chart] canvas'), (c) => c.getBoundingClientRect().right)));
    assert.ok(narrowed <= 340, `the charts follow the window (${narrowed} px)`);
    await screenshot(page, 'dashboard-phone');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${origin}/agency/dashboard/applications`);
    await assertNoHorizontalScroll(page, 'the agency applications on a phone', 375);
    assert.deepEqual(requests.filter((u) => !u.startsWith(`${origin}/`)), [], 'no request leaves the server');
  });

  // The operator's dashboard (with the market watch) and its list fit a phone too.
  await withPage(PHONE, async (page) => {
    await signIn(page, 'operator@finmart.demo');
    for (const path of ['/admin/dashboard', '/admin/dashboard/applications']) {
      const response = await page.goto(`${origin}${path}`);
      assert.equal(response.status(), 200, path);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN', `${path} is Chinese first`);
      await assertNoHorizontalScroll(page, `${path} on a phone`, 375);
    }
  });
});

test('the operator enters a reference rate on /admin/rates, by keyboard, on a phone', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withPage(PHONE, async (page) => {
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, 'operator@finmart.demo');
    await page.goto(`${origin}/admin/rates`);
    assert.equal(await page.locator('h1').textContent(), '参考利率');
    const inForce = await page.locator('table.data').first().textContent();
    assert.ok(inForce.includes('1 年期 LPR') && inForce.includes('3.00%') && inForce.includes('2025-05-20'), inForce);
    await assertNoHorizontalScroll(page, '/admin/rates', 375);

    // A bad value is refused beside its field, the form keeping what was typed.
    await page.selectOption('#f-kind', 'lpr_1y');
    await page.fill('#f-percent', '三');
    await page.fill('#f-published_on', '2025-06-20');
    await Promise.all([page.waitForNavigation(), page.press('#f-percent', 'Enter')]);
    await waitUntil(page, 'the refusal beside the value', () => !document.querySelector('#e-percent').hidden, undefined, pageState);
    assert.ok((await page.locator('#e-percent').textContent()).includes('不是有效的数字'));
    assert.equal(await page.locator('#f-percent').inputValue(), '三');
    assert.equal(await page.locator('#f-percent').getAttribute('aria-invalid'), 'true');

    // Entered: back on the page with a note, the new value in force.
    await page.fill('#f-percent', '2.9');
    await Promise.all([page.waitForNavigation(), page.press('#f-percent', 'Enter')]);
    await waitUntil(page, 'the note', () => !!document.querySelector('.notice[role=status]'), undefined, pageState);
    assert.ok((await page.locator('.notice[role=status]').textContent()).includes('已录入 2025-06-20 的1 年期 LPR 2.90%'));
    assert.ok((await page.locator('table.data').first().textContent()).includes('2.90%'));
    // The English switch.
    await page.goto(`${origin}/admin/rates?lang=en`);
    assert.equal(await page.locator('h1').textContent(), 'Reference rates');
    assert.deepEqual(problems, []);
  });
});
