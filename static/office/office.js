// Page behaviour that used to sit in inline handlers, which the Content-Security-Policy forbids
// (script-src 'self': no onclick="…", no javascript: links). Delegated from the document, so it
// also works on pages Turbo swaps in.
//   <button data-confirm="确定撤销？">  asks first; Cancel keeps the form from being sent.
//   <a href="/" data-history-back>      goes back a page (the href is where it goes without JS).
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target : null;
  var asking = target && target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  var back = target && target.closest("[data-history-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
