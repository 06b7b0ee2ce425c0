"""Norse's LIF on the sizes of spikeflow's benchmark, for `npm run bench` side by side.

Run by bench/run.ts when SPIKEFLOW_NORSE_PYTHON names a Python with PyTorch and Norse importable
(SPIKEFLOW_NORSE_SRC, when set, is put on PYTHONPATH). Same protocol as ../shared/anchors.md:
float32, batch 1, T steps, default LIF parameters, input uniform in [0, 0.6), no gradients,
median of `runs` runs after one warm-up; `norse.torch.LIF` over the whole sequence and `LIFCell`
in a Python loop. Prints one JSON object on stdout.

With `--serve` it answers requests instead, one JSON line per line of stdin (bench/sideBySide.ts
alternates it with spikeflow's bench/lifServe.ts): `{"cmd": "measure", "N": n, "T": t, "which":
"sequence" | "cell", "warm": bool}` times one run (after an untimed one when `warm`) and answers
`{"seconds": s}`; `{"cmd": "free"}` drops the input; `{"cmd": "info"}` answers the versions.
Run it from Norse's source with `norse_shims` (../shared/tools) on PYTHONPATH: it is imported
when present (torch < 2 needs its adaptation of Norse's SuperSpike).
"""

import argparse
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
            reply = {"freed": True}
        else:
            n, steps = int(req["N"]), int(req["T"])
            if state["key"] != (n, steps):
                state["x"] = None
                torch.manual_seed(0)
                state["x"] = torch.rand(steps, 1, n, dtype=torch.float32) * 0.6
                state["key"] = (n, steps)
            x = state["x"]

            def sequence():
                return layer(x)

            def loop():
                s = None
                for t in range(steps):
                    _, s = cell(x[t], s)
                return s

            fn = sequence if req["which"] == "sequence" else loop
            with torch.no_grad():
                if req.get("warm"):
                    fn()
                t0 = time.perf_counter()
                out = fn()
                seconds = time.perf_counter() - t0
                del out
            reply = {"seconds": seconds}
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
            x = torch.rand(steps, 1, n, dtype=torch.float32) * 0.6
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
