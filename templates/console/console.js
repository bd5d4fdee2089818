// The console's only script: progressive help, the screens work without it.
// - a "go back" link goes back in history when there is one;
// - buttons with data-confirm ask before a step that cannot be undone.
document.addEventListener("click", function (e) {
  var back = e.target.closest("a[data-back]");
  if (back && window.history.length > 1) {
    e.preventDefault();
    window.history.back();
  }
});
document.addEventListener("submit", function (e) {
  var form = e.target;
  var ask = form.getAttribute("data-confirm");
  if (ask && !window.confirm(ask)) {
    e.preventDefault();
  }
});
