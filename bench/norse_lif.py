"""Norse's LIF on the sizes of spikeflow's benchmark, for `npm run bench` side by side.

Run by bench/run.ts when SPIKEFLOW_NORSE_PYTHON names a Python with PyTorch and Norse importable
(SPIKEFLOW_NORSE_SRC, when set, is put on PYTHONPATH). Same protocol as ../shared/anchors.md:
float32, batch 1, T steps, default LIF parameters, input uniform in [0, 0.6), no gradients,
median of `runs` runs after one warm-up; `norse.torch.LIF` over the whole sequence and `LIFCell`
in a Python loop. Prints one JSON object on stdout.

With `--serve` it answers requests instead, one JSON line per line of stdin (bench/sideBySide.ts
alternates it with spikeflow's bench/lifServe.ts): `{"cmd": "measure", "N": n, "T": t, "which":
"sequence" | "cell", "warm": bool, "warmSteps": k}` times one run (after an untimed one when `warm`;
for "cell" over the first `warmSteps` steps, default T) and answers
`{"seconds": s, "rssBefore": b, "peakRss": p}` (the process's resident memory when the request
arrived and its peak while it was answered, in bytes: Linux VmRSS / VmHWM, the peak reset through
/proc/self/clear_refs); `{"cmd": "free"}` drops the input, collects garbage and returns glibc's
free heap to the system (`malloc_trim`), and answers `{"rss": b}`; `{"cmd": "info"}` answers the
versions. The input is made in place (`rand` then `mul_`), so making it holds one `[T, 1, N]`
array, not two.
Run it from Norse's source with `norse_shims` (../shared/tools) on PYTHONPATH: it is imported
when present (torch < 2 needs its adaptation of Norse's SuperSpike).
"""

import argparse
import ctypes
import gc
import json
import statistics
import time

import sys

try:
    import norse_shims  # ../shared/tools: lets Norse's source run on Debian's torch 1.13
except ImportError:
    norse_shims = None

import torch
import norse
import norse.torch as snn

if norse_shims is not None:
    norse_shims.adapt()


def median_seconds(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def rss():
    """(VmRSS, VmHWM) of this process in bytes (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            status = f.read()
        kb = {k: int(status.split(k + ":")[1].split()[0]) * 1024 for k in ("VmRSS", "VmHWM")}
        return kb["VmRSS"], kb["VmHWM"]
    except (OSError, IndexError, ValueError):
        return float("nan"), float("nan")


def reset_peak_rss():
    """Resets VmHWM to the present resident memory (Linux; ignored elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def trim_heap():
    """Returns glibc's free heap memory to the system (Norse's per-step tensors at N = 1e6 are 4 MB
    each, below glibc's largest mmap threshold, so they live on the heap); ignored elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def serve():
    """Answers measure/free/info requests on stdin (see the module docs)."""
    state = {"key": None, "x": None}
    layer = snn.LIF()
    cell = snn.LIFCell()
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req.get("cmd")
        if cmd == "exit":
            break
        if cmd == "info":
            reply = {"torch": torch.__version__, "norse": getattr(norse, "__version__", "unknown"), "threads": torch.get_num_threads()}
        elif cmd == "free":
            state["key"], state["x"] = None, None
            gc.collect()
            trim_heap()
            reply = {"rss": rss()[0]}
        else:
            reset_peak_rss()
            rss_before = rss()[0]
            n, steps = int(req["N"]), int(req["T"])
            if state["key"] != (n, steps):
                state["x"] = None
                torch.manual_seed(0)
                state["x"] = torch.rand(steps, 1, n, dtype=torch.float32).mul_(0.6)
                state["key"] = (n, steps)
            x = state["x"]

            def sequence():
                return layer(x)

            def loop(until=steps):
                s = None
                for t in range(until):
                    _, s = cell(x[t], s)
                return s

            fn = sequence if req["which"] == "sequence" else loop
            with torch.no_grad():
                if req.get("warm"):
                    if fn is loop:
                        loop(min(steps, int(req.get("warmSteps", steps))))
                    else:
                        fn()
                t0 = time.perf_counter()
                out = fn()
                seconds = time.perf_counter() - t0
                del out
            reply = {"seconds": seconds, "rssBefore": rss_before, "peakRss": rss()[1]}
            # No name of this frame may keep the input alive once "free" drops it.
            del x, fn, sequence, loop
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--serve", action="store_true", help="answer requests on stdin (see the module docs)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.serve:
        serve()
        return
    torch.manual_seed(0)
    steps = args.steps
    rows = []
    with torch.no_grad():
        for n in [int(s) for s in args.sizes.split(",") if s]:
            x = torch.rand(steps, 1, n, dtype=torch.float32).mul_(0.6)
            layer = snn.LIF()
            cell = snn.LIFCell()

            def sequence():
                layer(x)

            def loop():
                state = None
                for t in range(steps):
                    _, state = cell(x[t], state)

            seq_s, seq_all = median_seconds(sequence, args.runs)
            cell_s, cell_all = median_seconds(loop, args.runs)
            rows.append(
                {
                    "N": n,
                    "T": steps,
                    "lifSequence": steps * n / seq_s,
                    "cellLoop": steps * n / cell_s,
                    "lifSequenceSeconds": seq_all,
                    "cellLoopSeconds": cell_all,
                }
            )
            del x
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "norse": getattr(norse, "__version__", "unknown"),
                "threads": torch.get_num_threads(),
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
