"""Writes Tests/LabTests/Fixtures/image_quality.json: image pairs with scikit-image's SSIM and PSNR of each, the
values invertlab's metrics are checked against (needs scikit-image and numpy; the tests do not).

SSIM as the model-inversion papers report it: structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1), Wang et al. 2004's constants.
"""
import json
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def pairs():
    rng = np.random.default_rng(2019)
    y, x = np.mgrid[0:16, 0:16] / 15.0
    smooth = 0.5 + 0.4 * np.sin(3 * x) * np.cos(2 * y)
    yield "smooth vs slightly noisy", smooth, np.clip(smooth + rng.normal(0, 0.05, smooth.shape), 0, 1)
    yield "smooth vs brighter", smooth, np.clip(smooth + 0.1, 0, 1)
    yield "noise vs other noise", rng.random((16, 16)), rng.random((16, 16))
    blob = np.exp(-((x - 0.5) ** 2 + (y - 0.4) ** 2) * 8)
    yield "blob vs blurred blob", blob, 0.8 * blob + 0.1
    wide_y, wide_x = np.mgrid[0:20, 0:24]
    stripes = (0.5 + 0.5 * np.sin(wide_x / 2.0)) * (wide_y / 19.0)
    yield "20 x 24 stripes vs shifted", stripes, np.roll(stripes, 1, axis=1)


def main():
    records = []
    for name, truth, reconstruction in pairs():
        truth = truth.astype(np.float32).astype(np.float64)
        reconstruction = reconstruction.astype(np.float32).astype(np.float64)
        records.append({
            "name": name,
            "height": truth.shape[0],
            "width": truth.shape[1],
            "truth": [round(float(v), 7) for v in truth.ravel()],
            "reconstruction": [round(float(v), 7) for v in reconstruction.ravel()],
            "ssim": structural_similarity(truth, reconstruction, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=1),
            "psnr": peak_signal_noise_ratio(truth, reconstruction, data_range=1),
        })
    target = Path(__file__).resolve().parent.parent / "Tests/LabTests/Fixtures/image_quality.json"
    target.write_text(json.dumps({"scikit_image": __import__("skimage").__version__, "pairs": records}, indent=1) + "\n")
    print(f"{target}: {len(records)} pairs")


if __name__ == "__main__":
    main()
