/* The model reference pages (controllers/docs.py): search the models, switch
 * a method's examples, copy one; without a browser session, the model
 * browser of a token's user (setUpTokenBrowser). A plain script of this
 * server (no Odoo module, nothing from another host), loaded by the pages'
 * layout. */
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

    // ------------------------------------------------ for a token's user
    /** A node: ``tag`` with ``attributes`` (``class``, ``data-*``, others)
     * and ``children`` (nodes, or strings shown as text: never as HTML). */
    function element(tag, attributes = {}, ...children) {
        const node = document.createElement(tag);
        for (const [name, value] of Object.entries(attributes)) {
            if (value !== undefined && value !== null && value !== false) {
                node.setAttribute(name, value === true ? "" : value);
            }
        }
        node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
        return node;
    }

    function padlock() {
        return element("i", {
            class: "fa fa-lock me-1",
            title: "Needs a token",
            role: "img",
            "aria-label": "Needs a token",
        });
    }

    /** HTML the server made from a docstring (docutils, raw HTML disabled;
     * the page's scripts are this server's only). */
    function serverHtml(tag, attributes, html) {
        const node = element(tag, attributes);
        node.innerHTML = html || "";
        return node;
    }

    /** The model browser of a token's user, on /json_rpc_token/models
     * without a session: the token (pasted, or made here from a login and
     * password) stays in this closure, never in storage, a cookie or a URL.
     * Everything shown comes from the token routes, as the token sees them:
     * /doc-bearer/index.json, /doc-bearer/<model>.json and a method's
     * /doc-bearer/<model>/<method>/examples.json. */
    function setUpTokenBrowser(root) {
        const form = root.querySelector(".o_jrt_token_form");
        const view = root.querySelector(".o_jrt_token_view");
        const failure = root.querySelector(".o_jrt_token_error");
        const database = root.dataset.database;
        const tokenVariable = root.dataset.tokenVariable;
        // the token, and whether this page made it (then logged out on Forget)
        let token = null;
        let madeHere = false;
        let index = null;
        const models = new Map();

        function databaseHeader() {
            return database ? { "X-Odoo-Database": database } : {};
        }

        /** The answer of a token route; throws its error's message. */
        async function fetchDocument(path) {
            const response = await fetch(path, {
                headers: { Authorization: `Bearer ${token}`, ...databaseHeader() },
                credentials: "omit",
            });
            const answer = await response.json().catch(() => ({ message: `${response.status} ${response.statusText}` }));
            if (!response.ok) {
                throw new Error(answer.message || `${response.status} ${response.statusText}`);
            }
            return answer;
        }

        async function jsonCall(path, params) {
            const response = await fetch(path, {
                method: "POST",
                headers: { "Content-Type": "application/json", ...databaseHeader() },
                credentials: "omit",
                body: JSON.stringify({ jsonrpc: "2.0", id: 1, params }),
            });
            const answer = await response.json();
            if (answer.error) {
                throw new Error(answer.error.data?.message || answer.error.message);
            }
            return answer.result;
        }

        function showError(message) {
            failure.textContent = message;
            failure.classList.toggle("d-none", !message);
        }

        function forget() {
            if (madeHere) {
                // the page's own token: revoked, not left to expire
                jsonCall("/json-call/user_logout", { token }).catch(() => {});
            }
            token = null;
            madeHere = false;
            index = null;
            models.clear();
            view.replaceChildren();
            view.classList.add("d-none");
            form.classList.remove("d-none");
            form.reset();
            if (location.hash) {
                history.pushState(null, "", location.pathname);
            }
        }

        form.addEventListener("submit", async (event) => {
            event.preventDefault();
            showError("");
            const pasted = form.elements.token.value.trim();
            const login = form.elements.login.value.trim();
            try {
                if (pasted) {
                    token = pasted;
                } else if (login) {
                    const answer = await jsonCall("/json-call/user_authenticate", {
                        login,
                        password: form.elements.password.value,
                        label: "Model reference page",
                        expires_in: 3600,
                    });
                    token = answer.token;
                    madeHere = true;
                } else {
                    throw new Error("Paste a token, or type your login and password.");
                }
                index = await fetchDocument("/doc-bearer/index.json");
            } catch (error) {
                token = null;
                showError(error.message);
                return;
            }
            form.reset();
            form.classList.add("d-none");
            view.classList.remove("d-none");
            await show();
        });
        window.addEventListener("hashchange", () => token && show());
        // "All models" stays in the page, with the token (a link to the page
        // itself would reload it, and forget the token)
        document.addEventListener("click", (event) => {
            if (token && event.target.closest(".o_jrt_all_models")) {
                event.preventDefault();
                history.pushState(null, "", location.pathname);
                show();
            }
        });

        function tokenBar() {
            const copy = element(
                "button",
                { type: "button", class: "btn btn-sm btn-outline-secondary ms-2 o_jrt_copy_export" },
                `Copy "export ${tokenVariable}=…" with my token`
            );
            copy.addEventListener("click", async () => {
                // only on request: the examples never show the token itself
                await navigator.clipboard.writeText(`export ${tokenVariable}=${token}\n`);
                copy.textContent = "Copied: paste it in your shell";
            });
            const leave = element(
                "button",
                { type: "button", class: "btn btn-sm btn-outline-danger ms-2 o_jrt_forget" },
                madeHere ? "Log out (revoke this page's token)" : "Forget the token"
            );
            leave.addEventListener("click", forget);
            return element(
                "div",
                { class: "alert alert-info small o_jrt_token_note o_jrt_token_bar" },
                padlock(),
                `A token is in this page's memory${madeHere ? " (made here, for one hour)" : ""}. `,
                "The examples read it from the environment: ",
                element("code", {}, `export ${tokenVariable}=<token>`),
                ".",
                copy,
                leave
            );
        }

        async function show() {
            let modelName, methodName, content;
            try {
                // in the try: a malformed hash (#%E0) is shown as the error it is
                [modelName, methodName] = decodeURIComponent(location.hash.slice(1)).split("/");
                if (!modelName) {
                    content = indexView();
                } else {
                    if (!models.has(modelName)) {
                        models.set(modelName, await fetchDocument(`/doc-bearer/${encodeURIComponent(modelName)}.json`));
                    }
                    const model = models.get(modelName);
                    content = methodName ? await methodView(model, methodName) : modelView(model);
                }
            } catch (error) {
                content = element("p", { class: "alert alert-warning o_jrt_refused", role: "alert" }, error.message);
            }
            view.replaceChildren(tokenBar(), content);
            const search = view.querySelector(".o_jrt_model_search");
            if (search) {
                setUpSearch(search);
                search.focus();
            }
            const examples = view.querySelector(".o_jrt_examples");
            if (examples) {
                setUpExamples(examples);
            }
            window.scrollTo(0, 0);
            root.dataset.jrtShown = `${modelName || ""}/${methodName || ""}`;
        }

        function indexView() {
            return element(
                "div",
                {},
                element(
                    "p",
                    { class: "text-muted" },
                    `The ${index.models.length} models this token may read, hence call: open one for its fields and public methods.`
                ),
                element("input", {
                    type: "search",
                    class: "form-control mb-3 o_jrt_model_search",
                    placeholder: "Search models: technical name or description",
                    "aria-label": "Search models",
                }),
                element("p", { class: "text-muted o_jrt_no_model d-none" }, "No model matches."),
                element(
                    "table",
                    { class: "table table-sm o_jrt_models" },
                    element("thead", {}, element("tr", {}, element("th", {}, "Model"), element("th", {}, "Description"))),
                    element(
                        "tbody",
                        {},
                        index.models.map((model) =>
                            element(
                                "tr",
                                {
                                    "data-model": model.model,
                                    "data-search": `${model.model} ${model.name || ""}`.toLowerCase(),
                                },
                                element("td", {}, element("a", { href: `#${model.model}` }, element("code", {}, model.model))),
                                element("td", {}, model.name)
                            )
                        )
                    )
                )
            );
        }

        function modelView(model) {
            const fields = Object.entries(model.fields).sort(([a], [b]) => a.localeCompare(b));
            return element(
                "div",
                {},
                element("p", { class: "small mb-1" }, element("a", { href: location.pathname, class: "o_jrt_all_models" }, "All models")),
                element("h2", {}, element("code", {}, model.model), " ", element("small", { class: "text-muted" }, model.name)),
                element("h3", { class: "h4 mt-4" }, "Fields"),
                element(
                    "table",
                    { class: "table table-sm o_jrt_fields" },
                    element(
                        "thead",
                        {},
                        element("tr", {}, ["Field", "Type", "Label", "Flags", "Details"].map((title) => element("th", {}, title)))
                    ),
                    element(
                        "tbody",
                        {},
                        fields.map(([name, field]) =>
                            element(
                                "tr",
                                { "data-field": name },
                                element("td", {}, element("code", {}, name)),
                                element("td", { class: "o_jrt_field_type" }, field.type),
                                element("td", {}, field.string),
                                element(
                                    "td",
                                    {},
                                    field.required && element("span", { class: "badge text-bg-warning" }, "required"),
                                    field.readonly && element("span", { class: "badge text-bg-secondary" }, "readonly")
                                ),
                                element(
                                    "td",
                                    {},
                                    field.relation &&
                                        element("div", {}, "→ ", element("a", { href: `#${field.relation}` }, element("code", {}, field.relation))),
                                    Array.isArray(field.selection) &&
                                        element("div", {}, field.selection.map(([value, label]) => `${value} (${label})`).join(", ")),
                                    field.help && element("div", { class: "text-muted small o_jrt_field_help" }, field.help)
                                )
                            )
                        )
                    )
                ),
                element("h3", { class: "h4 mt-4" }, "Public methods"),
                element(
                    "p",
                    { class: "text-muted" },
                    "What this token may call. A record method takes the record ids as its first argument. Open a method for its parameters and its call in each dialect."
                ),
                element(
                    "dl",
                    { class: "o_jrt_methods" },
                    Object.entries(model.methods).map(([name, method]) => [
                        element(
                            "dt",
                            { class: "mt-3", "data-method": name },
                            element(
                                "a",
                                { href: `#${model.model}/${name}`, class: "o_jrt_method_link" },
                                element("code", { class: "o_jrt_signature" }, name + method.signature)
                            ),
                            " ",
                            element("span", { class: "badge text-bg-light" }, methodKind(method))
                        ),
                        element("dd", { "data-method": name }, summary(method.doc)),
                    ])
                )
            );
        }

        function methodKind(method) {
            return (method.api || []).includes("model") ? "model method" : "record method: takes ids";
        }

        /** The first paragraph of a method's documentation, as text. */
        function summary(html) {
            const parsed = new DOMParser().parseFromString(html || "", "text/html");
            return (parsed.body.querySelector("p") || parsed.body).textContent.replace(/\s+/g, " ").trim();
        }

        async function methodView(model, methodName) {
            const method = model.methods[methodName];
            if (!method) {
                throw new Error(`This token may call no method ${methodName} of ${model.model}.`);
            }
            const answer = await fetchDocument(
                `/doc-bearer/${encodeURIComponent(model.model)}/${encodeURIComponent(methodName)}/examples.json`
            );
            const parameters = Object.entries(method.parameters);
            return element(
                "div",
                {},
                element(
                    "p",
                    { class: "small mb-1" },
                    element("a", { href: `#${model.model}` }, element("code", {}, model.model)),
                    " ",
                    element("span", { class: "text-muted" }, model.name)
                ),
                element(
                    "h2",
                    { class: "h3 o_jrt_method", "data-method": methodName },
                    element("code", { class: "o_jrt_signature" }, methodName + method.signature)
                ),
                element(
                    "p",
                    {},
                    element("span", { class: "badge text-bg-light" }, methodKind(method)),
                    (method.api || []).includes("readonly") && element("span", { class: "badge text-bg-light ms-1" }, "read-only"),
                    element("span", { class: "badge text-bg-light ms-1" }, `from ${method.module}`)
                ),
                method.doc && serverHtml("div", { class: "o_jrt_method_doc" }, method.doc),
                element("h3", { class: "h5 mt-4" }, "Parameters"),
                parameters.length
                    ? element(
                          "table",
                          { class: "table table-sm o_jrt_parameters" },
                          element(
                              "thead",
                              {},
                              element("tr", {}, ["Name", "Type", "Default", "Description"].map((title) => element("th", {}, title)))
                          ),
                          element(
                              "tbody",
                              {},
                              parameters.map(([name, parameter]) =>
                                  element(
                                      "tr",
                                      { "data-parameter": name },
                                      element("td", {}, element("code", {}, name)),
                                      element("td", {}, element("code", {}, parameter.annotation || "")),
                                      element("td", {}, "default" in parameter && element("code", {}, JSON.stringify(parameter.default))),
                                      serverHtml("td", {}, parameter.doc)
                                  )
                              )
                          )
                      )
                    : element("p", { class: "text-muted" }, "None."),
                element("h3", { class: "h5 mt-4" }, "Call it"),
                element(
                    "div",
                    { class: "o_jrt_examples" },
                    element(
                        "ul",
                        { class: "nav nav-tabs", role: "tablist" },
                        answer.examples.map((example, position) =>
                            element(
                                "li",
                                { class: "nav-item", role: "presentation" },
                                element(
                                    "button",
                                    {
                                        type: "button",
                                        role: "tab",
                                        "data-example": example.key,
                                        class: `nav-link o_jrt_example_tab${position ? "" : " active"}`,
                                    },
                                    padlock(),
                                    example.title
                                )
                            )
                        )
                    ),
                    answer.examples.map((example, position) =>
                        element(
                            "div",
                            {
                                "data-example": example.key,
                                class: `o_jrt_example border border-top-0 p-2${position ? " d-none" : ""}`,
                            },
                            element("button", { type: "button", class: "btn btn-sm btn-secondary float-end o_jrt_copy" }, "Copy"),
                            element("pre", { class: "mb-0" }, element("code", { class: "o_jrt_code" }, example.code))
                        )
                    )
                )
            );
        }
    }

    function start() {
        const tokenBrowser = document.querySelector(".o_jrt_token_browser");
        if (tokenBrowser) {
            setUpTokenBrowser(tokenBrowser);
        }
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
