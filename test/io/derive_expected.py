"""Independent derivation of the figures asserted in test/io/node/realEvents.test.ts.

Reads the third-party recordings in ../shared/data (never copied into the project) with small
decoders written from the published format specifications, independently of spikeflow's
TypeScript decoders:
- N-MNIST .bin: Orchard's 5-byte layout (with Tonic's y == 240 overflow records)
- Prophesee EVT 2.0 / EVT 3.0 .raw: docs.prophesee.ai "EVT 2.0 Format" / "EVT 3.0 Format"
  (words before the first EVT_TIME_HIGH skipped and the 24-bit EVT 3.0 wrap, as in OpenEB)
- Prophesee .dat: docs.prophesee.ai "DAT File Format"
- AEDAT 4.0: docs.inivation.com "AEDAT 4.0" (its own LZ4 frame/block decoder and FlatBuffer
  offset walking below; no lz4js, fzstd or flatbuffers involved)
- AEDAT 2.0 header: jAER "# AEChip:" line
- WAV: Python's standard `wave` module

Run: python3 test/io/derive_expected.py   (from the repository root)
"""
import json
import struct
import wave
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
EV = DATA / "events"


def header_end(d, marker=b"%", end=b"% end"):
    i = 0
    while d[i : i + 1] == marker:
        j = d.index(b"\n", i)
        line = d[i:j].rstrip(b"\r")
        i = j + 1
        if line.strip() == end:
            break
    return i


def nmnist(path):
    e = np.frombuffer(path.read_bytes(), dtype=np.uint8).reshape(-1, 5).astype(np.int64)
    x, y = e[:, 0], e[:, 1]
    p = e[:, 2] >> 7
    t = ((e[:, 2] & 0x7F) << 16) | (e[:, 3] << 8) | e[:, 4]
    t = t + np.cumsum(y == 240) * (1 << 13)
    keep = y != 240
    return t[keep], x[keep], y[keep], p[keep]


