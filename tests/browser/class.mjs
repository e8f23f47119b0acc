// Checks for a page a teacher projects to a class (issue #10): runs never
// lost, one message per cause, diverged numbers for people, class links
// (hide=, lesson=1) and the last run across a reload. Called by page.mjs.

export async function classChecks({ check, assert, base, artifacts, metric, state, finish, runToDone, painted }) {
  const small = 'p=23&hidden=32&every=0&backend=cpu';
  const ink = async (page, id) => (await painted(page, `#${id}`))[0].ink;
  const redrawn = (page) => page.waitForTimeout(500);

  await check('class-previous-run-kept-after-a-preset', async (page) => {
    await runToDone(page, `${small}&wd=0.1&steps=60&autostart=1`);
    await page.click('button.preset[data-preset="wd2"]');
    assert(await state(page) === 'idle', 'a finished run is replaced without asking');
    const search = await page.evaluate(() => location.search);
    assert(/p=23/.test(search) && /hidden=32/.test(search), `the preset keeps p and hidden: ${search}`);
    await redrawn(page);
    const label = await page.evaluate(() => document.body.dataset.previous) || '';
    assert(label.startsWith('previous: wd=0.1'), `key: ${label}`);
    const withPrevious = await ink(page, 'chart-accuracy');
    await page.screenshot({ path: `${artifacts}/class-previous-run.png` });
    await page.click('#forget-saved');
    await redrawn(page);
    const without = await ink(page, 'chart-accuracy');
    assert(withPrevious > without + 0.002, `the previous run is drawn: ${withPrevious} vs ${without} without it`);
  });

  await check('class-a-change-while-running-asks-first', async (page) => {
    await page.goto(`${base}?${small}&steps=5000&speed=1&autostart=1`);
    await page.waitForFunction(() => Number(document.querySelector('[data-metric="step"]').textContent) >= 3);
    const before = await page.evaluate(() => location.search);
    await page.click('button.preset[data-preset="wd10"]');
    assert(await page.isVisible('#confirm') && await state(page) === 'running', 'asks, and the run goes on');
    await page.screenshot({ path: `${artifacts}/class-confirm.png` });
    await page.click('#confirm-keep');
    assert(!(await page.isVisible('#confirm')) && await state(page) === 'running', 'kept running');
    assert(await page.evaluate(() => location.search) === before, 'the settings are the running run\'s');
    await page.click('button.preset[data-preset="wd10"]');
    await page.click('#confirm-apply');
    await page.waitForFunction(() => document.body.dataset.state === 'running' && document.querySelector('[data-metric="step"]').textContent !== '');
    assert(await page.inputValue('#wd') === '10', 'the new settings apply');
    await redrawn(page);
    assert((await page.evaluate(() => document.body.dataset.previous) || '').startsWith('previous: wd=2'), 'the interrupted run is kept');
  });

  await check('class-one-message-per-cause', async (page) => {
    const run = await runToDone(page, 'p=5&backend=cpu&steps=200&autostart=1', 'class-p5');
    const lines = run.message.split('\n').filter((l) => l.trim());
    assert(lines.length <= 2, `${lines.length} lines: ${run.message}`);
    assert(/cannot be computed/.test(run.message), run.message);
    assert(Number(run.step) === 200, `trains on without measures: step ${run.step}`);
    const tiny = await runToDone(page, `${small}&frac=0.001&steps=60&every=5&autostart=1`);
    assert(tiny.message.split('\n').filter((l) => l.trim()).length <= 2, tiny.message);
  });

  await check('class-a-diverged-run-reads-for-people', async (page) => {
    // The teacher's case: lr=10 at the default sizes drives the loss to ~1e38 or beyond.
    await page.goto(`${base}?lr=10&steps=30&every=0&backend=cpu&autostart=1`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
    await redrawn(page);
    const status = await page.textContent('.status');
    const long = (status.match(/[-\d.e+]{13,}/g) || []);
    const loss = await metric(page, 'train_loss');
    assert(await state(page) === 'error' || /e\+|infinite|not a number/.test(loss), `the run did not diverge: loss ${loss}`);
    assert(long.length === 0, `numbers over 12 characters: ${long.join(' ')}`);
    const restarts = await page.evaluate(() => [...document.querySelectorAll('button')]
      .filter((b) => b.offsetParent !== null && /Run again|Restart/.test(b.textContent)).map((b) => b.textContent));
    assert(restarts.length <= 1, `restart actions: ${restarts.join(', ')}`);
    await page.screenshot({ path: `${artifacts}/class-diverged.png` });
  });

  await check('class-hide-survives-the-link', async (page) => {
    await page.goto(`${base}?${small}&hide=settings,teaching`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    assert(!(await page.isVisible('.settings-box')) && !(await page.isVisible('.teach')), 'hidden');
    assert(await page.isVisible('#presets'), 'the rest shown');
    await page.evaluate(() => { const s = document.getElementById('speed'); s.value = '3'; s.dispatchEvent(new Event('input')); });
    await page.click('#copy');
    const link = await page.inputValue('#link');
    assert(/hide=settings(%2C|,)teaching/.test(link) && /speed=3/.test(link), `the link box: ${link}`);
    const page2 = await page.context().newPage();
    await page2.goto(link);
    await page2.waitForFunction(() => document.body.dataset.state === 'idle');
    assert(!(await page2.isVisible('.settings-box')) && await page2.isVisible('#presets'), 'the link hides them too');
    await page2.screenshot({ path: `${artifacts}/class-hide.png` });
    await page2.goto(`${base}?hide=menu`);
    await page2.waitForFunction(() => document.body.dataset.state === 'idle');
    assert((await page2.textContent('#message')).includes("parameter 'hide' = 'menu'"), 'a bad part is named');
  });

  await check('class-lesson-pauses-at-grokking', async (page) => {
    await page.goto(`${base}?preset=wd2&steps=450&every=15&autostart=1&backend=cpu&speed=64&lesson=1`);
    const seen = [];
    for (;;) {
      await page.waitForFunction(() => document.body.dataset.lesson || ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 240_000 });
      const moment = await page.evaluate(() => document.body.dataset.lesson);
      if (!moment) break;
      seen.push(moment);
      assert(await state(page) === 'paused' && await page.isVisible('#lesson-caption'), `paused at ${moment}`);
      if (moment === 'grokked') {
        assert(Number(await metric(page, 'test_acc')) >= 0.95, `test accuracy ${await metric(page, 'test_acc')}`);
        await redrawn(page);
        await page.screenshot({ path: `${artifacts}/class-lesson-grokked.png` });
      }
      await page.click('#lesson-continue');
    }
    assert(seen.includes('memorised') && seen.includes('grokked'), `moments: ${seen.join(', ')}`);
    assert(seen.indexOf('memorised') < seen.indexOf('grokked'), `in order: ${seen.join(', ')}`);
    await finish(page);
  });

  await check('class-reload-restores-the-last-run', async (page) => {
    await page.goto(`${base}?${small}&steps=40`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    await page.click('#start');
    const run = await finish(page, 60_000);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state === 'done');
    assert(await metric(page, 'step') === run.step && await metric(page, 'train_loss') === run.train_loss, 'the same run');
    assert(await page.isVisible('#saved'), 'with a note');
    await redrawn(page);
    await page.screenshot({ path: `${artifacts}/class-restored.png` });
    await page.click('#forget-saved');
    assert(!(await page.isVisible('#saved')), 'forgotten');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    assert(!(await page.isVisible('#saved')), 'gone after a reload');
  });
  await check('class-the-charts-say-the-engine-is-starting', async (page) => {
    // A GPU compiling its shaders takes seconds (SwiftShader here): the charts must not say "press Start".
    await page.goto(`${base}?p=23&hidden=32&steps=30&every=0&autostart=1&backend=gpu`);
    await page.waitForFunction(() => (document.getElementById('summary-accuracy').textContent || '').includes('starting'), null, { timeout: 20_000 });
    await finish(page, 120_000);
    const summary = await page.textContent('#summary-accuracy');
    assert(!summary.includes('starting') && !summary.includes('press Start'), `after the run: ${summary}`);
  });
}
