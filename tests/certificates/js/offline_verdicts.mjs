// Runs static/js/verifier.js (the page's own code) on the cases given as JSON on stdin:
//   {"fallback": bool, "page": bool,
//    "cases": [{"url", "keys_document", "status_document", "today", "now"}]}
// and prints {"implementation", "results": [...]} as JSON: offlineVerdict(...) for each case
// (the verdict Python's offline_verdict gives too), or with "page" verdictFor(...) - what the
// page shows, with the phone's own checks (its clock "now", the status list's age).
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
  if (input.page) {
    results.push(await verifier.verdictFor({qrText: c.url, keysDoc: c.keys_document,
                                            statusDoc: c.status_document,
                                            now: new Date(c.now)}));
  } else {
    results.push(await verifier.offlineVerdict(c.url, {keysDocument: c.keys_document,
                                                       statusDocument: c.status_document,
                                                       today: c.today}));
  }
}
process.stdout.write(JSON.stringify({implementation: verifier.ed25519Implementation(),
                                     results}));
