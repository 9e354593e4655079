// A field is marked invalid while the problem beside it is shown. htmx swaps the problems (out of band),
// not the fields, so without this a field stays marked after its problem went, or is not marked when one
// arrives; a screen reader would announce the wrong state. The page's own render sets the same marks.
document.addEventListener("htmx:afterSettle", function () {
  document.querySelectorAll("[aria-describedby]").forEach(function (field) {
    var slots = field.getAttribute("aria-describedby").split(/\s+/).filter(function (id) {
      return /-error$/.test(id);
    });
    if (slots.length === 0) return;
    var shown = slots.some(function (id) {
      var slot = document.getElementById(id);
      return slot !== null && slot.textContent.trim() !== "";
    });
    if (shown) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  });
});
