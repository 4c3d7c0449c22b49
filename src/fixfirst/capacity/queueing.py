"""Closed-form queueing results (Erlang C, Kingman, Allen-Cunneen) and a continuous-time single-station simulation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda / mu, in erlangs).

    Uses the Erlang B recursion, which stays finite for large c where a**c / c! overflows.
    """
    if servers < 1:
        raise ValueError("servers must be at least 1")
    if offered_load < 0:
        raise ValueError("offered load must be non-negative")
    rho = offered_load / servers
    if rho >= 1:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking / (1.0 - rho * (1.0 - blocking))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    """Exact mean wait in queue (before service) of an M/M/c queue; inf when it is not stable."""
    capacity = servers * service_rate
    if arrival_rate >= capacity:
        return math.inf
    return erlang_c(servers, arrival_rate / service_rate) / (capacity - arrival_rate)


def kingman_mean_wait(arrival_rate: float, mean_service: float, arrival_cv: float = 1.0, service_cv: float = 1.0) -> float:
    """Kingman's G/G/1 approximation of the mean wait in queue: rho/(1-rho) * (ca^2+cs^2)/2 * E[S].

    Exact for M/G/1 (Pollaczek-Khinchine) and so for M/M/1; an approximation that is tight in heavy traffic otherwise.
    """
    rho = arrival_rate * mean_service
    if rho >= 1:
        return math.inf
    return rho / (1.0 - rho) * (arrival_cv**2 + service_cv**2) / 2.0 * mean_service


def allen_cunneen_mean_wait(arrival_rate: float, mean_service: float, servers: int = 1,
                            arrival_cv: float = 1.0, service_cv: float = 1.0) -> float:
    """Allen-Cunneen's G/G/c approximation: the M/M/c wait scaled by (ca^2+cs^2)/2; exact for M/M/c, Kingman for c=1."""
    exact_mm = mmc_mean_wait(arrival_rate, 1.0 / mean_service, servers)
    return exact_mm * (arrival_cv**2 + service_cv**2) / 2.0


@dataclass(frozen=True)
class QueueSimulation:
    """Steady-state estimates from independent replications (warm-up customers left out of each)."""

    servers: int
    arrival_rate: float
    mean_service: float
    utilisation: float
    mean_wait: float
    mean_wait_std_error: float  # across replications, so autocorrelation within a run cannot hide the noise
    mean_time_in_system: float
    wait_p95: float
    customers: int  # measured (after warm-up), all replications together
    replications: int

    def to_dict(self) -> dict:
        return asdict(self)


def _gamma_draws(rng: np.random.Generator, mean: float, cv: float, shape: tuple[int, ...]) -> np.ndarray:
    """Positive draws with the given mean and coefficient of variation: exponential at cv=1, constant at cv=0."""
    if cv == 0:
        return np.full(shape, mean)
    k = 1.0 / cv**2
    return rng.gamma(k, mean / k, size=shape)


def simulate_queue(arrival_rate: float, mean_service: float, servers: int = 1, *, arrival_cv: float = 1.0,
                   service_cv: float = 1.0, customers: int = 20_000, warmup: int = 2_000, replications: int = 64,
                   seed: int = 0) -> QueueSimulation:
    """Continuous-time FIFO G/G/c station (gamma inter-arrival and service times; cv=1 is exponential).

    One server: the Lindley recursion solved in closed form per replication (W_n = P_n - min(0, min_k P_k) with P
    the running sum of S_{n-1} - A_n), vectorised. Several servers: the Kiefer-Wolfowitz workload vector, looped over
    customers and vectorised across replications. Each replication starts empty; its first `warmup` customers are
    dropped so the estimate is of the steady state.
    """
    if servers < 1 or customers <= warmup or replications < 2:
        raise ValueError("need servers >= 1, customers > warmup and at least two replications")
    rng = np.random.default_rng(seed)
    gaps = _gamma_draws(rng, 1.0 / arrival_rate, arrival_cv, (replications, customers))
    service = _gamma_draws(rng, mean_service, service_cv, (replications, customers))
    if servers == 1:
        increments = np.zeros((replications, customers))
        increments[:, 1:] = service[:, :-1] - gaps[:, 1:]
        running = np.cumsum(increments, axis=1)
        wait = running - np.minimum(np.minimum.accumulate(running, axis=1), 0.0)
    else:
        wait = np.empty((replications, customers))
        workload = np.zeros((replications, servers))  # time until each server is free, sorted ascending
        rows = np.arange(replications)
        for n in range(customers):
            wait[:, n] = workload[:, 0]
            workload[rows, 0] += service[:, n]
            if n + 1 < customers:
                workload = np.maximum(workload - gaps[:, n + 1, None], 0.0)
            workload.sort(axis=1)
    kept = wait[:, warmup:]
    per_replication = kept.mean(axis=1)
    return QueueSimulation(
        servers=servers, arrival_rate=arrival_rate, mean_service=mean_service,
        utilisation=arrival_rate * mean_service / servers,
        mean_wait=float(per_replication.mean()),
        mean_wait_std_error=float(per_replication.std(ddof=1) / math.sqrt(replications)),
        mean_time_in_system=float(per_replication.mean() + service[:, warmup:].mean()),
        wait_p95=float(np.quantile(kept, 0.95)),
        customers=int(kept.size), replications=replications,
    )
