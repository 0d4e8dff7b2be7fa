"""`make torch-check`: the classroom preset trained by both engines from the same config, seed by seed (alternating,
so that a slow minute on a shared machine hits both), then the means compared: the target's test accuracy and the
test victims' MSE must agree within 15%. Finally the workbench opens the PyTorch run folder in tmux (when tmux is
there) and must draw it without training anything. Needs torch (pip install torch numpy safetensors).

Usage: python3 scripts/torch_check.py BINARY [--seeds 2019,2020,2021] [--out runs/torch-check] [ARGS...]
Extra arguments go to both `invertlab run` calls (for example --epochs-classifier 5 for a quick look).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

TOLERANCE = 0.15


def run(binary, engine, seed, folder, extra):
    command = [binary, "run", "--engine", engine, "--seed", str(seed), "--out", folder, "--overwrite", "--json", "--quiet"]
    started = time.time()
    result = subprocess.run(command + extra, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["classifier"]["test_accuracy"], report["inversion"]["mse_victim_test"], time.time() - started


def workbench_opens(binary, folder):
    """Opens the workbench on `folder` in a detached tmux pane and waits for its dashboard; True when it draws."""
    if shutil.which("tmux") is None:
        print("tmux missing: the workbench check is skipped")
        return True
    session = "torch-check"
    server = ["tmux", "-L", "torch-check"]
    subprocess.run(server + ["kill-session", "-t", session], capture_output=True)
    subprocess.run(server + ["new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                             f"{binary} --run {folder}"], check=True)
    try:
        for _ in range(60):
            time.sleep(1)
            screen = subprocess.run(server + ["capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            # The classifier panel says the target was loaded, and the gallery shows the victims.
            if "loaded, not trained here" in screen and "Victims" in screen:
                print("workbench opened the PyTorch run folder:\n" + "\n".join(screen.splitlines()[:8]))
                return True
        print("the workbench did not draw the run folder within 60 s:\n" + screen)
        return False
    finally:
        subprocess.run(server + ["kill-server"], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--seeds", default="2019,2020,2021")
    parser.add_argument("--out", default="runs/torch-check")
    arguments, extra = parser.parse_known_args()
    figures = {"invertlab": [], "torch": []}
    for round_number, seed in enumerate(int(text) for text in arguments.seeds.split(",")):
        engines = ["invertlab", "torch"] if round_number % 2 == 0 else ["torch", "invertlab"]
        for engine in engines:
            folder = os.path.join(arguments.out, f"{engine}-{seed}")
            accuracy, mse, seconds = run(arguments.binary, engine, seed, folder, extra)
            figures[engine].append((accuracy, mse, seconds))
            print(f"seed {seed} {engine:9}: test accuracy {100 * accuracy:5.1f}%, victim MSE {mse:.4f}, {seconds:.0f} s",
                  flush=True)
    passed = True
    for index, name in [(0, "classifier test accuracy"), (1, "victim MSE, test")]:
        ours = statistics.mean(row[index] for row in figures["invertlab"])
        theirs = statistics.mean(row[index] for row in figures["torch"])
        gap = abs(ours - theirs) / max(abs(ours), 1e-12)
        verdict = "ok" if gap <= TOLERANCE else "DIFFERS"
        passed &= gap <= TOLERANCE
        print(f"{name}: invertlab {ours:.4f}, torch {theirs:.4f}, {100 * gap:.1f}% apart ({verdict}; allowed {100 * TOLERANCE:.0f}%)")
    last = os.path.join(arguments.out, f"torch-{arguments.seeds.split(',')[-1]}")
    passed &= workbench_opens(os.path.abspath(arguments.binary), last)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
