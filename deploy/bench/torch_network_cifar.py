#!/usr/bin/env python3
"""PyTorch NetworkCIFAR (quark0/darts cnn/model.py) for checking and benchmarking the Java re-training.

Two modes:

  --check RUN_DIR   Loads RUN_DIR/model/weights.safetensors (the Java re-training's export, named like
                    NetworkCIFAR's state_dict) into a PyTorch NetworkCIFAR built from the file's metadata,
                    with load_state_dict(strict=True), evaluates it on the test records the re-training
                    evaluated (sparknas.retrain.test-limit of the test files in RUN_DIR/model/config.conf,
                    standardised as the Java code does) and compares the mean cross-entropy and the
                    accuracy with RUN_DIR/result.json. Prints one JSON line; exits 1 when they differ
                    (|dloss|/loss > 1e-3, or the accuracies by more than 2/test_examples) and 2 when the
                    export does not load (missing, unexpected or mis-shaped tensors are listed on stderr).

  --bench           Times training steps of the same network on random data (forward in train mode with
                    drop-path and the weighted auxiliary loss, backward, clip_grad_norm_(5), SGD with
                    lr 0.025, momentum 0.9, weight decay 3e-4) and prints one JSON line with the median
                    step time, images/s and the parameter count without the auxiliary head; it also
                    counts DARTS_V2 at C 36, L 20 on 3x32x32 inputs, which must be 3,349,342.

Needs only torch, numpy and the standard library (the safetensors and HOCON files are parsed here);
works with torch 1.13 and 2.x. Differences from model.py, as in the Java network: the stem reads the
input's channel count, and where the auxiliary head's pooled map is under 2x2 (inputs under 32x32) its
second convolution (features.5) is 1x1; where the map is larger, the heads average it.

  python3 deploy/bench/torch_network_cifar.py --check runs/retrain-1
  python3 deploy/bench/torch_network_cifar.py --bench --C 36 --layers 20 --batch 96 --input 3x32x32 \
      --auxiliary-weight 0.4 --drop-path 0.2 --steps 20
"""

import argparse
import ast
import gzip
import json
import math
import os
import platform
import re
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DARTS_V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
            "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
            "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
DARTS_V2_C36_L20_PARAMS = 3349342

# Per-channel statistics of driver/.../data/Normalization.java (float32 there, as here).
NORMALIZATION = {
    "fashionmnist": ([0.2860], [0.3530]),
    "mnist": ([0.1307], [0.3081]),
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
    "cifar100": ([0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762]),
}


class CheckError(Exception):
    """A problem with the run directory or its files; the message says which."""


# ----------------------------------------------------------------------------------------------------
# Operations (same module nesting as quark0/darts cnn/operations.py, so the parameter names agree)
# ----------------------------------------------------------------------------------------------------

class Identity(nn.Module):
    def forward(self, x):
        return x


