// A page a teacher can project (issue #10): the phase key, sharp canvases at
// any device pixel ratio, enlarged charts, SVG and large PNG exports, the
// space bar on a focused button, a chart on the first screen at 150 %.
import { readFileSync } from 'node:fs';

export async function projectorChecks({ check, assert, base, artifacts, metric, state, finish, runToDone, painted, browser }) {
  const run = 'preset=wd2&p=23&hidden=64&steps=60&every=10&autostart=1&backend=cpu';
  const save = async (page, id) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
    return { name: d.suggestedFilename(), body: readFileSync(await d.path()) };
  };
  // Every chart canvas: backing pixels = CSS pixels x the device pixel ratio.
  const sharp = (page, dpr) => page.evaluate((r) => [...document.querySelectorAll('canvas[id^="chart-"]')]
    .filter((c) => c.offsetParent !== null)
    .map((c) => ({ id: c.id, ok: c.width === Math.round(c.clientWidth * r) && c.height === Math.round(c.clientHeight * r), got: `${c.width}x${c.height} for ${c.clientWidth}x${c.clientHeight}` })), dpr);

  await check('projector-key-sharp-canvases-enlarge-and-exports', async (page) => {
    await runToDone(page, run, 'projector-dpr2');
    await page.waitForTimeout(400); // the last redraw
    assert((await painted(page)).every((c) => c.ink > 0.02), 'every chart painted');
    for (const c of await sharp(page, 2)) assert(c.ok, `${c.id} is not at 2x: ${c.got}`);
    // The key's phases, read from the synergy chart's text alternative, are the teaching text's.
    const summary = await page.textContent('#summary-synergy');
    const shaded = (summary.match(/Phases shaded: ([^.]+)\./) || [])[1];
    assert(shaded, `no phases in the summary: ${summary}`);
    const taught = (await page.$$eval('.phases dt', (ds) => ds.map((d) => d.textContent.toLowerCase())));
    for (const name of shaded.split(', ')) assert(taught.includes(name), `phase ${name} is not in the teaching text ${taught}`);
    const now = (summary.match(/Phase now: ([^.]+)\./) || [])[1];
    assert(now && shaded.split(', ').includes(now), `current phase: ${summary}`);
    assert(now === await metric(page, 'phase'), `the key's current phase ${now} is the status's`);
    // Each chart has an accessible name and a description that says its values.
    const a11y = await page.$$eval('canvas[id^="chart-"]', (cs) => cs.map((c) => ({
      id: c.id, role: c.getAttribute('role'), label: c.getAttribute('aria-label'),
      description: document.getElementById(c.getAttribute('aria-describedby'))?.textContent || '',
    })));
    for (const c of a11y) assert(c.role === 'img' && c.label && /\d/.test(c.description), JSON.stringify(c));
    // Enlarge: the chart fills the window, redrawn sharp; Escape closes it.
    await page.click('#enlarge-accuracy');
    await page.waitForSelector('figure[data-enlarged] #chart-accuracy');
    await page.waitForTimeout(500);
    const big = await page.evaluate(() => {
      const c = document.getElementById('chart-accuracy');
      return { w: c.clientWidth, h: c.clientHeight, bw: c.width, win: innerWidth, winh: innerHeight };
    });
    assert(big.w >= 0.9 * big.win && big.h >= 0.6 * big.winh, `enlarged to ${big.w}x${big.h} of ${big.win}x${big.winh}`);
    assert(big.bw === Math.round(big.w * 2), `enlarged backing ${big.bw} for ${big.w}`);
    assert(await page.getAttribute('#enlarge-accuracy', 'aria-pressed') === 'true', 'the button says pressed');
    await page.screenshot({ path: `${artifacts}/enlarged-chart.png` });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('figure[data-enlarged]'));
    assert(await page.evaluate(() => document.fullscreenElement === null), 'out of fullscreen');
    assert(await page.getAttribute('#enlarge-accuracy', 'aria-pressed') === 'false', 'the button released');
    // The button again closes it too.
    await page.click('#enlarge-loss');
    await page.waitForSelector('figure[data-enlarged] #chart-loss');
    await page.click('#enlarge-loss');
    await page.waitForFunction(() => !document.querySelector('figure[data-enlarged]'));
    await page.waitForTimeout(400);
    for (const c of await sharp(page, 2)) assert(c.ok, `${c.id} after closing: ${c.got}`);
    // SVG: the chart itself; PNG: at least the displayed resolution.
    const svg = await save(page, '#svg-synergy');
    const text = svg.body.toString();
    assert(svg.name === 'grokscope-synergy.svg' && text.startsWith('<svg') && text.trim().endsWith('</svg>'), svg.name);
    assert(text.includes('Synergy and redundancy') && text.includes('<polyline') && text.includes(`${now} (now)`), 'the SVG is the synergy chart');
    const png = await save(page, '#png-accuracy');
    const shown = await page.evaluate(() => document.getElementById('chart-accuracy').width);
    const width = png.body.readUInt32BE(16);
    assert(png.body.subarray(1, 4).toString() === 'PNG' && width >= shown, `PNG ${width} px wide, shown at ${shown}`);
  }, { width: 1366, height: 900 }, { deviceScaleFactor: 2 });

  await check('space-on-a-focused-button-presses-it', async (page) => {
    await page.goto(`${base}?p=23&hidden=32&steps=2000&every=0&backend=cpu&speed=1`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    await page.keyboard.press('Space');
    assert(await state(page) === 'running', 'space with nothing focused starts');
    await page.waitForFunction(() => Number(document.querySelector('[data-metric="step"]').textContent) > 2);
    await page.focus('#reset');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    assert(await metric(page, 'step') === '', 'Reset pressed, not the run paused');
    assert(await page.evaluate(() => document.activeElement.id) === 'reset', 'focus stays on Reset');
  });

  await check('projector-150-percent-first-screen', async (page) => {
    await runToDone(page, run);
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${artifacts}/projector-150.png` });
    const box = await page.locator('#chart-accuracy').boundingBox();
    assert(box && box.y >= 0 && box.y + box.height <= 480 && box.width >= 300, `the accuracy chart at ${JSON.stringify(box)} in 853x480`);
    const [acc] = await painted(page, '#chart-accuracy');
    assert(acc.ink > 0.02, 'painted');
    for (const c of await sharp(page, 1.5)) assert(c.ok, `${c.id} is not at 1.5x: ${c.got}`);
  }, { width: 853, height: 480 }, { deviceScaleFactor: 1.5 });
}
