from . import controllers
from . import models
from . import patches


def post_load():
    """Odoo calls this once per process, right after importing the addon:
    every patch of Odoo's code is applied here, from :mod:`.patches`."""
    patches.apply()
