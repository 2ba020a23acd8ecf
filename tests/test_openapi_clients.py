"""A client generated from ``/json-call/openapi.json`` works: what a user of
a client generator relies on, proven with openapi-python-client (pinned in
devtools/requirements.txt) against the live test server.

The client is generated, from the document typed for ``res.partner``
(``?models=res.partner``, fetched with a token), into a temporary directory
and used from a separate Python process, as its user would: import the
package, log in, call, page partners typed, create one, log out.
"""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

PACKAGE = "jrt_client"

#: run in a subprocess: ``python -c SCRIPT <package dir> <base url> <login> <password> <partner id>``
SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from jrt_client import AuthenticatedClient, Client
from jrt_client.api.json_2 import json2_res_partner_create
from jrt_client.api.json_rpc import json_call, json_call_user_authenticate, json_call_user_logout
from jrt_client.api.rest import rest_search_res_partner
from jrt_client.models import (
    ErrorAnswer, Json2ResPartnerCreateBody, JsonCallRequest, JsonCallRequestParams, JsonCallRequestParamsKwargs,
    JsonCallSuccess, JsonCallUserAuthenticateRequest, JsonCallUserAuthenticateRequestParams,
    JsonCallUserAuthenticateSuccess, JsonCallUserLogoutRequest, JsonCallUserLogoutSuccess, ResPartnerPage,
    ResPartnerValues)

base_url, login, password, partner_id = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
client = Client(base_url=base_url, raise_on_unexpected_status=True)
answer = json_call_user_authenticate.sync(client=client, body=JsonCallUserAuthenticateRequest(
    jsonrpc="2.0", id=1, params=JsonCallUserAuthenticateRequestParams(login=login, password=password, label="gen")))
assert isinstance(answer, JsonCallUserAuthenticateSuccess), answer
report = {"login_id": answer.id}
authed = AuthenticatedClient(base_url=base_url, token=answer.result.token, raise_on_unexpected_status=True)
search_read = JsonCallRequest(jsonrpc="2.0", id=2, params=JsonCallRequestParams(
    model="res.partner", method="search_read", args=[[["id", "=", partner_id]]],
    kwargs=JsonCallRequestParamsKwargs.from_dict({"fields": ["name"]})))
answer = json_call.sync(client=authed, body=search_read)
assert isinstance(answer, JsonCallSuccess), answer
report["rows"] = answer.result
# typed: the partners a page at a time (REST), one created (JSON-2)
page = rest_search_res_partner.sync(client=authed, query="{id, name, email}", filter_=json.dumps(
    [["id", "=", partner_id]]))
assert isinstance(page, ResPartnerPage), page
report["page"] = [(row.id, row.name, row.email) for row in page.result]
created = json2_res_partner_create.sync(client=authed, body=Json2ResPartnerCreateBody(
    vals_list=[ResPartnerValues(name="Typed Python", email=False)]))
assert isinstance(created, list) and all(isinstance(id_, int) for id_ in created), created
report["created"] = created
answer = json_call_user_logout.sync(client=authed, body=JsonCallUserLogoutRequest(jsonrpc="2.0", id=3))
assert isinstance(answer, JsonCallUserLogoutSuccess), answer
report["logout"] = answer.result
answer = json_call.sync(client=authed, body=search_read)
assert isinstance(answer, ErrorAnswer), answer
report["after_logout"] = answer.error.code
print(json.dumps(report))
"""


@tagged("post_install", "-at_install")
class TestGeneratedClient(JsonCallCase):
    # the typed document is read as JSON-2 reads (see test_json2.Json2Case)
    readonly_enabled = False

    def run_command(self, *command):
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout[-4000:] + result.stderr[-4000:])
        return result

    def test_document_names_this_server(self):
        document = self.url_open("/json-call/openapi.json").json()
        self.assertEqual(document["servers"][0]["url"], self.base_url())

    @unittest.skipIf(sys.version_info < (3, 11), "openapi-python-client needs Python 3.11+")
    def test_openapi_python_client(self):
        partner = self.env["res.partner"].create({"name": "Generated Client Partner"})
        token = self.login()
        document = self.http(
            "GET", "/json-call/openapi.json?models=res.partner", headers={"Authorization": f"Bearer {token}"}
        )
        self.assertEqual(document.status_code, 200, document.text[:500])
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "openapi.json").write_bytes(document.content)
            # no post-generation hooks: they run ruff from PATH, which a CI
            # environment need not have (the generated code is the same);
            # selections as Literal types: an enum class would need a name for
            # each value, and time zones such as GMT0 and GMT-0 make the same
            config = Path(tmp, "config.json")
            config.write_text(json.dumps({"post_hooks": [], "literal_enums": True}))
            generated = self.run_command(
                sys.executable,
                "-m",
                "openapi_python_client",
                "generate",
                "--path",
                f"{tmp}/openapi.json",
                "--config",
                str(config),
                "--meta",
                "none",
                "--output-path",
                f"{tmp}/{PACKAGE}",
            )
            # the generator drops what it cannot read with a warning and still succeeds
            self.assertNotIn("Warning", generated.stdout + generated.stderr, generated.stdout[:3000])
            used = self.run_command(
                sys.executable, "-c", SCRIPT, tmp, self.base_url(), "integrator", PASSWORD, str(partner.id)
            )
        report = json.loads(used.stdout)
        self.assertEqual(report["login_id"], 1)
        self.assertIs(type(report["login_id"]), int, "the id goes and comes back as an integer")
        self.assertEqual(report["rows"], [{"id": partner.id, "name": "Generated Client Partner"}])
        self.assertEqual(
            report["page"],
            [[partner.id, "Generated Client Partner", False]],
            "an empty email is false, as Odoo answers it, and the client takes it",
        )
        created = self.env["res.partner"].browse(report["created"])
        self.assertEqual(created.mapped("name"), ["Typed Python"])
        self.assertIs(report["logout"], True)
        self.assertEqual(report["after_logout"], -32005, "the token is revoked")
