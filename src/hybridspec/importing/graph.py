"""A Keras graph read into calls: one per layer call, nested models as one call or inlined.

Tensors are numbered as they are met; a call records the tensors it reads and yields, the
recurrent states it is given, and ``key``: what holds its weights, so that a layer called at
several places is recognized as shared. Imports Keras.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from ..specs import Block, Chain, SpecError, TimeDistributed
from . import custom_layers  # noqa: F401  (registers keras.applications' own layers)
from .layers import SPLITS, Layer, Parts, importer, to_block, unsupported
from .ops import Op, op_block

Shape = tuple[int | None, ...]
NUMBERS = itertools.count()


@attrs.define(eq=False)
class Call:
    """One call of a layer (or of several merged into a chain or branches)."""

    key: Any
    parts: tuple[Block, ...]
    ins: list[int]
    outs: list[int]
    name: str
    states: list[int] = attrs.field(factory=list)
    return_state: bool = False

    @property
    def block(self) -> Block:
        return self.parts[0] if len(self.parts) == 1 else Chain(blocks=self.parts)


@attrs.define
class Graph:
    """The calls of one model, its input and output tensors, and every tensor's shape."""

    inputs: list[int]
    outputs: list[int] = attrs.field(factory=list)
    calls: list[Call] = attrs.field(factory=list)
    shapes: dict[int, Shape] = attrs.field(factory=dict)


def read(model: Any, where: str = "") -> Graph:
    """The calls of ``model`` (a functional or built Sequential model)."""
    inputs = _model_inputs(model, where)
    graph = Graph([next(NUMBERS) for _ in inputs])
    for tensor, number in zip(inputs, graph.inputs, strict=True):
        graph.shapes[number] = tuple(tensor.shape)
    graph.outputs = _inline(graph, model, graph.inputs, where)
    return graph


def _model_inputs(model: Any, where: str) -> list[Any]:
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        inputs = []
    if not inputs:
        raise SpecError(where or model.name, "the model has no known inputs; build it on an Input first",
                        type(model).__name__)
    return inputs


def _inline(graph: Graph, model: Any, inputs: list[int], where: str) -> list[int]:
    """Add ``model``'s calls to ``graph`` reading ``inputs``; its output tensors' numbers."""
    known = {id(t): n for t, n in zip(model.inputs, inputs, strict=True)}
    try:
        nodes = _nodes(model)
    except Exception as exc:  # noqa: BLE001 (a construct the importer does not know)
        raise SpecError(where or model.name, f"cannot be imported: the importer failed reading its graph "
                        f"({type(exc).__name__}: {exc})", type(model).__name__) from exc
    for node in nodes:
        if not node.is_input:
            _call(graph, node, known, where)
    return [known[id(t)] for t in model.outputs]