class Zero(nn.Module):
    def __init__(self, stride):
        super(Zero, self).__init__()
        self.stride = stride

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        return x * 0.0


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, kernel, stride, padding, affine=True):
        super(ReLUConvBN, self).__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    """ReLU, depthwise k x k (stride, padding, dilation), pointwise 1x1, BN: modules op.0 .. op.3."""

    def __init__(self, c_in, c_out, kernel, stride, padding, dilation, affine=True):
        super(DilConv, self).__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel, stride=stride, padding=padding, dilation=dilation, groups=c_in,
                      bias=False),
            nn.Conv2d(c_in, c_out, 1, padding=0, bias=False),
            nn.BatchNorm2d(c_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class SepConv(nn.Module):
    """Two DilConv-like halves (the second at stride 1) in one Sequential: modules op.0 .. op.7."""

    def __init__(self, c_in, c_out, kernel, stride, padding, affine=True):
        super(SepConv, self).__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel, stride=stride, padding=padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_in, 1, padding=0, bias=False),
            nn.BatchNorm2d(c_in, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel, stride=1, padding=padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, padding=0, bias=False),
            nn.BatchNorm2d(c_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    """ReLU, then two 1x1 stride-2 convs (on x and on x shifted by one pixel) concatenated, then BN."""

    def __init__(self, c_in, c_out, affine=True):
        super(FactorizedReduce, self).__init__()
        if c_out % 2 != 0:
            raise ValueError("FactorizedReduce needs an even channel count, got %d" % c_out)
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_op(name, c, stride, affine=True):
    if name == "none":
        return Zero(stride)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return Identity() if stride == 1 else FactorizedReduce(c, c, affine=affine)
    if name == "sep_conv_3x3":
        return SepConv(c, c, 3, stride, 1, affine=affine)
    if name == "sep_conv_5x5":
        return SepConv(c, c, 5, stride, 2, affine=affine)
    if name == "sep_conv_7x7":
        return SepConv(c, c, 7, stride, 3, affine=affine)
    if name == "dil_conv_3x3":
        return DilConv(c, c, 3, stride, 2, 2, affine=affine)
    if name == "dil_conv_5x5":
        return DilConv(c, c, 5, stride, 4, 2, affine=affine)
    raise ValueError("unknown operation %r" % name)


def drop_path(x, drop_prob):
    """DARTS utils.drop_path: drops whole samples with probability drop_prob, scales the rest by 1/keep."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.size(0), 1, 1, 1, dtype=x.dtype, device=x.device).bernoulli_(keep)
    return x / keep * mask


# ----------------------------------------------------------------------------------------------------
# Network (quark0/darts cnn/model.py NetworkCIFAR, with the input's channels and small-input aux head)
# ----------------------------------------------------------------------------------------------------

class Cell(nn.Module):
    def __init__(self, edges, concat, c_prev_prev, c_prev, c, reduction, reduction_prev):
        super(Cell, self).__init__()
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(c_prev_prev, c)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, c, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_prev, c, 1, 1, 0)
        if len(edges) % 2 != 0 or not edges:
            raise ValueError("a cell needs two edges per node, got %d edges" % len(edges))
        self._steps = len(edges) // 2
        self._indices = [int(i) for _, i in edges]
        self._concat = [int(i) for i in concat]
        self.multiplier = len(self._concat)
        for n, i in enumerate(self._indices):
            if not 0 <= i < 2 + n // 2:
                raise ValueError("edge %d reads state %d, which node %d cannot see" % (n, i, n // 2))
        for i in self._concat:
            if not 0 <= i < 2 + self._steps:
                raise ValueError("concat index %d is out of range for %d nodes" % (i, self._steps))
        self._ops = nn.ModuleList()
        for name, index in edges:
            stride = 2 if reduction and int(index) < 2 else 1
            self._ops.append(make_op(name, c, stride, True))

    def forward(self, s0, s1, drop_prob):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(self._steps):
            out = None
            for k in (2 * i, 2 * i + 1):
                op = self._ops[k]
                h = op(states[self._indices[k]])
                if self.training and drop_prob > 0.0 and not isinstance(op, Identity):
                    h = drop_path(h, drop_prob)
                out = h if out is None else out + h
            states.append(out)
        return torch.cat([states[i] for i in self._concat], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    """model.py's head (built for an 8x8 map); features.5 has kernel `kernel2` (1 on a 1x1 pooled map)."""

    def __init__(self, c, num_classes, kernel2=2):
        super(AuxiliaryHeadCIFAR, self).__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),  # model.py's is in place, on the cell output later cells read
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, kernel2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True))
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.mean(dim=(2, 3)))  # = view(n, -1) on the usual 1x1 map


def halve(n):
    """Spatial size after one stride-2 op of the cells (3x3/pad 1, 5x5/pad 2, FactorizedReduce): ceil(n/2)."""
    return (n + 1) // 2


