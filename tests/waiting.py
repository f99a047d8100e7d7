"""Waiting for what another thread delivers, in tests."""

import time


def wait_for(predicate, seconds=10.0):
    """Poll until predicate() is true; a safety net, not a timing assertion."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
