"""The addon's tests, as Odoo's runner finds them (``odoo-bin --test-enable``) and
pytest-odoo too. Tests that start servers, clusters or builds of their own live
in ../tests_system, run by devtools/test.sh."""

from . import test_authenticate
from . import test_backend
from . import test_backend_wizard
from . import test_batch
from . import test_call
from . import test_client_mistakes
from . import test_cors_fields_openapi
from . import test_cursors
from . import test_database_free
from . import test_docs_pages
from . import test_encoding
from . import test_idempotency
from . import test_issue12_fixes
from . import test_issue19_answers
from . import test_issuing_rights
from . import test_json2
from . import test_layers
from . import test_logout
from . import test_mcp
from . import test_no_store
from . import test_oauth
from . import test_oauth_tours
from . import test_odoo19
from . import test_openapi_clients
from . import test_openapi_typed
from . import test_patches
from . import test_origin_rule
from . import test_protocol
from . import test_rate_limit
from . import test_read_names
from . import test_rest
from . import test_scope
from . import test_security
from . import test_snippets
from . import test_settings
from . import test_token_model
from . import test_token_password
from . import test_transport
from . import test_trust
from . import test_usage
