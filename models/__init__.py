from . import api_token
