// An assistant built on the official MCP TypeScript SDK (@modelcontextprotocol/sdk),
// connecting to Odoo's /mcp as its users configure it (tests/test_mcp_typescript.py):
//
//   node mcp_sdk_client.mjs <mcp url> oauth            given only the URL: the SDK's OAuth
//                                                       client (discovery, registration, PKCE)
//   node mcp_sdk_client.mjs <mcp url> bearer <token>   a token given by hand, in the headers
//
// Signing in, it writes {"authorize": <url>} on a line where a desktop app would open
// the browser, and reads the redirect's query ({"code", "state"}) from its standard
// input, as its loopback listener would get it. It then lists the tools, creates,
// searches, updates, reads and deletes a partner, tries a model outside its grant and
// call_method, and writes its report as the last line.
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, mode, token] = process.argv.slice(2);
const REDIRECT = "http://127.0.0.1:33418/callback";
const stdin = createInterface({ input: process.stdin });
const input = stdin[Symbol.asyncIterator]();

// what an app keeps between runs (here: in memory, for one run)
class MemoryProvider {
  sentState = randomBytes(16).toString("hex");

  get redirectUrl() {
    return REDIRECT;
  }

  get clientMetadata() {
    return {
      client_name: "TypeScript SDK Assistant",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state() {
    return this.sentState;
  }

  clientInformation() {
    return this.client;
  }

  saveClientInformation(client) {
    this.client = client;
  }

  tokens() {
    return this.saved;
  }

  saveTokens(tokens) {
    this.saved = tokens;
  }

  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }

  codeVerifier() {
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl) {
    console.log(JSON.stringify({ authorize: authorizationUrl.href }));
    this.redirect = JSON.parse((await input.next()).value);
  }
}

async function connect(options) {
  const client = new Client({ name: "json-rpc-token-typescript-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), options));
  return client;
}

async function signIn() {
  const provider = new MemoryProvider();
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await new Client({ name: "json-rpc-token-typescript-test", version: "1.0.0" }).connect(transport);
    throw new Error("connected without signing in");
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  if (provider.redirect.state !== provider.sentState) throw new Error(`state: ${JSON.stringify(provider.redirect)}`);
  if (!provider.redirect.code) throw new Error(`no code: ${JSON.stringify(provider.redirect)}`);
  await transport.finishAuth(provider.redirect.code);
  const client = await connect({ authProvider: provider });
  return { client, scope: provider.saved.scope };
}

const { client, scope } =
  mode === "bearer"
    ? { client: await connect({ requestInit: { headers: { Authorization: `Bearer ${token}` } } }), scope: null }
    : await signIn();

async function call(name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

const tools = (await client.listTools()).tools.map((tool) => tool.name);
const created = await call("create_records", { model: "res.partner", values: { name: "TypeScript SDK Partner" } });
const ids = Array.isArray(created.ids) ? created.ids : [created.ids];
const found = await call("search_records", { model: "res.partner", domain: [["id", "in", ids]], fields: ["name"] });
await call("update_records", { model: "res.partner", ids, values: { email: "ts@mcp.test" } });
const read = await call("read_records", { model: "res.partner", ids, fields: ["email"] });
await call("delete_records", { model: "res.partner", ids });
const outside = await client.callTool({ name: "search_records", arguments: { model: "res.users" } });
await client.close();
stdin.close(); // nothing more to read: let node end
console.log(
  JSON.stringify({
    scope,
    server: client.getServerVersion()?.name,
    tools,
    found: found.records.map((record) => record.name),
    updated: read.records[0].email,
    outside: outside.isError ? outside.content[0].text : null,
  }),
);
