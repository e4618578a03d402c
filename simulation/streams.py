"""Random streams: one seed per run, one independent generator per random input.

Every stream is a child of the run's ``numpy.random.SeedSequence``, addressed by the
replication number and by *names* (the input and the service or person it belongs to),
never by creation order. Two scenarios that share a service therefore draw the same
incidents for it (common random numbers), and adding a service or a person elsewhere
does not move anybody else's draws.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_key(name: str) -> int:
    """A 32-bit integer for a name, the same in every process and Python version."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


class Streams:
    """The random streams of one replication of a run."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0:
            raise ValueError('"seed" must be >= 0.')
        self.seed = seed
        self.replication = replication

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        """The replication's seed: the ``replication``-th child of ``SeedSequence(seed)``."""
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication,))

    def generator(self, *names: str) -> np.random.Generator:
        """An independent generator for the input identified by ``names``."""
        key = (self.replication, *(stable_key(n) for n in names))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
