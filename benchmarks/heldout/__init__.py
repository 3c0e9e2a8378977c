"""Held-out session generator: for measuring toehold, never for tuning it.

Built from the contracts (../shared/contracts/README.md) and the exercise
descriptions only, with its own body model (``body``) and sensor model
(``sensor``); ``session`` scripts the tiers. See README.md here.
"""
from .session import TIERS, Session, generate, write_session

__all__ = ["TIERS", "Session", "generate", "write_session"]
