"""A torch.nn module for a LayerLab experiment, to load the weights that
`layerlab-cli export --run RUN_DIR --to weights.pt` writes.

    import json, torch
    from layerlab_net import LayerLabNet
    net = LayerLabNet(json.load(open("RUN_DIR/config.json")))
    net.load_state_dict(torch.load("weights.pt"))
    net.eval()
    probabilities = torch.softmax(net(images), dim=1)  # images: [N, 1, 28, 28] in [0, 1]

Layer i of the experiment is module i of this nn.Sequential, so the state
dict keys ("0.weight", "3.bias", ...) are the ones LayerLab writes. Padding
"same" follows TensorFlow: the odd pixel goes at the bottom and right.
"""
import torch
from torch import nn
import torch.nn.functional as F

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": F.elu,
    "gelu": F.gelu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: torch.softmax(x, dim=1),
}


def same_padding(x, kernel, stride, value=0.0):
    pads = []
    for size in (x.shape[3], x.shape[2]):  # F.pad wants width first
        total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)


class Conv2d(nn.Conv2d):
    def __init__(self, channels, layer):
        super().__init__(channels, layer["filters"], layer["kernel"], layer.get("stride", 1) or 1)
        self.same = layer.get("padding", "same") == "same"
        self.act = ACTIVATIONS[layer.get("activation", "linear")]

    def forward(self, x):
        if self.same:
            x = same_padding(x, self.kernel_size[0], self.stride[0])
        return self.act(super().forward(x))


class Pool2d(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.max = layer["type"] == "maxpool2d"
        self.kernel = layer.get("kernel", 2)
        self.stride = layer.get("stride", 0) or self.kernel
        self.same = layer.get("padding", "same") == "same"

    def forward(self, x):
        if self.max:
            if self.same:
                x = same_padding(x, self.kernel, self.stride, float("-inf"))
            return F.max_pool2d(x, self.kernel, self.stride)
        if not self.same:
            return F.avg_pool2d(x, self.kernel, self.stride)
        # TensorFlow averages over the real pixels only.
        ones = torch.ones_like(x[:1, :1])
        return (F.avg_pool2d(same_padding(x, self.kernel, self.stride), self.kernel, self.stride) /
                F.avg_pool2d(same_padding(ones, self.kernel, self.stride), self.kernel, self.stride))


class Dense(nn.Linear):
    def __init__(self, features, layer):
        super().__init__(features, layer["units"])
        self.act = ACTIVATIONS[layer.get("activation", "linear")]

    def forward(self, x):
        return self.act(super().forward(x.flatten(1)))


class Activation(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.act = ACTIVATIONS[layer["activation"]]

    def forward(self, x):
        return self.act(x)


class LayerLabNet(nn.Sequential):
    """forward() returns logits: like LayerLab, it leaves a final softmax to the loss."""

    def __init__(self, config):
        height, width, channels = config["model"]["input"]
        image = True
        layers = []
        specs = config["model"]["layers"]
        for index, layer in enumerate(specs):
            kind = layer["type"]
            if kind == "conv2d":
                layers.append(Conv2d(channels, layer))
                stride, kernel = layer.get("stride", 1) or 1, layer["kernel"]
                channels = layer["filters"]
            elif kind in ("maxpool2d", "avgpool2d"):
                layers.append(Pool2d(layer))
                kernel = layer.get("kernel", 2)
                stride = layer.get("stride", 0) or kernel
            elif kind == "batchnorm":
                layers.append(nn.BatchNorm2d(channels) if image else nn.BatchNorm1d(channels))
            elif kind == "flatten":
                layers.append(nn.Flatten())
                channels, image = height * width * channels if image else channels, False
            elif kind == "dense":
                layers.append(Dense(height * width * channels if image else channels, layer))
                channels, image = layer["units"], False
            elif kind == "dropout":
                enabled = layer.get("enabled", True)
                layers.append(nn.Dropout(layer.get("rate", 0.2)) if enabled else nn.Identity())
            elif kind == "activation":
                layers.append(Activation(layer))
            else:
                raise ValueError(f"layer {index + 1}: unknown type {kind!r}")
            if kind in ("conv2d", "maxpool2d", "avgpool2d") and image:
                if layer.get("padding", "same") == "same":
                    height, width = -(-height // stride), -(-width // stride)
                else:
                    height = (height - kernel) // stride + 1
                    width = (width - kernel) // stride + 1
            last = index == len(specs) - 1
            if last and layer.get("activation") == "softmax":
                # The final softmax belongs to the loss, as in LayerLab.
                if kind == "activation":
                    layers[-1] = nn.Identity()
                else:
                    layers[-1].act = ACTIVATIONS["linear"]
        super().__init__(*layers)
