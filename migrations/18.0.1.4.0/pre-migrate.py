"""18.0.1.4.0: a token's model scope is kept as model names (``scope_models``)
instead of a relation to ``ir.model``, whose rows vanish when a model is
removed and left the scope reading as "any model". Copy the names over
before the ORM drops the relation; tokens keep working as they were."""


def migrate(cr, version):
    cr.execute("SELECT to_regclass('api_token_ir_model_rel') IS NOT NULL")
    if not cr.fetchone()[0]:
        return
    cr.execute("ALTER TABLE api_token ADD COLUMN IF NOT EXISTS scope_models varchar")
    cr.execute("""
        UPDATE api_token t SET scope_models = scoped.names
          FROM (SELECT r.api_token_id, string_agg(m.model, ',' ORDER BY m.model) AS names
                  FROM api_token_ir_model_rel r JOIN ir_model m ON m.id = r.ir_model_id
                 GROUP BY r.api_token_id) AS scoped
         WHERE scoped.api_token_id = t.id""")
