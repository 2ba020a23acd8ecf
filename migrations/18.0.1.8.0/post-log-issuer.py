"""Audit entries name who obtained a token (``api.token.log.issuer_id``,
issue #19): fill it in for the entries written before the field existed.

A login's token was obtained by its own user; a token issued in the backend
by the user who created it (``api_token.create_uid``, the wizard's user).
Entries whose token was purged keep no issuer (their detail still names it).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""UPDATE api_token_log SET issuer_id = user_id
                   WHERE event = 'login' AND issuer_id IS NULL AND user_id IS NOT NULL""")
    cr.execute("""UPDATE api_token_log log SET issuer_id = token.create_uid
                    FROM api_token token
                   WHERE log.event = 'issue' AND log.issuer_id IS NULL AND token.id = log.token_id""")
