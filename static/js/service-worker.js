// The service worker of the public pages (served at /sw.js with its settings in front:
// self.REGISTRY_VERIFIER, see registry/certificates/service_worker.py).
//
// It keeps on the phone what the offline verifier needs - the /verify page and what it loads,
// the published keys and the signed status list - and refreshes them whenever the network
// answers, so a phone that opened the registry once can check a certificate in airplane mode:
// * the keys and the status list: network first (the status list says itself, signed, when
//   it was made: the page names its age from that);
// * the page and its files: network first (a new verifier reaches the phone at once), the
//   kept copy when the network fails or is too slow;
// * a /v/... or /V/... page (a QR code opened in a camera app): the registry's own page when
//   it answers, the verifier otherwise - which reads the signed record in the fragment.
"use strict";

const SETTINGS = self.REGISTRY_VERIFIER;
const CACHE = "registry-verifier-" + SETTINGS.version;
const NETWORK_TIMEOUT_MS = 6000;  // a weak signal: the kept copy rather than a long wait

function fromNetwork(request) {
  const controller = new AbortController();
  const timer = setTimeout(function () { controller.abort(); }, NETWORK_TIMEOUT_MS);
  return fetch(request, {signal: controller.signal, cache: "no-store"}).then(
    function (response) { clearTimeout(timer); return response; },
    function (error) { clearTimeout(timer); throw error; });
}

function keep(url, response) {
  if (!response.ok) { return Promise.resolve(response); }
  return caches.open(CACHE).then(function (cache) {
    return cache.put(url, response.clone());
  }).then(function () { return response; });
}

function refreshAll() {
  const all = [SETTINGS.verifier].concat(SETTINGS.shell, SETTINGS.data);
  return Promise.all(all.map(function (url) {
    return fromNetwork(url).then(function (r) { return keep(url, r); })
      .catch(function () { return null; });
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(refreshAll().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("registry-verifier-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(url, {ignoreSearch: true});
  });
}

// Network first; the kept copy when the network fails, times out or the server is down (5xx:
// nginx answers 502 while the application is stopped).
function networkFirst(request, url) {
  return fromNetwork(request).then(function (response) {
    if (response.status >= 500) { throw new Error("server " + response.status); }
    return keep(url, response);
  }).catch(function () {
    return kept(url).then(function (copy) {
      if (copy) { return copy; }
      return new Response("", {status: 504, statusText: "offline"});
    });
  });
}

// Any registry page opened online refreshes the keys and the status list too (at most every
// few minutes): a phone whose owner only ever scans with the camera app, and so opens /V/...
// pages, keeps a fresh list for the day it has no signal.
const DATA_REFRESH_MS = 5 * 60 * 1000;
let dataRefreshedAt = 0;

function refreshData() {
  if (Date.now() - dataRefreshedAt < DATA_REFRESH_MS) { return Promise.resolve(); }
  dataRefreshedAt = Date.now();
  return Promise.all(SETTINGS.data.map(function (url) {
    return fromNetwork(url).then(function (response) {
      if (response.status >= 500) { throw new Error("server " + response.status); }
      return keep(url, response);
    }).catch(function () { dataRefreshedAt = 0; });
  }));
}

function isVerificationPage(path) {
  return SETTINGS.verification_prefixes.some(function (prefix) {
    return path.indexOf(prefix) === 0;
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  const path = url.pathname;
  if (request.mode === "navigate") { event.waitUntil(refreshData()); }
  if (SETTINGS.data.indexOf(path) >= 0) {
    event.respondWith(networkFirst(request, path));
  } else if (path === SETTINGS.verifier && request.mode === "navigate") {
    event.respondWith(networkFirst(request, SETTINGS.verifier));
  } else if (request.mode === "navigate" && isVerificationPage(path)) {
    // The registry's own page when it answers (today's status, online); else the verifier.
    event.respondWith(fromNetwork(request).then(function (response) {
      if (response.status >= 500) { throw new Error("server " + response.status); }
      return response;
    }).catch(function () {
      return kept(SETTINGS.verifier).then(function (copy) {
        return copy || new Response("", {status: 504, statusText: "offline"});
      });
    }));
  } else if (SETTINGS.shell.indexOf(path) >= 0) {
    event.respondWith(networkFirst(request, path));
  }
});
