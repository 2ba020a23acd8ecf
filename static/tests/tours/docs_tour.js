/** @odoo-module */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** A backend user follows the menus next to API Tokens: the API
 * documentation entry is there, and the model reference opens on a page of
 * its own (the tour goes on there: it loads Odoo's frontend assets). They
 * search a model; res.partner shows its fields and public methods with their
 * signatures; search_read opens with its call in each dialect, the Python
 * one copied to the clipboard as shown, with this server's address. */
registry.category("web_tour.tours").add("json_rpc_token_docs_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("base.menu_administration", "Open Settings"),
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_docs_menu"]:contains("API Documentation")' },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.model_reference_menu"]', run: "click" },
        { trigger: 'body[data-jrt-ready="1"] .o_jrt_model_search', run: "edit contact" },
        { trigger: '.o_jrt_models tr[data-model="res.users"].d-none:not(:visible)' },
        { trigger: '.o_jrt_models tr[data-model="res.partner"]:not(.d-none) a', run: "click" },
        { trigger: '.o_jrt_fields tr[data-field="name"] .o_jrt_field_type:contains("char")' },
        {
            trigger: '.o_jrt_methods dt[data-method="name_search"] .o_jrt_signature',
            run() {
                const expected = "name_search(name='', args=None, operator='ilike', limit=100)";
                if (!this.anchor.textContent.startsWith(expected)) {
                    throw new Error(`name_search is shown as "${this.anchor.textContent}"`);
                }
            },
        },
        {
            trigger: ".o_jrt_methods",
            run() {
                if (this.anchor.querySelector('[data-method="sudo"], [data-method="_compute_display_name"]')) {
                    throw new Error("a private method is listed");
                }
            },
        },
        { trigger: '.o_jrt_api_docs_link[href="/json-call/docs"]' },
        { trigger: '.o_jrt_methods dt[data-method="search_read"] a.o_jrt_method_link', run: "click" },
        { trigger: '.o_jrt_method[data-method="search_read"]' },
        { trigger: '.o_jrt_parameters tr[data-parameter="domain"]' },
        // every example needs a token: each tab shows the padlock
        {
            trigger: ".o_jrt_examples .o_jrt_example_tab",
            run() {
                const tabs = [...document.querySelectorAll(".o_jrt_examples .o_jrt_example_tab")];
                if (tabs.length !== 5 || tabs.some((tab) => !tab.querySelector(".fa-lock"))) {
                    throw new Error(`tabs without a padlock: ${tabs.map((tab) => tab.outerHTML)}`);
                }
            },
        },
        { trigger: 'body[data-jrt-ready="1"] .o_jrt_example_tab[data-example="python"]', run: "click" },
        { trigger: '.o_jrt_example[data-example="python"]:not(.d-none) .o_jrt_copy', run: "click" },
        {
            trigger: '.o_jrt_example[data-example="python"] .o_jrt_copy:contains("Copied")',
            async run() {
                const shown = document.querySelector('.o_jrt_example[data-example="python"] .o_jrt_code');
                const copied = await navigator.clipboard.readText();
                if (copied !== shown.textContent || !copied.includes(`"${location.origin}/json-call"`)) {
                    throw new Error(`copied: ${copied}`);
                }
            },
        },
    ],
});
