from odoo.tests import tagged

from .common import JsonCallCase

LOGOUT = "/json-call/user_logout"


@tagged("post_install", "-at_install")
class TestLogout(JsonCallCase):
    def test_published_example(self):
        token = self.login()
        answer = self.post(LOGOUT, {"params": {"token": token}})
        self.assertIs(answer["result"], True)
        record = self.env["api.token"].search([("user_id", "=", self.integrator.id)])
        self.assertEqual(record.state, "revoked")
        error = self.error(
            "/json-call", {"token": token, "model": "res.partner", "method": "search", "args": [[]]}, -32005
        )
        self.assertEqual(error["message"], "Token revoked")
        self.error(LOGOUT, {"token": token}, -32005)

    def test_logout_only_kills_its_own_token(self):
        first, second = self.login(), self.login()
        self.result(LOGOUT, {"token": first})
        self.assertIsInstance(self.call(second, "res.partner", "search_count", [[]]), int)

    def test_logout_failures(self):
        self.error(LOGOUT, {}, -32002)
        self.error(LOGOUT, {"token": "not-a-token"}, -32003)
        token = self.login()
        self.error(LOGOUT, {"token": token, "model": "x"}, -32602)
        self.error(LOGOUT, {"token": token}, -32600, headers={"Authorization": "Bearer other"})
        self.result(LOGOUT, {}, headers={"Authorization": f"Bearer {token}"})