def evt2(path):
    d = path.read_bytes()
    i = header_end(d)
    w = np.frombuffer(d[i : i + (len(d) - i) // 4 * 4], dtype="<u4").astype(np.int64)
    typ = w >> 28
    first = int(np.argmax(typ == 8))
    idx = np.maximum.accumulate(np.where(typ == 8, np.arange(len(w)), -1))
    base = np.where(typ == 8, (w & 0x0FFFFFFF) << 6, 0)[np.maximum(idx, 0)]
    cd = ((typ == 0) | (typ == 1)) & (np.arange(len(w)) > first)
    assert not np.any(np.diff((w[typ == 8] & 0x0FFFFFFF)) < 0), "time-high wrap not handled here"
    return base[cd] + ((w[cd] >> 22) & 0x3F), (w[cd] >> 11) & 0x7FF, w[cd] & 0x7FF, typ[cd] & 1


def evt3(path):
    d = path.read_bytes()
    i = header_end(d)
    words = np.frombuffer(d[i : i + (len(d) - i) // 2 * 2], dtype="<u2").tolist()
    started, high, low, loop, y, basex, pol = False, 0, 0, 0, 0, 0, 0
    T, X, Y, P = [], [], [], []
    for v in words:
        ty, c = v >> 12, v & 0xFFF
        if not started:
            if ty != 8:
                continue
            started = True
        if ty == 8:
            if high >= c + 2048:
                loop += 1
            if c != high:
                low = 0
            high = c
        elif ty == 6:
            low = c
        elif ty == 0:
            y = v & 0x7FF
        elif ty == 2:
            T.append((loop << 24) | (high << 12) | low); X.append(v & 0x7FF); Y.append(y); P.append((v >> 11) & 1)
        elif ty == 3:
            basex, pol = v & 0x7FF, (v >> 11) & 1
        elif ty in (4, 5):
            n = 12 if ty == 4 else 8
            for b in range(n):
                if (c >> b) & 1:
                    T.append((loop << 24) | (high << 12) | low); X.append(basex + b); Y.append(y); P.append(pol)
            basex += n
    return tuple(np.array(a, dtype=np.int64) for a in (T, X, Y, P))


def dat(path):
    d = path.read_bytes()
    i = header_end(d) + 2  # "% Version 2": event type and size bytes follow the header
    assert d[i - 2] == 0 and d[i - 1] == 8
    a = np.frombuffer(d[i:], dtype="<u4").reshape(-1, 2).astype(np.int64)
    data = a[:, 1]
    return a[:, 0], data & 0x3FFF, (data >> 14) & 0x3FFF, data >> 28


def lz4_frame(b):
    assert b[:4] == b"\x04\x22\x4d\x18"
    flg = b[4]
    i = 7 + (8 if flg & 0x08 else 0)
    out = bytearray()
    while True:
        size = struct.unpack_from("<I", b, i)[0]
        i += 4
        if size == 0:
            return bytes(out)
        raw, size = size & 0x80000000, size & 0x7FFFFFFF
        blk, i = b[i : i + size], i + size + (4 if flg & 0x10 else 0)
        if raw:
            out += blk
            continue
        k = 0
        while k < len(blk):
            tok = blk[k]; k += 1
            n = tok >> 4
            if n == 15:
                while True:
                    n += blk[k]; k += 1
                    if blk[k - 1] != 255:
                        break
            out += blk[k : k + n]; k += n
            if k >= len(blk):
                break
            off = blk[k] | (blk[k + 1] << 8); k += 2
            m = tok & 15
            if m == 15:
                while True:
                    m += blk[k]; k += 1
                    if blk[k - 1] != 255:
                        break
            start = len(out) - off
            for q in range(m + 4):
                out.append(out[start + q])


def fb_field(buf, table, slot):
    vt = table - struct.unpack_from("<i", buf, table)[0]
    if 4 + 2 * slot >= struct.unpack_from("<H", buf, vt)[0]:
        return None
    fo = struct.unpack_from("<H", buf, vt + 4 + 2 * slot)[0]
    return table + fo if fo else None


def aedat4(path):
    b = path.read_bytes()
    assert b[:14] == b"#!AER-DAT4.0\r\n"
    n = struct.unpack_from("<i", b, 14)[0]
    h = b[18 : 18 + n]
    assert h[4:8] == b"IOHE"
    root = struct.unpack_from("<I", h, 0)[0]
    assert struct.unpack_from("<i", h, fb_field(h, root, 0))[0] == 1  # LZ4
    end = struct.unpack_from("<q", h, fb_field(h, root, 1))[0]
    off, T, X, Y, P = 18 + n, [], [], [], []
    while off < end:
        sid, size = struct.unpack_from("<ii", b, off)
        body, off = b[off + 8 : off + 8 + size], off + 8 + size
        if sid != 0:  # stream 0 is the EVTS stream in this file's infoNode
            continue
        fb = lz4_frame(body)[4:]  # drop the size prefix
        assert fb[4:8] == b"EVTS"
        f = fb_field(fb, struct.unpack_from("<I", fb, 0)[0], 0)
        vec = f + struct.unpack_from("<I", fb, f)[0]
        cnt = struct.unpack_from("<I", fb, vec)[0]
        a = np.frombuffer(fb[vec + 4 : vec + 4 + 16 * cnt], dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "u1"), ("pad", "V3")])
        T.append(a["t"]); X.append(a["x"]); Y.append(a["y"]); P.append(a["p"])
    return tuple(np.concatenate(v).astype(np.int64) for v in (T, X, Y, P))


def summary(t, x, y, p):
    t0 = int(t.min())
    return {
        "count": int(len(t)), "tMin": t0, "tMax": int(t.max()),
        "xMin": int(x.min()), "xMax": int(x.max()), "yMin": int(y.min()), "yMax": int(y.max()),
        "off": int((p == 0).sum()), "on": int((p == 1).sum()),
        "sumX": int(x.sum()), "sumY": int(y.sum()), "sumDt": int((t - t0).sum()),
        "first": [int(t[0]), int(x[0]), int(y[0]), int(p[0])], "last": [int(t[-1]), int(x[-1]), int(y[-1]), int(p[-1])],
    }


if __name__ == "__main__":
    out = {
        "sample_nmnist.bin": summary(*nmnist(EV / "sample_nmnist.bin")),
        "evt2_sample.raw": summary(*evt2(EV / "evt2_sample.raw")),
        "evt3_sample.raw": summary(*evt3(EV / "evt3_sample.raw")),
        "sample_ncars.dat": summary(*dat(EV / "sample_ncars.dat")),
        "sample.aedat4": summary(*aedat4(EV / "sample.aedat4")),
    }
    hdr = (EV / "sample_aedat_header.aedat").read_bytes()
    out["sample_aedat_header.aedat"] = {"headerBytes": header_end(hdr, b"#", b"#!END-HEADER"), "bytes": len(hdr),
                                        "chip": [l for l in hdr.decode("latin1").splitlines() if l.startswith("# AEChip:")][0]}
    for name in ("Front_Center.wav", "Front_Left.wav"):
        with wave.open(str(DATA / "audio" / name)) as w:
            frames = w.readframes(w.getnframes())
            s = np.frombuffer(frames, dtype="<i2")
            out[name] = {"channels": w.getnchannels(), "sampleRate": w.getframerate(), "bits": 8 * w.getsampwidth(),
                         "frames": w.getnframes(), "sumSamples": int(s.astype(np.int64).sum()),
                         "sumAbs": int(np.abs(s.astype(np.int64)).sum()), "min": int(s.min()), "max": int(s.max())}
    print(json.dumps(out, indent=1))


# ---------------------------------------------------------------------------------------------
# Cochlea front end on real speech (test/io/node/audioSpikes.test.ts), written independently of
# src/ops/cochlea.ts from the same published definitions: RBJ cookbook band-pass (constant 0 dB
# peak gain) biquads run by scipy.signal.lfilter, half-wave rectification, one-pole smoothing,
# sampling every `hop` samples; then send-on-delta and Norse's LIF equations.
def cochlea_envelopes(x, fs, channels=16, fmin=100.0, fmax=8000.0, stages=2, smoothing=50.0, hop=48):
    from scipy.signal import lfilter

    ratio = (fmax / fmin) ** (1 / (channels - 1))
    q = np.sqrt(ratio) / (ratio - 1)
    beta = 1 - np.exp(-2 * np.pi * smoothing / fs)
    T = len(x) // hop
    out = np.zeros((T, channels))
    for c in range(channels):
        f = fmin * ratio**c
        w0 = 2 * np.pi * f / fs
        alpha = np.sin(w0) / (2 * q)
        b = np.array([alpha, 0.0, -alpha])
        a = np.array([1 + alpha, -2 * np.cos(w0), 1 - alpha])
        y = x.astype(np.float64)
        for _ in range(stages):
            y = lfilter(b, a, y)
        e = lfilter([beta], [1, -(1 - beta)], np.maximum(y, 0.0))
        out[:, c] = e[hop - 1 :: hop][:T]
    return out


def delta_counts(env, theta):
    ref = np.zeros(env.shape[1])
    on = np.zeros(env.shape[1], dtype=int)
    off = np.zeros(env.shape[1], dtype=int)
    for row in env:
        d = row - ref
        up, down = d >= theta, d <= -theta
        on += up
        off += down
        ref = np.where(up | down, row, ref)
    return on, off


def lif_counts(current, dt, tau_syn_inv=200.0, tau_mem_inv=100.0, v_th=1.0):
    v = np.zeros(current.shape[1]); i = np.zeros(current.shape[1]); n = np.zeros(current.shape[1], dtype=int)
    for x in current:
        i_j = i + x
        v_d = v + dt * tau_mem_inv * ((0.0 - v) + i_j)
        i = i_j + (-dt * tau_syn_inv) * i_j
        z = v_d - v_th > 0
        n += z
        v = np.where(z, 0.0, v_d)
    return n


if __name__ == "__main__":
    with wave.open(str(DATA / "audio" / "Front_Center.wav")) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    env = cochlea_envelopes(x, 48000)
    on, off = delta_counts(env, 0.002)
    print(json.dumps({
        "envShape": list(env.shape), "envSumPerChannel": [float(v) for v in env.sum(axis=0)],
        "peakRow": int(np.argmax(env.sum(axis=1))), "env[peakRow]": [float(v) for v in env[int(np.argmax(env.sum(axis=1)))]],
        "env[last]": [float(v) for v in env[-1]], "envMax": float(env.max()),
        "deltaOn": on.tolist(), "deltaOff": off.tolist(),
        "lifCounts": lif_counts(env * 200.0, 0.001).tolist(),
    }))
