// Loads the wasm module; everything else happens in Rust (src/web/).
import init, { fingerprint, measure_checkpoint, measure_weights } from './grokscope.js';

init().then(() => {
  // For the browser tests: the split/initial-weights digest of a query, and
  // the worker's two measures, timed side by side for BENCHMARKS.md.
  window.grokscope = { fingerprint, measure_checkpoint, measure_weights };
}).catch((e) => {
  document.getElementById('message').textContent = `Could not start grokscope: ${e}`;
  document.body.dataset.state = 'error';
});
