"""No answer of the API may be cached (issue #19): each holds a token, data
of the token's user or the outcome of a call, and a cache (the browser's, a
proxy's, a CDN's) that kept one would hand it to whoever asks next. RFC 6749
§5.1 asks ``Cache-Control: no-store`` and ``Pragma: no-cache`` of an answer
holding a token; every answer of every dialect carries both."""

import json

from odoo.tests import tagged

from .common import JsonCallCase


@tagged("post_install", "-at_install")
class TestNoStore(JsonCallCase):
    readonly_enabled = False  # JSON-2's read methods, as in test_json2

    def setUp(self):
        super().setUp()
        self.token = self.login()
        self.bearer = {"Authorization": f"Bearer {self.token}"}

    def assert_not_cached(self, response, what):
        self.assertEqual(response.headers.get("Cache-Control"), "no-store", f"{what}: {dict(response.headers)}")
        self.assertEqual(response.headers.get("Pragma"), "no-cache", f"{what}: {dict(response.headers)}")

    def send(self, method, path, body=None, headers=None):
        return self.http(method, path, None if body is None else json.dumps(body), {**self.bearer, **(headers or {})})

    def test_the_login_answer_holding_a_token(self):
        response = self.http(
            "POST",
            "/json-call/user_authenticate",
            json.dumps({"params": {"login": "integrator", "password": "Integrator-pass-2026"}}),
        )
        self.assertIn("token", response.json()["result"])
        self.assert_not_cached(response, "user_authenticate")

    def test_json_call_answers(self):
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"model": "res.partner", "method": "search_read", "args": [[], ["name"]], "kwargs": {"limit": 1}},
        }
        response = self.send("POST", "/json-call", call)
        self.assertIn("result", response.json())
        self.assert_not_cached(response, "/json-call")
        response = self.send("POST", "/json-call", [call, {**call, "id": 2}])
        self.assertEqual(len(response.json()), 2)
        self.assert_not_cached(response, "a batch")
        notification = {"params": call["params"]}
        response = self.send("POST", "/json-call", [notification])
        self.assertEqual(response.status_code, 204)
        self.assert_not_cached(response, "a batch of notifications")
        response = self.http("POST", "/json-call", json.dumps(call), {"Authorization": "Bearer not-a-token"})
        self.assertEqual(response.json()["error"]["code"], -32003)
        self.assert_not_cached(response, "an error")
        response = self.send("POST", "/json-call/user_logout", {"params": {}})
        self.assertIs(response.json()["result"], True)
        self.assert_not_cached(response, "user_logout")

    def test_rest_answers(self):
        response = self.send("GET", "/api/res.partner/?query={id,name,email}")
        self.assertEqual(response.status_code, 200, response.text)
        self.assert_not_cached(response, "REST GET list")
        partner = response.json()["result"][0]["id"]
        response = self.send("GET", f"/api/res.partner/{partner}/")
        self.assertEqual(response.status_code, 200, response.text)
        self.assert_not_cached(response, "REST GET one")
        response = self.send("POST", "/api/res.partner/", {"params": {"data": {"name": "No store"}}})
        self.assertEqual(response.status_code, 200, response.text)
        self.assert_not_cached(response, "REST POST")
        response = self.send("GET", "/api/res.partner/2147483647/")
        self.assertEqual(response.status_code, 404, response.text)
        self.assert_not_cached(response, "REST 404")
        response = self.send("GET", "/api/res.partner/", headers={"Authorization": "Bearer not-a-token"})
        self.assertEqual(response.status_code, 401, response.text)
        self.assert_not_cached(response, "REST 401")

    def test_json2_answers(self):
        json2 = {"Content-Type": "application/json"}
        response = self.send(
            "POST", "/json/2/res.partner/search_read", {"domain": [], "fields": ["name"], "limit": 1}, json2
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assert_not_cached(response, "JSON-2 call")
        response = self.send("POST", "/json/2/res.partner/no_such_method", {}, json2)
        self.assertEqual(response.status_code, 404, response.text)
        self.assert_not_cached(response, "JSON-2 error")

    def test_a_replayed_answer(self):
        headers = {"Idempotency-Key": "no-store-replay-1"}
        call = {"params": {"model": "res.partner", "method": "create", "args": [{"name": "Once"}]}}
        first = self.send("POST", "/json-call", call, headers)
        again = self.send("POST", "/json-call", call, headers)
        self.assertEqual((again.headers.get("Idempotent-Replayed"), again.json()), ("true", first.json()))
        self.assert_not_cached(again, "a replayed answer")
