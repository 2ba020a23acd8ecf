/* Run by tests/test_token_docs.py in the API documentation page
 * (/json-call/docs, Swagger UI, no Odoo session): "Try it out" on
 * user_authenticate with only the login and password typed into the
 * prefilled example, the token of its answer into "Authorize", then "Try it
 * out" on /json-call, whose prefilled example is a search_read of partners,
 * and the rows shown. LOGIN, PASSWORD and EXPECTED (a partner's name) are
 * defined before this script. Says "test successful", or console.error. */
(async () => {
    "use strict";

    async function waitFor(find, what, timeout = 30000) {
        const end = Date.now() + timeout;
        for (;;) {
            const found = find();
            if (found) {
                return found;
            }
            if (Date.now() > end) {
                throw new Error(`no ${what} after ${timeout / 1000} s`);
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }

    /** Type ``value`` as a user would: React reads the input event. */
    function type(input, value) {
        const prototype = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
        Object.getOwnPropertyDescriptor(prototype, "value").set.call(input, value);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    /** The operation of ``path``, opened, "Try it out" pressed. */
    async function tryItOut(path) {
        const summary = await waitFor(
            () => document.querySelector(`.opblock-summary-path[data-path="${path}"]`),
            `operation ${path}`
        );
        const block = summary.closest(".opblock");
        if (!block.classList.contains("is-open")) {
            summary.click();
        }
        (await waitFor(() => block.querySelector(".try-out__btn:not(.cancel)"), `"Try it out" of ${path}`)).click();
        return block;
    }

    /** Execute, and the JSON of the server's answer shown. */
    async function execute(block, path) {
        block.querySelector(".btn.execute").click();
        const shown = await waitFor(
            () => block.querySelector(".live-responses-table .response-col_description pre"),
            `server response of ${path}`
        );
        return JSON.parse(shown.textContent);
    }

    try {
        const login = await tryItOut("/json-call/user_authenticate");
        const body = await waitFor(() => login.querySelector("textarea.body-param__text"), "request body");
        const example = JSON.parse(body.value);
        // the prefill works as it is: only the login and password are typed
        type(body, JSON.stringify({ ...example, params: { ...example.params, login: LOGIN, password: PASSWORD } }, null, 2));
        const logged = await execute(login, "/json-call/user_authenticate");
        if (!logged.result || !logged.result.token) {
            throw new Error(`user_authenticate answered ${JSON.stringify(logged)}`);
        }

        document.querySelector(".auth-wrapper .btn.authorize").click();
        const input = await waitFor(() => document.querySelector(".dialog-ux .auth-container input"), "bearer input");
        type(input, logged.result.token);
        document.querySelector(".dialog-ux .auth-btn-wrapper .btn.authorize").click();
        await waitFor(() => document.querySelector('.dialog-ux .auth-btn-wrapper [aria-label="Remove authorization"]'), "authorized bearer");
        document.querySelector(".dialog-ux .btn-done").click();

        const call = await tryItOut("/json-call");
        const prefilled = JSON.parse(call.querySelector("textarea.body-param__text").value);
        if (prefilled.params.method !== "search_read" || prefilled.params.model !== "res.partner") {
            throw new Error(`the /json-call example is ${JSON.stringify(prefilled)}`);
        }
        const answer = await execute(call, "/json-call");
        const rows = answer.result;
        if (!Array.isArray(rows) || !rows.length || rows.some((row) => !row.id || !("name" in row))) {
            throw new Error(`search_read answered ${JSON.stringify(answer)}`);
        }
        if (!rows.some((row) => row.name === EXPECTED)) {
            throw new Error(`${EXPECTED} is not among ${JSON.stringify(rows)}`);
        }
        console.log("test successful");
    } catch (error) {
        console.error(`Swagger UI: ${error.message}`);
    }
})();
