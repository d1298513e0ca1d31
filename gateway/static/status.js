// Refresh the overview counts every 15 seconds without reloading the page (keeps focus and
// form input intact). Without JavaScript the page still works; it just does not refresh.
(function () {
  var box = document.querySelector("[data-refresh]");
  if (!box) return;
  setInterval(function () {
    fetch(box.getAttribute("data-refresh"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {});
  }, 15000);
})();
