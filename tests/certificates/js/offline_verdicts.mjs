// Runs static/js/verifier.js (the page's own code) on the cases given as JSON on stdin:
//   {"fallback": bool, "cases": [{"url", "keys_document", "status_document", "today"}]}
// and prints {"implementation", "results": [offlineVerdict(...)]} as JSON.
// Used by tests/certificates/test_verifier_js.py; "fallback" forces @noble/ed25519.
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const verifier = await import(path.join(here, "..", "..", "..", "static", "js", "verifier.js"));
const input = JSON.parse(readFileSync(0, "utf-8"));
verifier.forceFallbackEd25519(Boolean(input.fallback));
const results = [];
for (const c of input.cases) {
  results.push(await verifier.offlineVerdict(c.url, {keysDocument: c.keys_document,
                                                     statusDocument: c.status_document,
                                                     today: c.today}));
}
process.stdout.write(JSON.stringify({implementation: verifier.ed25519Implementation(),
                                     results}));
