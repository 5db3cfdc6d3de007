// train.py: continues a Cardinal run in PyTorch with the run's recipe, on one GPU (or the CPU)
// or under torchrun (DistributedDataParallel, each rank a shard of every epoch). It imports
// Net from the generated model.py beside it, reads weights.safetensors (with the safetensors
// package when installed, else a small built-in reader), reads the official CIFAR binary
// archives (the same files Cardinal imports; downloaded with --download), and follows the
// engine's conventions: validation = the last N% of the train records, RandomCrop(32, 4) →
// flip → ColorJitter (brightness, contrast, saturation, hue in that fixed order, as
// engine/augment.ts) → Normalize → RandomErasing(value 0), PyTorch's own optimizers and
// schedulers (MultiStepLR/CosineAnnealingLR per epoch, OneCycleLR per step), CrossEntropyLoss
// with label smoothing, clip_grad_norm_. Every epoch it writes weights.safetensors (with
// Cardinal's metadata, so Cardinal can import it back), metrics.csv and checkpoint.pt.

import type { DatasetId } from '../../data/cifar';
import type { ArchSpec, Recipe } from '../../spec/types';
import type { NormStats } from '../augment';

import { TRAIN_PY_HELPERS } from './trainScriptHelpers';

export interface TrainScriptOptions {
  spec: ArchSpec;
  recipe: Recipe;
  dataset: DatasetId;
  stats: NormStats;
  /** Epochs Cardinal completed: training continues from here (schedule included). */
  epoch: number;
  cardinalVersion: string;
}

/** JSON inside a Python raw triple-quoted string: JSON of our data never holds ''' or \. */
function pyJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text.includes("'''") || text.includes('\\')) throw new Error('cannot embed this JSON');
  return `r'''${text}'''`;
}

const tuple = (v: readonly number[]) => `(${v.join(', ')})`;

