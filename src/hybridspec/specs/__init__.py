"""Pure data: the spec classes, their documents and their schema. No TensorFlow here."""

from . import library as library  # noqa: E402  (registers the definition hooks)
from .base import KINDS as KINDS
from .base import Block as Block
from .base import MaxNorm as MaxNorm
from .base import Regularizer as Regularizer
from .compose import Chain as Chain
from .compose import Parallel as Parallel
from .compose import Residual as Residual
from .compose import TimeDistributed as TimeDistributed
from .convolutional import ConvLSTM as ConvLSTM
from .convolutional import ConvTranspose as ConvTranspose
from .convolutional import Cropping as Cropping
from .convolutional import DepthwiseConv as DepthwiseConv
from .definitions import Definition as Definition
from .definitions import ParamSpec as ParamSpec
from .definitions import Use as Use
from .definitions import use as use
from .documents import dump as dump
from .documents import dumps as dumps
from .documents import load as load
from .documents import loads as loads
from .errors import SpecError as SpecError
from .layers import Activation as Activation
from .layers import AdaptivePool as AdaptivePool
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
from .repeat import Repeat as Repeat
from .reusable import Attention as Attention
from .reusable import Backbone as Backbone
from .reusable import ConvStack as ConvStack
from .schema import json_schema as json_schema
from .train import TrainSpec as TrainSpec
from .values import Param as Param
from .values import Unbound as Unbound
from .values import param as param

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
    "AdaptivePool",
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
    "Param",
    "Unbound",
    "param",
    "Definition",
    "ParamSpec",
    "Use",
    "use",
    "Repeat",
    "ConvLSTM",
    "ConvTranspose",
    "Cropping",
    "DepthwiseConv",
    "Limits",
]

from .augment import CLAHE as CLAHE
from .augment import AugMix as AugMix
from .augment import AutoContrast as AutoContrast
from .augment import RandAugment as RandAugment
from .augment import RandomColorDegeneration as RandomColorDegeneration
from .augment import RandomColorJitter as RandomColorJitter
from .augment import RandomElasticTransform as RandomElasticTransform
from .augment import RandomErasing as RandomErasing
from .augment import RandomGaussianBlur as RandomGaussianBlur
from .augment import RandomGrayscale as RandomGrayscale
from .augment import RandomHue as RandomHue
from .augment import RandomInvert as RandomInvert
from .augment import RandomPerspective as RandomPerspective
from .augment import RandomPosterization as RandomPosterization
from .augment import RandomSaturation as RandomSaturation
from .augment import RandomSharpness as RandomSharpness
from .augment import RandomShear as RandomShear
from .augment import Solarization as Solarization
from .preprocessing import CenterCrop as CenterCrop
from .preprocessing import Normalization as Normalization
from .preprocessing import RandomBrightness as RandomBrightness
from .preprocessing import RandomContrast as RandomContrast
from .preprocessing import RandomCrop as RandomCrop
from .preprocessing import RandomFlip as RandomFlip
from .preprocessing import RandomRotation as RandomRotation
from .preprocessing import RandomTranslation as RandomTranslation
from .preprocessing import RandomZoom as RandomZoom
from .preprocessing import Rescaling as Rescaling
from .preprocessing import Resizing as Resizing
from .stock import ActivityRegularization as ActivityRegularization
from .stock import AlphaDropout as AlphaDropout
from .stock import GaussianDropout as GaussianDropout
from .stock import GaussianNoise as GaussianNoise
from .stock import GroupNorm as GroupNorm
from .stock import Identity as Identity
from .stock import PReLU as PReLU
from .stock import RMSNorm as RMSNorm
from .stock import UnitNorm as UnitNorm

__all__ += [
    "CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
    "ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise", "GroupNorm",
    "Identity", "PReLU", "RMSNorm", "UnitNorm",
    "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness", "RandomInvert", "RandomColorDegeneration", "RandomPosterization", "RandomColorJitter", "RandomGaussianBlur", "RandomErasing", "RandomShear", "RandomPerspective", "RandomElasticTransform", "Solarization", "AutoContrast", "CLAHE", "RandAugment", "AugMix",
]


def _tolerate_unbound() -> None:
    """Cross-field checks of the non-block spec classes wait for unbound values too."""
    from .schema import _data_classes
    from .values import tolerant

    for cls in _data_classes():
        tolerant(cls)


_tolerate_unbound()

from . import search as search  # noqa: E402 (registers the search-node parsers)
