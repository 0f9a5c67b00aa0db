"""Example specs with their hand-written Keras twins, and invalid specs with the plain Keras code
that meets the same shape error. The specs are kept here (copies of the repository's
examples) so the benchmark does not change when the examples are edited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs


@attrs.frozen
class Twin:
    """A spec, the same model written by hand in Keras, and data to train it on."""

    name: str
    yaml: str
    hand: Callable[[], Any]
    batch: int = 32
    loss: str = "sparse_categorical_crossentropy"
    train: bool = True


MNIST_MLP = """\
name: mnist_mlp
inputs:
  image: {shape: [28, 28]}
body:
  - flatten
  - dense: {units: 256, activation: relu, kernel_regularizer: {l2: 0.0001}, kernel_constraint: {max_norm: 3}}
  - dropout: 0.3
  - dense: {units: 128, activation: relu}
  - batch_norm
  - dense: {units: 10, activation: softmax}
"""


def mnist_mlp() -> Any:
    import keras
    from keras import layers

    image = keras.Input(shape=(28, 28))
    x = layers.Flatten()(image)
    x = layers.Dense(256, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4),
                     kernel_constraint=keras.constraints.MaxNorm(3))(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    return keras.Model(image, layers.Dense(10, activation="softmax")(x))


IMDB_SENTIMENT = """\
name: imdb_sentiment
inputs:
  tokens: {shape: [200], dtype: int32}
body:
  - embedding: {vocab: 10000, dim: 64, mask_zero: true}
  - bidirectional: {lstm: {units: 32, dropout: 0.2}}
  - dense: {units: 32, activation: relu}
  - dropout: 0.5
  - dense: {units: 1, activation: sigmoid}
"""


def imdb_sentiment() -> Any:
    import keras
    from keras import layers

    tokens = keras.Input(shape=(200,), dtype="int32")
    x = layers.Embedding(10000, 64, mask_zero=True)(tokens)
    x = layers.Bidirectional(layers.LSTM(32, dropout=0.2))(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(tokens, layers.Dense(1, activation="sigmoid")(x))


INCEPTION_RESNET = """\
name: inception_resnet_cifar
inputs:
  image: {shape: [32, 32, 3]}
body:
  - conv: {filters: 32, kernel_size: 3, padding: same, activation: relu}
  - residual:
      - conv: {filters: 32, kernel_size: 3, padding: same, activation: relu}
      - conv: {filters: 32, kernel_size: 3, padding: same}
  - activation: relu
  - residual:
      body:
        - conv: {filters: 64, kernel_size: 3, strides: 2, padding: same, activation: relu}
        - conv: {filters: 64, kernel_size: 3, padding: same}
      shortcut:
        conv: {filters: 64, kernel_size: 1, strides: 2}
  - activation: relu
  - parallel:
      branches:
        - conv: {filters: 32, kernel_size: 1, padding: same, activation: relu}
        - - conv: {filters: 16, kernel_size: 1, padding: same, activation: relu}
          - conv: {filters: 32, kernel_size: 3, padding: same, activation: relu}
        - - pool: {size: 3, strides: 1, padding: same}
          - conv: {filters: 32, kernel_size: 1, padding: same, activation: relu}
      merge: concat
  - global_pool
  - dropout: 0.2
  - dense: {units: 10, activation: softmax}
"""


def inception_resnet() -> Any:
    import keras
    from keras import layers

    image = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    y = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(32, 3, padding="same")(y)
    x = layers.Activation("relu")(layers.Add()([y, x]))
    y = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    y = layers.Conv2D(64, 3, padding="same")(y)
    shortcut = layers.Conv2D(64, 1, strides=2)(x)
    x = layers.Activation("relu")(layers.Add()([y, shortcut]))
    a = layers.Conv2D(32, 1, padding="same", activation="relu")(x)
    b = layers.Conv2D(16, 1, padding="same", activation="relu")(x)
    b = layers.Conv2D(32, 3, padding="same", activation="relu")(b)
    c = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    c = layers.Conv2D(32, 1, padding="same", activation="relu")(c)
    x = layers.Concatenate()([a, b, c])
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(image, layers.Dense(10, activation="softmax")(x))


SEQ2SEQ = """\
name: seq2seq_translation
inputs:
  source: {shape: [null], dtype: int32}
  target: {shape: [null], dtype: int32}
nodes:
  source_embedded: {from: source, block: {embedding: {vocab: 2000, dim: 64, mask_zero: true}}}
  encoder: {from: source_embedded, block: {lstm: 128}, return_state: true}
  target_embedded: {from: target, block: {embedding: {vocab: 2000, dim: 64, mask_zero: true}}}
  decoder:
    from: target_embedded
    block: {lstm: {units: 128, return_sequences: true}}
    initial_state: [encoder.states]
outputs:
  next_token: {from: decoder, block: {dense: {units: 2000, activation: softmax}}}
"""


def seq2seq() -> Any:
    import keras
    from keras import layers

    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target = keras.Input(shape=(None,), dtype="int32", name="target")
    _, h, c = layers.LSTM(128, return_state=True)(layers.Embedding(2000, 64, mask_zero=True)(source))
    y = layers.LSTM(128, return_sequences=True)(layers.Embedding(2000, 64, mask_zero=True)(target),
                                                initial_state=[h, c])
    return keras.Model([source, target], {"next_token": layers.Dense(2000, activation="softmax")(y)})


TWINS = (
    Twin("mnist_mlp", MNIST_MLP, mnist_mlp, batch=128),
    Twin("imdb_sentiment", IMDB_SENTIMENT, imdb_sentiment, loss="binary_crossentropy"),
    Twin("inception_resnet_cifar", INCEPTION_RESNET, inception_resnet),
    Twin("seq2seq_translation", SEQ2SEQ, seq2seq, train=False),
)


@attrs.frozen
class ErrorCase:
    """An invalid spec, and the plain Keras program a user would write for the same model."""

    name: str
    yaml: str
    keras: str  # Python source; building the model raises Keras's error


BROKEN_RESIDUAL = ErrorCase("residual channel mismatch", """\
name: broken_residual
inputs:
  image: {shape: [32, 32, 3]}
body:
  - conv: {filters: 32, kernel_size: 3, padding: same, activation: relu}
  - residual:
      - conv: {filters: 64, kernel_size: 3, padding: same, activation: relu}
      - conv: {filters: 64, kernel_size: 3, padding: same}
  - global_pool
  - dense: {units: 10, activation: softmax}
""", """\
import keras
from keras import layers
image = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
y = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
y = layers.Conv2D(64, 3, padding="same")(y)
x = layers.Add()([y, x])
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(image, layers.Dense(10, activation="softmax")(x))
""")

BROKEN_STACK = ErrorCase("stacked LSTM without return_sequences", """\
name: broken_stack
inputs:
  tokens: {shape: [100], dtype: int32}
body:
  - embedding: {vocab: 5000, dim: 64}
  - lstm: {units: 64}
  - lstm: {units: 32}
  - dense: {units: 1, activation: sigmoid}
""", """\
import keras
from keras import layers
tokens = keras.Input(shape=(100,), dtype="int32")
x = layers.Embedding(5000, 64)(tokens)
x = layers.LSTM(64)(x)
x = layers.LSTM(32)(x)
model = keras.Model(tokens, layers.Dense(1, activation="sigmoid")(x))
""")

ERROR_CASES = (BROKEN_STACK, BROKEN_RESIDUAL)
