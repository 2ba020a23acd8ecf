/** @odoo-module */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** A backend user follows the menus next to API Tokens: the API
 * documentation entry is there, and the model reference opens on a page of
 * its own (the tour goes on there: it loads Odoo's frontend assets), where
 * res.partner shows its fields and public methods with their signatures. */
registry.category("web_tour.tours").add("json_rpc_token_docs_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("base.menu_administration", "Open Settings"),
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_docs_menu"]:contains("API Documentation")' },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.model_reference_menu"]', run: "click" },
        { trigger: '.o_jrt_models tr[data-model="res.partner"] a', run: "click" },
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
    ],
});
