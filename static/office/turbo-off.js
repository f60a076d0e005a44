// Forms post as plain page loads and their answers render with their real status.
// Through Turbo Drive, a form shown again (errors, a confirmation step) had to answer 422 for
// Turbo to render it, which the browser logs as a failed request. Links keep Turbo.
function officePlainForms() {
  document.querySelectorAll("form:not([data-turbo])").forEach(function (form) {
    form.setAttribute("data-turbo", "false");
  });
}
document.addEventListener("DOMContentLoaded", officePlainForms);
document.addEventListener("turbo:load", officePlainForms);
document.addEventListener("turbo:render", officePlainForms);
