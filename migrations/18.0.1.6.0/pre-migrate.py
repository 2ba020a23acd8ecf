"""18.0.1.6.0: ``api_token_wizard_action`` (the menu's and the address bar's
entry to the New API Token wizard) becomes a server action, and the wizard's
window action is renamed ``api_token_wizard_window_action``. An XML id cannot
change model in place: rename the old one so that the upgrade updates that
record and creates the server action."""


def migrate(cr, version):
    cr.execute("""
        UPDATE ir_model_data SET name = 'api_token_wizard_window_action'
         WHERE module = 'json_rpc_token' AND name = 'api_token_wizard_action'
           AND model = 'ir.actions.act_window'""")
