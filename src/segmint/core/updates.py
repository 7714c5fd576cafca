"""What an update of the live view did: a typed result the faces render.

Defined down here so that an import (which marks the customers its rows touched) can
report the updates that followed it without reaching up to the pipeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict


class ViewUpdate(BaseModel):
    """One update of the live view: who was recomputed, as of which day, what moved.

    ``cause``: ``update`` (new data touched the customers) or ``roll_forward`` (days
    passed and their date-relative segments could move). ``entered`` / ``left``:
    memberships gained and lost; ``alerts_raised`` / ``alerts_resolved`` likewise.
    """

    model_config = ConfigDict(frozen=True)

    update_id: int
    run_id: int
    cause: Literal["update", "roll_forward"]
    as_of: dt.date
    customers: int
    entered: int
    left: int
    alerts_raised: int
    alerts_resolved: int
    seconds: float
