// A client of the typed OpenAPI document, as a user of @hey-api/openapi-ts
// writes it: SDK and types generated into ./generated. Run by
// tests/test_openapi_typescript.py: compiled with `tsc --strict`, then run
// with node against the test server:
//   node client.js <base url> <login> <password> <name of the partner to create>
import { client } from "./generated/client.gen";
import {
  json2ResPartnerCreate,
  jsonCallUserAuthenticate,
  restReadResPartner,
  restSearchResPartner,
} from "./generated";
import type { ResPartner, ResPartnerRest } from "./generated";

declare const process: { argv: string[]; exit(code: number): never };

// what a caller relies on, checked by the compiler: an `any` would pass any
// assignment, not these
type IsAny<T> = 0 extends 1 & T ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const emailIsTyped: Same<ResPartner["email"], string | false | undefined> = true;
export const restEmailIsTyped: Same<ResPartnerRest["email"], string | false | undefined> = true;
export const parentIsTyped: IsAny<ResPartner["parent_id"]> = false;

async function main(): Promise<void> {
  const [baseUrl, login, password, name] = process.argv.slice(2);
  client.setConfig({ baseUrl });
  const loggedIn = await jsonCallUserAuthenticate({
    body: { jsonrpc: "2.0", id: 1, params: { login, password, label: "hey-api" } },
  });
  const answer = loggedIn.data;
  if (!answer || Array.isArray(answer) || !("result" in answer)) {
    throw new Error(`login failed: ${JSON.stringify(answer)}`);
  }
  const token = answer.result.token;
  client.setConfig({ baseUrl, auth: () => token }); // sent as 'Authorization: Bearer <token>'

  // REST: the partners, two a page, the first two pages
  const emails: (string | false)[] = [];
  for (let page = 1; page <= 2; page++) {
    const { data, error } = await restSearchResPartner({
      query: { query: "{id, name, email}", page_size: 2, page, order: "id" },
    });
    if (!data) throw new Error(`page ${page}: ${JSON.stringify(error)}`);
    for (const partner of data.result) {
      const email: string | false = partner.email ?? false;
      emails.push(email);
    }
  }

  // JSON-2: create one; REST: read it back
  const created = await json2ResPartnerCreate({ body: { vals_list: [{ name, email: false }] } });
  if (!created.data) throw new Error(`create: ${JSON.stringify(created.error)}`);
  const [id] = created.data;
  const read = await restReadResPartner({ path: { id }, query: { query: "{id, name, email, parent_id}" } });
  if (!read.data) throw new Error(`read: ${JSON.stringify(read.error)}`);
  const partner: ResPartnerRest = read.data;
  const email: string | false | undefined = partner.email;
  console.log(JSON.stringify({ emails, id, name: partner.name, email, parent_id: partner.parent_id }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
