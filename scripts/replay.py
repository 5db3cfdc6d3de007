#!/usr/bin/env python3
"""Replays a Cardinal training trace in PyTorch, step for step, and says how far apart they are.

    python3 scripts/replay.py TRACE_DIR [--data ../shared/data | --archive PATH] [--json]
                              [--loss-tol 1e-3] [--weight-tol 1e-3] [--threads 1]

TRACE_DIR is what `npm run train -- ... --trace TRACE_DIR` (or the parity test) wrote:
initial.safetensors, trace.jsonl, final.safetensors, run.json, and the export's model.py and
train.py. The replay builds model.Net, loads initial.safetensors (strict), and for every line of
trace.jsonl takes the batch's images from the official CIFAR archive by the trace's indices,
applies the trace's crops, flips, colour-jitter factors, erasing boxes and Dropout2d masks,
and takes one step with train.py's own optimizer and scheduler (torch.optim SGD / AdamW,
MultiStepLR / CosineAnnealingLR per epoch, OneCycleLR per step), CrossEntropyLoss with label
smoothing and clip_grad_norm_. It compares each step's loss, lr and momentum/beta1 with the
trace's, and at the end every weight and buffer with final.safetensors.

Prints the largest relative loss difference and its step, and per tensor the max |difference|
over the max |value| (--json: one JSON object instead). --lockstep replays every step from
Cardinal's weights before it; --noise-floor adds PyTorch float32 against float64 (with
--lockstep, step by step, and Cardinal against float64 beside it). Exit status 0 when within
the tolerances (lockstep: the weights after the last step), 1 when not, 2 for unusable input.
"""

import argparse
import importlib.util
import json
import math
import os
import sys

FORMAT = 1  # src/engine/trace.ts TRACE_FORMAT
ARCHIVE_NAMES = {
    'cifar10': ['cifar-10-binary.tar.gz'],
    'cifar100': ['cifar-100-binary.tar.gz', 'cifar-100-binary-subset.tar.gz'],
}


def fail(message):
    print('replay: ' + message, file=sys.stderr)
    sys.exit(2)


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_archive(run, args):
    if args.archive:
        return args.archive
    for name in ARCHIVE_NAMES[run['dataset']]:
        path = os.path.join(args.data, name)
        if os.path.exists(path):
            return path
    fail('no %s archive in %s (%s); pass --archive' % (run['dataset'], args.data, ' or '.join(ARCHIVE_NAMES[run['dataset']])))


def draws_of(record, torch, pad):
    """The trace's draws as train.py's draw_augment returns them."""
    d = {}
    n = len(record['indices'])
    none = set(record['none'])
    if not ({'crop', 'flip'} <= none):
        crop = torch.tensor(record['crop'], dtype=torch.long).view(n, 2)
        d['top'], d['left'] = crop[:, 0], crop[:, 1]
        d['flip'] = torch.tensor(record['flip'], dtype=torch.bool)
    elif any(c != [pad, pad] for c in record['crop']) or any(record['flip']):
        fail('step %d: crops or flips in a trace that says it has none' % record['step'])
    if 'jitter' in record:
        j = torch.tensor(record['jitter'], dtype=torch.float64).view(n, 4)
        # a factor of exactly 1 (hue 0) for every image means the adjustment is off
        for k, key in enumerate(('brightness', 'contrast', 'saturation')):
            d[key] = None if bool((j[:, k] == 1).all()) else j[:, k]
        d['hue'] = None if bool((j[:, 3] == 0).all()) else j[:, 3]
    if 'erase' in record:
        d['erase'] = [tuple(box) if box is not None else None for box in record['erase']]
    return d


def install_dropout_masks(model, torch):
    """Makes every nn.Dropout2d apply the mask set for the current step, scaled as PyTorch does.
    Returns a function that sets the masks of a step (dict layer name → list of '0101' strings)."""
    current = {}
    layers = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout2d)}

    def forward_for(name, module):
        def forward(x):
            if not module.training or module.p == 0:
                return x
            if name not in current:
                raise RuntimeError('the trace has no Dropout2d mask for layer %s' % name)
            rows = current[name]
            keep = torch.tensor([[c == '1' for c in row] for row in rows], dtype=x.dtype)
            if keep.shape != x.shape[:2]:
                raise RuntimeError('%s: mask %s for input %s' % (name, tuple(keep.shape), tuple(x.shape)))
            # torch's dropout: input * (bernoulli(1 - p) / (1 - p))
            noise = keep.div_(1 - module.p).view(x.shape[0], x.shape[1], 1, 1)
            return x * noise
        return forward

    for name, module in layers.items():
        module.forward = forward_for(name, module)

    def set_masks(masks):
        current.clear()
        current.update(masks or {})
        missing = set(layers) - set(current)
        if missing and any(m.p > 0 for n, m in layers.items() if n in missing):
            raise RuntimeError('the trace has no Dropout2d mask for %s' % ', '.join(sorted(missing)))
    return set_masks


