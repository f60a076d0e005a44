"""Fault points for the fault tests' worker processes (tests/faults/worker_app.py).

``pause_once(name)``: when the file FAULTS_DIR/pause-<name> exists, the first process to get
here takes it (an atomic rename, so exactly one), writes its pid to FAULTS_DIR/in-<name> and
sleeps until the test kills it. Every later call passes straight through: the redelivered task
runs to the end.
"""

import os
import time
from pathlib import Path


def pause_once(name: str, seconds: float = 120.0) -> None:
    folder = os.environ.get("FAULTS_DIR")
    if not folder:
        return
    pause = Path(folder) / f"pause-{name}"
    try:
        pause.rename(Path(folder) / f"paused-{name}")
    except FileNotFoundError:
        return
    (Path(folder) / f"in-{name}.tmp").write_text(str(os.getpid()))
    (Path(folder) / f"in-{name}.tmp").rename(Path(folder) / f"in-{name}")
    time.sleep(seconds)  # the test kills this process meanwhile
