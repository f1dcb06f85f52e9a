/* okrapp — progressive enhancement for forms (issue 24). Without this file every field shows and the
   server still takes only the fields of the chosen kind; with it a form shows only those.
   Markup: <div data-show-when="change:weight target"> shows while the form's control named "change"
   holds "weight" or "target". Hidden with the `hidden` attribute, so screen readers skip them too. */
(function () {
  "use strict";
  function refresh(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var rule = box.getAttribute("data-show-when").split(":");
      var control = form.elements[rule[0]];
      if (!control) { return; }
      var wanted = rule[1].split(" ");
      box.hidden = wanted.indexOf(control.value) === -1;
    });
  }
  function start() {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-when]")) { return; }
      form.addEventListener("change", function () { refresh(form); });
      refresh(form);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
