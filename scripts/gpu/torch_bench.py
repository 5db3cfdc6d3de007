#!/usr/bin/env python3
"""PyTorch eager on the same GPU, for scripts/gpu/gpuBench.ts (needs only torch).

    torch_bench.py DIR BATCH STEPS WARMUP NAME...

DIR holds one model file per NAME (NAME.py, written by gpuBench.ts from the same layer walk
as the engine: src/engine/export/pytorchModel.ts, class Net). Each network trains on one
synthetic CIFAR-shaped uint8 batch like the engine's bench step: bytes to float, normalise,
forward, cross-entropy, backward, SGD (lr 0.05, momentum 0.9, weight decay 5e-4: the 'quick'
recipe) and the loss read back to the host every step, as our step does. Prints one JSON
object: per NAME ms/step (median of STEPS after WARMUP), img/s, device, torch version.
"""

import importlib.util
import json
import os
import statistics
import sys
import time


def load_net(folder, name):
    spec = importlib.util.spec_from_file_location('cardinal_' + name, os.path.join(folder, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Net()


def bench(folder, name, batch, steps, warmup, device):
    import torch

    torch.manual_seed(1)
    model = load_net(folder, name).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    pixels = torch.randint(0, 256, (batch, 3, 32, 32), dtype=torch.uint8, device=device)
    labels = torch.arange(batch, device=device) % 10
    mean = torch.tensor([0.4914, 0.4822, 0.4465], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.2023, 0.1994, 0.2010], device=device).view(1, 3, 1, 1)

    def step():
        x = (pixels.float() / 255 - mean) / std
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()  # the host reads the loss, as the engine's step does

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    return {'msPerStep': round(ms, 2), 'imgPerSec': round(1000 * batch / ms, 1),
            'stepsMs': [round(t, 2) for t in times]}


def main(argv):
    import torch

    folder, batch, steps, warmup, names = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4:]
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    out = {'torch': torch.__version__, 'device': torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu',
           'batch': batch, 'networks': {}}
    for name in names:
        try:
            out['networks'][name] = bench(folder, name, batch, steps, warmup, device)
        except Exception as error:  # one network failing (memory) must not lose the others
            out['networks'][name] = {'error': repr(error)}
    print(json.dumps(out))


if __name__ == '__main__':
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    main(sys.argv[1:])