export function trainScriptSource(o: TrainScriptOptions): string {
  return `#!/usr/bin/env python3
"""Continue training a network exported from Cardinal ${o.cardinalVersion}, with its recipe.

    python train.py --data ./data --download          # one GPU, or the CPU
    torchrun --nproc_per_node=4 train.py --data ./data  # DistributedDataParallel
    python train.py --data ./data --eval-only         # test accuracy of the weights as they are

Starts from weights.safetensors beside this file (--weights, or --from-scratch) at epoch
START_EPOCH of RECIPE (the learning-rate schedule is wound forward to it) and trains to the
recipe's last epoch (--epochs to change). The optimizer's state (momentum, Adam moments) is not
in the export, so it starts afresh. Under torchrun the recipe's batch size is the global
batch (each rank takes batch / world size) and batch norm is synchronised across ranks
(--no-sync-bn to turn that off), so the statistics are over the same number of images as in
Cardinal. Every epoch writes OUT/weights.safetensors (Cardinal can import it),
OUT/metrics.csv and OUT/checkpoint.pt (--resume OUT/checkpoint.pt continues from it).

Data: the official CIFAR "binary version" archives, read without extracting them: put
${o.dataset === 'cifar100' ? 'cifar-100-binary.tar.gz' : 'cifar-10-binary.tar.gz'} in --data, or pass --download. Validation (when the recipe holds
some out) is the last part of the train records, never shuffled in, as in Cardinal.
Augmentation and data order use torch's random numbers, not Cardinal's: the same
distributions, not the same draws.
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys
import tarfile
import time
import urllib.request
import warnings

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Net  # noqa: E402  (generated beside this file)

CARDINAL_VERSION = '${o.cardinalVersion}'
DATASET = '${o.dataset}'
MEAN = ${tuple(o.stats.mean)}
STD = ${tuple(o.stats.std)}
START_EPOCH = ${o.epoch}
RECIPE = json.loads(${pyJson(o.recipe)})
SPEC_JSON = ${pyJson(o.spec)}

ARCHIVES = {
    # url, md5, label bytes per record, train files, test file
    'cifar10': (
        'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        'c32a1d4ab5d03f1284b67883e8d87530',
        1,
        ['data_batch_%d.bin' % i for i in range(1, 6)],
        'test_batch.bin',
    ),
    'cifar100': (
        'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        '03b5dce01913d631647c71ecec9e9cb8',
        2,
        ['train.bin'],
        'test.bin',
    ),
}


${TRAIN_PY_HELPERS}# ---- training -------------------------------------------------------------------------------

def make_optimizer(params, spec):
    if spec['kind'] == 'sgd':
        return torch.optim.SGD(params, lr=spec['lr'], momentum=spec['momentum'],
                               nesterov=spec['nesterov'], weight_decay=spec['weightDecay'])
    return torch.optim.AdamW(params, lr=spec['lr'], betas=(spec['beta1'], spec['beta2']),
                             eps=spec['eps'], weight_decay=spec['weightDecay'])


def make_scheduler(optimizer, spec, epochs, steps_per_epoch):
    """(scheduler or None, True when it steps per batch)."""
    kind = spec['kind']
    if kind == 'multistep':
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, spec['milestones'], spec['gamma']), False
    if kind == 'cosine':
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, spec['tMax'], spec['etaMin']), False
    if kind == 'onecycle':
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=spec['maxLr'], total_steps=epochs * steps_per_epoch,
            pct_start=spec['pctStart'], div_factor=spec['divFactor'],
            final_div_factor=spec['finalDivFactor'], anneal_strategy=spec['anneal']), True
    return None, False


def batches(count, batch, epoch, seed, rank, world):
    """This rank's index batches for an epoch: one seeded permutation shared by every rank,
    padded to a multiple of the world size (as DistributedSampler), rank-th of every world."""
    gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
    order = torch.randperm(count, generator=gen)
    if world > 1:
        extra = -count % world
        order = torch.cat([order, order[:extra]])[rank::world]
    return list(torch.split(order, batch))


@torch.no_grad()
def evaluate(net, images, labels, mean, std, device, rank, world):
    """(loss, accuracy %) over the whole split, each rank a share, summed across ranks."""
    net.eval()
    totals = torch.zeros(3, dtype=torch.float64, device=device)
    for idx in torch.arange(rank, len(labels), world).split(1000):
        x = (images[idx].float().div_(255) - mean) / std
        y = labels[idx]
        logits = net(x).float()
        totals[0] += F.cross_entropy(logits, y, reduction='sum').double()
        totals[1] += (logits.argmax(1) == y).sum()
        totals[2] += len(idx)
    if world > 1:
        dist.all_reduce(totals)
    loss, correct, n = totals.tolist()
    return loss / max(n, 1), 100.0 * correct / max(n, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default='./data', help='folder with the CIFAR binary archive')
    parser.add_argument('--download', action='store_true', help='fetch the archive if missing')
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('--weights', default=os.path.join(here, 'weights.safetensors'))
    parser.add_argument('--from-scratch', action='store_true', help="epoch 0, Cardinal's init (torchvision's)")
    parser.add_argument('--resume', help='a checkpoint.pt written by this script')
    parser.add_argument('--epochs', type=int, default=RECIPE['epochs'], help='last epoch (schedule length)')
    parser.add_argument('--out', default='./out')
    parser.add_argument('--device', default=None, help='cuda, cuda:1, cpu (default: cuda if present)')
    parser.add_argument('--amp', action='store_true', help='bfloat16 autocast on CUDA')
    parser.add_argument('--no-sync-bn', action='store_true')
    parser.add_argument('--eval-only', action='store_true')
    parser.add_argument('--limit-train', type=int, default=0, help='first N train records only')
    parser.add_argument('--limit-test', type=int, default=0, help='first N test records only')
    parser.add_argument('--log-steps', action='store_true',
                        help='also write OUT/steps.csv: the training loss and rate of every step')
    args = parser.parse_args()

    world = int(os.environ.get('WORLD_SIZE', '1'))
    distributed = world > 1
    if distributed:
        dist.init_process_group('nccl' if torch.cuda.is_available() else 'gloo')
        rank = dist.get_rank()
        local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        if torch.cuda.is_available():
            torch.cuda.set_device(local_rank)
            device = torch.device('cuda', local_rank)
        else:
            device = torch.device('cpu')
    else:
        rank = 0
        device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    is_main = rank == 0

    def log(*parts):
        if is_main:
            print(*parts, flush=True)

    seed = RECIPE['seed']
    torch.manual_seed(seed + rank)
    model = Net()
    metadata = {}
    start = START_EPOCH
    if args.from_scratch:
        start = 0
        # The page's init (torchvision's ResNet init), not PyTorch's layer defaults: deep nets
        # train differently from the two (a 56-layer net at lr 0.1 can stall with the defaults).
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
    elif not args.resume:
        state, metadata = read_safetensors(args.weights)
        model.load_state_dict(state, strict=True)
        log('loaded %s (epoch %d)' % (args.weights, start))
    model.to(device)

    data = load_cifar(find_archive(args.data, args.download, is_main))
    train, val = split_validation(*data['train'], RECIPE['validationSplit'])
    test = data['test']
    if args.limit_train:
        train = (train[0][:args.limit_train], train[1][:args.limit_train])
    if args.limit_test:
        test = (test[0][:args.limit_test], test[1][:args.limit_test])
    train, val, test = [(x.to(device), y.to(device)) for x, y in (train, val, test)]
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)

    if args.eval_only:
        loss, acc = evaluate(model, *test, mean, std, device, rank, world)
        log('test loss %.4f, accuracy %.2f%% (%d images)' % (loss, acc, len(test[1])))
        return

    net = model
    if distributed:
        if device.type == 'cuda' and not args.no_sync_bn:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
            net = model
        model = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == 'cuda' else None)

    batch = RECIPE['batchSize']
    if batch % world:
        log('warning: batch %d is not divisible by %d ranks; each takes %d' % (batch, world, batch // world))
    rank_batch = max(1, batch // world)
    steps_per_epoch = math.ceil(math.ceil(len(train[1]) / world) / rank_batch)
    optimizer = make_optimizer(model.parameters(), RECIPE['optimizer'])
    scheduler, per_step = make_scheduler(optimizer, RECIPE['schedule'], args.epochs, steps_per_epoch)
    if args.resume:
        saved = torch.load(args.resume, map_location='cpu')
        net.load_state_dict(saved['model'])
        optimizer.load_state_dict(saved['optimizer'])
        if scheduler is not None:
            scheduler.load_state_dict(saved['scheduler'])
        metadata, start = saved['metadata'], saved['epoch']
        log('resumed from %s (epoch %d)' % (args.resume, start))
    if start >= args.epochs:
        log('nothing to do: epoch %d of %d is done; pass --epochs to train longer' % (start, args.epochs))
        return
    if scheduler is not None and start > 0 and not args.resume:
        # wind the schedule forward to where Cardinal stopped
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for _ in range(start * steps_per_epoch if per_step else start):
                scheduler.step()

    criterion = nn.CrossEntropyLoss(label_smoothing=RECIPE['labelSmoothing'])
    gen = torch.Generator().manual_seed(seed * 7919 + rank)
    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, 'metrics.csv')
    if is_main and not os.path.exists(csv_path):
        with open(csv_path, 'w') as f:
            f.write('epoch,train_loss,train_acc,test_loss,test_acc,val_loss,val_acc,seconds,lr\\n')
    steps_path = os.path.join(args.out, 'steps.csv')
    steps_log, step = [], start * steps_per_epoch
    if is_main and args.log_steps and not os.path.exists(steps_path):
        with open(steps_path, 'w') as f:
            f.write('epoch,step,loss,lr\\n')
    log('training %s on %s, epochs %d-%d, %d steps per epoch, %d rank(s), device %s'
        % (DATASET, len(train[1]), start + 1, args.epochs, steps_per_epoch, world, device))

    for epoch in range(start, args.epochs):
        model.train()
        began = time.time()
        lr = optimizer.param_groups[0]['lr']
        sums = torch.zeros(3, dtype=torch.float64, device=device)
        for idx in batches(len(train[1]), rank_batch, epoch, seed, rank, world):
            idx = idx.to(device)
            x = augment(train[0][idx], RECIPE['augment'], gen, mean, std)
            y = train[1][idx]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.amp and device.type == 'cuda'):
                logits = model(x)
            loss = criterion(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if RECIPE['gradClip'] > 0:
                nn.utils.clip_grad_norm_(model.parameters(), RECIPE['gradClip'])
            optimizer.step()
            step += 1
            if args.log_steps:
                # this rank's batch loss (a .item() per step: a sync on CUDA, hence opt-in)
                steps_log.append('%d,%d,%r,%r' % (epoch + 1, step, loss.item(),
                                                  optimizer.param_groups[0]['lr']))
            if scheduler is not None and per_step:
                scheduler.step()
            sums[0] += loss.detach().double() * len(idx)
            sums[1] += (logits.detach().argmax(1) == y).sum()
            sums[2] += len(idx)
        if scheduler is not None and not per_step:
            scheduler.step()
        if distributed:
            dist.all_reduce(sums)
        train_loss, train_acc = (sums[0] / sums[2]).item(), (100 * sums[1] / sums[2]).item()
        test_loss, test_acc = evaluate(net, *test, mean, std, device, rank, world)
        val_loss, val_acc = evaluate(net, *val, mean, std, device, rank, world) if len(val[1]) else ('', '')
        seconds = time.time() - began
        log('epoch %d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.1f s'
            % (epoch + 1, train_loss, train_acc, test_loss, test_acc, seconds))
        if is_main and args.log_steps:
            with open(steps_path, 'a') as f:
                f.write(''.join(line + '\\n' for line in steps_log))
            steps_log.clear()
        if is_main:
            with open(csv_path, 'a') as f:
                f.write(','.join(str(v) for v in (epoch + 1, train_loss, train_acc, test_loss, test_acc,
                                                  val_loss, val_acc, round(seconds, 3), lr)) + '\\n')
            meta = dict(metadata)
            meta.update({
                'format': 'pt', 'spec': SPEC_JSON, 'recipe': json.dumps(RECIPE), 'dataset': DATASET,
                'mean': json.dumps(list(MEAN)), 'std': json.dumps(list(STD)), 'epoch': str(epoch + 1),
                'metrics': json.dumps({'accuracy': test_acc, 'split': 'test'}),
                'trained_with': 'train.py (PyTorch %s)' % torch.__version__,
            })
            meta.setdefault('cardinal_version', CARDINAL_VERSION)
            meta.setdefault('input_size', '32')
            write_safetensors(net.state_dict(), os.path.join(args.out, 'weights.safetensors'), meta)
            torch.save({'model': net.state_dict(), 'optimizer': optimizer.state_dict(),
                        'scheduler': scheduler.state_dict() if scheduler is not None else None,
                        'metadata': meta, 'epoch': epoch + 1}, os.path.join(args.out, 'checkpoint.pt'))
    if distributed:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
}