def _nodes(model: Any) -> list[Any]:
    """The Keras nodes that make ``model``'s outputs, each after the nodes it reads."""
    done: dict[int, Any] = {}
    for tensor in model.outputs:
        stack = [(_producer(tensor), False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done[id(node)] = node
                continue
            stack.append((node, True))
            args, states, _ = _arguments(node)
            stack.extend((_producer(t), False) for t in reversed(args + states))
    return list(done.values())


def _producer(tensor: Any) -> Any:
    op, node_index, _ = tensor._keras_history
    return op._inbound_nodes[node_index]


def _arguments(node: Any) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """A call's input tensors, initial states and other keyword arguments; masks are left out,
    as a document's masks follow from its layers."""
    import keras

    def tensors(value: Any) -> list[Any]:
        return [t for t in keras.tree.flatten(value) if isinstance(t, keras.KerasTensor)]

    kwargs = {k: v for k, v in node.arguments.kwargs.items() if k != "mask"}
    args = list(node.arguments.args)
    names = _positional_names(node.operation)
    for name in names[len(args):]:  # query=q, value=v, key=k...
        if name not in kwargs or not tensors(kwargs[name]):
            break
        args.append(kwargs.pop(name))
    if "initial_state" in names[:len(args)]:  # rnn(x, states) given by position
        kwargs["initial_state"] = args.pop(names.index("initial_state"))
    states = tensors(kwargs.pop("initial_state", None))
    return tensors(args), states, kwargs


def _positional_names(op: Any) -> list[str]:
    """The names of the arguments ``op``'s call takes by position, in order."""
    import inspect

    try:
        params = inspect.signature(op.call).parameters.values()
    except (AttributeError, TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]


def _call(graph: Graph, node: Any, known: dict[int, int], where: str) -> None:
    """Read one call; where the importer itself fails, a SpecError names the layer."""
    try:
        _read_call(graph, node, known, where)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 (a construct the importer does not know)
        op = node.operation
        raise unsupported(f"{where}{op.name}", type(op).__name__,
                          f"the importer failed on it ({type(exc).__name__}: {exc})") from exc


def _read_call(graph: Graph, node: Any, known: dict[int, int], where: str) -> None:
    import keras

    op = node.operation
    here = f"{where}{op.name}"
    args, states, kwargs = _arguments(node)
    if any(isinstance(t, keras.KerasTensor) for t in keras.tree.flatten(list(kwargs.values()))):
        raise unsupported(here, type(op).__name__, "it is called with a tensor keyword argument")
    ins = [known[id(t)] for t in args]
    if isinstance(op, keras.Model):
        block = model_block(op, here + "/")
        if block is None:  # a graph: its calls join ours
            outs = _inline(graph, op, ins, here + "/")
            known.update({id(t): n for t, n in zip(node.output_tensors, outs, strict=True)})
            return
        call = Call(_weights(op), (block,), ins, [], op.name)
    elif not isinstance(op, keras.layers.Layer):  # x + y, ops.mean(x, axis=1), ...
        read = Op(op, here, list(node.arguments.args), lambda a: isinstance(a, keras.KerasTensor),
                  [graph.shapes[n] for n in ins], tuple(node.output_tensors[0].shape))
        call = Call(id(op), (op_block(read),), ins, [], op.name)
    else:
        ctx = Layer(op, here, [graph.shapes[n] for n in ins], ins, kwargs)
        split = SPLITS.get(ctx.cls)
        parts = split(ctx) if split is not None else None
        if parts is not None:
            _calls_of_parts(graph, node, parts, known)
            return
        call = Call(_weights(op), (to_block(ctx),), ctx.inputs, [], op.name,
                    [known[id(t)] for t in states], bool(getattr(op, "return_state", False)))
    for tensor in node.output_tensors:
        known[id(tensor)] = number = next(NUMBERS)
        graph.shapes[number] = tuple(tensor.shape)
        call.outs.append(number)
    graph.calls.append(call)


def _calls_of_parts(graph: Graph, node: Any, parts: Parts, known: dict[int, int]) -> None:
    """One layer call imported as several blocks in turn (see ``SPLITS``); the last yields the
    layer's output, the others keep their first input's shape."""
    op = node.operation
    out = -1
    for i, (block, reads) in enumerate(parts):
        ins = [out if r == -1 else r for r in reads]
        out = next(NUMBERS)
        last = i == len(parts) - 1
        graph.shapes[out] = tuple(node.output_tensors[0].shape) if last else graph.shapes[ins[0]]
        graph.calls.append(Call((id(op), i), (block,), ins, [out], op.name if last else f"{op.name}_{i}"))
    known[id(node.output_tensors[0])] = out


def _weights(layer: Any) -> Any:
    """What holds a layer's weights: a TimeDistributed layer's are its inner layer's, a
    model's are its layers'. Equal for two calls that share weights."""
    import keras

    if isinstance(layer, keras.Model):
        return tuple(_weights(inner) for inner in layer.layers if not isinstance(inner, keras.layers.InputLayer))
    return _weights(layer.layer) if type(layer).__name__ == "TimeDistributed" else id(layer)


def model_block(model: Any, where: str) -> Block | None:
    """A nested model as one block (a chain, branches...), or None where it is a graph."""
    from .patterns import fold_patterns
    from .simplify import simplify

    graph = read(model, where)
    fold_patterns(graph)
    simplify(graph)
    if len(graph.inputs) != 1 or len(graph.outputs) != 1 or len(graph.calls) != 1:
        return None
    (call,) = graph.calls
    if call.ins != graph.inputs or call.outs != graph.outputs or call.states or call.return_state:
        return None
    return call.block


@importer("TimeDistributed")
def _time_distributed(ctx: Layer) -> Block:
    import keras

    inner = ctx.layer.layer
    if isinstance(inner, keras.Model):
        block = model_block(inner, ctx.where + "/")
        if block is None:
            raise ctx.fail("the model it wraps is not one chain of blocks")
        return TimeDistributed(block=block)
    step = (ctx.shapes[0][0], *ctx.shapes[0][2:])
    return TimeDistributed(block=to_block(Layer(inner, ctx.where + ".layer", [step])))
