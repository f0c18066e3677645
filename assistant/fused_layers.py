"""oneDNN linear layers with prepacked bfloat16 weights and GELU fused in, for embedding on a CPU."""

from __future__ import annotations

from typing import Callable

import torch

# A copy of every nn.Linear's weight is reordered once into oneDNN's blocked layout, which
# torch's own bfloat16 linear otherwise redoes on every call, and the bias and a following GELU
# are applied in the same kernel instead of as separate passes over the activations (a BERT
# layer's feed-forward output is 4x the hidden size). These are the ops torch's compiler emits
# for the same model on a CPU; called directly they need no compiler and no warm-up.
# Measured on 3,072 chunks, two runs each: 140 chunks/s against 114.5 for the stock layers.


class PackedLinear(torch.nn.Module):
    def __init__(self, linear: torch.nn.Linear, activation: str = "none"):
        super().__init__()
        self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
        self.bias = None if linear.bias is None else linear.bias.detach()
        self.activation = activation
        # GELU's variant: "none" is the exact (erf) one, the only one fused here.
        self.algorithm = "none" if activation == "gelu" else ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, self.activation, [], self.algorithm)


class LinearGelu(torch.nn.Module):
    """A module computing GELU(dense(x)) (BERT's "intermediate" block), as one fused layer."""

    def __init__(self, block: torch.nn.Module):
        super().__init__()
        self.fused = PackedLinear(block.dense, "gelu")

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.fused(hidden_states)


def available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


def exact_gelu_block(module: torch.nn.Module) -> bool:
    """A dense layer followed by exact GELU and nothing else, as transformers' BERT-family blocks are."""
    dense, act = getattr(module, "dense", None), getattr(module, "intermediate_act_fn", None)
    if not isinstance(dense, torch.nn.Linear) or act is None or len(list(module.children())) > 2:
        return False
    gelu = getattr(act, "act", act)  # transformers wraps torch's gelu in GELUActivation
    return gelu is torch.nn.functional.gelu or (isinstance(act, torch.nn.GELU) and act.approximate == "none")


def fuse(model: torch.nn.Module) -> Callable[[], None]:
    """Swap the model's bfloat16 linear layers for packed ones, in place; returns the undo."""
    swapped: list[tuple[torch.nn.Module, str, torch.nn.Module]] = []

    def visit(parent: torch.nn.Module) -> None:
        for name, child in list(parent.named_children()):
            if exact_gelu_block(child) and child.dense.weight.dtype == torch.bfloat16:
                replacement: torch.nn.Module | None = LinearGelu(child)
            elif isinstance(child, torch.nn.Linear) and child.weight.dtype == torch.bfloat16:
                replacement = PackedLinear(child)
            else:
                replacement = None
                visit(child)
            if replacement is not None:
                swapped.append((parent, name, child))
                setattr(parent, name, replacement)

    visit(model)

    def undo() -> None:
        for parent, name, original in reversed(swapped):
            setattr(parent, name, original)

    return undo
