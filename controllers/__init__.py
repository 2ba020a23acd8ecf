# The dispatchers register their routing types ('json_call', 'json_rest',
# 'json2'): import them before the routes that use them.
from . import dispatcher
from . import rest
from . import rest_openapi
from . import json2
from . import docs
from . import main
from . import rpc