def compare_tensors(ours, theirs):
    """Per tensor: max |ours - theirs|, max |ours| and their ratio (exact for integers)."""
    rows = []
    for name, t in theirs.items():
        if name not in ours:
            fail('final.safetensors lacks %s' % name)
        a = ours[name].detach()
        b = t.detach().to(a.dtype)
        if a.dtype.is_floating_point:
            diff = (a.double() - b.double()).abs().max().item() if a.numel() else 0.0
            scale = b.double().abs().max().item() if b.numel() else 0.0
        else:
            diff = (a - b).abs().max().item() if a.numel() else 0
            scale = b.abs().max().item() if b.numel() else 0
        rel = diff / scale if scale else (0.0 if diff == 0 else math.inf)
        rows.append({'name': name, 'maxAbsDiff': float(diff), 'maxAbs': float(scale), 'rel': rel,
                     'kind': kind_of(name)})
    return rows


def kind_of(name):
    if name.endswith('num_batches_tracked'):
        return 'count'
    if name.endswith('running_mean') or name.endswith('running_var'):
        return 'buffer'
    return 'weight'


def state_file(folder, step):
    """The trace's weights after `step` (0: initial.safetensors)."""
    if step == 0:
        return os.path.join(folder, 'initial.safetensors')
    return os.path.join(folder, 'steps', '%06d.safetensors' % step)


