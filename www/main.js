// Loads the wasm module; everything else happens in Rust (src/web/).
import init, { fingerprint } from './grokscope.js';

init().then(() => {
  // For the browser tests: the split/initial-weights digest of a query.
  window.grokscope = { fingerprint };
}).catch((e) => {
  document.getElementById('message').textContent = `Could not start grokscope: ${e}`;
  document.body.dataset.state = 'error';
});
