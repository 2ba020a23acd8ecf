# The dispatchers register their routing types ('json_call', 'json_rest'): import them first.
from . import dispatcher
from . import rest
from . import rest_openapi
from . import main
from . import json2
