/* Starts Swagger UI on the page of /json-call/docs. A file rather than an
 * inline script: the page's Content-Security-Policy allows scripts of this
 * server only. Not an Odoo asset: the page is served without a database. */
(function () {
    "use strict";
    const root = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
        url: root.dataset.url,
        domNode: root,
        deepLinking: true,
        presets: [window.SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        // no badge from validator.swagger.io: nothing is loaded from another host
        validatorUrl: null,
    });
})();
