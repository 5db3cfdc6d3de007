#!/usr/bin/env python3
"""PyTorch side of src/engine/export/torchParity.test.ts (needs only torch).

    torch-parity.py logits DIR N
        DIR holds an export (weights.safetensors, model.py, train.py) and input.bin: N images,
        float32 NCHW [N, 3, 32, 32], little-endian. Builds model.Net, loads the weights with
        train.py's built-in safetensors reader and load_state_dict(strict=True), runs it in
        eval mode and writes DIR/logits.bin (float32 [N, classes]). Prints JSON: the
        state_dict keys in order, the parameter count and the logits' shape.

    torch-parity.py fake-cifar DIR N
        Writes DIR/cifar-10-binary.tar.gz in the official layout with N random records per
        file, for a smoke run of train.py.
"""

import io
import json
import os
import random
import sys
import tarfile


def logits(folder, n):
    import torch

    sys.path.insert(0, folder)
    from model import Net  # the generated module under test
    from train import read_safetensors  # its built-in reader (no safetensors package needed)

    torch.set_num_threads(1)
    state, metadata = read_safetensors(os.path.join(folder, 'weights.safetensors'))
    model = Net()
    model.load_state_dict(state, strict=True)
    model.eval()
    with open(os.path.join(folder, 'input.bin'), 'rb') as f:
        x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(n, 3, 32, 32)
    with torch.no_grad():
        out = model(x).contiguous()
    with open(os.path.join(folder, 'logits.bin'), 'wb') as f:
        f.write(out.numpy().astype('<f4').tobytes())
    print(json.dumps({
        'keys': list(model.state_dict().keys()),
        'dtypes': {k: str(v.dtype) for k, v in model.state_dict().items() if v.dtype != torch.float32},
        'parameters': sum(p.numel() for p in model.parameters()),
        'shape': list(out.shape),
        'metadata_keys': sorted(metadata.keys()),
    }))


def fake_cifar(folder, n):
    rng = random.Random(0)

    def records():
        return bytes(b for _ in range(n) for b in [rng.randrange(10)] + [rng.randrange(256) for _ in range(3072)])

    os.makedirs(folder, exist_ok=True)
    with tarfile.open(os.path.join(folder, 'cifar-10-binary.tar.gz'), 'w:gz') as tar:
        names = ['data_batch_%d.bin' % i for i in range(1, 6)] + ['test_batch.bin']
        for name in names:
            blob = records()
            info = tarfile.TarInfo('cifar-10-batches-bin/' + name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


if __name__ == '__main__':
    command, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {'logits': logits, 'fake-cifar': fake_cifar}[command](folder, count)
