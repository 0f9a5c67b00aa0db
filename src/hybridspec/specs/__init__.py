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
from .layers import Activation as Activation
from .layers import BatchNorm as BatchNorm
from .layers import Conv as Conv
from .layers import Dense as Dense
from .layers import Dropout as Dropout
from .layers import Embedding as Embedding
from .layers import Flatten as Flatten
from .layers import GlobalPool as GlobalPool
from .layers import LayerNorm as LayerNorm
from .layers import Masking as Masking
from .layers import Merge as Merge
from .layers import Permute as Permute
from .layers import Pool as Pool
from .layers import RepeatVector as RepeatVector
from .layers import Reshape as Reshape
from .layers import SeparableConv as SeparableConv
from .layers import SpatialDropout as SpatialDropout
from .layers import UpSampling as UpSampling
from .layers import ZeroPadding as ZeroPadding
from .limits import Limits as Limits
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
from .schema import json_schema as json_schema
from .train import TrainSpec as TrainSpec

__all__ = [
    "KINDS",
    "Block",
    "MaxNorm",
    "Regularizer",
    "Chain",
    "Parallel",
    "Residual",
    "TimeDistributed",
    "dump",
    "dumps",
    "load",
    "loads",
    "json_schema",
    "SpecError",
    "Activation",
    "BatchNorm",
    "Conv",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalPool",
    "LayerNorm",
    "Masking",
    "Merge",
    "Permute",
    "Pool",
    "RepeatVector",
    "Reshape",
    "SeparableConv",
    "SpatialDropout",
    "UpSampling",
    "ZeroPadding",
    "InputSpec",
    "ModelSpec",
    "Node",
    "Output",
    "GRU",
    "LSTM",
    "Bidirectional",
    "RecurrentStack",
    "SimpleRNN",
    "Attention",
    "Backbone",
    "ConvStack",
    "TrainSpec",
    "Limits",
]
