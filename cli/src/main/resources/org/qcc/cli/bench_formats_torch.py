# The PyTorch side of `qcc bench formats`: the same quantize-dequantize rows on the same data.
# Reads argv: data file (float32, little-endian), element count, rows, cols, warm-up and timed runs.
# Prints one line per row: "<row> <median seconds>".
import sys
import time

import torch

path, n, rows, cols, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
x = torch.from_file(path, size=n, dtype=torch.float32).reshape(rows, cols)
amax = x.abs().max().item()


def minifloat(v, exp_bits, man_bits, bias, max_value):
    """Round to a saturating minifloat with subnormals, written with torch ops."""
    a = v.abs().clamp(max=max_value)
    e = torch.floor(torch.log2(a.clamp(min=2.0 ** (1 - bias)))).clamp(min=1 - bias)
    step = torch.exp2(e - man_bits)
    return torch.sign(v) * torch.clamp(torch.round(a / step) * step, max=max_value)


def blocks(v, k):
    return v.reshape(-1, k)


def bfp(v, bits, k):
    b = blocks(v, k)
    e = torch.floor(torch.log2(b.abs().amax(dim=1, keepdim=True).clamp(min=2.0 ** -126)))
    step = torch.exp2(e - (bits - 2))
    lim = 2 ** (bits - 1) - 1
    return (torch.clamp(torch.round(b / step), -lim, lim) * step).reshape(v.shape)


def mxfp4(v):
    b = blocks(v, 32)
    e = torch.floor(torch.log2(b.abs().amax(dim=1, keepdim=True).clamp(min=2.0 ** -127))) - 2
    scale = torch.exp2(e.clamp(-127, 127))
    return (minifloat(b / scale, 2, 1, 1, 6.0) * scale).reshape(v.shape)


s8 = amax / 127
s_ch = (x.abs().amax(dim=1) / 7).clamp(min=1e-30)
zeros = torch.zeros(rows, dtype=torch.int32)
s_e4m3 = amax / 448
s_e2m1 = amax / 6
has_fp8 = hasattr(torch, "float8_e4m3fn")

ROWS = {
    "int8-tensor": lambda: torch.fake_quantize_per_tensor_affine(x, s8, 0, -128, 127),
    "int4-channel": lambda: torch.fake_quantize_per_channel_affine(x, s_ch, zeros, 0, -8, 7),
    "e4m3-tensor": (lambda: (x / s_e4m3).clamp(-448, 448).to(torch.float8_e4m3fn).to(torch.float32) * s_e4m3)
    if has_fp8
    else (lambda: minifloat(x / s_e4m3, 4, 3, 7, 448.0) * s_e4m3),
    "e2m1-tensor": lambda: minifloat(x / s_e2m1, 2, 1, 1, 6.0) * s_e2m1,
    "bfp8b16": lambda: bfp(x, 8, 16),
    "mxfp4_e2m1": lambda: mxfp4(x),
}

with torch.no_grad():
    for name, fn in ROWS.items():
        fn()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        times.sort()
        print(name, times[len(times) // 2], flush=True)
