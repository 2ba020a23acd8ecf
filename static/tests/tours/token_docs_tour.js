/** @odoo-module */
import { registry } from "@web/core/registry";

/** tests/common.py's PASSWORD, of the test user "integrator" */
const PASSWORD = "Integrator-pass-2026";
/** the token the tour pastes, made as an integrator's script makes it */
let pasted = null;

async function logIn(params) {
    const response = await fetch("/json-call/user_authenticate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "omit",
        body: JSON.stringify({ jsonrpc: "2.0", params: { login: "integrator", password: PASSWORD, ...params } }),
    });
    return (await response.json()).result.token;
}

function listedModels() {
    return [...document.querySelectorAll(".o_jrt_models tr[data-model]")].map((row) => row.dataset.model);
}

/** An integrator without an Odoo session opens the model reference: a
 * revoked token is refused with its error; a token scoped to two models,
 * read-only, shows those models only and their read methods, with the
 * examples' token placeholder (the token only on request); then a login
 * and password typed show every model the user may read. */
registry.category("web_tour.tours").add("json_rpc_token_token_models_tour", {
    url: "/json_rpc_token/models",
    steps: () => [
        {
            trigger: 'body[data-jrt-ready="1"] .o_jrt_token_form .o_jrt_token_input',
            async run() {
                const revoked = await logIn({});
                await fetch("/json-call/user_logout", {
                    method: "POST",
                    headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ jsonrpc: "2.0", params: { token: revoked } }),
                });
                this.anchor.value = revoked;
            },
        },
        { trigger: ".o_jrt_token_submit", run: "click" },
        { trigger: '.o_jrt_token_error:not(.d-none):contains("The token has been revoked.")' },
        {
            trigger: ".o_jrt_token_input",
            async run() {
                pasted = await logIn({ scope: { models: ["res.partner", "res.country"], read_only: true } });
                this.anchor.value = pasted;
            },
        },
        { trigger: ".o_jrt_token_submit", run: "click" },
        {
            trigger: '.o_jrt_models tr[data-model="res.partner"]',
            run() {
                if (listedModels().join() !== "res.country,res.partner") {
                    throw new Error(`a token scoped to two models lists ${listedModels()}`);
                }
            },
        },
        { trigger: ".o_jrt_model_search", run: "edit contact" },
        { trigger: '.o_jrt_models tr[data-model="res.country"].d-none:not(:visible)' },
        { trigger: '.o_jrt_models tr[data-model="res.partner"]:not(.d-none) a', run: "click" },
        { trigger: '.o_jrt_fields tr[data-field="name"] .o_jrt_field_type:contains("char")' },
        { trigger: '.o_jrt_fields tr[data-field="vat"] .o_jrt_field_help:contains("Tax Identification Number")' },
        {
            trigger: '.o_jrt_methods dt[data-method="name_search"] .o_jrt_signature',
            run() {
                const expected = "name_search(name='', args=None, operator='ilike', limit=100)";
                if (!this.anchor.textContent.startsWith(expected)) {
                    throw new Error(`name_search is shown as "${this.anchor.textContent}"`);
                }
                // read-only: the methods that write are not the token's
                if (document.querySelector('.o_jrt_methods [data-method="write"], .o_jrt_methods [data-method="unlink"]')) {
                    throw new Error("a read-only token is shown methods that write");
                }
            },
        },
        { trigger: '.o_jrt_methods dt[data-method="search_read"] a.o_jrt_method_link', run: "click" },
        { trigger: '.o_jrt_method[data-method="search_read"]' },
        { trigger: '.o_jrt_parameters tr[data-parameter="domain"]' },
        {
            trigger: ".o_jrt_examples .o_jrt_example_tab",
            run() {
                const tabs = [...document.querySelectorAll(".o_jrt_examples .o_jrt_example_tab")];
                if (tabs.length !== 5 || tabs.some((tab) => !tab.querySelector(".fa-lock"))) {
                    throw new Error(`tabs without a padlock: ${tabs.map((tab) => tab.outerHTML)}`);
                }
                if (document.body.innerHTML.includes(pasted)) {
                    throw new Error("the page shows the token");
                }
            },
        },
        { trigger: '.o_jrt_example_tab[data-example="python"]', run: "click" },
        { trigger: '.o_jrt_example[data-example="python"]:not(.d-none) .o_jrt_copy', run: "click" },
        {
            trigger: '.o_jrt_example[data-example="python"] .o_jrt_copy:contains("Copied")',
            async run() {
                const shown = document.querySelector('.o_jrt_example[data-example="python"] .o_jrt_code');
                const copied = await navigator.clipboard.readText();
                if (copied !== shown.textContent || !copied.includes(`"${location.origin}/json-call"`)) {
                    throw new Error(`copied: ${copied}`);
                }
                if (!copied.includes('os.environ["ODOO_TOKEN"]')) {
                    throw new Error(`the example does not read the token from the environment: ${copied}`);
                }
            },
        },
        // the token itself, only when asked for
        { trigger: ".o_jrt_copy_export", run: "click" },
        {
            trigger: '.o_jrt_copy_export:contains("Copied")',
            async run() {
                const copied = await navigator.clipboard.readText();
                if (copied !== `export ODOO_TOKEN=${pasted}\n`) {
                    throw new Error(`copied: ${copied}`);
                }
            },
        },
        // the page's own links keep the token: it lives in the page
        { trigger: ".o_jrt_all_models", run: "click" },
        { trigger: '.o_jrt_token_bar ~ div .o_jrt_models tr[data-model="res.country"]' },
        { trigger: '.o_jrt_forget:contains("Forget the token")', run: "click" },
        // now a login and password typed: the page makes a token of its own
        { trigger: ".o_jrt_token_form:visible .o_jrt_login_input", run: "edit integrator" },
        { trigger: ".o_jrt_password_input", run: `edit ${PASSWORD}` },
        { trigger: ".o_jrt_token_submit", run: "click" },
        {
            trigger: '.o_jrt_models tr[data-model="res.users"]',
            run() {
                if (!listedModels().includes("res.partner") || listedModels().length < 10) {
                    throw new Error(`an unscoped token lists ${listedModels()}`);
                }
            },
        },
        { trigger: '.o_jrt_forget:contains("Log out")' },
        { trigger: ".o_jrt_model_search", run: "edit contact" },
        { trigger: '.o_jrt_models tr[data-model="res.partner"]:not(.d-none) a', run: "click" },
        { trigger: '.o_jrt_methods dt[data-method="write"] .o_jrt_signature:contains("write(vals)")' },
        { trigger: '.o_jrt_methods dt[data-method="search_read"] a.o_jrt_method_link', run: "click" },
        { trigger: '.o_jrt_example_tab[data-example="python"]', run: "click" },
        { trigger: '.o_jrt_example[data-example="python"]:not(.d-none) .o_jrt_code:contains("search_read")' },
    ],
});
