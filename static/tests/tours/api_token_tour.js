/** @odoo-module */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { browser } from "@web/core/browser/browser";
import { patch } from "@web/core/utils/patch";

const SECRET = /[A-Za-z0-9_-]{43}/;

/** In the open New API Token dialog: name the token, generate it and, as for
 * Odoo's API keys, confirm with ``password``. */
function generateSteps(name, password) {
    return [
        // the label is marked required before anything is typed
        { trigger: '.modal div[name="name"].o_required_modifier input' },
        { trigger: '.modal div[name="name"] input', run: `edit ${name}` },
        { trigger: '.modal button[name="action_generate"]', run: "click" },
        { trigger: '.modal div[name="password"] input', run: `edit ${password}` },
        { trigger: '.modal button#password_confirm', run: "click" },
    ];
}

/** Undoes the late frames of the backend tour. */
let slowFrames = () => {};

registry.category("web_tour.tours").add("json_rpc_token_backend_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("base.menu_administration", "Open Settings"),
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_token_wizard_menu"]', run: "click" },
        ...generateSteps("Tour integration", "admin"),
        // the secret, shown once, with a copy button
        { trigger: '.modal div[name="secret"] .o_clipboard_button' },
        {
            trigger: '.modal div[name="secret"]',
            run() {
                if (!SECRET.test(this.anchor.textContent)) {
                    throw new Error(`the token is not shown: "${this.anchor.textContent}"`);
                }
            },
        },
        { trigger: '.modal button:contains("Done")', run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_token_menu"]', run: "click" },
        {
            // As on a busy machine, what waits for the next frame
            // (browser.requestAnimationFrame) waits long: Odoo's own
            // statusbar then misses the revocation (see the form's
            // json_rpc_token_statusbar); 1.5 s makes that certain.
            trigger: ".o_list_view",
            run() {
                const draw = browser.requestAnimationFrame.bind(browser);
                slowFrames = patch(browser, {
                    requestAnimationFrame: (callback) => setTimeout(() => draw(callback), 1500),
                });
            },
        },
        { trigger: '.o_data_row td[name="name"]:contains("Tour integration")', run: "click" },
        // never shown again: the form has no trace of it
        {
            trigger: '.o_form_view .o_statusbar_status',
            run() {
                if (SECRET.test(document.querySelector(".o_form_view").textContent)) {
                    throw new Error("the token's secret is shown again");
                }
            },
        },
        { trigger: '.o_form_view button[name="action_revoke"]', run: "click" },
        { trigger: ".modal .modal-footer .btn-primary", run: "click" },
        { trigger: '.o_statusbar_status .o_arrow_button_current:contains("Revoked")' },
        { trigger: '.o_form_view:not(:has(button[name="action_revoke"]))', run: () => slowFrames() },
    ],
});

/** A token manager, opening the wizard from its address, issues a token for
 * an integration user; the list shows it as soon as the dialog is closed,
 * and the secret shown works on /json-call. */
registry.category("web_tour.tours").add("json_rpc_token_manager_tour", {
    steps: () => {
        let secret = null;
        return [
            // opened by its address, the wizard has no screen behind it: the token list
            { trigger: '.o_list_view' },
            { trigger: '.o_control_panel button:contains("New Token")', run: "click" },
            { trigger: '.modal div[name="user_id"] input', run: "edit Integration Bot" },
            { trigger: '.o-autocomplete--dropdown-menu a:contains("Integration Bot")', run: "click" },
            ...generateSteps("Bot sync", "Manager-pass-2026"),
            {
                trigger: '.modal div[name="secret"]:has(.o_clipboard_button)',
                run() {
                    secret = (this.anchor.textContent.match(SECRET) || [])[0];
                    if (!secret) {
                        throw new Error(`the token is not shown: "${this.anchor.textContent}"`);
                    }
                },
            },
            {
                trigger: ".modal",
                async run() {
                    const response = await fetch("/json-call", {
                        method: "POST",
                        headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
                        body: JSON.stringify({
                            jsonrpc: "2.0", method: "call",
                            params: { model: "res.users", method: "context_get" },
                        }),
                    });
                    const answer = await response.json();
                    if (!answer.result) {
                        throw new Error(`the token does not work: ${JSON.stringify(answer)}`);
                    }
                    // gone if the page is reloaded
                    document.body.dataset.tokenTourPage = "kept";
                },
            },
            { trigger: '.modal button:contains("Done")', run: "click" },
            { trigger: "body:not(:has(.modal))" },
            // no reload, no navigation: the list shows the new token
            {
                trigger:
                    'body[data-token-tour-page="kept"] ' +
                    '.o_data_row:has(td[name="name"]:contains("Bot sync")):contains("Integration Bot")',
            },
        ];
    },
});

/** The token-ready dialog gives, beside the token, one line per dialect that
 * uses it at once on this server, each with its copy button; the tour ends
 * on the dialog (the manual's picture of it). */
const DIALECT_LINES = {
    json_call_line: "/json-call",
    rest_line: "/api/res.partner/",
    json2_line: "/json/2/res.partner/search_count",
    rpc_line: "/jsonrpc",
    mcp_line: "/mcp?db=",
};
registry.category("web_tour.tours").add("json_rpc_token_token_ready_tour", {
    url: "/odoo/action-json_rpc_token.api_token_action",
    steps: () => [
        { trigger: '.o_control_panel button:contains("New Token")', run: "click" },
        ...generateSteps("Shop sync", "admin"),
        { trigger: '.modal div[name="mcp_line"] .o_clipboard_button' },
        {
            trigger: '.modal div[name="secret"]',
            run() {
                const secret = (this.anchor.textContent.match(SECRET) || [])[0];
                for (const [field, path] of Object.entries(DIALECT_LINES)) {
                    const line = document.querySelector(`.modal div[name="${field}"]`);
                    const text = line ? line.textContent : "";
                    if (!text.includes(location.origin + path) || !text.includes(secret)) {
                        throw new Error(`${field} is "${text}"`);
                    }
                    if (!line.querySelector(".o_clipboard_button")) {
                        throw new Error(`${field} has no copy button`);
                    }
                }
            },
        },
    ],
});
