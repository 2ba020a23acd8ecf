from . import connection_pool
from . import controllers
from . import models
