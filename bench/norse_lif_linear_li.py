"""Norse's LIF -> Linear -> LI network, timed on request, for `npm run bench:lif-linear-li`.

The network is Norse's idiom for spikeflow's `sequential(neuron(lif), linearLayer(...), neuron(li))`:
`norse.torch.SequentialState(LIF(), torch.nn.Linear(N, N // 10), LI())` over the whole sequence,
float32, batch 1, default parameters, input uniform in [0, 0.6), no gradients.

Protocol (so that the Node bench can alternate runs with spikeflow's in one session): reads one
JSON request a line on stdin, `{"N": 1000, "T": 1000, "runs": 1}`; the first request for an N
builds the network and input and runs it once (warm-up); each request answers one JSON line on
stdout, `{"N": ..., "seconds": [...]}`. An empty line or end of input stops. The first line
printed is `{"torch": ..., "norse": ..., "threads": ...}`. Argument: torch threads (default: every core).
"""

import json
import os
import sys
import time

import torch
import norse
import norse.torch as snn


def main():
    # torch's default here is 1 thread (OpenMP sees 1); spikeflow's threads backend uses every core.
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(
        json.dumps({"torch": torch.__version__, "norse": getattr(norse, "__version__", "unknown"), "threads": torch.get_num_threads()}),
        flush=True,
    )
    nets = {}
    with torch.no_grad():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                break
            req = json.loads(line)
            n, steps, runs = int(req["N"]), int(req["T"]), int(req.get("runs", 1))
            key = (n, steps)
            if key not in nets:
                nets.clear()
                x = torch.rand(steps, 1, n, dtype=torch.float32) * 0.6
                net = snn.SequentialState(snn.LIF(), torch.nn.Linear(n, n // 10), snn.LI())
                net(x)  # warm-up
                nets[key] = (net, x)
            net, x = nets[key]
            seconds = []
            for _ in range(runs):
                t0 = time.perf_counter()
                net(x)
                seconds.append(time.perf_counter() - t0)
            print(json.dumps({"N": n, "T": steps, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
