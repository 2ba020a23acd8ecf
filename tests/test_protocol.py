import json

from odoo.tests import tagged

from .common import JsonCallCase

ROUTES = ("/json-call", "/json-call/user_authenticate", "/json-call/user_logout")


@tagged("post_install", "-at_install")
class TestProtocol(JsonCallCase):
    """Whatever a client sends, it gets a JSON-RPC answer, never HTML."""

    def test_malformed_bodies(self):
        for route in ROUTES:
            with self.subTest(route=route):
                self.assertEqual(self.post(route, b"{not json")["error"]["code"], -32700)
                self.assertEqual(self.post(route, b"\xff\xfe")["error"]["code"], -32700)
                self.assertEqual(self.post(route, b"")["error"]["code"], -32700)
                self.assertEqual(self.post(route, "[" * 100000 + "]" * 100000)["error"]["code"], -32700)
                self.assertEqual(self.post(route, "42")["error"]["code"], -32600)
                self.assertEqual(self.post(route, {"jsonrpc": "1.0", "params": {}})["error"]["code"], -32600)
                self.assertEqual(self.post(route, {"params": [1, 2]})["error"]["code"], -32602)
                self.assertEqual(self.post(route, {"params": {}, "id": {"x": 1}})["error"]["code"], -32600)

    def test_id_is_echoed(self):
        answer = self.rpc("/json-call/user_logout", {}, request_id="abc-1")
        self.assertEqual((answer["id"], answer["error"]["code"]), ("abc-1", -32002))
        self.assertEqual(self.rpc("/json-call/user_logout", {}, request_id=7)["id"], 7)
        # an invalid id cannot be echoed: null (found by the schema fuzzer)
        for bad_id in (False, True, [1], {"a": 1}):
            answer = self.post("/json-call/user_logout", {"params": {}, "id": bad_id})
            self.assertEqual((answer["id"], answer["error"]["code"]), (None, -32600))
            answers = self.http("POST", "/json-call", json.dumps([{"params": {}, "id": bad_id}])).json()
            self.assertEqual((answers[0]["id"], answers[0]["error"]["code"]), (None, -32600))

    def test_other_http_methods_get_json(self):
        for method in ("GET", "PUT", "DELETE"):
            response = self.http(method, "/json-call")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["error"]["code"], -32600)

    def test_any_content_type(self):
        token = self.login()
        response = self.http(
            "POST",
            "/json-call",
            data='{"params": {"token": "%s", "model": "res.partner", "method": "search_count", "args": [[]]}}' % token,
            headers={"Content-Type": "text/plain"},
        )
        self.assertIsInstance(response.json()["result"], int)

    def test_null_result_is_present(self):
        token = self.login()
        # a public method that returns None: the answer still has "result": null
        answer = self.rpc(
            "/json-call", {"token": token, "model": "res.partner", "method": "check_access", "args": [[], "read"]}
        )
        self.assertIn("result", answer)
