"""The one JSON encoder of the addon's answers: every dialect encodes with
:func:`dumps`, so that an answer's bytes do not depend on the route.

The bytes are those of ``json.dumps(value, ensure_ascii=False,
default=orm_call.json_default)`` (Odoo's JSON-RPC encoding, with recordsets
as their ids), which clients have parsed since the first release; the
compact form (MCP's text) is the same with ``separators=(",", ":")``.

orjson, when installed, writes the compact form faster; it is optional
(Odoo 18 does not require it): without it the standard library writes
everything. The spaced form, the answer of every dialect, is always the
standard library's: orjson has no ``", "`` and ``": "`` separators, and
turning its output into them (its indented form without the line breaks,
strings never holding a raw one) costs as much as orjson saves on a
2 000-row page (doc/performance.rst gives the figures).

Where orjson would write other bytes than the standard library, the
standard library writes the answer (the choice is made per answer, before
orjson runs, by :func:`_orjson_writes_the_same`, or after it refused):

* floats: both write the shortest repr that reads back, but the standard
  library writes an exponent below 1e-4 (``1e-05``) and from 1e16
  (``1e+16``), orjson ``0.00001`` and ``1e16``; NaN and the infinities are
  ``NaN``/``Infinity`` there and ``null`` in orjson;
* types orjson encodes natively and differently: enums (their value, where
  ``default`` gives ``str()``), float and tuple subclasses (named tuples: an
  array there, ``str()`` in orjson), times; dates and datetimes go through
  ``default`` (Odoo's ``YYYY-MM-DD HH:MM:SS``, not orjson's ISO form) with
  ``OPT_PASSTHROUGH_DATETIME``, dataclasses with ``OPT_PASSTHROUGH_DATACLASS``;
* values that ``default`` turns into containers (lazy values, read-only
  dicts), whose content is not known before encoding;
* what orjson refuses (it raises, and the standard library writes the
  answer, or fails as it always did): dict keys that are not strings (the
  ints of ``{id: value}`` answers, ``None``), integers beyond 64 bits,
  nesting deeper than 254, strings that are not valid Unicode.

The check walks the value one nesting level at a time, taking the types of
a level with C-level iterators (``map``, ``itertools``): about 2 ms for a
2 000-row page. tests/test_encoding.py compares the encoders byte for byte
on real reads and on these edge values.
"""

import datetime
import enum
import itertools
import json
import operator

from odoo.models import BaseModel

from .orm_call import json_default

try:
    import orjson
except ImportError:  # optional: the standard library writes everything
    orjson = None

#: today's bytes: one encoder each, made once (json.dumps makes one per call)
_SPACED = json.JSONEncoder(ensure_ascii=False, default=json_default)
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=json_default)

#: floats both encoders write alike, zero aside: from 1e-4 to below 1e16
_SMALLEST_PLAIN_FLOAT = 1e-4
_LARGEST_PLAIN_FLOAT = 1e16
#: orjson's deepest nesting
_DEEPEST = 254
#: types both encode alike without ``default``
_PLAIN = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
#: types ``json_default`` makes a string of, for both encoders alike
_DEFAULT_TO_STRING = frozenset({datetime.datetime, datetime.date, bytes})

if orjson is not None:
    _ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value, compact=False):
    """``value`` as UTF-8 JSON bytes: recordsets as their ids, dates as
    Odoo's RPC writes them, non-ASCII characters as they are, ``", "`` and
    ``": "`` between items (``","`` and ``":"`` when ``compact``)."""
    data = _orjson_dumps(value) if compact and orjson is not None and _orjson_writes_the_same(value) else None
    if data is None:
        data = (_COMPACT if compact else _SPACED).encode(value).encode()
    return data


def _orjson_dumps(value):
    """orjson's compact bytes of ``value``, or ``None`` where it refuses
    (the standard library then writes them, or fails its own way)."""
    try:
        return orjson.dumps(value, default=json_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return None


def _orjson_writes_the_same(value):
    """Whether orjson writes ``value`` as the standard library does (see
    the module's docstring); ``False`` leaves it to the standard library."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > _DEEPEST:
            return False  # orjson refuses it; the standard library may find a circular reference
        below = []
        for kind in set(map(type, level)) - _PLAIN:
            if kind is float:
                if not all(map(_plain_float, _of_kind(level, float))):
                    return False
            elif kind in _CONTAINERS or issubclass(kind, (dict, list)):
                same_kind = _of_kind(level, kind)
                below.append(
                    itertools.chain.from_iterable(map(kind.values, same_kind) if issubclass(kind, dict) else same_kind)
                )
            elif kind in _DEFAULT_TO_STRING or issubclass(kind, BaseModel):
                continue  # a string, or the ids: alike
            elif issubclass(kind, (str, int)) and not issubclass(kind, enum.Enum):
                continue  # str and int subclasses (Markup): their value, alike
            else:
                return False
        level = list(itertools.chain.from_iterable(below))
    return True


def _of_kind(level, kind):
    """The items of ``level`` whose type is exactly ``kind`` (C-level)."""
    return itertools.compress(level, map(operator.is_, map(type, level), itertools.repeat(kind)))


def _plain_float(number):
    """Whether both encoders write ``number`` alike (NaN compares false)."""
    return _SMALLEST_PLAIN_FLOAT <= abs(number) < _LARGEST_PLAIN_FLOAT or number == 0.0
