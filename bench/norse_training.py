"""Norse's forward + backward (BPTT through its surrogate gradients) on the sizes of
bench/training.bench.ts, for a side-by-side run, on --threads torch threads (default 1). float32, T steps, batch B, default LIFParameters
(SuperSpike, alpha 100), input uniform in [0, 0.6) with requires_grad, loss = z.sum() (LIF) or
the LI output's sum (LIF -> Linear(N, 100) -> LI); median of `runs` samples after at least `warmup` warm-up
calls and 2 s (a sample repeats the call for at least 0.2 s). Also
the bytes autograd saves for backward per neuron-step (torch.autograd.graph.saved_tensors_hooks).
Run: PYTHONPATH=/work/norse:/work/shared/tools /usr/bin/python3 bench/norse_training.py
Prints one JSON object on stdout.
"""

import argparse
import json
import statistics
import time

import norse_shims
import torch
import norse.torch as nt

norse_shims.adapt()


WARMUP_SECONDS = 2.0  # least wall time of the warm-up calls (as bench/training.bench.ts)
SAMPLE_SECONDS = 0.2  # least wall time of one timed sample


def median_seconds(fn, runs, warmup):
    w0 = time.perf_counter()
    calls = 0
    while calls < warmup or time.perf_counter() - w0 < WARMUP_SECONDS:
        fn()
        calls += 1
    per = (time.perf_counter() - w0) / calls
    reps = max(1, -(-SAMPLE_SECONDS // per))
    reps = int(reps)
    times = []
    cpu = []
    for _ in range(runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t0) / reps)
        cpu.append((time.process_time() - c0) / reps)
    return statistics.median(times), times, statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", default="1000x1,1000x32,10000x1,10000x32,100000x1")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (torch.set_num_threads)")
    parser.add_argument("--cases", default="lif,stack", help="cases to run: lif (LIF layer), stack (LIF -> Linear -> LI)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    T = args.steps
    rows = []
    for cfg in args.configs.split(","):
        n, b = (int(float(v)) for v in cfg.split("x"))
        x = (torch.rand(T, b, n, dtype=torch.float32) * 0.6).requires_grad_(True)
        lif = nt.LIF()
        stack = nt.SequentialState(nt.LIF(), torch.nn.Linear(n, 100), nt.LI())

        def run_lif():
            x.grad = None
            z, _ = lif(x)
            z.sum().backward()

        def run_stack():
            x.grad = None
            stack.zero_grad()
            out, _ = stack(x)
            out.sum().backward()

        saved = {}
        for name, fn in (("lif", run_lif), ("stack", run_stack)):
            total = [0]

            def pack(t, total=total):
                total[0] += t.numel() * t.element_size()
                return t

            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                fn()
            saved[name] = total[0] / (T * b * (n + (100 if name == "stack" else 0)))
        for name, fn, neurons in (("lif", run_lif, n), ("stack", run_stack, n + 100)):
            if name not in args.cases.split(","):
                continue
            s, all_s, cpu = median_seconds(fn, args.runs, args.warmup)
            rows.append({"case": name, "N": n, "B": b, "T": T, "neuronStepsPerSecond": T * b * neurons / s, "neuronStepsPerCpuSecond": T * b * neurons / cpu, "seconds": all_s, "savedBytesPerNeuronStep": saved[name]})
        del x
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
