"""What reaches the server before any call runs: the body's size however it
is sent, the browser origin it comes from, the client address a proxy
reports. Each is a way around a limit or a check if the server believes the
request too early."""
import http.client
import json
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import config

from .common import PASSWORD, JsonCallCase

AUTH, CALL, LOGOUT = "/json-call/user_authenticate", "/json-call", "/json-call/user_logout"
EVIL = "https://evil.example"
SHOP = "https://shop.example"


def chunks(data, size=1024):
    """A generator body: ``requests`` sends it with ``Transfer-Encoding:
    chunked`` and no ``Content-Length``."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


@tagged("post_install", "-at_install")
class TestBodyLimit(JsonCallCase):

    def post_chunked(self, path, data):
        response = self.opener.post(self.base_url() + path, data=chunks(data), timeout=20,
                                    headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def login_body(self, padding=0):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "params": {"login": "integrator", "password": PASSWORD}})
        return (body + " " * padding).encode()

    def test_chunked_body_cannot_exceed_the_limit(self):
        with patch.dict(config.options, {"json_rpc_token_max_body_bytes": 2000}):
            answer = self.post_chunked(AUTH, self.login_body(padding=20000))
            self.assertEqual(answer["error"]["code"], -32600, answer)
            self.assertIn("larger than 2000 bytes", answer["error"]["data"]["message"])
            self.assertFalse(self.env["api.token"].search([("user_id", "=", self.integrator.id)]),
                             "nothing ran: no token issued")
            # a body just at the limit, chunked or not, is served
            at_limit = self.login_body()
            at_limit += b" " * (2000 - len(at_limit))
            self.assertIn("token", self.post_chunked(AUTH, at_limit)["result"])
            self.assertIn("token", self.post(AUTH, at_limit)["result"])
            # Content-Length over the limit: refused as before
            self.assertEqual(self.post(AUTH, at_limit + b" ")["error"]["code"], -32600)

    def test_bad_chunk_framing_is_a_clear_error(self):
        address = urlsplit(self.base_url())
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
        try:
            connection.putrequest("POST", AUTH)
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            connection.send(b"not-hex\r\n{}\r\n0\r\n\r\n")
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(json.loads(response.read())["error"]["code"], -32600)
        finally:
            connection.close()

    def test_small_chunked_body_works(self):
        answer = self.post_chunked(AUTH, self.login_body())
        self.assertEqual(answer["id"], 1)
        self.assertIn("token", answer["result"])
