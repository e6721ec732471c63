/*
 * Starts Swagger UI on /api/openapi.json. Everything it needs comes from this gateway
 * (swagger-ui-dist, served from node_modules): no CDN, no online validator.
 */
window.addEventListener("load", function () {
	"use strict";
	var ui = SwaggerUIBundle({
		url: "/api/openapi.json",
		dom_id: "#swagger-ui",
		deepLinking: true,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout",
		validatorUrl: null,
		persistAuthorization: true,
		tryItOutEnabled: true,
		displayRequestDuration: true,
		defaultModelsExpandDepth: 0,
	});
	// Pre-fill X-User-Id with the web UI's user (same browser), so "Try it out" works at once.
	var userId = localStorage.getItem("gozon.userId");
	if (userId) {
		var once = setInterval(function () {
			if (ui.getSystem().specSelectors.isOAS3 && ui.getSystem().specSelectors.specJson().size) {
				clearInterval(once);
				ui.preauthorizeApiKey("userId", userId);
			}
		}, 100);
		setTimeout(function () { clearInterval(once); }, 10000);
	}
	window.ui = ui;
});
