/* The model reference pages (controllers/docs.py): search the models, switch
 * a method's examples, copy one. A plain script of this server (no Odoo
 * module, nothing from another host), loaded by the pages' layout. */
(function () {
    "use strict";

    /** Index: keep the models whose technical name or description holds
     * every word typed. */
    function setUpSearch(input) {
        const rows = [...document.querySelectorAll(".o_jrt_models tr[data-search]")];
        const none = document.querySelector(".o_jrt_no_model");
        input.addEventListener("input", () => {
            const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
            let shown = 0;
            for (const row of rows) {
                const match = words.every((word) => row.dataset.search.includes(word));
                row.classList.toggle("d-none", !match);
                shown += match ? 1 : 0;
            }
            none.classList.toggle("d-none", shown > 0);
        });
    }

    /** Method: one example shown at a time, by its tab. */
    function setUpExamples(root) {
        const tabs = root.querySelectorAll(".o_jrt_example_tab");
        for (const tab of tabs) {
            tab.addEventListener("click", () => {
                for (const other of tabs) {
                    other.classList.toggle("active", other === tab);
                }
                for (const example of root.querySelectorAll(".o_jrt_example")) {
                    example.classList.toggle("d-none", example.dataset.example !== tab.dataset.example);
                }
            });
        }
        for (const button of root.querySelectorAll(".o_jrt_copy")) {
            button.addEventListener("click", async () => {
                const code = button.parentElement.querySelector(".o_jrt_code").textContent;
                try {
                    await navigator.clipboard.writeText(code);
                    button.textContent = "Copied";
                } catch {
                    // no clipboard (a page not served over HTTPS): select it for Ctrl+C
                    const selection = window.getSelection();
                    selection.selectAllChildren(button.parentElement.querySelector(".o_jrt_code"));
                    button.textContent = "Selected: press Ctrl+C";
                }
                setTimeout(() => (button.textContent = "Copy"), 2000);
            });
        }
    }

    function start() {
        const search = document.querySelector(".o_jrt_model_search");
        if (search) {
            setUpSearch(search);
        }
        const examples = document.querySelector(".o_jrt_examples");
        if (examples) {
            setUpExamples(examples);
        }
        document.body.dataset.jrtReady = "1";
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
