/** @odoo-module */
import { onWillRender } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { StatusBarField, statusBarField } from "@web/views/fields/statusbar/statusbar_field";

/**
 * Odoo 18's statusbar, showing the value the record has now.
 *
 * Odoo's ``StatusBarField`` measures itself after each render and then
 * re-renders, and until the next animation frame it skips recomputing its
 * items (its ``status`` is "adjusting"). A record change that lands in
 * that window (a token revoked right after its form was shown: the
 * button's answer and the reload came back before the browser drew its
 * next frame, as on a busy machine) is never shown: the form reads
 * "Revoked" everywhere but in the statusbar, which stays "Active" until
 * something else re-renders it. This one recomputes its items whenever the
 * value it shows is not the record's.
 */
export class TokenStateStatusBar extends StatusBarField {
    setup() {
        super.setup();
        // after StatusBarField's own onWillRender, which may have skipped
        onWillRender(() => {
            const shown = this.items.inline?.find((item) => item.isSelected)?.value;
            if (shown !== this.props.record.data[this.props.name]) {
                Object.assign(this.items, this.getSortedItems());
            }
        });
    }
}

registry.category("fields").add("json_rpc_token_statusbar", {
    ...statusBarField,
    component: TokenStateStatusBar,
});
