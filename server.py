"""The server door: ``streamlit run server.py`` serves the app (``app.py``) with the bundled example's
results ready before the first visitor: at start, before it answers anyone, the server reads them from
Streamlit's disk cache, or simulates them once and keeps them there (``webapp.session.warm_up``), and
loads what the Compare page needs. ``streamlit run app.py`` serves the same app without this warm-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def warm(app: st.App) -> AsyncIterator[None]:
    """Warms the caches before the server accepts its first connection; a failure is logged, never fatal
    (the first visitor then simulates, as without this door)."""
    from webapp import session

    try:
        await asyncio.to_thread(session.warm_up)
    except Exception:  # the app must start even if the warm-up cannot run
        logging.getLogger(__name__).exception("warm-up failed; the first visitor will simulate")
    yield


app = st.App("app.py", lifespan=warm)
