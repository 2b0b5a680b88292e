// The two sides meet, in one journey through the pages: the SME types the product's name with a pinyin input
// method (nothing is searched or logged while it composes), compares three products from the results,
// favourites one, applies for it from its favourites with two documents (a real PDF and PNG), and writes to
// the bank on the application; the bank signs in, sees the unread count in its inbox, reads the message,
// replies and opens both documents; the SME sees the reply; the bank invites a consenting firm from its
// candidates list, and that firm sees the invitation and declines it. At 1366 px and 375 px, in Chinese and
// in English, one server for the four walks.
//
// Setting up goes through the JSON API, each person with their own session, as a client script would: per
// walk three products whose names share a word of their own (so the search finds exactly them), each with a
// 材料清单; once, a product made for the second demo firm alone, whose consent puts it on the bank's
// candidates list, and a 客户经理 to name in the invitations. Pages are reached by address or by the links
// and buttons on them, never by the site header's menu.
//
// Run from the repository root:  node --test tests/browser/meet.test.mjs

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  apiAs, assertNoHorizontalScroll, composePinyin, DESKTOP, listing, origin, pageSummary, PAST_THE_DEBOUNCE_MS, pdf,
  PHONE, png, publish, screenshot, searchLog, signIn, useDemoServer, waitUntil, withPage,
} from './harness.mjs';

const POLL_TIMEOUT_MS = 15_000;
const WALK_TIMEOUT_MS = 120_000;
const SME = 'sme@finmart.demo';
const BANK = 'bank@finmart.demo';
const INVITED = 'sme2@finmart.demo';
const MATERIALS = ['营业执照', '近一年财务报表', '纳税证明'];

// Each walk's word is typed as pinyin and names its three products; none is in the demo catalogue.
const WALKS = [
  { tag: 'zh-1366', lang: 'zh', device: DESKTOP, word: '葡萄', pinyin: ['pu', ' tao'] },
  { tag: 'zh-375', lang: 'zh', device: PHONE, word: '樱桃', pinyin: ['ying', ' tao'] },
  { tag: 'en-1366', lang: 'en', device: DESKTOP, word: '柠檬', pinyin: ['ning', ' meng'] },
  { tag: 'en-375', lang: 'en', device: PHONE, word: '菠萝', pinyin: ['bo', ' luo'] },
];

useDemoServer({ name: 'meet', pollTimeoutMs: POLL_TIMEOUT_MS });

const setup = {}; // the ids the walks use, and the operator's API session
let prepared; // the setting up, once, when the first walk needs it (the server is up by then)

async function prepare() {
  const [bank, operator, firm] = await Promise.all([BANK, 'operator@finmart.demo', INVITED].map((login) => apiAs(login)));
  setup.operator = operator;
  setup.bankId = (await bank.get('/api/v1/session')).account.institution_id;
  // The candidate: the second demo firm, allowing the bank, fitting a product made for it alone (its district
  // and exactly its revenue).
  const invited = await firm.get('/api/v1/me/profile');
  setup.invitedFirm = invited.enterprise_id;
  await firm.post('/api/v1/me/consents', { institution_id: setup.bankId });
  const revenue = invited.profile.revenue;
  const yuan = `${Math.trunc(revenue / 100)}.${String(revenue % 100).padStart(2, '0')}`;
  setup.tailored = await publish(bank, operator, listing('MEET-CAND', '会面邀请专属贷', {
    eligibility: `revenue_yuan=${yuan}..${yuan}`, districts: [invited.profile.district],
  }));
  setup.manager = await bank.post('/api/v1/institution/managers', { name: '周敏', phone: '13600001111' });
  // Three products a walk, told apart by their rate and decision time (rows the comparison marks as differing).
  setup.products = {};
  for (const walk of WALKS) {
    setup.products[walk.tag] = [];
    for (const [n, [suffix, rate, days]] of [['甲', 3.6, 3], ['乙', 3.9, 5], ['丙', 4.2, 7]].entries()) {
      const name = `${walk.word}种植贷${suffix}`;
      const id = await publish(bank, operator, listing(`MEET-${walk.tag.toUpperCase()}-${n + 1}`, name, {
        description: `${walk.word}种植户的流动资金贷款（浏览器测试）。`, rate_min_pct: rate, rate_max_pct: 4.8,
        decision_days: days, materials: MATERIALS.join('|'),
      }));
      setup.products[walk.tag].push({ id, name });
    }
  }
  await Promise.all([bank.dispose(), firm.dispose()]);
}

