"""Pure data: the spec classes, their documents and their schema. No TensorFlow here."""

from .base import KINDS as KINDS
from .base import Block as Block
from .base import MaxNorm as MaxNorm
from .base import Regularizer as Regularizer
from .compose import Chain as Chain
from .compose import Parallel as Parallel
from .compose import Residual as Residual
from .compose import TimeDistributed as TimeDistributed
from .documents import dump as dump
from .documents import dumps as dumps
from .documents import load as load
from .documents import loads as loads
from .errors import SpecError as SpecError
from .layers import (
    Activation as Activation, BatchNorm as BatchNorm, Conv as Conv, Dense as Dense,
    Dropout as Dropout, Embedding as Embedding, Flatten as Flatten, GlobalPool as GlobalPool,
    LayerNorm as LayerNorm, Masking as Masking, Merge as Merge, Permute as Permute,
    Pool as Pool, RepeatVector as RepeatVector, Reshape as Reshape,
    SeparableConv as SeparableConv, SpatialDropout as SpatialDropout,
    UpSampling as UpSampling, ZeroPadding as ZeroPadding,
)
from .model import InputSpec as InputSpec
from .model import ModelSpec as ModelSpec
from .model import Node as Node
from .model import Output as Output
from .recurrent import GRU as GRU
from .recurrent import LSTM as LSTM
from .recurrent import Bidirectional as Bidirectional
from .recurrent import RecurrentStack as RecurrentStack
from .recurrent import SimpleRNN as SimpleRNN
from .reusable import Attention as Attention
from .reusable import Backbone as Backbone
from .reusable import ConvStack as ConvStack
