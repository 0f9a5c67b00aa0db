"""hybridspec: typed block specs for hybrid Keras models."""
