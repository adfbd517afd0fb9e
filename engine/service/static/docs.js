"use strict";
// Interactive API docs from the package's own copy of Swagger UI (no CDN).
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
});
