"""Brian2's side of `npm run bench:networks`: CUBA and COBA (Brette et al. 2007) and the CUBA
scaling runs with fixed in-degree, on Brian2's cython and numpy targets.

Run with Debian's Python (brian2 2.5.1 + cython3): /usr/bin/python3 bench/brian_networks.py CASE TARGET
CASE: cuba | coba | cuba-N (fixed in-degree 64 E + 16 I, N neurons); TARGET: cython | numpy.
Prints one JSON line: build (s, network construction and connect), compile (s, code generation
and compilation: a run of 0 ms), run (s, the simulated second), cpu (s, its process CPU time), spikes, rate (Hz), cv, events.
Constants: Brian2's examples/CUBA.py; COBA from Brette et al. (2007) Appendix B (relative
conductances we = 0.6, wi = 6.7). dt = 0.1 ms (Brian2's default), 1 s simulated.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
from brian2 import (  # noqa: E402
    ms, mV, NeuronGroup, Synapses, SpikeMonitor, Network, prefs, defaultclock, seed, second,
)

case = sys.argv[1]
target = sys.argv[2]
duration = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
prefs.codegen.target = target
defaultclock.dt = 0.1 * ms
seed(1)

t0 = time.perf_counter()
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr = -50 * mV, -60 * mV
if case.startswith("cuba"):
    n = 4000 if case == "cuba" else int(case.split("-")[1])
    El = -49 * mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
    P.v = "Vr + rand() * (Vt - Vr)"
    we = (60 * 0.27 / 10) * mV
    wi = (-20 * 4.5 / 10) * mV
    on_e, on_i = "ge += we", "gi += wi"
else:
    n = 4000
    El = -60 * mV
    Ee, Ei = 0 * mV, -80 * mV
    eqs = """
    dv/dt  = (ge*(Ee-v)+gi*(Ei-v)-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1
    """
    P = NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="euler")
    P.v = "(randn() * 5 - 55) * mV"
    P.ge = "randn() * 1.5 + 4"
    P.gi = "randn() * 12 + 20"
    we, wi = 0.6, 6.7
    on_e, on_i = "ge += we", "gi += wi"
nE = int(round(0.8 * n))
Ce = Synapses(P, P, on_pre=on_e)
Ci = Synapses(P, P, on_pre=on_i)
if case in ("cuba", "coba"):
    Ce.connect("i<nE", p=0.02)
    Ci.connect("i>=nE", p=0.02)
else:
    # fixed in-degree: each post neuron gets 64 E and 16 I inputs (0.02 of the 4000-neuron network)
    rng = np.random.default_rng(1)
    pre_e = np.concatenate([rng.choice(nE, 64, replace=False) for _ in range(n)])
    pre_i = np.concatenate([nE + rng.choice(n - nE, 16, replace=False) for _ in range(n)])
    Ce.connect(i=pre_e, j=np.repeat(np.arange(n), 64))
    Ci.connect(i=pre_i, j=np.repeat(np.arange(n), 16))
M = SpikeMonitor(P)
net = Network(P, Ce, Ci, M)
build = time.perf_counter() - t0
t1 = time.perf_counter()
net.run(0 * ms)
compile_s = time.perf_counter() - t1
t2 = time.perf_counter()
c2 = time.process_time()
net.run(duration * second)
run_s = time.perf_counter() - t2
cpu_s = time.process_time() - c2

i = np.asarray(M.i[:])
t = np.asarray(M.t[:] / second)
spikes = len(i)
cvs = []
order = np.lexsort((t, i))
i_s, t_s = i[order], t[order]
bounds = np.searchsorted(i_s, np.arange(n + 1))
for k in range(n):
    ts = t_s[bounds[k]:bounds[k + 1]]
    if len(ts) >= 3:
        d = np.diff(ts)
        cvs.append(d.std() / d.mean())
counts = np.bincount(((t / 0.0005).astype(int)), minlength=int(duration / 0.0005))[: int(duration / 0.0005)]
sig = counts - counts.mean()
size = 1
while size < len(sig):
    size *= 2
power = np.abs(np.fft.rfft(sig, size)) ** 2
freq = np.fft.rfftfreq(size, 0.0005)
peak = float(freq[1:][np.argmax(power[1:])])
out_degree = np.bincount(np.asarray(Ce.i[:]), minlength=n) + np.bincount(np.asarray(Ci.i[:]), minlength=n)
events = int(out_degree[i].sum())
print(json.dumps({
    "case": case, "target": target, "n": n, "synapses": int(len(Ce) + len(Ci)),
    "build": build, "compile": compile_s, "run": run_s, "cpu": cpu_s, "spikes": spikes,
    "rate": spikes / (n * duration), "cv": float(np.mean(cvs)) if cvs else None, "peak": peak, "events": events,
}))
