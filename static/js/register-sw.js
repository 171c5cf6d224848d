// The public pages register the service worker (/sw.js, scope /): once a phone has opened
// one of them with the network on, the offline verifier works there in airplane mode.
(function () {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {
      // A browser that refuses it (private mode, a policy) simply checks online.
    });
  });
})();
