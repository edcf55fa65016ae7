"""The per-worker trial that decides whether requests with company leave the event loop to batch."""

from __future__ import annotations

from inference_pipeline.serving.batch_trial import BatchingTrial


class _Worker:
    """A worker whose requests cost ``inline_ms`` or ``pool_ms`` of CPU by the mode in force; the
    first ``spill`` requests after a switch from the pool also pay for ``spill_ms`` of pool
    requests still finishing."""

    def __init__(self, trial_kwargs: dict[str, int], inline_ms: float, pool_ms: float, *, spill: int = 0,
                 spill_ms: float = 0.0) -> None:
        self.cpu = 0.0
        self.inline_ms, self.pool_ms = inline_ms, pool_ms
        self.spill, self.spill_ms = spill, spill_ms
        self.trial = BatchingTrial(clock=lambda: self.cpu, **trial_kwargs)

    def serve(self, requests: int) -> list[bool]:
        modes: list[bool] = []
        spilling = 0
        for _ in range(requests):
            pool = self.trial.count()
            if modes and modes[-1] and not pool:
                spilling = self.spill
            modes.append(pool)
            self.cpu += (self.pool_ms if pool else self.inline_ms) / 1000
            if spilling:
                self.cpu += self.spill_ms / 1000
                spilling -= 1
        return modes


SMALL = {"phase_requests": 4, "settle_requests": 2, "rounds": 2, "hold_requests": 10, "max_hold_requests": 40}
TRIAL = 4 * (4 + 2)  # two rounds of an inline and a pool phase, each settling first


def test_phases_alternate_then_the_cheaper_mode_holds_until_the_next_trial() -> None:
    worker = _Worker(SMALL, inline_ms=0.7, pool_ms=0.45)
    modes = worker.serve(TRIAL + 10)
    # Counted as each request is dispatched: a phase's last request already gets the next mode.
    assert modes[:TRIAL] == [False] * 5 + [True] * 6 + [False] * 6 + [True] * 7
    assert worker.trial.chosen is True
    assert all(modes[TRIAL:TRIAL + 9]) and modes[TRIAL + 9] is False  # a new trial, inline first


def test_what_the_pool_leaves_running_into_an_inline_phase_is_not_counted_against_it() -> None:
    worker = _Worker(SMALL, inline_ms=0.5, pool_ms=0.6, spill=2, spill_ms=5.0)
    worker.serve(TRIAL)
    assert worker.trial.chosen is False
    counted = _Worker({**SMALL, "settle_requests": 0}, inline_ms=0.5, pool_ms=0.6, spill=2, spill_ms=5.0)
    counted.serve(4 * 4)
    assert counted.trial.chosen is True  # what the settling is for


def test_inline_wins_when_the_pool_costs_more() -> None:
    worker = _Worker(SMALL, inline_ms=0.3, pool_ms=0.45)
    modes = worker.serve(TRIAL + 10)
    assert worker.trial.chosen is False
    assert not any(modes[TRIAL:])


def test_the_same_answer_doubles_the_hold_up_to_its_cap_and_a_change_resets_it() -> None:
    worker = _Worker(SMALL, inline_ms=0.7, pool_ms=0.45)
    holds = []
    while len(holds) < 4:
        trials = worker.trial.trials
        worker.serve(1)
        if worker.trial.trials > trials:
            holds.append(worker.trial.hold)
    assert holds == [10, 20, 40, 40]
    worker.inline_ms = 0.2  # the model got cheaper to run alone
    worker.serve(TRIAL + 40)
    assert worker.trial.chosen is False and worker.trial.hold == 10
