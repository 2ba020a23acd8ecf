/** @odoo-module */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** API Usage opens on its graph (calls per day, stacked by user: the top 10 and Others); the
 * token form's Usage button opens the graph of that token alone. */
registry.category("web_tour.tours").add("json_rpc_token_usage_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("base.menu_administration", "Open Settings"),
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_token_usage_menu"]', run: "click" },
        { trigger: ".o_graph_view .o_graph_renderer canvas" },
        { trigger: '.o_breadcrumb:contains("API Usage")' },
        // the pivot shows the token's calls
        { trigger: ".o_switch_view.o_pivot", run: "click" },
        { trigger: '.o_pivot th:contains("Tour usage")' },
        { trigger: 'button[data-menu-xmlid="base.menu_users"]', run: "click" },
        { trigger: 'a[data-menu-xmlid="json_rpc_token.api_token_menu"]', run: "click" },
        { trigger: '.o_data_row td[name="name"]:contains("Tour usage")', run: "click" },
        { trigger: '.o_form_view button[name="action_view_usage"]:contains("4")', run: "click" },
        { trigger: '.o_breadcrumb:contains("Usage of Tour usage")' },
        { trigger: ".o_graph_view .o_graph_renderer canvas" },
    ],
});

/** API Usage as it opens, for the manual's picture: the graph drawn, its
 * bars grown (the test checks the top 10 and Others it shows). */
registry.category("web_tour.tours").add("json_rpc_token_usage_picture_tour", {
    steps: () => [
        { trigger: ".o_graph_view .o_graph_renderer canvas" },
        {
            trigger: ".o_graph_view .o_graph_renderer canvas",
            async run() {
                await new Promise((resolve) => setTimeout(resolve, 1500));
            },
        },
    ],
});
