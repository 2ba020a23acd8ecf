from . import api_token
from . import api_token_idempotency
from . import api_token_lockout
from . import api_token_log
from . import api_token_rate_limit
from . import api_token_wizard
from . import res_users
from . import api_token_usage
