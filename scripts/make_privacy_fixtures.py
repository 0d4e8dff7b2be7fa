"""Writes the epsilons the privacy accountant's tests compare against: Opacus's Renyi-DP accountant of the
Poisson-subsampled Gaussian mechanism, for settings from tight to loose budgets, and the noise multiplier Opacus finds
for a target epsilon. Needs opacus (pip install opacus); the tests don't.
Run from the repository root:  python3 scripts/make_privacy_fixtures.py
"""
import json
import os

import opacus
from opacus.accountants import RDPAccountant
from opacus.accountants.utils import get_noise_multiplier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "LabTests", "Fixtures", "opacus_rdp.json")

# (noise multiplier sigma, sample rate q, steps T, delta): the classroom preset's q (128 of 960 images), ORL's,
# the DP-SGD paper's MNIST setting (q = 0.01), a full batch (q = 1), tiny and large noise, one step and many.
SETTINGS = [
    (1.1, 0.01, 10_000, 1e-5),
    (4.0, 0.01, 10_000, 1e-5),
    (0.8, 128 / 960, 225, 1e-5),
    (1.0, 128 / 960, 450, 1e-5),
    (2.5, 128 / 320, 300, 1e-5),
    (0.6, 0.05, 1_000, 1e-6),
    (10.0, 0.2, 50, 1e-5),
    (1.0, 1.0, 1, 1e-5),
    (0.5, 0.001, 100_000, 1e-5),
    (1.3, 0.3, 1, 1e-3),
]

# (target epsilon, q, T, delta) for the noise search.
TARGETS = [(1.0, 128 / 960, 225, 1e-5), (8.0, 128 / 960, 225, 1e-5), (3.0, 0.01, 10_000, 1e-5)]


def epsilon(sigma, q, steps, delta):
    accountant = RDPAccountant()
    accountant.history = [(sigma, q, steps)]
    eps, alpha = accountant.get_privacy_spent(delta=delta)
    return float(eps), float(alpha)


def main():
    budgets = []
    for sigma, q, steps, delta in SETTINGS:
        eps, alpha = epsilon(sigma, q, steps, delta)
        budgets.append({"noise": sigma, "sample_rate": q, "steps": steps, "delta": delta, "epsilon": eps, "order": alpha})
    noises = []
    for target, q, steps, delta in TARGETS:
        sigma = get_noise_multiplier(target_epsilon=target, target_delta=delta, sample_rate=q, steps=steps,
                                     accountant="rdp", epsilon_tolerance=0.001)
        noises.append({"epsilon": target, "sample_rate": q, "steps": steps, "delta": delta, "noise": float(sigma),
                       "epsilon_reached": epsilon(sigma, q, steps, delta)[0]})
    with open(OUT, "w") as file:
        json.dump({"opacus": opacus.__version__, "budgets": budgets, "noises": noises}, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
