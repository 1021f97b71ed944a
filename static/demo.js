// Demo CRM: switching the acting user reloads the page as that user (the form works without it).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("acting-as");
  if (select) select.addEventListener("change", () => select.form.submit());
});
