// The bank's product form in plain words, in a browser with its script: a condition row is added in place,
// 其他条件 is picked, the bank's words are typed and the sentence the SME will read appears as they are
// typed; an LPR rate without its spread and 信用、抵押均可 are chosen by clicking; the saved product's API
// says exactly that. Also at phone width, by keyboard where a person would use it.
//
// Run from the repository root:  node --test tests/browser/product_form.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoHorizontalScroll, origin, useDemoServer, waitUntil, withPage } from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const WORDS = '经营者无不良嗜好';

useDemoServer({ name: 'product_form', pollTimeoutMs: POLL_TIMEOUT_MS });

function pageState() {
  return {
    url: location.href,
    errors: Array.from(document.querySelectorAll('.field-error:not([hidden])'), (p) => `${p.id}: ${p.textContent.trim()}`),
  };
}

test('a bank builds a product with an any-of collateral, its own words and an LPR rate without a spread', { timeout: 120_000 }, async () => {
  await withPage(PHONE, async (page) => {
    await page.goto(`${origin}/login`);
    await page.fill('#f-login', 'bank@finmart.demo');
    await page.fill('#f-password', 'Finmart2026');
    await Promise.all([page.waitForNavigation(), page.press('#f-password', 'Enter')]);
    await page.goto(`${origin}/bank/products/new`);
    await assertNoHorizontalScroll(page, 'the product form on a phone', 375);

    await page.fill('#f-name', '浏览器平语贷');
    await page.fill('#f-code', 'BROWSER-PLAIN-1');
    await page.selectOption('#f-family', 'credit');
    await page.fill('#f-description', '信用、抵押均可；LPR 加点。');
    await page.fill('#f-amount_max', '500');
    await page.getByLabel('LPR 加点', { exact: true }).check();
    await page.getByLabel('加点幅度未说明').check();
    await page.getByLabel('以下任选其一').check();
    await page.getByLabel('也可纯信用（信用、抵押均可）').check();
    await page.locator('input[name=collateral_kinds][value=real_estate]').check();
    await page.check('input[name=area_scope][value=city]');

    // 添加条件 in place (no page load): pick 其他条件, type the bank's words, see the sentence.
    await page.selectOption('#f-rule_new_kind', 'other_conditions');
    const before = page.url();
    await page.click('#rule-add');
    const box = page.locator('textarea[name="rule-0-value"]');
    await box.waitFor();
    assert.equal(page.url(), before, 'the row is added without leaving the page');
    assert.ok(await box.evaluate((el) => el === document.activeElement), 'the new row\'s input has the focus');
    await page.keyboard.type(WORDS);
    await waitUntil(page, 'the sentence follows the words', (w) => document.querySelector('#s-rule-0 q')?.textContent === w, WORDS, pageState);
    // A second row, then removed: the first stays.
    await page.selectOption('#f-rule_new_kind', 'min_years_in_operation');
    await page.click('#rule-add');
    await page.locator('input[name="rule-1-value"]').fill('-1');
    await waitUntil(page, 'a bad value is told beside its row', () => /负数/.test(document.querySelector('#e-rule-1')?.textContent || ''), undefined, pageState);
    await page.locator('#rule-1 .rule-remove').click();
    assert.equal(await page.locator('.rule-row').count(), 1);

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '保存草稿' }).click()]);
    await waitUntil(page, 'the draft saved', () => /\/bank\/products\/\d+/.test(location.pathname), undefined, pageState);
    const id = new URL(page.url()).pathname.split('/').pop();
    const managed = await page.evaluate(async (id) => (await fetch(`/api/v1/bank/products/${id}`)).json(), id);
    assert.equal(managed.record.collateral, 'none|real_estate');
    assert.equal(managed.record.eligibility, `other_conditions=${WORDS}`);
    assert.equal(managed.record.rate_basis, 'lpr_1y');
    assert.equal(managed.record.lpr_spread_bps, undefined);
    assert.equal(await page.locator('#s-rule-0 q').textContent(), WORDS, 'the product opens with its sentence');
  });
});
