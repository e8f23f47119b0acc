// Measures checkpoints off the page's thread (src/web/analyst.rs): the same
// wasm module, whose page entry point does nothing without a window. The
// O-information measures from the activations, the weight measures from
// the parameters and the engine's training logits.
import init, { measure_checkpoint, measure_weights } from './grokscope.js';

const ready = init();
onmessage = async ({ data: [run, query, step, rows, acts, theta, logits] }) => {
  await ready;
  try {
    postMessage([run, step, measure_checkpoint(query, step, acts, rows), measure_weights(query, step, theta, logits)]);
  } catch (e) {
    postMessage([run, step, null, String(e)]);
  }
};
