// The page benchmark (run by `cargo xtask bench page`): in Debian's headless Chromium, the
// time from navigation to step STEPS of the paper's wd2 run with measures every 5 steps,
// on the GPU engine (whatever adapter the browser gives) and on the CPU engine with one
// and with two analysis workers, and the longest gap between animation frames in each run.
// Usage: node tests/browser/bench.mjs BASE_URL [--steps N] [--limit-s S] [--gpu-limit-s S]
// A run still short of STEPS after its limit (S seconds; the GPU's own, since a software
// adapter such as SwiftShader is far slower) is timed to the step it reached and the time
// to STEPS extrapolated at its rate since the first step; its row says so.
// Prints one markdown table row per measurement.
import { chromium } from 'playwright-core';

const [base, ...rest] = process.argv.slice(2);
const flags = { '--steps': 4000, '--limit-s': 900, '--gpu-limit-s': 300 };
for (let i = 0; i < rest.length; i += 2) {
  const value = Number(rest[i + 1]);
  if (!(rest[i] in flags) || !Number.isInteger(value) || value < 1) {
    console.error(`bench.mjs: '${rest.slice(i, i + 2).join(' ')}': expected ${Object.keys(flags).join(', ')} followed by a positive integer`);
    process.exit(2);
  }
  flags[rest[i]] = value;
}
if (!base) {
  console.error('usage: node tests/browser/bench.mjs BASE_URL [--steps N] [--limit-s S] [--gpu-limit-s S]');
  process.exit(2);
}
const steps = flags['--steps'];

// The browser suite's flags (tests/browser/page.mjs).
const args = [
  '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });

// In the page: the longest gap between animation frames once training has begun (loading the
// wasm is not the run's), and when the run was done, both in ms since navigation.
const watch = () => {
  window.bench = { gap: 0, doneAt: null };
  let last = null;
  const tick = (t) => {
    if (document.body && document.body.dataset.firstStepMs) {
      if (last !== null) window.bench.gap = Math.max(window.bench.gap, t - last);
      last = t;
      if (window.bench.doneAt === null && document.body.dataset.state === 'done') window.bench.doneAt = t;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

async function measure(backend, workers, limitS) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.addInitScript(watch);
  // speed=64: the page's cap on steps per frame is not what is measured.
  const query = `preset=wd2&steps=${steps}&every=5&speed=64&backend=${backend}&autostart=1${workers ? `&workers=${workers}` : ''}`;
  await page.goto(`${base}?${query}`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: limitS * 1000, polling: 500 })
    .catch(() => {});
  const r = await page.evaluate(() => {
    const metric = (m) => document.querySelector(`[data-metric="${m}"]`).textContent;
    return {
      now: performance.now(), state: document.body.dataset.state, first: Number(document.body.dataset.firstStepMs),
      step: Number(metric('step')), engine: metric('engine'), workers: metric('workers'),
      adapter: document.getElementById('adapter').textContent, software: !document.getElementById('use-cpu').hidden,
      message: document.getElementById('message').textContent, ...window.bench,
    };
  });
  await context.close();
  if (r.state === 'error' || !(r.step > 1)) throw new Error(`${query}: state ${r.state} at step ${r.step}: ${r.message}`);
  const done = r.state === 'done';
  const ms = done ? r.doneAt : r.first + (r.now - r.first) * (steps - 1) / (r.step - 1);
  const adapter = r.engine === 'webgpu' ? `WebGPU, ${r.software ? 'software adapter' : 'adapter'} "${r.adapter}"` : 'CPU engine (wasm, one thread)';
  const how = done ? 'measured' : `extrapolated from step ${r.step} at ${((r.now - r.first) / 1000).toFixed(0)} s after the first step`;
  const rate = (steps - 1) / ((ms - r.first) / 1000);
  console.log(`| ${adapter} | ${r.workers} | ${(ms / 1000).toFixed(1)} (${how}) | ${(r.first / 1000).toFixed(2)} | ${rate.toFixed(1)} | ${r.gap.toFixed(0)} |`);
}

console.log(`| engine | analysis workers | s from navigation to step ${steps}, every measure in | s to the first step | steps/s after it | longest frame gap (ms) |`);
console.log('|---|---|---|---|---|---|');
let failed = 0;
for (const [backend, workers, limit] of [['cpu', 1, '--limit-s'], ['cpu', 2, '--limit-s'], ['gpu', null, '--gpu-limit-s']]) {
  await measure(backend, workers, flags[limit]).catch((e) => {
    failed++;
    console.log(`| ${backend}, workers=${workers ?? 'default'} | | failed: ${String(e.message).split('\n')[0]} | | | |`);
  });
}
await browser.close();
process.exit(failed ? 1 : 0);
