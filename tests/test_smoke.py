import hybridspec


def test_imports():
    assert hybridspec.__doc__