class NetworkCIFAR(nn.Module):
    def __init__(self, C, num_classes, layers, auxiliary, cells, in_channels=3, height=32, width=32):
        """cells: one (edges, concat) per cell, edges a list of (op name, input state)."""
        super(NetworkCIFAR, self).__init__()
        if len(cells) != layers:
            raise ValueError("%d cell genotypes for %d layers" % (len(cells), layers))
        self._layers = layers
        self._auxiliary = auxiliary
        self.drop_path_prob = 0.0
        c_curr = 3 * C
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        h, w = height, width
        c_aux, hw_aux = None, None
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
                h, w = halve(h), halve(w)
            edges, concat = cells[i]
            cell = Cell(edges, concat, c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
            reduction_prev = reduction
            self.cells.append(cell)
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == 2 * layers // 3:
                c_aux, hw_aux = c_prev, (h, w)
        if auxiliary:
            ph, pw = (hw_aux[0] - 5) // 3 + 1, (hw_aux[1] - 5) // 3 + 1
            if ph < 1 or pw < 1:
                raise ValueError("the auxiliary head pools 5x5 windows of cell %d's %dx%d output: the input %dx%d"
                                 " is too small" % (2 * layers // 3, hw_aux[0], hw_aux[1], height, width))
            self.auxiliary_head = AuxiliaryHeadCIFAR(c_aux, num_classes, min(2, ph, pw))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x):
        logits_aux = None
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if i == 2 * self._layers // 3 and self._auxiliary and self.training:
                logits_aux = self.auxiliary_head(s1)
        out = self.global_pooling(s1)
        return self.classifier(out.view(out.size(0), -1)), logits_aux


def count_parameters(model, with_auxiliary=False):
    return int(sum(p.numel() for n, p in model.named_parameters() if with_auxiliary or "auxiliary" not in n))


# ----------------------------------------------------------------------------------------------------
# Genotypes
# ----------------------------------------------------------------------------------------------------

def _list_field(text, name):
    m = re.search(r"\b%s\s*=\s*(\[[^\]]*\]|range\(\s*\d+\s*,\s*\d+\s*\))" % name, text)
    if not m:
        raise ValueError("genotype text has no %s=[...]" % name)
    v = m.group(1)
    if v.startswith("range"):
        a, b = re.findall(r"\d+", v)
        return list(range(int(a), int(b)))
    return ast.literal_eval(v)


def parse_genotype(text, layers):
    """One (edges, concat) per cell from DARTS text ("Genotype(normal=[...], ...)") or the per-cell JSON
    ({"cells": [{"edges": [{"op", "input"}, ..], "concat": [..]}, ..]}) or a search's genotype JSON."""
    text = text.strip()
    if text.startswith("{"):
        root = json.loads(text)
        if "cells" in root:
            cells = [([(e["op"], int(e["input"])) for e in c["edges"]], [int(i) for i in c["concat"]])
                     for c in root["cells"]]
            if len(cells) != layers:
                raise ValueError("the per-cell genotype has %d cells for %d layers" % (len(cells), layers))
            return cells
        normal = [(e["op"], int(e["input"])) for e in root["normal"]]
        reduce_ = [(e["op"], int(e["input"])) for e in root["reduce"]]
        normal_concat, reduce_concat = root["normal_concat"], root["reduce_concat"]
    else:
        normal = [(str(o), int(i)) for o, i in _list_field(text, "normal")]
        reduce_ = [(str(o), int(i)) for o, i in _list_field(text, "reduce")]
        normal_concat = _list_field(text, "normal_concat")
        reduce_concat = _list_field(text, "reduce_concat")
    cells = []
    for i in range(layers):
        if i in (layers // 3, 2 * layers // 3):
            cells.append((reduce_, list(reduce_concat)))
        else:
            cells.append((normal, list(normal_concat)))
    return cells


def parse_shape(text):
    parts = [int(p) for p in re.split(r"[x,]", text.strip())]
    if len(parts) != 3 or min(parts) < 1:
        raise ValueError("input shape must be CxHxW, e.g. 1x28x28, got %r" % text)
    return parts


# ----------------------------------------------------------------------------------------------------
# safetensors (by hand) and HOCON (the subset Typesafe Config's render writes)
# ----------------------------------------------------------------------------------------------------

SAFETENSORS_DTYPES = {"F32": ("<f4", 4), "F64": ("<f8", 8), "I64": ("<i8", 8), "F16": ("<f2", 2),
                      "I32": ("<i4", 4)}


def read_safetensors(path):
    """Returns (ordered {name: numpy array}, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise CheckError("%s: %d bytes is too short for a safetensors file" % (path, len(data)))
    (n,) = struct.unpack("<Q", data[:8])
    if n < 2 or 8 + n > len(data):
        raise CheckError("%s: header length %d does not fit the %d-byte file" % (path, n, len(data)))
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, spec in header.items():
        dtype = spec.get("dtype")
        if dtype not in SAFETENSORS_DTYPES:
            raise CheckError("%s: tensor %s has dtype %s, this reader knows %s"
                             % (path, name, dtype, ", ".join(sorted(SAFETENSORS_DTYPES))))
        np_dtype, width = SAFETENSORS_DTYPES[dtype]
        shape = [int(d) for d in spec["shape"]]
        begin, end = [int(o) for o in spec["data_offsets"]]
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * width or end > len(body) or begin < 0:
            raise CheckError("%s: tensor %s of shape %s and dtype %s does not match its data offsets [%d, %d]"
                             % (path, name, shape, dtype, begin, end))
        tensors[name] = np.frombuffer(body[begin:end], dtype=np_dtype).reshape(shape).copy()
    return tensors, meta


_TOKEN = re.compile(r'''\s+|\#[^\n]*|//[^\n]*|"(?:[^"\\]|\\.)*"|[{}\[\]=:,]|[^\s{}\[\]=:,"\#]+''')


def parse_hocon(text):
    """A rendered HOCON object as nested dicts/lists of strings (enough for Typesafe Config's render)."""
    toks = []
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        if t.isspace() or t.startswith("#") or t.startswith("//"):
            continue
        toks.append(t)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        t = peek()
        pos[0] += 1
        return t

    def scalar(t):
        return json.loads(t) if t.startswith('"') else t

    def value():
        t = take()
        if t == "{":
            return obj("}")
        if t == "[":
            out = []
            while peek() not in ("]", None):
                if peek() == ",":
                    take()
                    continue
                out.append(value())
            take()
            return out
        return scalar(t)

    def put(d, path, v):
        for k in path[:-1]:
            d = d.setdefault(k, {})
        if isinstance(v, dict) and isinstance(d.get(path[-1]), dict):
            d[path[-1]].update(v)
        else:
            d[path[-1]] = v

    def obj(end):
        d = {}
        while peek() not in (end, None):
            t = take()
            if t == ",":
                continue
            path = [json.loads(t)] if t.startswith('"') else t.split(".")
            if peek() in ("=", ":"):
                take()
            put(d, path, value())
        take()
        return d

    if peek() == "{":
        take()
        return obj("}")
    return obj(None)


def conf_get(conf, key, default=None):
    for path in ("sparknas." + key, key):
        d = conf
        for k in path.split("."):
            if not isinstance(d, dict) or k not in d:
                d = None
                break
            d = d[k]
        if d is not None:
            return d
    return default


# ----------------------------------------------------------------------------------------------------
# Test data (IdxReader / CifarReader + Normalization of the Java driver, in float32)
# ----------------------------------------------------------------------------------------------------

def _read_maybe_gzip(path):
    with open(path, "rb") as f:
        raw = f.read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(images_path, labels_path, count):
    img = _read_maybe_gzip(images_path)
    lbl = _read_maybe_gzip(labels_path)
    (magic,) = struct.unpack(">I", img[:4])
    if magic != 0x00000803:
        raise CheckError("%s: magic 0x%08x is not an IDX image file's (0x00000803)" % (images_path, magic))
    (lmagic,) = struct.unpack(">I", lbl[:4])
    if lmagic != 0x00000801:
        raise CheckError("%s: magic 0x%08x is not an IDX label file's (0x00000801)" % (labels_path, lmagic))
    n, rows, cols = struct.unpack(">III", img[4:16])
    (ln,) = struct.unpack(">I", lbl[4:8])
    if n != ln:
        raise CheckError("%s declares %d records, %s %d" % (images_path, n, labels_path, ln))
    count = n if count == 0 else count
    if count > n:
        raise CheckError("test-limit %d is more than the %d records of %s" % (count, n, images_path))
    pixels = np.frombuffer(img, dtype=np.uint8, count=count * rows * cols, offset=16)
    labels = np.frombuffer(lbl, dtype=np.uint8, count=count, offset=8)
    return pixels.reshape(count, 1, rows, cols), labels.astype(np.int64)


def read_cifar(files, label_bytes, count):
    rec = label_bytes + 3 * 32 * 32
    chunks = []
    have = 0
    for f in files:
        raw = _read_maybe_gzip(f)
        if len(raw) % rec != 0:
            raise CheckError("%s: %d bytes is not a whole number of %d-byte records" % (f, len(raw), rec))
        chunks.append(np.frombuffer(raw, dtype=np.uint8).reshape(-1, rec))
        have += chunks[-1].shape[0]
        if count and have >= count:
            break
    allrec = np.concatenate(chunks, axis=0)
    count = allrec.shape[0] if count == 0 else count
    if count > allrec.shape[0]:
        raise CheckError("test-limit %d is more than the %d CIFAR test records" % (count, allrec.shape[0]))
    allrec = allrec[:count]
    return allrec[:, label_bytes:].reshape(count, 3, 32, 32), allrec[:, label_bytes - 1].astype(np.int64)


def standardize(pixels_u8, normalize):
    x = pixels_u8.astype(np.float32) / np.float32(255.0)  # (b & 0xff) / 255f
    key = (normalize or "none").lower().replace("-", "").replace("_", "")
    if key == "none":
        return x
    if key not in NORMALIZATION:
        raise CheckError("no normalisation statistics for data.normalize = %r" % normalize)
    mean, std = NORMALIZATION[key]
    if len(mean) != x.shape[1]:
        raise CheckError("data.normalize = %s has %d channel(s) of statistics, the data %d"
                         % (normalize, len(mean), x.shape[1]))
    for c in range(x.shape[1]):
        inv = np.float32(1.0) / np.float32(std[c])  # Java multiplies by 1f / std
        x[:, c] = (x[:, c] - np.float32(mean[c])) * inv
    return x


def resolve(data_dir, p):
    if not data_dir or not p or p.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", p):
        return p
    return data_dir.rstrip("/") + "/" + p


def load_test_data(conf):
    fmt = str(conf_get(conf, "data.format", "idx"))
    data_dir = str(conf_get(conf, "data.dir", ""))
    limit = int(conf_get(conf, "retrain.test-limit", 0))
    if fmt == "idx":
        images = resolve(data_dir, str(conf_get(conf, "data.test-images",
                                                "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")))
        labels = resolve(data_dir, str(conf_get(conf, "data.test-labels",
                                                "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")))
        pixels, y = read_idx(images, labels, limit)
        files = [images, labels]
    elif fmt in ("cifar10", "cifar100"):
        files = [resolve(data_dir, str(f)) for f in conf_get(conf, "data.cifar-test-files", [])]
        if not files:
            raise CheckError("data.cifar-test-files is empty in the run's config")
        pixels, y = read_cifar(files, 1 if fmt == "cifar10" else 2, limit)
    else:
        raise CheckError("unknown data.format %r" % fmt)
    normalize = str(conf_get(conf, "data.normalize", "fashion-mnist"))
    return standardize(pixels, normalize), y, files, normalize


# ----------------------------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------------------------

def check(args):
    run_dir = args.check
    for f in ("result.json", "model/weights.safetensors", "model/config.conf"):
        if not os.path.isfile(os.path.join(run_dir, f)):
            raise CheckError("%s has no %s: give a finished re-training run directory" % (run_dir, f))
    with open(os.path.join(run_dir, "result.json")) as f:
        result = json.load(f)
    with open(os.path.join(run_dir, "model/config.conf")) as f:
        conf = parse_hocon(f.read())
    tensors, meta = read_safetensors(os.path.join(run_dir, "model/weights.safetensors"))
    for k in ("genotype", "C", "layers", "num_classes", "auxiliary", "input"):
        if k not in meta:
            raise CheckError("weights.safetensors' __metadata__ has no %r (has %s)" % (k, sorted(meta)))
    C, layers, classes = int(meta["C"]), int(meta["layers"]), int(meta["num_classes"])
    auxiliary = str(meta["auxiliary"]).lower() == "true"
    in_c, h, w = parse_shape(meta["input"])

    torch.manual_seed(0)
    model = NetworkCIFAR(C, classes, layers, auxiliary, parse_genotype(meta["genotype"], layers), in_c, h, w)
    expected = model.state_dict()
    missing = [k for k in expected if k not in tensors]
    unexpected = [k for k in tensors if k not in expected]
    misshaped = ["%s: file %s, model %s" % (k, list(tensors[k].shape), list(expected[k].shape))
                 for k in expected if k in tensors and tuple(tensors[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or misshaped:
        for title, items in (("missing from the file", missing), ("unexpected in the file", unexpected),
                             ("of the wrong shape", misshaped)):
            if items:
                print("%d tensor(s) %s:" % (len(items), title), file=sys.stderr)
                for it in items:
                    print("  " + it, file=sys.stderr)
        print(json.dumps({"mode": "check", "run_dir": run_dir, "ok": False, "loaded": False,
                          "missing": missing, "unexpected": unexpected, "misshaped": misshaped}))
        return 2
    state = {}
    for k, ref in expected.items():
        a = tensors[k]
        if ref.dtype == torch.int64:  # num_batches_tracked: I64 of shape []
            state[k] = torch.from_numpy(np.array(a, dtype=np.int64).reshape(tuple(ref.shape)))
        else:
            state[k] = torch.from_numpy(a.astype(np.float32))
    model.load_state_dict(state, strict=True)  # raises on any missing/unexpected key or shape

    x, y, files, normalize = load_test_data(conf)
    if tuple(x.shape[1:]) != (in_c, h, w):
        raise CheckError("the test data holds %s images, the model was trained on %s"
                         % ("x".join(map(str, x.shape[1:])), meta["input"]))
    batch = int(conf_get(conf, "retrain.eval-batch", 200)) or 200
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            xb = torch.from_numpy(x[i:i + batch])
            yb = torch.from_numpy(y[i:i + batch])
            logits, _ = model(xb)
            loss_sum += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int((logits.argmax(dim=1) == yb).sum())
    n = int(x.shape[0])
    loss, acc = loss_sum / n, correct / n
    java_loss, java_acc = float(result["test_loss"]), float(result["test_accuracy"])
    java_n = int(result.get("test_examples", n))
    d_loss = abs(loss - java_loss)
    rel = d_loss / abs(java_loss) if java_loss != 0 else (0.0 if d_loss == 0 else float("inf"))
    acc_tol = 2.0 / n
    params_wo = count_parameters(model)
    params_all = count_parameters(model, True)
    problems = []
    if java_n != n:
        problems.append("result.json evaluated %d test examples, this check %d" % (java_n, n))
    if rel > 1e-3:
        problems.append("relative test loss difference %.3g > 1e-3" % rel)
    if abs(acc - java_acc) > acc_tol:
        problems.append("test accuracy difference %.6f > 2/%d" % (abs(acc - java_acc), n))
    if "parameters_without_auxiliary" in result and int(result["parameters_without_auxiliary"]) != params_wo:
        problems.append("parameters without auxiliary: result.json %s, PyTorch %d"
                        % (result["parameters_without_auxiliary"], params_wo))
    if "parameters" in result and int(result["parameters"]) != params_all:
        problems.append("parameters: result.json %s, PyTorch %d" % (result["parameters"], params_all))
    out = {
        "mode": "check", "run_dir": run_dir, "ok": not problems, "loaded": True,
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "threads": torch.get_num_threads(), "tensors": len(tensors),
        "C": C, "layers": layers, "auxiliary": auxiliary, "input": meta["input"],
        "test_files": files, "normalize": normalize, "test_examples": n,
        "java_test_loss": java_loss, "torch_test_loss": loss, "abs_diff_loss": d_loss, "rel_diff_loss": rel,
        "java_test_accuracy": java_acc, "torch_test_accuracy": acc, "abs_diff_accuracy": abs(acc - java_acc),
        "accuracy_tolerance": acc_tol,
        "parameters": params_all, "parameters_without_auxiliary": params_wo,
        "problems": problems,
    }
    print(json.dumps(out))
    return 0 if not problems else 1


def reference_count():
    m = NetworkCIFAR(36, 10, 20, False, parse_genotype(DARTS_V2, 20), 3, 32, 32)
    return count_parameters(m)


def bench(args):
    in_c, h, w = parse_shape(args.input)
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    auxiliary = args.auxiliary_weight > 0
    model = NetworkCIFAR(args.C, args.classes, args.layers, auxiliary, parse_genotype(args.genotype, args.layers),
                         in_c, h, w).to(device)
    params_wo, params_all = count_parameters(model), count_parameters(model, True)
    ref = reference_count()
    out = {"mode": "bench", "torch": torch.__version__, "python": platform.python_version(),
           "device": str(device), "threads": torch.get_num_threads(),
           "shape": [args.batch, in_c, h, w], "C": args.C, "layers": args.layers,
           "auxiliary_weight": args.auxiliary_weight, "drop_path": args.drop_path,
           "parameters_without_auxiliary": params_wo, "parameters": params_all,
           "darts_v2_c36_l20_parameters": ref, "darts_v2_c36_l20_expected": DARTS_V2_C36_L20_PARAMS,
           "darts_v2_c36_l20_ok": ref == DARTS_V2_C36_L20_PARAMS}
    if args.count_only:
        print(json.dumps(out))
        return 0 if out["darts_v2_c36_l20_ok"] else 1
    model.train()
    model.drop_path_prob = args.drop_path
    opt = torch.optim.SGD(model.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    x = torch.randn(args.batch, in_c, h, w, device=device)
    y = torch.randint(0, args.classes, (args.batch,), device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    for s in range(args.warmup + args.steps):
        sync()
        t0 = time.perf_counter()
        opt.zero_grad()
        logits, logits_aux = model(x)
        loss = F.cross_entropy(logits, y)
        if logits_aux is not None:
            loss = loss + args.auxiliary_weight * F.cross_entropy(logits_aux, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sync()
        if s >= args.warmup:
            times.append(time.perf_counter() - t0)
    if not math.isfinite(loss.item()):
        raise CheckError("the training loss is not finite: %s" % loss.item())
    med = statistics.median(times)
    out.update({"warmup": args.warmup, "steps": args.steps, "median_step_s": med,
                "min_step_s": min(times), "images_per_s": args.batch / med, "last_loss": loss.item()})
    print(json.dumps(out))
    return 0 if out["darts_v2_c36_l20_ok"] else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="RUN_DIR", help="verify a finished re-training run directory")
    mode.add_argument("--bench", action="store_true", help="time PyTorch training steps")
    p.add_argument("--C", type=int, default=36, help="initial channels (bench; default 36)")
    p.add_argument("--layers", type=int, default=20, help="cells (bench; default 20)")
    p.add_argument("--batch", type=int, default=96, help="batch size (bench; default 96)")
    p.add_argument("--input", default="3x32x32", help="input CxHxW (bench; default 3x32x32)")
    p.add_argument("--classes", type=int, default=10, help="classes (bench; default 10)")
    p.add_argument("--auxiliary-weight", type=float, default=0.4, help="aux loss weight, 0 = no head (bench)")
    p.add_argument("--drop-path", type=float, default=0.2, help="drop-path probability (bench; default 0.2)")
    p.add_argument("--genotype", default=DARTS_V2, help="DARTS genotype text (bench; default DARTS_V2)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps (bench; default 2)")
    p.add_argument("--steps", type=int, default=10, help="timed steps (bench; default 10)")
    p.add_argument("--seed", type=int, default=0, help="torch seed (bench; default 0)")
    p.add_argument("--count-only", action="store_true", help="bench: print the parameter counts, time nothing")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda (bench)")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    try:
        return check(args) if args.check else bench(args)
    except (CheckError, ValueError, OSError) as e:
        print("torch_network_cifar: %s" % e, file=sys.stderr)
        print(json.dumps({"mode": "check" if args.check else "bench", "ok": False, "error": str(e)}))
        return 2


if __name__ == "__main__":
    sys.exit(main())
