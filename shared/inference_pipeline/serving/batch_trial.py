"""Whether requests of a micro-batching app should leave the event loop to share a predict: measured.

A request that runs on the event loop's thread (serving.rsgi.InlineDispatch) costs no hand-off,
but runs alone; on the pool it pays for a queue, a thread wake-up and a return trip to the loop,
and may share one predict with the worker's other requests. Which costs less depends on how much
of a predict is a fixed cost per call and on what the hand-off costs on the machine, so no one
threshold is right: in our xgboost image (a 1-row predict 0.28 ms of CPU, 100 rows 0.29) the pool
served 65-75% more 1-row requests a second at 32 clients and 0-30% more at 8, and the abalone
featurizer (predicts of 2-5 ms) twice as many at 32. So each worker measures it: requests
alternate between short phases that keep the app's requests inline and phases that send those
with company to the pool, the worker's CPU time per request (every thread of the process, once
the phase before has drained) is summed per mode, and the cheaper mode holds until the next
trial. A trial that agrees with the one before doubles the hold, so a clear winner is re-checked
rarely and the losing mode's phases stay a small share of the requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class BatchingTrial:
    """Counts the worker's app requests and says, for each, whether the pool is the mode in force."""

    def __init__(self, *, phase_requests: int = 64, settle_requests: int = 32, rounds: int = 2,
                 hold_requests: int = 8192, max_hold_requests: int = 262144,
                 clock: Callable[[], float] = time.process_time) -> None:
        self.phase_requests = phase_requests
        #: Requests at the start of each phase whose CPU is not counted: the pool requests of the
        #: phase before are still finishing then (counted, their CPU went to the next inline
        #: phase: inline measured 0.79-1.15 ms of CPU a request in the xgboost image, against
        #: 0.6-0.7 when it is all inline).
        self.settle_requests = settle_requests
        self.rounds = rounds
        self.hold_requests = hold_requests
        self.max_hold_requests = max_hold_requests
        self._clock = clock
        #: The mode in force: during a trial the phase's, after it the cheaper one.
        self.pool = False
        #: What the last trial chose (None before the first ends).
        self.chosen: bool | None = None
        #: Requests the chosen mode holds for before the next trial.
        self.hold = hold_requests
        #: Trials decided so far (for logs and tests).
        self.trials = 0
        self._start_trial()

    def _start_trial(self) -> None:
        self._phase = 0  # even phases inline, odd ones on the pool
        self._cpu = [0.0, 0.0]
        self._trialling = True
        self.pool = False
        self._count = 0
        self._started = self._clock()  # restarted once the phase has settled

    def count(self) -> bool:
        """One more app request dispatched; True when those with company go to the pool."""
        self._count += 1
        if self._trialling:
            if self._count == self.settle_requests:
                self._started = self._clock()
            elif self._count >= self.settle_requests + self.phase_requests:
                self._end_phase()
        elif self._count >= self.hold:
            self._start_trial()
        return self.pool

    def _end_phase(self) -> None:
        now = self._clock()
        self._cpu[self._phase % 2] += now - self._started
        self._phase += 1
        self._count, self._started = 0, now
        if self._phase < 2 * self.rounds:
            self.pool = self._phase % 2 == 1
            return
        inline_cpu, pool_cpu = self._cpu
        pool = pool_cpu < inline_cpu
        # The same answer again: it is unlikely to change soon, so check it half as often.
        self.hold = (min(self.hold * 2, self.max_hold_requests) if pool == self.chosen
                      else self.hold_requests)
        self.chosen = self.pool = pool
        self.trials += 1
        self._trialling = False
        per_request = self.rounds * self.phase_requests / 1000
        log.debug("batching trial: %.3f ms of CPU a request inline, %.3f on the pool: %s for %d requests",
                  inline_cpu / per_request, pool_cpu / per_request, "pool" if pool else "inline", self.hold)
