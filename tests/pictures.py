"""The manual's pictures, taken from the tours as they run (a real server,
a real browser): :func:`taking_pictures` gives Odoo's test browser the
clipboard (a tour reads back what a Copy button copied) and, when a tour
ends well, a picture of each element asked for, cropped to it.

The pictures go to ``$JSON_RPC_TOKEN_PICTURES`` (``devtools/pictures.sh``
points it at ``static/description/``, where the manual's pictures live),
else to a temporary directory: every run takes them, so that the way they
are taken is tested as well.
"""

import base64
import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from unittest.mock import patch

from odoo.tests import common
from PIL import Image

#: the manual's pictures stay small
MAX_BYTES = 150_000
#: pictures are at most this wide, in pixels (scaled down, proportions kept)
MAX_WIDTH = 1100


def pictures_dir():
    return Path(os.environ.get("JSON_RPC_TOKEN_PICTURES") or tempfile.gettempdir())


class PictureBrowser(common.ChromeBrowser):
    """Odoo's test browser, with the clipboard granted to the test server,
    that pictures ``test_case.pictures`` (``{file name: CSS selector}``) as
    it stops after a tour that succeeded."""

    def __init__(self, test_case, *args, **kwargs):
        super().__init__(test_case, *args, **kwargs)
        self._websocket_request(
            "Browser.grantPermissions",
            params={"origin": test_case.base_url(), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )

    def stop(self):
        succeeded = (
            self._result.done()
            and not self._result.cancelled()
            and self._result.exception() is None
            and not self.had_failure
        )
        try:
            if succeeded and hasattr(self, "ws"):
                for name, selector in getattr(self.test_case, "pictures", {}).items():
                    self.test_case.taken_pictures[name] = self._picture(name, selector)
        finally:
            stopped = super().stop()
        return stopped

    def _picture(self, name, selector):
        found = self._websocket_request(
            "Runtime.evaluate",
            params={
                "returnByValue": True,
                "expression": f"""
            (() => {{
                const node = document.querySelector({json.dumps(selector)});
                if (!node) return null;
                const box = node.getBoundingClientRect();
                return {{x: box.x + scrollX, y: box.y + scrollY, width: box.width, height: box.height}};
            }})()""",
            },
        )
        box = found["result"].get("value")
        if not box:
            raise AssertionError(f"nothing to picture for {name}: no {selector}")
        shot = self._websocket_request(
            "Page.captureScreenshot",
            timeout=30,
            params={"format": "png", "captureBeyondViewport": True, "clip": {**box, "scale": 1}},
        )
        image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
        if image.width > MAX_WIDTH:
            image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
        # a palette of 128 colours: screens have few, and the file stays small
        image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        path = pictures_dir() / name
        image.save(path, format="PNG", optimize=True)
        return path


@contextlib.contextmanager
def taking_pictures(test_case, pictures):
    """Within: the browsers of ``test_case`` (its tours) are
    :class:`PictureBrowser`; ``pictures``: ``{file name: selector}`` of what
    to picture once the tour succeeded. Checks that each picture was taken,
    a PNG under :data:`MAX_BYTES`."""
    test_case.pictures = dict(pictures)
    test_case.taken_pictures = {}
    with patch.object(common, "ChromeBrowser", PictureBrowser):
        yield
    for name in test_case.pictures:
        path = test_case.taken_pictures.get(name)
        test_case.assertTrue(path and path.exists(), f"{name} was not taken")
        test_case.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        test_case.assertLess(path.stat().st_size, MAX_BYTES, f"{name} is too big")
