from . import controllers
from . import models
from . import patches

# Every patch of Odoo's code, applied when Odoo (or anything) first imports the
# addon. Not from the manifest's post_load: Odoo skips that hook when the
# package was imported before it loads the module (a test runner, another
# module importing from this one), and the patches would then be missing.
patches.apply()
