"""Makes test/fixtures/nir/{conv_pool.json, conv_net.json} with torch (and Norse) — run with
PYTHONPATH=/work/norse:/work/shared/tools /usr/bin/python3 test/nir/make_fixtures.py
"""
import json
import pathlib

import torch

torch.manual_seed(17)
out = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "nir"


def t(x):
    return {"shape": list(x.shape), "data": x.detach().reshape(-1).tolist()}


# --- conv / pool layers against torch.nn (float32) ---
cases = []
conv2d = [
    dict(cin=3, cout=4, k=(3, 3), stride=1, padding=0, dilation=1, groups=1, hw=(7, 6)),
    dict(cin=2, cout=4, k=(3, 2), stride=(2, 1), padding=(1, 2), dilation=1, groups=2, hw=(9, 8)),
    dict(cin=4, cout=2, k=(2, 3), stride=2, padding=1, dilation=(2, 1), groups=1, hw=(10, 11)),
    dict(cin=2, cout=6, k=(3, 3), stride=1, padding="same", dilation=1, groups=2, hw=(5, 5)),
]
for c in conv2d:
    m = torch.nn.Conv2d(c["cin"], c["cout"], c["k"], stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
    x = torch.rand(2, c["cin"], *c["hw"])
    cases.append(dict(op="conv2d", params={k: v for k, v in c.items() if k in ("stride", "padding", "dilation", "groups")},
                      weight=t(m.weight), bias=t(m.bias), x=t(x), y=t(m(x))))
conv1d = [
    dict(cin=2, cout=3, k=3, stride=1, padding=0, dilation=1, groups=1, l=9),
    dict(cin=4, cout=4, k=2, stride=2, padding=1, dilation=2, groups=4, l=12),
]
for c in conv1d:
    m = torch.nn.Conv1d(c["cin"], c["cout"], c["k"], stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"])
    x = torch.rand(2, c["cin"], c["l"])
    cases.append(dict(op="conv1d", params={k: v for k, v in c.items() if k in ("stride", "padding", "dilation", "groups")},
                      weight=t(m.weight), bias=t(m.bias), x=t(x), y=t(m(x))))
pools = [dict(k=(2, 2), stride=(2, 2), padding=(0, 0), hw=(8, 8)), dict(k=(3, 2), stride=(1, 2), padding=(1, 1), hw=(7, 9))]
for p in pools:
    x = torch.rand(2, 3, *p["hw"])
    avg = torch.nn.AvgPool2d(p["k"], stride=p["stride"], padding=p["padding"])(x)
    # sum pooling = torch's LPPool2d(norm 1) on non-negative input (what Norse maps NIR's SumPool2d to), padding 0 only
    s = torch.nn.functional.avg_pool2d(x, p["k"], stride=p["stride"], padding=p["padding"], divisor_override=1)
    cases.append(dict(op="avgPool2d", params=dict(kernelSize=list(p["k"]), stride=list(p["stride"]), padding=list(p["padding"])), x=t(x), y=t(avg)))
    cases.append(dict(op="sumPool2d", params=dict(kernelSize=list(p["k"]), stride=list(p["stride"]), padding=list(p["padding"])), x=t(x), y=t(s)))
lp = torch.nn.LPPool2d(1, (2, 2), stride=(2, 2))
x = torch.rand(2, 3, 8, 8)
cases.append(dict(op="sumPool2d", params=dict(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0]), x=t(x), y=t(lp(x))))
(out / "conv_pool.json").write_text(json.dumps({"torch": torch.__version__, "cases": cases}))

# --- a convolutional spiking network run by Norse (forward Euler, dt = 1 ms) ---
import norse_shims  # noqa: E402, I001  (before norse: stubs the optional nir imports)
import norse.torch as nt  # noqa: E402

norse_shims.adapt()

dt = 0.001
T, B = 40, 2
conv = torch.nn.Conv2d(2, 4, 3, stride=1, padding=1)
with torch.no_grad():
    conv.weight.mul_(3.0)
iaf = nt.IAFCell(nt.IAFParameters(v_th=torch.full((4, 8, 8), 0.6)), dt=dt)
pool = torch.nn.LPPool2d(1, 2, stride=2)
fc = torch.nn.Linear(64, 5)
with torch.no_grad():
    fc.weight.mul_(2.0)
tau_mem_inv = torch.linspace(60.0, 140.0, 5)
lifbox = nt.LIFBoxCell(nt.LIFBoxParameters(tau_mem_inv=tau_mem_inv, v_th=torch.full((5,), 0.2)), dt=dt)
xs = (torch.rand(T, B, 2, 8, 8) < 0.3).float()
s1 = s2 = None
layers = {"conv": [], "if1": [], "pool": [], "fc": [], "lif": []}
for k in range(T):
    c = conv(xs[k])
    z1, s1 = iaf(c, s1)
    p = pool(z1)
    f = fc(p.flatten(1))
    z2, s2 = lifbox(f, s2)
    for name, v in zip(layers, (c, z1, p, f, z2)):
        layers[name].append(v.detach())
net = dict(
    dt=dt,
    input=t(xs),
    conv=dict(weight=t(conv.weight), bias=t(conv.bias)),
    if1=dict(v_threshold=0.6),
    fc=dict(weight=t(fc.weight), bias=t(fc.bias)),
    lif=dict(tau=t(1 / tau_mem_inv), v_threshold=0.2),
    layers={k: t(torch.stack(v)) for k, v in layers.items()},
)
(out / "conv_net.json").write_text(json.dumps(net))
print("spikes if1", float(torch.stack(layers["if1"]).sum()), "lif", float(torch.stack(layers["lif"]).sum()))
