"""Large answers as a stream: a ``search_read`` (or a REST list) asked with
``Accept: application/x-ndjson`` is answered one record per line (NDJSON),
read from the database in batches (:class:`..core.orm_call.RecordStream`).

Why a spool: the call's cursor and transaction belong to the request, and
Odoo closes them when the dispatcher returns, before the server sends the
body. So the rows are encoded within the transaction, batch after batch,
into a spooled temporary file (in memory up to :data:`SPOOL_MEMORY`, on
disk beyond): the process never holds more than one batch of records and
the spool's memory part, whatever the number of records. The file is then
sent in pieces, with its ``Content-Length``; the transaction is over by
then, so a slow client holds no database connection, and a client that
stops reading makes the server's write fail: the worker closes the file
(removed from disk) and is free for the next request.
"""

import tempfile

from odoo import http

from ..core import encoding, errors

NDJSON = "application/x-ndjson"
#: bytes of a stream kept in memory before the spool goes to disk
SPOOL_MEMORY = 1024 * 1024
#: bytes sent at a time
PIECE = 64 * 1024


def asked(httprequest):
    """Whether the request's ``Accept`` names NDJSON (a wildcard does not)."""
    return any(value.lower() == NDJSON and quality > 0 for value, quality in httprequest.accept_mimetypes)


def _pieces(spool):
    """The spool's bytes, piece by piece; the file is closed (and removed)
    when the server is done with the answer, sent whole or not."""
    try:
        while True:
            piece = spool.read(PIECE)
            if not piece:
                return
            yield piece
    finally:
        spool.close()


def response(dispatcher, stream):
    """The NDJSON answer of ``stream``, encoded now, in the transaction."""
    if dispatcher.idempotency is not None:
        raise errors.InvalidRequest(
            "A streamed answer is not stored for an idempotency key: send the read "
            "without one (a read can be sent again as it is)."
        )
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # pylint: disable=consider-using-with
    try:
        lines = []
        for row in stream.rows():
            lines.append(encoding.dumps(row))
            if len(lines) >= 256:
                spool.write(b"\n".join(lines) + b"\n")
                lines = []
        if lines:
            spool.write(b"\n".join(lines) + b"\n")
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    answer = http.Response(
        _pieces(spool),
        status=200,
        direct_passthrough=True,
        headers=[("Content-Type", f"{NDJSON}; charset=utf-8"), ("Content-Length", str(size))],
    )
    return dispatcher.finish(answer)
