"""A file to download: the API and the pages send the gradebook the same way."""

from __future__ import annotations

from fastapi.responses import Response


def csv_download(text: str, filename: str) -> Response:
    """``text`` as a UTF-8 CSV attachment named ``filename``, never cached."""
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
