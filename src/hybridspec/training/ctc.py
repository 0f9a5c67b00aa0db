"""The CTC loss (``loss: ctc``) for (batch, time, classes) outputs (imports Keras when called).

Targets are integer label sequences of shape (batch, max_label_length): class ids 1 to
classes - 1, right-padded with 0. Id 0 is the CTC blank, so a label's length is its number of
non-zero ids, and no label may use class 0. Each label must fit in the output's time steps
(with a blank between repeated ids). A linear output is read as logits with Keras's
``keras.losses.CTC``; a softmax output as probabilities, whose log is passed to the same loss.
"""

from __future__ import annotations

from typing import Any

from .check import CTC, OutputPlan


def _on_probabilities(y_true: Any, y_pred: Any) -> Any:
    """CTC on softmax probabilities: their log are logits whose log-softmax is themselves."""
    import keras

    return keras.losses.ctc(y_true, keras.ops.log(y_pred + keras.config.epsilon()))


def loss(out: OutputPlan) -> Any:
    import keras

    return keras.losses.CTC() if out.from_logits else _on_probabilities


def make_savable(model: Any, plans: dict[str, OutputPlan]) -> None:
    """A CTC loss on probabilities is not a stock Keras object, so a saved file holding it would
    not load where hybridspec is not imported: compile such a model again without a loss (same
    optimizer) before saving. Compile it yourself to train the loaded model further."""
    if any(p.loss == CTC and not p.from_logits for p in plans.values()):
        model.compile(optimizer=model.optimizer)