after(() => setup.operator?.dispose());

/** Collects the page's script errors and checks every page it shows is in `lang`. */
function watch(page, lang) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return {
    errors,
    async check(where, width) {
      const htmlLang = await page.evaluate(() => document.documentElement.lang);
      assert.equal(htmlLang, lang === 'en' ? 'en' : 'zh-CN', `${where}: the page's language`);
      await assertNoHorizontalScroll(page, where, width);
    },
  };
}

async function follow(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

for (const [index, walk] of WALKS.entries()) {
  test(`the SME and the bank meet (${walk.tag})`, { timeout: WALK_TIMEOUT_MS }, async () => {
    prepared ??= prepare();
    await prepared;
    const { lang, device, tag } = walk;
    const en = lang === 'en';
    const width = device.viewport.width;
    const products = setup.products[tag];
    const pick = products[index % 3];
    await withPage(device, async (sme) => withPage(device, async (bank) => withPage(device, async (invited) => {
      const smeView = watch(sme, lang);
      const bankView = watch(bank, lang);
      const invitedView = watch(invited, lang);
      const logBefore = await searchLog(setup.operator);

      // 1. The SME signs in and types the word with an input method: nothing is searched while it composes.
      await signIn(sme, SME, { lang, next: '/' });
      const searches = [];
      sme.on('request', (request) => {
        if (request.url().includes('/fragments/results')) searches.push(decodeURIComponent(request.url()));
      });
      const ime = await composePinyin(sme, '#q', walk.pinyin);
      assert.equal(await sme.inputValue('#q'), ime.composing, 'the field shows the composition');
      await sme.waitForTimeout(PAST_THE_DEBOUNCE_MS);
      assert.deepEqual(searches, [], 'no search while composing');
      await ime.commit(walk.word);
      await waitUntil(sme, `the three ${walk.word} products`, (word) => {
        const names = Array.from(document.querySelectorAll('#results .card h3 a'), (a) => a.textContent.trim());
        return names.length === 3 && names.every((name) => name.includes(word));
      }, walk.word, pageSummary);
      assert.ok(searches.length >= 1 && searches.every((u) => u.includes(`q=${walk.word}`)), `only the committed word was searched: ${JSON.stringify(searches)}`);
      await smeView.check(`the search results (${tag})`, width);

      // 2. Three into the comparison, from the results; the comparison shows them, differences marked.
      const cards = sme.locator('#results .card');
      const names = [];
      for (let i = 0; i < 3; i += 1) {
        names.push((await cards.nth(i).locator('h3 a').textContent()).trim());
        await cards.nth(i).locator('[data-compare-add]').click();
        const expected = en ? `${i + 1} of 4 chosen` : `已选 ${i + 1} / 4 个`;
        await waitUntil(sme, `the tray to count ${i + 1}`, (text) => document.querySelector('.compare-tray')?.textContent.includes(text), expected, pageSummary);
      }
      assert.deepEqual([...names].sort(), products.map((p) => p.name).sort(), 'the results are the walk’s three products');
      await follow(sme, sme.locator('.compare-tray [data-compare-link]'));
      assert.equal(new URL(sme.url()).pathname, '/compare');
      const headers = (await sme.locator('.compare-table thead th a[href^="/products/"]').allTextContents()).map((s) => s.trim());
      assert.deepEqual(headers, names, 'the three chosen, in order');
      for (const row of ['rate', 'decision']) {
        assert.equal(await sme.locator(`.compare-table tr[data-differs][data-row=${row}]`).count(), 1, `the ${row} row is marked as differing`);
      }
      assert.equal(await sme.locator('.compare-table tr[data-differs][data-row=amount]').count(), 0, 'the same amounts are not marked');
      await smeView.check(`the comparison (${tag})`, width);
      await screenshot(sme, `meet-compare-${tag}`);

      // 3. One of them favourited from its page, then applied for from the favourites.
      await follow(sme, sme.locator('.compare-table thead th a[href^="/products/"]').nth(names.indexOf(pick.name)));
      const toggle = sme.locator('.product-actions [data-favourite]');
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false', 'not a favourite yet');
      await follow(sme, toggle);
      assert.equal(await sme.locator('.product-actions [data-favourite]').getAttribute('aria-pressed'), 'true');
      await sme.goto(`${origin}/sme/favourites`);
      const saved = sme.locator(`.favourites [data-favourite-item="${pick.id}"]`);
      assert.equal(await saved.count(), 1, `${pick.name} among the favourites`);
      await smeView.check(`the favourites (${tag})`, width);
      await follow(sme, saved.locator('h3 a'));
      await follow(sme, sme.locator('a[data-apply]'));
      await sme.fill('#f-amount', '50');
      await sme.fill('#f-term', '12');
      await sme.selectOption('#f-purpose', 'working_capital');
      await follow(sme, sme.locator(`form[action="/apply/${pick.id}"] button[type=submit]`));
      await waitUntil(sme, 'the next-step view', () => /\/sme\/applications\/\d+\/submitted$/.test(location.pathname), undefined, pageSummary);
      const application = Number(new URL(sme.url()).pathname.split('/')[3]);
      assert.equal(await sme.locator('ul.materials li.missing').count(), 3, 'the three materials still to upload');
      await smeView.check(`the next-step view (${tag})`, width);

      // 4. Two documents: a PDF and a PNG, each for a listed material.
      await follow(sme, sme.locator('a[data-upload-link]'));
      const files = [
        ['营业执照', { name: '营业执照.pdf', mimeType: 'application/pdf', buffer: pdf() }],
        ['纳税证明', { name: 'tax-proof.png', mimeType: 'image/png', buffer: png() }],
      ];
      for (const [material, file] of files) {
        await sme.selectOption('#f-material', material);
        await sme.setInputFiles('#f-file', file);
        await follow(sme, sme.locator('#upload-form button[type=submit]'));
        await waitUntil(sme, `${file.name} uploaded`, (name) => !!document.querySelector('[data-uploaded]')
          && Array.from(document.querySelectorAll('[data-document] a'), (a) => a.textContent).includes(name), file.name, pageSummary);
      }
      assert.equal(await sme.locator('[data-document]').count(), 2, 'two files kept');
      await smeView.check(`the upload page (${tag})`, width);

      // 5. A message to the bank, from the application's page.
      await follow(sme, sme.locator(`main a[href="/sme/applications/${application}"]`).first());
      await follow(sme, sme.locator(`main a[href="/applications/${application}/conversation"]`).first());
      const question = `请问还需要哪些材料？（${tag}）`;
      await sme.fill('#f-body', question);
      await follow(sme, sme.getByRole('button', { name: en ? 'Send' : '发送' }));
      await waitUntil(sme, 'the message in the thread', (q) => document.querySelector('ol.thread')?.textContent.includes(q), question, pageSummary);
      await smeView.check(`the SME's conversation (${tag})`, width);

      // 6. The bank signs in to its inbox: one unread message on the application; it reads and replies.
      await signIn(bank, BANK, { lang, next: '/bank/inbox' });
      const badge = bank.locator(`main a.badge[href="/applications/${application}/conversation"]`);
      assert.equal(await badge.count(), 1, 'the inbox shows the unread count');
      assert.match(await badge.textContent(), /1\s*$/, 'one unread message');
      await bankView.check(`the bank's inbox (${tag})`, width);
      await follow(bank, badge);
      assert.ok((await bank.locator('ol.thread').textContent()).includes(question), 'the bank reads the message');
      assert.ok((await bank.locator('main').textContent()).includes('王芳'), "the bank sees the applicant's contact");
      const reply = `请补充近一年财务报表。（${tag}）`;
      await bank.fill('#f-body', reply);
      await follow(bank, bank.getByRole('button', { name: en ? 'Send' : '发送' }));
      assert.ok((await bank.locator('ol.thread').textContent()).includes(reply), 'the reply is in the thread');
      await bankView.check(`the bank's conversation (${tag})`, width);

      // 7. The bank opens the application: both documents, the one still missing, and the PNG's very bytes.
      await follow(bank, bank.locator(`main a[href="/bank/applications/${application}"]`).first());
      assert.equal(await bank.locator('#documents [data-document]').count(), 2, 'both documents on the bank page');
      assert.equal(await bank.locator('#documents li.missing').getAttribute('data-material'), '近一年财务报表');
      const [download] = await Promise.all([
        bank.waitForEvent('download'),
        bank.locator('#documents [data-document] a', { hasText: 'tax-proof.png' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'tax-proof.png');
      assert.deepEqual(await readFile(await download.path()), png(), 'the bytes uploaded');
      await bankView.check(`the bank's application (${tag})`, width);

      // 8. The SME sees the reply waiting on its applications, and reads it.
      await sme.goto(`${origin}/sme/applications`);
      const waiting = sme.locator(`main a.badge[href="/applications/${application}/conversation"]`);
      assert.equal(await waiting.count(), 1, 'the SME sees one unread message');
      await follow(sme, waiting);
      assert.ok((await sme.locator('ol.thread').textContent()).includes(reply), 'the SME reads the reply');
      await screenshot(sme, `meet-conversation-${tag}`);

      // 9. The bank invites the consenting firm from its candidates list.
      await bank.goto(`${origin}/bank/candidates?product=${setup.tailored}&limit=100`);
      const invite = bank.locator(`main a[href^="/bank/invitations/new?enterprise=${setup.invitedFirm}&"]`);
      assert.equal(await invite.count(), 1, 'the consenting firm is listed with an invite link');
      await bankView.check(`the candidates list (${tag})`, width);
      await follow(bank, invite);
      const note = `欢迎申请（${tag}）`;
      await bank.fill('#f-note', note);
      await bank.selectOption('#f-manager_id', String(setup.manager.id));
      await follow(bank, bank.getByRole('button', { name: en ? 'Send invitation' : '发出邀请' }));
      await waitUntil(bank, 'the invitation listed', () => location.pathname === '/bank/invitations', undefined, pageSummary);
      assert.ok((await bank.locator('main').textContent()).includes(en ? 'Sent' : '已发送'), 'the bank sees it sent');
      await bankView.check(`the bank's invitations (${tag})`, width);

      // 10. The invited firm signs in to its invitations: the bank, the product, the note and the 客户经理.
      await signIn(invited, INVITED, { lang, next: '/sme/invitations' });
      const card = invited.locator('article.invitation').first();
      const text = await card.textContent();
      for (const want of ['会面邀请专属贷', note, '周敏', '13600001111', '津沽商业银行']) {
        assert.ok(text.includes(want), `the invitation shows ${want}: ${text}`);
      }
      assert.equal(await card.locator(`a[href="/apply/${setup.tailored}"]`).count(), 1, 'with the way to apply');
      await invitedView.check(`the invited firm's invitations (${tag})`, width);
      await screenshot(invited, `meet-invitation-${tag}`);
      // It declines (which also lets the next walk invite it again).
      await card.locator('summary').click();
      await card.locator('textarea[name=reason]').fill('暂无需求');
      await follow(invited, card.getByRole('button', { name: en ? 'Decline' : '确认谢绝' }));
      assert.ok((await invited.locator('article.invitation').first().textContent()).includes(en ? 'Declined' : '已谢绝'));

      // The operator's search log has the committed word once more, and never the pinyin.
      let logAfter = await searchLog(setup.operator);
      for (let tries = 0; (logAfter.counts.get(walk.word) ?? 0) <= (logBefore.counts.get(walk.word) ?? 0) && tries < 100; tries += 1) {
        await sme.waitForTimeout(100);
        logAfter = await searchLog(setup.operator);
      }
      assert.equal(logAfter.counts.get(walk.word) ?? 0, (logBefore.counts.get(walk.word) ?? 0) + 1, `${walk.word} logged once`);
      const halfTyped = [...logAfter.counts.keys()].filter((q) => /[a-z]/.test(q) && ime.composing.startsWith(q.trim()));
      assert.deepEqual(halfTyped, [], 'no pinyin in the search log');

      assert.deepEqual([...smeView.errors, ...bankView.errors, ...invitedView.errors], [], 'errors in the pages');
    })));
  });
}