def replay(ctx, dtype, lockstep, keep_states=False):
    """Replays every step of the trace. lockstep: before each step, set the weights and buffers
    to Cardinal's own from the step before (steps/), so each step is compared on its own and
    float32 rounding cannot compound; the optimizer keeps its own state, built from gradients
    taken at Cardinal's weights. Returns (per-step rows, the model, per-step tensor rows, and
    with keep_states the state after every step)."""
    torch, train, run, records, folder = ctx['torch'], ctx['train'], ctx['run'], ctx['records'], ctx['folder']
    recipe = run['recipe']
    model = train.Net().to(dtype)
    model.load_state_dict(train.read_safetensors(state_file(folder, 0))[0], strict=True)
    model.train()
    set_masks = install_dropout_masks(model, torch)
    images, labels = ctx['data']
    mean = torch.tensor(run['stats']['mean']).view(1, 3, 1, 1)
    std = torch.tensor(run['stats']['std']).view(1, 3, 1, 1)
    optimizer = train.make_optimizer(model.parameters(), recipe['optimizer'])
    scheduler, per_step = train.make_scheduler(optimizer, recipe['schedule'], recipe['epochs'], run['stepsPerEpoch'])
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=recipe['labelSmoothing'])
    momentum_key = 'momentum' if recipe['optimizer']['kind'] == 'sgd' else 'beta1'

    steps, locked, states = [], [], []
    epoch = 0
    for record in records:
        while epoch < record['epoch']:
            if scheduler is not None and not per_step:
                scheduler.step()
            epoch += 1
        if lockstep and record['step'] > 1:
            model.load_state_dict(train.read_safetensors(state_file(folder, record['step'] - 1))[0], strict=True)
        group = optimizer.param_groups[0]
        lr = group['lr']
        momentum = group['momentum'] if momentum_key == 'momentum' else group['betas'][0]
        idx = torch.tensor(record['indices'], dtype=torch.long)
        if len(idx) and int(idx.max()) >= run['trainImages']:
            fail('step %d uses image %d of a %d-image train split' % (record['step'], int(idx.max()), run['trainImages']))
        x = train.apply_augment(images[idx], draws_of(record, torch, run['cropPadding']), mean, std).to(dtype)
        set_masks(record.get('dropout'))
        loss = criterion(model(x), labels[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if recipe['gradClip'] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe['gradClip'])
        optimizer.step()
        if scheduler is not None and per_step:
            scheduler.step()
        ours, theirs = record['loss'], loss.item()
        steps.append({
            'step': record['step'],
            'loss': ours,
            'torchLoss': theirs,
            'lossRel': abs(ours - theirs) / abs(theirs) if theirs else abs(ours),
            'lrRel': abs(record['lr'] - lr) / lr if lr else abs(record['lr']),
            'momentumDiff': abs(record[momentum_key] - momentum),
        })
        if lockstep:
            rows = compare_tensors(train.read_safetensors(state_file(folder, record['step']))[0], model.state_dict())
            locked.append({'step': record['step'], 'tensors': rows})
        if keep_states:
            states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    return steps, model, locked, states


def worst_of(rows, kind):
    rows = [t for t in rows if t['kind'] == kind]
    return max(rows, key=lambda t: t['rel']) if rows else None


def summary(steps, tensors):
    worst_step = max(steps, key=lambda s: s['lossRel'])
    return {
        'steps': len(steps),
        'maxLossRel': worst_step['lossRel'],
        'maxLossRelStep': worst_step['step'],
        'maxLrRel': max(s['lrRel'] for s in steps),
        'maxMomentumDiff': max(s['momentumDiff'] for s in steps),
        'worstWeight': worst_of(tensors, 'weight'),
        'worstBuffer': worst_of(tensors, 'buffer'),
        'worstCount': worst_of(tensors, 'count'),
    }


def within(report, args):
    # Lockstep: the weights after the last step (finalWeight); every step's figure (worstWeight)
    # is a diagnostic, because a pre-ReLU value within float32 rounding of 0 can take either
    # sign, and one such element moves a batch-norm bias that has barely left 0 by more than
    # 1e-3 of its size: PyTorch float32 itself does, against float64 (--noise-floor).
    weights = 'finalWeight' if 'finalWeight' in report else 'worstWeight'
    return (report['maxLossRel'] <= args.loss_tol
            and all(report[k]['rel'] <= args.weight_tol for k in (weights, 'worstBuffer') if report[k])
            and (report['worstCount'] is None or report['worstCount']['maxAbsDiff'] == 0)
            and report['maxLrRel'] <= 1e-6 and report['maxMomentumDiff'] <= 1e-9)


def print_summary(title, r):
    print('%s: max relative loss difference %.3e at step %d; lr %.1e, momentum/beta1 %.1e'
          % (title, r['maxLossRel'], r['maxLossRelStep'], r['maxLrRel'], r['maxMomentumDiff']))
    rows = [('worst ' + kind.lower(), r['worst' + kind]) for kind in ('Weight', 'Buffer', 'Count')]
    if r.get('finalWeight'):
        rows.insert(1, ('final weight', r['finalWeight']))
    for label, w in rows:
        if w:
            print('    %-12s %-40s %.3e (max|diff| %.3e, max|value| %.3e%s)'
                  % (label, w['name'], w['rel'], w['maxAbsDiff'], w['maxAbs'],
                     ', after step %d' % w['step'] if 'step' in w else ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('trace', help='the folder written by --trace')
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('--data', default=os.path.join(here, '..', '..', 'shared', 'data'),
                        help='folder with the official CIFAR archive (default ../shared/data)')
    parser.add_argument('--archive', help='the archive itself')
    parser.add_argument('--json', action='store_true', help='one JSON object on stdout')
    parser.add_argument('--loss-tol', type=float, default=1e-3)
    parser.add_argument('--weight-tol', type=float, default=1e-3)
    parser.add_argument('--threads', type=int, default=1, help='torch threads (1: deterministic)')
    parser.add_argument('--float64', action='store_true', help='replay in float64 instead of float32')
    parser.add_argument('--lockstep', action='store_true',
                        help="also replay each step from Cardinal's weights before it (needs steps/)")
    parser.add_argument('--lockstep-only', action='store_true',
                        help='only the lockstep replay (what the parity test asserts; half the time)')
    parser.add_argument('--noise-floor', action='store_true',
                        help='also replay in float64 and report how far PyTorch float32 drifts from it '
                             '(with --lockstep: per step, and Cardinal against float64 too)')
    args = parser.parse_args()

    folder = os.path.abspath(args.trace)
    for name in ('run.json', 'trace.jsonl', 'initial.safetensors', 'final.safetensors', 'model.py', 'train.py'):
        if not os.path.exists(os.path.join(folder, name)):
            fail('%s has no %s: is it a folder written by --trace?' % (folder, name))
    with open(os.path.join(folder, 'run.json')) as f:
        run = json.load(f)
    if run.get('format') != FORMAT:
        fail('trace format %r; this replay reads format %d' % (run.get('format'), FORMAT))
    with open(os.path.join(folder, 'trace.jsonl')) as f:
        records = [json.loads(line) for line in f if line.strip()]
    if not records:
        fail('trace.jsonl has no steps')
    if records[0]['epoch'] != 0 or records[0]['stepInEpoch'] != 0:
        fail('the trace starts at epoch %d step %d; a replay starts at the beginning'
             % (records[0]['epoch'], records[0]['stepInEpoch']))
    if args.lockstep and not os.path.exists(state_file(folder, records[-1]['step'])):
        fail('--lockstep needs the weights after every step (steps/): trace with --trace-steps')

    import torch
    torch.set_num_threads(args.threads)
    train = load_module('cardinal_train', os.path.join(folder, 'train.py'))  # imports model.py beside it
    ctx = {'torch': torch, 'train': train, 'run': run, 'records': records, 'folder': folder,
           'data': train.load_cifar(find_archive(run, args))['train']}

    dtype = torch.float64 if args.float64 else torch.float32
    args.lockstep = args.lockstep or args.lockstep_only
    report, ok, steps, tensors = {'torch': torch.__version__}, True, [], []
    if not args.lockstep_only:
        steps, model, _, _ = replay(ctx, dtype, lockstep=False)
        final = model.state_dict()
        tensors = compare_tensors(train.read_safetensors(os.path.join(folder, 'final.safetensors'))[0], final)
        report.update(summary(steps, tensors))
        report.update({'perStep': steps, 'tensors': tensors})
        ok = within(report, args)
    if args.lockstep:
        floor = args.noise_floor
        lsteps, _, locked, lstates = replay(ctx, dtype, lockstep=True, keep_states=floor)
        every = [dict(t, step=l['step']) for l in locked for t in l['tensors']]
        report['lockstep'] = summary(lsteps, every)
        report['lockstep']['finalWeight'] = worst_of([dict(t, step=locked[-1]['step']) for t in locked[-1]['tensors']], 'weight')
        report['lockstep']['perStep'] = lsteps
        ok = ok and within(report['lockstep'], args)
        if floor:
            # The same lockstep steps in the other precision: how far PyTorch float32 itself is
            # from exact (float64) arithmetic on each step, next to how far Cardinal is. A
            # pre-ReLU value within float32 rounding of 0 can come out with either sign, and
            # then a whole element's gradient moves a near-cancelling bias sum.
            other = torch.float64 if dtype == torch.float32 else torch.float32
            osteps, _, _, ostates = replay(ctx, other, lockstep=True, keep_states=True)
            s32, s64 = (lsteps, osteps) if dtype == torch.float32 else (osteps, lsteps)
            t32, t64 = (lstates, ostates) if dtype == torch.float32 else (ostates, lstates)
            def vs64(loss_of, state_of):
                rows = [dict(s, loss=loss_of(i, s), torchLoss=s['torchLoss'],
                             lossRel=abs(loss_of(i, s) - s['torchLoss']) / abs(s['torchLoss']))
                        for i, s in enumerate(s64)]
                every = [dict(t, step=s['step']) for i, s in enumerate(s64)
                         for t in compare_tensors(state_of(i, s), t64[i])]
                return summary(rows, every)
            report['lockstepFloat32VsFloat64'] = vs64(lambda i, s: s32[i]['torchLoss'], lambda i, s: t32[i])
            report['lockstepCardinalVsFloat64'] = vs64(
                lambda i, s: s['loss'],
                lambda i, s: train.read_safetensors(state_file(folder, s['step']))[0])
    if args.noise_floor and steps:
        fsteps, fmodel, _, _ = replay(ctx, torch.float64 if dtype == torch.float32 else torch.float32, lockstep=False)
        pairs = [dict(s, loss=s['torchLoss'], torchLoss=f['torchLoss'],
                      lossRel=abs(s['torchLoss'] - f['torchLoss']) / abs(f['torchLoss']))
                 for s, f in zip(steps, fsteps)]
        report['noiseFloor'] = summary(pairs, compare_tensors(final, fmodel.state_dict()))
    report['ok'] = ok
    if args.json:
        print(json.dumps(report))
    else:
        print('replayed %d steps of %s (%s, trained on %s) in PyTorch %s, %s'
              % (len(records), folder, run['dataset'], run['backend'], torch.__version__, str(dtype)))
        if tensors:
            print('%-48s %12s %12s %10s' % ('final tensor', 'max|diff|', 'max|value|', 'relative'))
            for t in tensors:
                print('%-48s %12.3e %12.3e %10.3e' % (t['name'], t['maxAbsDiff'], t['maxAbs'], t['rel']))
            print_summary('free-running (Cardinal vs PyTorch)', report)
        if args.lockstep:
            print_summary('lockstep, each step from Cardinal\'s weights', report['lockstep'])
        if 'lockstepFloat32VsFloat64' in report:
            print_summary('lockstep noise floor: PyTorch float32 vs float64, each step from Cardinal\'s weights',
                          report['lockstepFloat32VsFloat64'])
            print_summary('lockstep: Cardinal vs PyTorch float64', report['lockstepCardinalVsFloat64'])
        if 'noiseFloor' in report:
            print_summary('noise floor (PyTorch float32 vs float64, free-running)', report['noiseFloor'])
        print('within tolerance (loss %g, weights %g): %s' % (args.loss_tol, args.weight_tol, 'yes' if ok else 'NO'))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
