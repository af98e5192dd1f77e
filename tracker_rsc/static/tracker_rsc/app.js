/* Tracker RSC: the few behaviours that need a script. No build step, no dependencies.
 * - [data-panel-url]: a button that loads a server-rendered fragment into its target.
 * - [data-confirm]: forms that ask before submitting.
 * - [data-progress-url]: the admin dashboard, redrawn from a JSON endpoint every few seconds.
 */
(function () {
  "use strict";

  function loadPanel(button) {
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) { return; }
    var open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      target.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = button.dataset.openLabel;
      return;
    }
    target.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = button.dataset.closeLabel;
    target.innerHTML = '<p class="panel-loading">Loading the LinkedIn panel…</p>';
    fetch(button.dataset.panelUrl, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/accounts/login/") !== -1) {
          window.location.reload();  // the session ended: sign in again
          return "";
        }
        return response.text().then(function (html) {
          if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
          return html;
        });
      })
      .then(function (html) { target.innerHTML = html; })
      .catch(function (error) {
        target.innerHTML = "";
        var p = document.createElement("p");
        p.className = "alert error";
        p.textContent = "The LinkedIn panel could not be loaded (" + error.message + "). Try again.";
        target.appendChild(p);
      });
  }

  function initPanels() {
    document.querySelectorAll("[data-panel-url]").forEach(function (button) {
      button.dataset.openLabel = button.textContent;
      button.addEventListener("click", function () { loadPanel(button); });
      if (button.dataset.autoOpen === "true") { loadPanel(button); }
    });
  }

  function initConfirms() {
    document.addEventListener("submit", function (event) {
      var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
      if (message && !window.confirm(message)) { event.preventDefault(); }
    });
  }

  /* --- Admin dashboard ------------------------------------------------------------------ */

  function pick(obj, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? value : value[key];
    }, obj);
  }

  function formatValue(value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (typeof value === "number") { return value.toLocaleString("en-GB"); }
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      var date = new Date(value);
      if (!isNaN(date)) { return date.toISOString().replace("T", " ").slice(0, 19) + " UTC"; }
    }
    return String(value);
  }

  function bind(root, data) {
    root.querySelectorAll("[data-bind]").forEach(function (el) {
      el.textContent = formatValue(pick(data, el.getAttribute("data-bind")));
    });
  }

  function drawBulk(root, bulk) {
    var box = root.querySelector("[data-bulk]");
    if (!box) { return; }
    if (!bulk) { return; }
    box.hidden = false;
    var empty = root.querySelector("[data-bulk-empty]");
    if (empty) { empty.hidden = true; }
    bind(box, bulk);
    var bar = box.querySelector("[data-bulk-bar]");
    if (bar) {
      bar.style.width = bulk.percent + "%";
      bar.parentElement.setAttribute("aria-valuenow", String(bulk.percent));
      bar.className = "bar-fill status-" + bulk.status;
    }
    box.setAttribute("data-status", bulk.status);
    var reasons = box.querySelector("[data-bulk-skipped]");
    if (reasons) {
      reasons.textContent = "";
      var items = bulk.skipped_list || [];
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "quiet";
        none.textContent = "Nothing skipped";
        reasons.appendChild(none);
      }
      items.forEach(function (item) {
        var li = document.createElement("li");
        var strong = document.createElement("strong");
        strong.textContent = formatValue(item.count);
        li.appendChild(strong);
        li.appendChild(document.createTextNode(" " + item.label));
        reasons.appendChild(li);
      });
    }
    var error = box.querySelector("[data-bulk-error]");
    if (error) {
      error.hidden = !bulk.error;
      error.textContent = bulk.error || "";
    }
  }

  function drawPeriodic(root, periodic) {
    (periodic || []).forEach(function (item) {
      var row = root.querySelector('[data-periodic="' + item.kind + '"]');
      if (row && item.run) { bind(row, item.run); }
    });
  }

  function initDashboard() {
    var root = document.querySelector("[data-progress-url]");
    if (!root) { return; }
    var url = root.getAttribute("data-progress-url");
    var every = (parseInt(root.getAttribute("data-poll-seconds"), 10) || 3) * 1000;
    var stamp = root.querySelector("[data-live-stamp]");
    function poll() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          drawBulk(root, data.bulk_sync);
          drawPeriodic(root, data.periodic);
          root.querySelectorAll("[data-counts]").forEach(function (el) { bind(el, data); });
          if (stamp) {
            stamp.textContent = "Live · updated " + new Date().toLocaleTimeString("en-GB");
            stamp.classList.remove("stale");
          }
        })
        .catch(function () {
          if (stamp) {
            stamp.textContent = "Live updates paused (server unreachable); retrying…";
            stamp.classList.add("stale");
          }
        });
    }
    window.setInterval(poll, every);
    poll();
  }

  function init() {
    initPanels();
    initConfirms();
    initDashboard();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
