"""The verifying TLS context of a request the tool makes outside Graph, made off the event loop.

Loading the CA bundle takes tens of milliseconds; made on the event loop (as httpx does for each client it is not
given a context), that is a frozen wizard screen each time the discovery document is read or the sign-in probed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl


async def verifying_context() -> ssl.SSLContext:
    """httpx's own verifying context (its CA bundle; SSL_CERT_FILE and SSL_CERT_DIR honoured as httpx honours them),
    made in a worker thread. A fresh one each time: httpcore sets ALPN on the context of each connection it opens."""
    import httpx

    return await asyncio.to_thread(httpx.create_ssl_context)
