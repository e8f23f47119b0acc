// Measures checkpoints off the page's thread (src/web/analyst.rs): the same
// wasm module, whose page entry point does nothing without a window.
import init, { measure_checkpoint } from './grokscope.js';

const ready = init();
onmessage = async ({ data: [run, query, step, rows, acts] }) => {
  await ready;
  try {
    postMessage([run, step, measure_checkpoint(query, step, acts, rows)]);
  } catch (e) {
    postMessage([run, step, null, String(e)]);
  }
};
