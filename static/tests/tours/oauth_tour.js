/** @odoo-module */
import { registry } from "@web/core/registry";

/** The OAuth pages of issue #23 as a user meets them: the consent page an
 * AI assistant sends them to (after Odoo's login form), and Connected Apps
 * in their preferences. tests/test_oauth_tours.py starts them and checks
 * what the client gets. */

const CLIENT = "Tour Assistant";

/** Odoo's own login form, as the user fills it in. */
function loginSteps(login, password) {
    return [
        { trigger: 'form.oe_login_form input[name="login"]', run: `edit ${login}` },
        { trigger: 'form.oe_login_form input[name="password"]', run: `edit ${password}` },
        { trigger: 'form.oe_login_form button[type="submit"]', run: "click", expectUnloadPage: true },
    ];
}

/** The consent page names the client, where it sends the user back, and
 * what it asks (here: read and change). */
const consentShown = [
    { trigger: `form.o_oauth_consent h5:contains("${CLIENT}")` },
    { trigger: 'form.o_oauth_consent p:contains("It will be sent back to") strong:contains("127.0.0.1:")' },
    { trigger: 'form.o_oauth_consent p:contains("read and change")' },
];

/** Back in Odoo (the test's redirect URI sends the browser on to the
 * Connected Apps list): the list, with or without the app. */
const connectedApps = { trigger: ".o_action_manager .o_view_controller" };

registry.category("web_tour.tours").add("json_rpc_token_oauth_consent_tour", {
    steps: () => [
        // the test user of tests/common.py (its PASSWORD)
        ...loginSteps("integrator", "Integrator-pass-2026"),
        ...consentShown,
        // narrowed: reading only, partners only
        { trigger: 'form.o_oauth_consent input[name="read_only"]', run: "check" },
        { trigger: 'form.o_oauth_consent input[name="models"]', run: "edit res.partner" },
        { trigger: 'form.o_oauth_consent button[value="approve"]', run: "click", expectUnloadPage: true },
        connectedApps,
        { trigger: `.o_data_row:has(td[name="client_id"]:contains("${CLIENT}")) td[name="scope_models"]:contains("res.partner")` },
    ],
});

registry.category("web_tour.tours").add("json_rpc_token_oauth_deny_tour", {
    steps: () => [
        ...consentShown,
        { trigger: 'form.o_oauth_consent button[value="deny"]', run: "click", expectUnloadPage: true },
        connectedApps,
        { trigger: ".o_view_nocontent:contains('No app connected yet')" },
    ],
});

/** Ends on the consent page as it is first shown (the manual's picture). */
registry.category("web_tour.tours").add("json_rpc_token_oauth_consent_page_tour", {
    steps: () => [...consentShown, { trigger: 'form.o_oauth_consent button[value="deny"]' }],
});

/** The user revokes the app from their preferences. */
registry.category("web_tour.tours").add("json_rpc_token_connected_apps_tour", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu .dropdown-toggle", run: "click" },
        { trigger: '.dropdown-item[data-menu="settings"]', run: "click" },
        // the preferences' Account Security tab
        { trigger: '.modal .o_notebook a.nav-link:contains("Account Security")', run: "click" },
        { trigger: '.modal .o_form_view button:contains("Connected Apps")', run: "click" },
        { trigger: `.o_data_row td[name="client_id"]:contains("${CLIENT}")` },
        { trigger: `.o_data_row:has(td[name="client_id"]:contains("${CLIENT}")) button[name="action_revoke"]`, run: "click" },
        { trigger: ".modal .modal-footer .btn-primary", run: "click" },
        { trigger: ".o_view_nocontent:contains('No app connected yet')" },
    ],
});
