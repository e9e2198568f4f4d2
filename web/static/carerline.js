// Start GOV.UK Frontend's components. A module script, so it runs only in browsers that support
// them, which is what govuk-frontend-supported means; kept out of the page to allow a strict CSP.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
