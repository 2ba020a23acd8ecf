// A client of the typed OpenAPI document, as a user of openapi-typescript
// writes it: types generated into ./generated/schema.d.ts, requests sent by
// openapi-fetch. Run by tests/test_openapi_typescript.py: compiled with
// `tsc --strict`, then run with node against the test server:
//   node client.js <base url> <login> <password> <name of the partner to create>
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

declare const process: { argv: string[]; exit(code: number): never };

type Partner = components["schemas"]["ResPartner"];
type PartnerRest = components["schemas"]["ResPartnerRest"];
// what a caller relies on, checked by the compiler: an `any` would pass any
// assignment, not these
type IsAny<T> = 0 extends 1 & T ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const emailIsTyped: Same<Partner["email"], string | false | undefined> = true;
export const restEmailIsTyped: Same<PartnerRest["email"], string | false | undefined> = true;
export const parentIsTyped: IsAny<Partner["parent_id"]> = false;

async function main(): Promise<void> {
  const [baseUrl, login, password, name] = process.argv.slice(2);
  const client = createClient<paths>({ baseUrl });
  const loggedIn = await client.POST("/json-call/user_authenticate", {
    body: { jsonrpc: "2.0", id: 1, params: { login, password, label: "openapi-typescript" } },
  });
  const answer = loggedIn.data;
  if (!answer || Array.isArray(answer) || !("result" in answer)) {
    throw new Error(`login failed: ${JSON.stringify(answer)}`);
  }
  const headers = { Authorization: `Bearer ${answer.result.token}` };

  // REST: the partners, two a page, the first two pages
  const emails: (string | false)[] = [];
  for (let page = 1; page <= 2; page++) {
    const { data, error } = await client.GET("/api/res.partner/", {
      params: { query: { query: "{id, name, email}", page_size: 2, page, order: "id" } },
      headers,
    });
    if (!data) throw new Error(`page ${page}: ${JSON.stringify(error)}`);
    for (const partner of data.result) {
      const email: string | false = partner.email ?? false;
      emails.push(email);
    }
  }

  // JSON-2: create one, read it back
  const created = await client.POST("/json/2/res.partner/create", {
    body: { vals_list: [{ name, email: false }] },
    headers,
  });
  if (!created.data) throw new Error(`create: ${JSON.stringify(created.error)}`);
  const [id] = created.data;
  const read = await client.POST("/json/2/res.partner/read", {
    body: { ids: [id], fields: ["name", "email", "parent_id"] },
    headers,
  });
  if (!read.data) throw new Error(`read: ${JSON.stringify(read.error)}`);
  // openapi-fetch hands the answer over as its own mapped type (which makes
  // the [id, name] tuple an array): typed from the document all the same
  const partner = read.data[0];
  const email: string | false | undefined = partner.email;
  console.log(JSON.stringify({ emails, id, name: partner.name, email, parent_id: partner.parent_id }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
