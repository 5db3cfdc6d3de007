#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- --vs-pytorch` (needs only torch).

    bench-torch.py DIR BATCH STEPS WARMUP THREADS
        DIR holds model.py (Cardinal's export of the benchmarked network, model.Net). Times
        SGD training steps (lr 0.05, momentum 0.9, weight decay 5e-4: the bench's 'quick'
        recipe) on random CIFAR-shaped images with torch.set_num_threads(THREADS); each step
        ends with loss.item(), as ours ends with the loss on the host. Prints one JSON object:
        median ms/step, img/s, every step's ms, torch's version and threads.
"""

import json
import statistics
import sys
import time


def main(folder, batch, steps, warmup, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sys.path.insert(0, folder)
    from model import Net

    net = Net().train()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(batch, 3, 32, 32)
    classes = net(x[:2]).shape[1]
    y = torch.arange(batch) % classes
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "msPerStep": round(ms, 1),
                "imgPerSec": round(1000 * batch / ms, 2),
                "stepsMs": [round(t, 1) for t in times],
            }
        )
    )


if __name__ == "__main__":
    folder, batch, steps, warmup, threads = sys.argv[1:6]
    main(folder, int(batch), int(steps), int(warmup), int(threads))
