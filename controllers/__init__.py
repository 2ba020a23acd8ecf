# The dispatcher registers the 'json_call' routing type: import it first.
from . import dispatcher
from . import main
from . import rpc
