// Page tests in Debian's headless Chromium with WebGPU (SwiftShader here).
// Usage: node tests/browser/page.mjs BASE_URL FINGERPRINT_QUERY NATIVE_FINGERPRINT
// Screenshots go to tests/artifacts/. Ends with "N passed, M failed".
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, fpQuery, fpNative] = process.argv.slice(2);
const artifacts = 'tests/artifacts';
mkdirSync(artifacts, { recursive: true });

const args = [
  '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
// launch() gives every run a fresh temporary profile (its own --user-data-dir).
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });

let passed = 0, failed = 0;
async function check(name, body) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await body(page);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
    await page.screenshot({ path: `${artifacts}/${name}-failure.png` }).catch(() => {});
  } finally {
    await page.close();
  }
}

function assert(cond, msg) { if (!cond) throw new Error(msg); }
const metric = (page, name) => page.textContent(`[data-metric="${name}"]`);

async function runToDone(page, query, shot) {
  await page.goto(`${base}?${query}`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 240_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  const msg = await page.textContent('#message');
  assert(state === 'done', `state ${state}: ${msg}`);
  if (shot) await page.screenshot({ path: `${artifacts}/${shot}.png`, fullPage: true });
  const out = {};
  for (const m of ['step', 'train_acc', 'test_acc', 'train_loss', 'test_loss', 'engine']) out[m] = await metric(page, m);
  return out;
}

const small = 'preset=wd2&p=23&hidden=64&steps=40&every=0&autostart=1';
let gpuRun;
await check('trains-on-webgpu', async (page) => {
  gpuRun = await runToDone(page, `${small}&backend=gpu`, 'webgpu-run');
  assert(gpuRun.engine === 'webgpu', `engine ${gpuRun.engine}`);
  assert(Number(gpuRun.step) === 40, `step ${gpuRun.step}`);
  assert(Number.isFinite(Number(gpuRun.train_loss)) && Number(gpuRun.train_acc) >= 0.9, JSON.stringify(gpuRun));
});

await check('cpu-engine-agrees-with-webgpu', async (page) => {
  const cpu = await runToDone(page, `${small}&backend=cpu`);
  assert(cpu.engine === 'cpu', `engine ${cpu.engine}`);
  for (const m of ['train_loss', 'test_loss']) {
    const [a, b] = [Number(cpu[m]), Number(gpuRun[m])];
    assert(Math.abs(a - b) <= 0.01 * Math.abs(a), `${m}: cpu ${a} vs webgpu ${b}`);
  }
});

await check('same-split-and-init-as-native', async (page) => {
  await page.goto(base);
  await page.waitForFunction(() => window.grokscope !== undefined);
  const fp = await page.evaluate((q) => window.grokscope.fingerprint(q), fpQuery);
  assert(fp === fpNative, `browser ${fp} vs native ${fpNative}`);
});

await check('bad-parameters-are-named-not-injected', async (page) => {
  await page.goto(`${base}?p=%3Cimg%20src%3Dx%20onerror%3Dwindow.pwned%3D1%3E&hidden=lots&preset=wd2`);
  await page.waitForFunction(() => document.body.dataset.state === 'idle');
  const msg = await page.textContent('#message');
  assert(msg.includes("'p'") && msg.includes("'hidden'"), `message: ${msg}`);
  assert((await page.$$('img')).length === 0, 'URL text became HTML');
  assert(await page.evaluate(() => window.pwned === undefined), 'injected handler ran');
  await page.screenshot({ path: `${artifacts}/bad-parameters.png` });
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
