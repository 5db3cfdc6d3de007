// The part of train.py that depends on no option of the run: safetensors I/O, the CIFAR
// archive reader, the validation split and the batched GPU augmentation. trainScript.ts
// places it verbatim into the generated script.

export const TRAIN_PY_HELPERS = `# ---- safetensors: the package when installed, else this reader/writer --------------------

_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8,
    'U8': torch.uint8, 'BOOL': torch.bool,
}


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError('%s: not a safetensors file' % path)
    (n,) = struct.unpack('<Q', data[:8])
    if n > 100_000_000 or 8 + n > len(data):
        raise ValueError('%s: header length %d is not plausible' % (path, n))
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    try:
        from safetensors.torch import load_file
        return load_file(path), metadata
    except ImportError:
        pass
    if sys.byteorder != 'little':
        raise RuntimeError('the built-in safetensors reader needs a little-endian machine')
    body = bytearray(data[8 + n:])
    tensors = {}
    for name, info in header.items():
        dtype = _DTYPES[info['dtype']]
        start, end = info['data_offsets']
        shape = info['shape']
        count = math.prod(shape)
        if end > len(body) or end - start != count * torch.empty((), dtype=dtype).element_size():
            raise ValueError('%s: %s has inconsistent data_offsets' % (path, name))
        if count == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            flat = torch.frombuffer(body, dtype=dtype, count=count, offset=start)
            tensors[name] = flat.reshape(shape).clone()
    return tensors, metadata


def write_safetensors(tensors, path, metadata):
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    tmp = path + '.tmp'
    try:
        from safetensors.torch import save_file
        save_file(tensors, tmp, metadata=metadata)
    except ImportError:
        names = {v: k for k, v in _DTYPES.items()}
        # 8-byte values first, so every tensor starts at a multiple of its element size
        items = sorted(tensors.items(), key=lambda kv: -kv[1].element_size())
        header, blobs, offset = {'__metadata__': metadata}, [], 0
        for name, t in items:
            blob = t.numpy().tobytes() if t.numel() else b''
            header[name] = {'dtype': names[t.dtype], 'shape': list(t.shape),
                            'data_offsets': [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
        text = json.dumps(header, separators=(',', ':')).encode('utf-8')
        text += b' ' * (-(8 + len(text)) % 8)
        with open(tmp, 'wb') as f:
            f.write(struct.pack('<Q', len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
    os.replace(tmp, path)


# ---- data ---------------------------------------------------------------------------------

def find_archive(root, download, is_main):
    url, md5, _, _, _ = ARCHIVES[DATASET]
    path = os.path.join(root, url.rsplit('/', 1)[1])
    if os.path.exists(path):
        return path
    if not download:
        sys.exit('%s is missing: put the archive there or pass --download' % path)
    if is_main:
        os.makedirs(root, exist_ok=True)
        print('downloading %s' % url, flush=True)
        urllib.request.urlretrieve(url, path + '.part')
        digest = hashlib.md5(open(path + '.part', 'rb').read()).hexdigest()
        if digest != md5:
            sys.exit('%s: md5 %s, expected %s' % (url, digest, md5))
        os.replace(path + '.part', path)
    if dist.is_initialized():
        dist.barrier()
    return path


def load_cifar(path):
    """{'train': (images uint8 [N, 3, 32, 32], labels int64 [N]), 'test': (...)}."""
    _, _, label_bytes, train_files, test_file = ARCHIVES[DATASET]
    blobs = {}
    with tarfile.open(path, 'r:*') as tar:
        for member in tar:
            base = os.path.basename(member.name)
            if member.isfile() and not base.startswith('._') and base.endswith('.bin'):
                blobs[base] = tar.extractfile(member).read()
    record = label_bytes + 3072

    def parse(names):
        missing = [n for n in names if n not in blobs]
        if missing:
            sys.exit('%s lacks %s' % (path, ', '.join(missing)))
        data = b''.join(blobs[n] for n in names)
        if len(data) % record:
            sys.exit('%s: the records are not whole' % path)
        rows = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(-1, record)
        # CIFAR-100 records start with the coarse label, then the fine one (the one we train on)
        labels = rows[:, label_bytes - 1].long()
        return rows[:, label_bytes:].reshape(-1, 3, 32, 32).clone(), labels.clone()

    return {'train': parse(train_files), 'test': parse([test_file])}


def split_validation(images, labels, fraction):
    held = int(math.floor(len(labels) * fraction + 0.5))  # JavaScript's Math.round
    cut = len(labels) - held
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


# ---- augmentation (batched, on the device) --------------------------------------------------

def _grayscale(x):
    return (0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)


def _blend(img, other, ratio):
    return (ratio * img + (1.0 - ratio) * other).clamp(0, 1)


def _rgb_to_hsv(img):
    # torchvision.transforms.functional_tensor._rgb2hsv
    r, g, b = img.unbind(dim=-3)
    maxc = torch.max(img, dim=-3).values
    minc = torch.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    cr_divisor = torch.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc), dim=-3)


def _hsv_to_rgb(img):
    # torchvision.transforms.functional_tensor._hsv2rgb
    h, s, v = img.unbind(dim=-3)
    i = torch.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=torch.int32)
    p = torch.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = torch.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = torch.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == torch.arange(6, device=i.device).view(-1, 1, 1)
    a1 = torch.stack((v, q, p, p, t, v), dim=-3)
    a2 = torch.stack((t, v, v, q, p, p), dim=-3)
    a3 = torch.stack((p, p, t, v, v, q), dim=-3)
    a4 = torch.stack((a1, a2, a3), dim=-4)
    return torch.einsum('...ijk, ...xijk -> ...xjk', mask.to(dtype=img.dtype), a4)


def draw_augment(n, aug, gen):
    """Every random choice for n images, from gen: what apply_augment needs (scripts/replay.py
    builds the same dict from a Cardinal trace). None for a transform the recipe does not use."""
    pad, size = 4, 32

    def uniform(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    d = {}
    if aug['crop'] or aug['flip']:
        d['top'] = torch.randint(0, 2 * pad + 1, (n,), generator=gen) if aug['crop'] else torch.full((n,), pad)
        d['left'] = torch.randint(0, 2 * pad + 1, (n,), generator=gen) if aug['crop'] else torch.full((n,), pad)
        d['flip'] = torch.rand(n, generator=gen) < 0.5 if aug['flip'] else torch.zeros(n, dtype=torch.bool)
    jitter = aug.get('colorJitter')
    if jitter:
        for key in ('brightness', 'contrast', 'saturation'):
            f = jitter[key]
            d[key] = uniform(max(0.0, 1 - f), 1 + f) if f > 0 else None
        d['hue'] = uniform(-jitter['hue'], jitter['hue']) if jitter['hue'] > 0 else None
    p = aug.get('randomErasing', 0)
    if p > 0:
        boxes = []
        area = size * size
        log_ratio = (math.log(0.3), math.log(3.3))
        for _ in range(n):
            box = None
            if torch.rand(1, generator=gen).item() < p:
                for _ in range(10):  # torchvision RandomErasing.get_params, value 0
                    erase_area = area * torch.empty(1).uniform_(0.02, 0.33, generator=gen).item()
                    aspect = math.exp(torch.empty(1).uniform_(*log_ratio, generator=gen).item())
                    h = int(round(math.sqrt(erase_area * aspect)))
                    w = int(round(math.sqrt(erase_area / aspect)))
                    if not (h < size and w < size):
                        continue
                    i = torch.randint(0, size - h + 1, (1,), generator=gen).item()
                    j = torch.randint(0, size - w + 1, (1,), generator=gen).item()
                    box = (i, j, h, w)
                    break
            boxes.append(box)
        d['erase'] = boxes
    return d


def apply_augment(pixels, d, mean, std):
    """uint8 [N, 3, 32, 32] on the device → normalised float32, with the draws d (draw_augment):
    crop from the 4-pixel zero-padded image and flip, ColorJitter in Cardinal's fixed order
    (engine/augment.ts; torchvision picks a random order per image), Normalize, erasing."""
    n, _, size, _ = pixels.shape
    device = pixels.device
    x = pixels.float().div_(255)

    def per_image(values):
        return values.to(device=device, dtype=torch.float32).view(n, 1, 1, 1)

    if 'top' in d:
        pad = 4
        span = torch.arange(size)
        top, left, flip = d['top'], d['left'], d['flip']
        rows = (top[:, None] + span).to(device)
        cols = torch.where(flip[:, None], left[:, None] + size - 1 - span, left[:, None] + span).to(device)
        padded = F.pad(x, (pad, pad, pad, pad))
        x = padded[torch.arange(n, device=device)[:, None, None, None],
                   torch.arange(3, device=device)[None, :, None, None],
                   rows[:, None, :, None], cols[:, None, None, :]]
    if d.get('brightness') is not None:
        x = (x * per_image(d['brightness'])).clamp(0, 1)
    if d.get('contrast') is not None:
        x = _blend(x, _grayscale(x).mean(dim=(1, 2, 3), keepdim=True), per_image(d['contrast']))
    if d.get('saturation') is not None:
        x = _blend(x, _grayscale(x), per_image(d['saturation']))
    if d.get('hue') is not None:
        shift = per_image(d['hue']).view(n, 1, 1)
        hsv = _rgb_to_hsv(x)
        hue = torch.remainder(hsv[:, 0] + shift, 1.0)
        x = _hsv_to_rgb(torch.stack((hue, hsv[:, 1], hsv[:, 2]), dim=1))
    x = (x - mean) / std
    if any(box is not None for box in d.get('erase') or []):
        mask = torch.ones(n, 1, size, size)
        for k, box in enumerate(d['erase']):
            if box is not None:
                i, j, h, w = box
                mask[k, :, i:i + h, j:j + w] = 0
        x = x * mask.to(device)
    return x


def augment(pixels, aug, gen, mean, std):
    """uint8 [N, 3, 32, 32] on the device → normalised float32, with the recipe's transforms."""
    return apply_augment(pixels, draw_augment(pixels.shape[0], aug, gen), mean, std)


`;
