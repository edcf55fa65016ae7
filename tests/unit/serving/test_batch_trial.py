"""The per-worker trial that decides whether requests with company leave the event loop to batch."""

from __future__ import annotations

from inference_pipeline.serving.batch_trial import BatchingTrial


class _Worker:
    """A worker whose requests cost ``inline_ms`` or ``pool_ms`` of CPU by the mode in force."""

    def __init__(self, trial_kwargs: dict[str, int], inline_ms: float, pool_ms: float) -> None:
        self.cpu = 0.0
        self.inline_ms, self.pool_ms = inline_ms, pool_ms
        self.trial = BatchingTrial(clock=lambda: self.cpu, **trial_kwargs)
        self.modes: list[bool] = []

    def serve(self, requests: int) -> list[bool]:
        modes = []
        for _ in range(requests):
            pool = self.trial.count()
            modes.append(pool)
            self.cpu += (self.pool_ms if pool else self.inline_ms) / 1000
        return modes


SMALL = {"phase_requests": 4, "rounds": 2, "hold_requests": 10, "max_hold_requests": 40}


def test_phases_alternate_then_the_cheaper_mode_holds_until_the_next_trial() -> None:
    worker = _Worker(SMALL, inline_ms=0.7, pool_ms=0.45)
    modes = worker.serve(16 + 10)
    # Counted as each request is dispatched: a phase's last request already gets the next mode.
    assert modes[:16] == [False] * 3 + [True] * 4 + [False] * 4 + [True] * 4 + [True]
    assert worker.trial.chosen is True
    assert all(modes[16:25]) and modes[25] is False  # the hold is over: a new trial, inline first


def test_inline_wins_when_the_pool_costs_more() -> None:
    worker = _Worker(SMALL, inline_ms=0.3, pool_ms=0.45)
    modes = worker.serve(16 + 10)
    assert worker.trial.chosen is False
    assert not any(modes[16:])


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
    worker.serve(16 + 40)
    assert worker.trial.chosen is False and worker.trial.hold == 10
