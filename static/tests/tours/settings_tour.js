/** @odoo-module */
import { registry } from "@web/core/registry";

/** Settings > JSON-RPC Tokens: the addon's parameters on one screen; a
 * value saved there is the system parameter the code reads. */
registry.category("web_tour.tours").add("json_rpc_token_settings_tour", {
    url: "/odoo/settings",
    steps: () => [
        { trigger: '.settings_tab .tab[data-key="json_rpc_token"]', run: "click" },
        { trigger: '.app_settings_block[data-key="json_rpc_token"] h2:contains("Token lifetime")' },
        { trigger: 'div[name="json_rpc_token_ttl_hours"] input', run: "edit 12" },
        { trigger: 'div[name="json_rpc_token_cors_origins"] input', run: "edit https://shop.example" },
        { trigger: ".o_form_button_save", run: "click" },
        // saved: the page reloads without the unsaved-changes warning, the value kept
        { trigger: 'body:not(:has(.o_dirty_warning)) div[name="json_rpc_token_ttl_hours"] input:value("12")' },
    ],
});
