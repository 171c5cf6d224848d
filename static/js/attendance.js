// Attendance on weak signal: the day's ticks are kept in this tab (sessionStorage) from the
// first change until the server confirms the save, so a failed save followed by Back or a
// reload does not lose them. Staff pages are sent with "Cache-Control: no-store", so Back
// fetches the page afresh with the server's ticks: those we kept are put back over them and a
// "not saved yet" notice says so.
//
// Kept under "registry.attendance.<seminar>.<day>.<roster version>": the roster version is a
// fingerprint of who is listed, so ticks are never put back onto a list that has changed.
// After a successful save the server marks the next attendance page (data-saved-day) and
// everything kept for that day is forgotten.
(function () {
  "use strict";
  var form = document.querySelector("form[data-attendance-day]");
  if (!form) { return; }
  var storage;
  try {
    storage = window.sessionStorage;
    storage.setItem("registry.probe", "1");
    storage.removeItem("registry.probe");
  } catch (error) {
    return;  // storage switched off (private mode, policy): the page works as before
  }
  var seminar = form.getAttribute("data-attendance-seminar");
  var prefix = "registry.attendance." + seminar + ".";
  var key = prefix + form.getAttribute("data-attendance-day") + "." +
            form.getAttribute("data-roster-version");
  var notice = document.getElementById("attendance-unsaved");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=present]"));

  function forgetDay(day) {
    var dayPrefix = prefix + day + ".";
    for (var i = storage.length - 1; i >= 0; i -= 1) {
      var name = storage.key(i);
      if (name && name.indexOf(dayPrefix) === 0) { storage.removeItem(name); }
    }
  }

  function showNotice(shown) {
    if (!notice) { return; }
    if (shown) {
      notice.textContent = notice.getAttribute("data-message");
      notice.className = "unsaved-notice flash flash-warning";
    } else {
      notice.textContent = "";
      notice.className = "unsaved-notice";
    }
  }

  // The ids ticked: by the user now (checked) or by the server's page (defaultChecked).
  function ticked(which) {
    return boxes.filter(function (box) { return box[which]; })
                .map(function (box) { return box.value; });
  }

  function sameTicks(a, b) {
    return a.length === b.length && a.every(function (id) { return b.indexOf(id) !== -1; });
  }

  function keep(present) {
    if (sameTicks(present, ticked("defaultChecked"))) {
      storage.removeItem(key);  // back to what the server holds: nothing is unsaved
      showNotice(false);
      return;
    }
    try {
      storage.setItem(key, JSON.stringify({present: present, kept: Date.now()}));
    } catch (error) {
      // storage full: nothing more can be kept, the form itself still holds the ticks
    }
  }

  function restore() {
    var raw = storage.getItem(key);
    var kept = null;
    try { kept = raw && JSON.parse(raw); } catch (error) { kept = null; }
    if (!kept || !Array.isArray(kept.present)) {
      if (raw) { storage.removeItem(key); }
      showNotice(false);
      return;
    }
    var present = kept.present.map(String);
    boxes.forEach(function (box) { box.checked = present.indexOf(box.value) !== -1; });
    if (sameTicks(ticked("checked"), ticked("defaultChecked"))) {
      storage.removeItem(key);
      showNotice(false);
    } else {
      showNotice(true);
    }
  }

  var savedDay = form.getAttribute("data-saved-day");
  if (savedDay) { forgetDay(savedDay); }

  // A completed (or not yet started) seminar's page has no save button: nothing to keep.
  if (!form.querySelector("button[type=submit]") || boxes.every(function (box) { return box.disabled; })) {
    return;
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "present") { keep(ticked("checked")); }
  });
  var allPresent = form.querySelector("button[name=all_present]");
  if (allPresent) {
    // "Mark all present and save" ticks nobody on screen; if its save fails, what was asked
    // for - everyone present - is what comes back.
    allPresent.addEventListener("click", function () {
      keep(boxes.map(function (box) { return box.value; }));
    });
  }
  restore();
  // A page brought back from the back-forward cache runs no script again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { restore(); } });
})();
