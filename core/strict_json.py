"""Request bodies parsed as JSON is defined (RFC 8259), not as Python's
``json`` module accepts it.

Python's parser also takes ``NaN``, ``Infinity``, numbers beyond a double
(``1e999`` becomes ``inf``, ``1`` followed by 400 zeros an integer no float
field can hold) and lone UTF-16 surrogates (``"\\ud800"``, or their raw
bytes). None of these is JSON text another program can read back: echoed in
``id`` they made the answer invalid JSON, or a 500 (a lone surrogate cannot
be encoded in UTF-8), and deeper in they reached the ORM and the database as
values nothing can store. They are refused here, as a parse error naming what
is wrong.
"""

import json
import math
import re
import sys

from . import errors

#: RFC 8259 §6: numbers beyond a double's range are not interoperable
_LARGEST_NUMBER = sys.float_info.max
_LARGEST_NUMBER_DIGITS = len(str(int(_LARGEST_NUMBER)))
_NUMBER_MESSAGE = (
    "The request body holds a number JSON does not have: NaN and Infinity are no JSON numbers, "
    "and numbers must lie within ±1.8e308."
)
#: a ``\\u`` escape of a surrogate: only then can a parsed string hold one
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _refuse_number(_text):
    raise errors.ParseError(_NUMBER_MESSAGE)


def _parse_int(text):
    digits = text.lstrip("-")  # JSON has no leading zeros: the length is the magnitude
    if len(digits) > _LARGEST_NUMBER_DIGITS or (
        len(digits) == _LARGEST_NUMBER_DIGITS and int(digits) > _LARGEST_NUMBER
    ):
        _refuse_number(text)
    return int(text)


def _parse_float(text):
    value = float(text)
    if math.isinf(value):
        _refuse_number(text)
    return value


def _has_lone_surrogate(payload):
    """Whether a string (key or value) of ``payload`` holds a surrogate that
    is not half of a pair (the parser joins escaped pairs). Iterative: the
    payload may be nested as deeply as the parser allows."""
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE_RE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def loads(data):
    """The JSON value of the body ``data`` (bytes: UTF-8, or the UTF-16/32
    that ``json.loads`` detects).

    :raises errors.ParseError: for the values JSON does not have (see above)
    :raises ValueError: (``UnicodeDecodeError`` included) for text that is
        not JSON, as ``json.loads`` does
    """
    # decoded strictly, where json.loads would let raw surrogate bytes through
    text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes) else data
    payload = json.loads(text, parse_constant=_refuse_number, parse_int=_parse_int, parse_float=_parse_float)
    if _SURROGATE_ESCAPE_RE.search(text) and _has_lone_surrogate(payload):
        raise errors.ParseError(
            "The request body holds a lone UTF-16 surrogate (\\ud800-\\udfff): that is no Unicode text."
        )
    return payload
